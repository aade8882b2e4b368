"""`analyze import PATH...`: local feed XML, HTML pages, plain text and JSONL
({"url","title","published","text"} per line) into the same store with the same dedupe.

Library entry point: `import_paths(db, paths, *, source=None, progress=False) -> dict`.
A bad file gets a one-line error naming it and is skipped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from analyzer import store
from analyzer.collect.articles import StoreCounts, finish_row, html_to_text, parse_timestamp, store_articles
from analyzer.collect.parse import entries_to_rows, parse_feed
from analyzer.errors import AnalyzerError
from analyzer.records import ImportSummary

FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
BATCH = 500


class BadFile(Exception):
    """One file that cannot be imported; the message says why."""


def _kind(path: Path, head: bytes) -> str:
    s = path.suffix.lower()
    if s in FEED_SUFFIXES:
        return "feed"
    if s in HTML_SUFFIXES:
        return "html"
    if s in JSONL_SUFFIXES:
        return "jsonl"
    if s in TEXT_SUFFIXES:
        return "text"
    sniff = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sniff.startswith(b"{"):
        return "jsonl"
    if sniff.startswith(b"<"):
        if b"<html" in sniff[:2000] or b"<!doctype html" in sniff[:200]:
            return "html"
        return "feed"
    return "text"


def _feed_rows(path: Path, data: bytes, source: str, now: str) -> list[dict]:
    parsed = parse_feed(data, content_type="application/xml", base_url=None)
    if not parsed.is_feed:
        raise BadFile(f"not an RSS/Atom feed ({parsed.bozo_reason or 'no feed elements'})")
    rows = entries_to_rows(parsed, feed_id=None, source=source, now=now)
    if not rows and parsed.bozo:
        raise BadFile(f"malformed feed with no usable entries ({parsed.bozo_reason})")
    return rows


def _html_rows(path: Path, data: bytes, source: str, now: str) -> list[dict]:
    import lxml.html

    from analyzer.collect.fulltext import extract_page

    try:
        doc = lxml.html.document_fromstring(data)
    except Exception as exc:
        raise BadFile(f"not readable HTML ({exc})") from None
    url = None
    for link in doc.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            url = link.get("href").strip()
    if not url:
        for m in doc.iter("meta"):
            if m.get("property") == "og:url" and m.get("content"):
                url = m.get("content").strip()
    title = None
    for m in doc.iter("meta"):
        if m.get("property") == "og:title" and m.get("content"):
            title = m.get("content").strip()
    if not title:
        t = doc.find(".//title")
        title = t.text_content().strip() if t is not None else None
    page = extract_page(data, url or path.resolve().as_uri())
    text = page.text
    if not text:
        body = doc.find(".//body")
        text = html_to_text(lxml.html.tostring(body, encoding="unicode")) if body is not None else None
    if not text and not title:
        raise BadFile("HTML page has no title and no text")
    row = {
        "source": source,
        "url": url,
        "title": title,
        "content": text,
        "language": page.language,
        "published_at": page.published_at,
        "published_raw": page.published_raw,
        "full_text_status": "ok" if page.status == "ok" else page.status,
        "full_text_error": page.error,
    }
    if page.published_at:
        row["timestamp_source"] = "page"
    row = finish_row(row, now)
    return [row] if row else []


def _text_rows(path: Path, data: bytes, source: str, now: str) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("plain text is not UTF-8") from None
    if "\x00" in text:
        raise BadFile("binary data, not text")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadFile("empty file")
    row = finish_row({"source": source, "title": lines[0][:300], "content": "\n".join(lines)}, now)
    return [row] if row else []


def _jsonl_rows(path: Path, data: bytes, source: str, now: str, errors: list[str]) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("JSONL is not UTF-8") from None
    stripped = text.strip()
    if stripped.startswith("["):  # a JSON array of the same objects is accepted too
        try:
            items = list(enumerate(json.loads(stripped), 1))
        except json.JSONDecodeError as exc:
            raise BadFile(f"not valid JSON ({exc})") from None
    else:
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                errors.append(f"{path}:{n}: not valid JSON ({exc.msg}); line skipped")
    rows = []
    for n, obj in items:
        if not isinstance(obj, dict):
            errors.append(f"{path}:{n}: expected an object with url, title, published, text; line skipped")
            continue
        text_ = obj.get("text") or obj.get("content")
        raw = obj.get("published") or obj.get("published_at")
        published_at = parse_timestamp(str(raw)) if raw else None
        if raw and not published_at:
            errors.append(f"{path}:{n}: unreadable published timestamp {raw!r}; using the import time")
        row = {
            "source": source,
            "url": obj.get("url"),
            "guid": obj.get("guid") or obj.get("id"),
            "title": obj.get("title"),
            "author": obj.get("author"),
            "summary": obj.get("summary"),
            "content": text_,
            "language": obj.get("language"),
            "published_at": published_at,
            "published_raw": str(raw) if raw else None,
        }
        if row["guid"] is not None:
            row["guid"] = str(row["guid"])
        row = finish_row(row, now)
        if row is None:
            errors.append(f"{path}:{n}: no url, title or text; line skipped")
            continue
        rows.append(row)
    if not rows:
        raise BadFile("no usable JSONL records")
    return rows


def _expand(paths) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith(".")))
        else:
            out.append(p)
    return out


def import_paths(
    db: sqlite_utils.Database, paths, *, source: str | None = None, progress: bool = False, on_error=None
) -> ImportSummary:
    """Import files (folders are walked). `source` overrides the articles' source (default
    "import:<file name>"). Returns an ImportSummary (errors: one line each). `on_error(line)` is called for
    each problem as it happens."""
    files = _expand(paths if isinstance(paths, (list, tuple)) else [paths])
    if not files:
        raise AnalyzerError("import: no files given")
    summary: dict[str, Any] = {
        "files": len(files),
        "files_ok": 0,
        "files_failed": 0,
        "articles_new": 0,
        "articles_updated": 0,
        "articles_duplicate": 0,
        "errors": [],
    }

    def report(line: str) -> None:
        summary["errors"].append(line)
        if on_error:
            on_error(line)

    t0 = time.perf_counter()
    with store.record_run(db, "import", {"paths": [str(p) for p in files], "source": source}) as run:
        it = files
        if progress:
            from tqdm import tqdm

            it = tqdm(files, unit="file", desc="import", dynamic_ncols=True)
        for path in it:
            now = store.utcnow()
            src = source or f"import:{path.name}"
            line_errors: list[str] = []
            try:
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise BadFile(f"cannot read ({exc.strerror or exc})") from None
                kind = _kind(path, data[:4096])
                if kind == "feed":
                    rows = _feed_rows(path, data, src, now)
                elif kind == "html":
                    rows = _html_rows(path, data, src, now)
                elif kind == "jsonl":
                    rows = _jsonl_rows(path, data, src, now, line_errors)
                else:
                    rows = _text_rows(path, data, src, now)
            except BadFile as exc:
                report(f"{path}: {exc}; skipped")
                summary["files_failed"] += 1
                continue
            for line in line_errors:
                report(line)
            counts = StoreCounts()
            for i in range(0, len(rows), BATCH):
                with store.transaction(db):
                    c, _ = store_articles(db, rows[i : i + BATCH], now)
                counts.add(c)
            summary["files_ok"] += 1
            summary["articles_new"] += counts.new
            summary["articles_updated"] += counts.updated
            summary["articles_duplicate"] += counts.duplicate
        summary["elapsed_s"] = round(time.perf_counter() - t0, 3)
        run.counts = {k: (len(v) if k == "errors" else v) for k, v in summary.items()}
        result = ImportSummary(**{**summary, "errors": tuple(summary["errors"])}, run_id=run.id)
    return result
