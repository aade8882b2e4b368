"""`analyze import PATH...`: local feed XML, HTML pages, plain text, JSONL and CSV into the same
store with the same dedupe. Any of them may be gzip-compressed (`archive.jsonl.gz`).

JSONL holds one object per line (a JSON array of them is read too) and CSV one row per article
under a header, with the fields `url`, `title`, `published`, `text` (and, optionally, `summary`,
`author`, `guid` or `id`, `language`; `content` stands for `text`, `published_at` for
`published`, `description` (an RSS item's summary) for `summary`). `columns` maps other names
onto these ({"title": "headline"}).

Every line is checked: a wrongly typed field, unreadable JSON or an impossible timestamp rejects
that line with `file:line: reason` and costs nothing else. Nothing is guessed: a time without a
UTC offset or a date alone is read only with `timezone`, an item without a date only with
`undated` ("now": the time of import; "skip": leave it out). A file that cannot be read at all
gets a one-line error naming it and is skipped.

Library entry point: `import_paths(db, paths, ...) -> ImportSummary`.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError

from analyzer import store
from analyzer.collect.articles import (
    UNDATED,
    UNIQUE_KEYS,
    BadItem,
    Items,
    StoreCounts,
    UndatedSkipped,
    finish_row,
    html_to_text,
    stamp,
    store_articles,
)
from analyzer.collect.dates import BadDate, zone
from analyzer.collect.parse import entries_to_rows, parse_feed
from analyzer.errors import AnalyzerError
from analyzer.groups import Groups
from analyzer.records import ImportSummary, Rejected

FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
GZIP_MAGIC = b"\x1f\x8b"
MAX_UNPACKED = 1 << 31  # a compressed file that unpacks to more is refused (a gzip bomb, or a mistake)
SQLITE_MAGIC = b"SQLite format 3\x00"
BATCH = 500
MAX_FIELD = 1 << 28

# The fields of an article in JSONL and CSV; the second name of a pair is an alias.
FIELDS = ("url", "title", "published", "text", "summary", "author", "guid", "language")
ALIASES = {"content": "text", "published_at": "published", "id": "guid", "description": "summary"}


class BadFile(Exception):
    """One file that cannot be imported; the message says why."""


def is_sqlite(path: Path) -> bool:
    """Whether `path` is an SQLite database (say, `analyze import t.db my.jsonl` meant --db t.db)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _suffix(path: Path) -> str:
    """The suffix that says the format: `.jsonl` for both `a.jsonl` and `a.jsonl.gz`."""
    s = path.suffix.lower()
    return Path(path.stem).suffix.lower() if s == ".gz" else s


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(MAX_UNPACKED + 1)
    except (OSError, EOFError) as exc:
        raise BadFile(f"gzip-compressed but cannot be unpacked ({exc})") from None
    if len(out) > MAX_UNPACKED:
        raise BadFile(f"unpacks to more than {MAX_UNPACKED >> 30} GiB; split it into smaller files")
    return out


def _kind(path: Path, head: bytes) -> str:
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    s = _suffix(path)
    if s in FEED_SUFFIXES:
        return "feed"
    if s in HTML_SUFFIXES:
        return "html"
    if s in JSONL_SUFFIXES:
        return "jsonl"
    if s in CSV_SUFFIXES:
        return "csv"
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


def parse_columns(spec: str | dict | None) -> dict[str, str]:
    """`title=headline,published=date` (or a dict) as {field: column}; AnalyzerError naming a bad pair."""
    if not spec:
        return {}
    pairs = spec.items() if isinstance(spec, dict) else (p.partition("=")[::2] for p in spec.split(",") if p.strip())
    out: dict[str, str] = {}
    for name, column in pairs:
        name, column = name.strip().lower(), column.strip()
        name = ALIASES.get(name, name)
        if name not in FIELDS or not column:
            raise AnalyzerError(
                f"--columns {spec!r}: expected FIELD=COLUMN pairs, FIELD one of {', '.join(FIELDS)} "
                "(e.g. title=headline,published=date,text=body)"
            )
        out[name] = column
    return out


@dataclass(frozen=True)
class Reader:
    """Turns one file's items into article rows under one set of rules (time zone, undated, columns)."""

    source: str
    now: str
    timezone: str | None = None
    undated: str | None = None
    columns: dict[str, str] = dataclasses.field(default_factory=dict)

    def item(self, items: Items, origin: str, where: str, make: Callable[[], dict | None]) -> None:
        """Add the row `make()` builds, or the reason it cannot be built."""
        try:
            row = make()
        except UndatedSkipped:
            items.undated_skipped += 1
            return
        except (BadItem, BadDate) as exc:
            items.reject(origin, where, str(exc))
            return
        except BadFile:
            raise
        except Exception as exc:  # never expected, but one item's surprise costs that item only
            items.reject(origin, where, f"{type(exc).__name__}: {exc}")
            return
        if row is None:
            items.reject(origin, where, "no url, title or text")
            return
        items.rows.append(row)

    # --- JSONL and CSV --------------------------------------------------------------------------

    def record_row(self, obj: dict) -> dict | None:
        """An article row from one JSONL object or CSV row (field names already mapped)."""
        try:
            item = ArticleIn.model_validate(obj)
        except ValidationError as exc:
            raise BadItem(_validation_reason(exc)) from None
        row = {
            "source": self.source,
            "url": _clean(item.url),
            "guid": _clean(None if item.guid is None else str(item.guid)),
            "title": _clean(item.title),
            "author": _clean(", ".join(item.author) if isinstance(item.author, list) else item.author),
            "summary": _clean(item.summary),
            "content": _clean(item.text),
            "language": _clean(item.language),
        }
        stamp(row, _clean(item.published), now=self.now, timezone=self.timezone, undated=self.undated)
        return finish_row(row, self.now)

    def mapped(self, obj: dict) -> dict:
        """`obj` with the user's column names and the aliases mapped onto the field names."""
        out = {k: v for k, v in obj.items() if k not in self.columns.values()}
        for name, column in self.columns.items():
            if column in obj:
                out[name] = obj[column]
        for alias, name in ALIASES.items():
            if alias in out:
                value = out.pop(alias)
                if out.get(name) in (None, ""):
                    out[name] = value
        return out


def _validation_reason(exc) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if not isinstance(p, int)) or "line"
        got = err.get("input")
        got_s = f" (got {type(got).__name__} {json.dumps(got, default=str)[:60]})" if loc != "line" else ""
        parts.append(f"{loc}: {err['msg'].lower()}{got_s}")
    return "; ".join(dict.fromkeys(parts))


class ArticleIn(BaseModel):
    """One JSONL line or CSV row: every field optional, each of one type; nothing is coerced."""

    model_config = ConfigDict(strict=True, extra="ignore")

    url: StrictStr | None = None
    title: StrictStr | None = None
    published: StrictStr | None = None
    text: StrictStr | None = None
    summary: StrictStr | None = None
    author: StrictStr | list[StrictStr] | None = None
    guid: StrictStr | StrictInt | None = None
    language: StrictStr | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(f"{what} is not UTF-8 (byte {exc.start}); save it as UTF-8") from None


def _jsonl_items(path: Path, data: bytes, reader: Reader) -> Items:
    text = _decode(data, "JSONL")
    items = Items()
    stripped = text.strip()
    if not stripped:
        raise BadFile("empty file")
    entries: list[tuple[str, Any]] = []
    array = None
    if stripped.startswith("["):  # a JSON array of the same objects is accepted too
        try:
            array = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):
            pass  # not one array: JSON Lines whose first line is not an object, each line on its own
    if isinstance(array, list):
        entries = [(f"{path} item {n}", obj) for n, obj in enumerate(array, 1)]
    else:
        # Lines end at \n (JSON Lines); a U+2028 or form feed inside a string is part of its line.
        for n, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                entries.append((f"{path}:{n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                items.reject(path, f"{path}:{n}", f"not valid JSON ({exc.msg} at column {exc.colno})")
            except RecursionError:
                items.reject(path, f"{path}:{n}", "not valid JSON (nested too deeply)")
    for where, obj in entries:
        if not isinstance(obj, dict):
            items.reject(path, where, f"expected an object with {', '.join(FIELDS[:4])}; got {type(obj).__name__}")
            continue
        reader.item(items, str(path), where, partial(reader.record_row, reader.mapped(obj)))
    return items


def _csv_items(path: Path, data: bytes, reader: Reader) -> Items:
    """CSV with a header row; column names are matched without regard to case."""
    text = _decode(data, "CSV")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=CSV_SUFFIXES.get(_suffix(path), ","))
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise BadFile("empty file") from None
    except csv.Error as exc:
        raise BadFile(f"not valid CSV ({exc})") from None
    keys = [h.lower() for h in header]
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))  # an article's text is longer than csv's 128 KB
    mapping = replace(reader, columns={f: c.lower() for f, c in reader.columns.items()})
    missing = [c for c in mapping.columns.values() if c not in keys]
    if missing:
        raise BadFile(f"no column {', '.join(map(repr, missing))} (the header has {', '.join(header)[:200]})")
    fields = set(mapping.mapped(dict.fromkeys(keys, "x")))
    if not fields & {"url", "title", "text"}:
        raise BadFile(
            f"the columns {', '.join(header)[:200]} include none of url, title, text; name them in the "
            "header, or map yours with --columns (e.g. --columns title=headline,published=date,text=body)"
        )
    if "published" not in fields and reader.undated is None:
        raise BadFile("no published column; map one with --columns published=COLUMN, or pass --undated now|skip")
    items = Items()
    line = rows.line_num
    while True:
        where = f"{path}:{line + 1}"
        try:
            values = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            items.reject(path, where, f"not valid CSV ({exc})")
            line = rows.line_num
            continue
        line = rows.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(keys):
            items.reject(path, where, f"{len(values)} values for {len(keys)} columns")
            continue
        obj = dict(zip(keys, values))
        reader.item(items, str(path), where, partial(mapping.record_row, mapping.mapped(obj)))
    return items


# --- feeds, pages, text ---------------------------------------------------------------------------


def _feed_items(path: Path, data: bytes, reader: Reader) -> Items:
    try:
        parsed = parse_feed(data, content_type="application/xml", base_url=None)
    except Exception as exc:  # feedparser's own failures (a NUL in the encoding name, say)
        raise BadFile(f"not a readable feed ({type(exc).__name__}: {exc})"[:300]) from None
    if not parsed.is_feed:
        raise BadFile(f"not an RSS/Atom feed ({parsed.bozo_reason or 'no feed elements'})")
    items = entries_to_rows(
        parsed,
        feed_id=None,
        source=reader.source,
        now=reader.now,
        origin=str(path),
        timezone=reader.timezone,
        undated=reader.undated,
    )
    if not items.rows and not items.rejected and parsed.bozo:
        raise BadFile(f"malformed feed with no usable entries ({parsed.bozo_reason})")
    return items


def _html_row(path: Path, data: bytes, reader: Reader) -> dict | None:
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
        "source": reader.source,
        "url": url,
        "title": title,
        "content": text,
        "language": page.language,
        "full_text_status": "ok" if page.status == "ok" else page.status,
        "full_text_error": page.error,
    }
    stamp(row, page.published_raw, now=reader.now, timezone=reader.timezone, undated=reader.undated)
    if row.get("published_at"):
        row["timestamp_source"] = "page"
    return finish_row(row, reader.now)


def _text_row(path: Path, data: bytes, reader: Reader) -> dict | None:
    text = _decode(data, "plain text")
    if "\x00" in text:
        raise BadFile("binary data, not text")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadFile("empty file")
    row = {"source": reader.source, "title": lines[0][:300], "content": "\n".join(lines)}
    stamp(row, None, now=reader.now, timezone=reader.timezone, undated=reader.undated)
    return finish_row(row, reader.now)


def read_file(path: Path, data: bytes, reader: Reader) -> Items:
    """The articles of one file, and the items it rejected. BadFile when the file cannot be read."""
    if data.startswith(GZIP_MAGIC):
        data = _gunzip(data)
    kind = _kind(path, data[:4096])
    if kind == "sqlite":
        raise BadFile("an SQLite database, not a file to import (to import into it, pass it as --db)")
    if kind == "feed":
        return _feed_items(path, data, reader)
    if kind == "jsonl":
        return _jsonl_items(path, data, reader)
    if kind == "csv":
        return _csv_items(path, data, reader)
    items = Items()
    make = _html_row if kind == "html" else _text_row
    reader.item(items, str(path), str(path), lambda: make(path, data, reader))
    return items


def _expand(paths) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith(".")))
        else:
            out.append(p)
    return out


def last_versions(rows: list[dict]) -> list[dict]:
    """One row per article, the file's last version of it, in the file's order. Rows are one
    article when they share an id, guid, canonical URL or content hash (as the store matches
    them). An archive that holds an item several times (a feed crawled repeatedly, a story
    re-filed under a new URL) then stores that last version once, and a re-import finds it
    unchanged instead of stepping through the older versions again."""
    groups = Groups(len(rows))
    first_with: dict[tuple[str, str], int] = {}
    for k, row in enumerate(rows):
        for key in ("id", *UNIQUE_KEYS):
            value = row.get(key)
            if value:
                groups.union(k, first_with.setdefault((key, value), k))
    last = {groups.find(k): k for k in range(len(rows))}
    return [row for k, row in enumerate(rows) if last[groups.find(k)] == k]


def import_paths(
    db: sqlite_utils.Database,
    paths,
    *,
    source: str | None = None,
    progress: bool = False,
    on_error: Callable[[str], Any] | None = None,
    timezone: str | None = None,
    undated: str | None = None,
    columns: str | dict | None = None,
) -> ImportSummary:
    """Import files (folders are walked). Returns an ImportSummary; the run is recorded in `runs`
    and rejected items in `rejected_items`.

    `source` overrides the articles' source (default "import:<file name>"). `timezone` (an IANA
    name) reads times without a UTC offset and dates alone (as the end of that day); `undated`
    ("now" or "skip") says what to do with items without a date; without them such items are
    rejected. `columns` maps CSV/JSONL names onto the fields ("title=headline,published=date").
    `on_error(line)` is called for each file skipped, as it happens.
    """
    files = _expand(paths if isinstance(paths, (list, tuple)) else [paths])
    if not files:
        raise AnalyzerError("import: no files given")
    if timezone is not None:
        try:
            zone(timezone)
        except BadDate as exc:
            raise AnalyzerError(f"--timezone: {exc}") from None
    if undated is not None and undated not in UNDATED:
        raise AnalyzerError(f"--undated {undated!r}: expected one of {', '.join(UNDATED)}")
    mapping = parse_columns(columns)
    counts: dict[str, Any] = dict.fromkeys(
        ("files_ok", "files_failed", "articles_new", "articles_updated", "articles_duplicate", "items_undated"), 0
    )
    errors: list[str] = []
    rejected: list[Rejected] = []

    def report(line: str) -> None:
        errors.append(line)
        if on_error:
            on_error(line)

    db_path = db.execute("pragma database_list").fetchone()[2]
    args = {
        "paths": [str(p) for p in files],
        "source": source,
        "timezone": timezone,
        "undated": undated,
        "columns": mapping or None,
    }
    t0 = time.perf_counter()
    with store.record_run(db, "import", args) as run:
        it = files
        if progress:
            from tqdm import tqdm

            it = tqdm(files, unit="file", desc="import", dynamic_ncols=True)
        for path in it:
            now = store.utcnow()
            reader = Reader(
                source=source or f"import:{path.name}", now=now, timezone=timezone, undated=undated, columns=mapping
            )
            try:
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise BadFile(f"cannot read ({exc.strerror or exc})") from None
                items = read_file(path, data, reader)
            except BadFile as exc:
                report(f"{path}: {exc}; skipped")
                counts["files_failed"] += 1
                continue
            stored = StoreCounts()
            rows = last_versions(items.rows)
            stored.duplicate += len(items.rows) - len(rows)
            try:
                for i in range(0, len(rows), BATCH):
                    with store.transaction(db):
                        c, _ = store_articles(db, rows[i : i + BATCH], now)
                    stored.add(c)
                with store.transaction(db):
                    store.record_rejected(db, run.id, items.rejected)
            except sqlite3.DatabaseError as exc:
                hint = "; is the disk full?" if store.cannot_write(exc) else ""
                raise AnalyzerError(
                    f"{db_path}: cannot store the articles of {path} ({exc}{hint}); stopped there, "
                    "what was stored before is kept"
                ) from None
            rejected.extend(items.rejected)
            counts["items_undated"] += items.undated_skipped
            counts["articles_new"] += stored.new
            counts["articles_updated"] += stored.updated
            counts["articles_duplicate"] += stored.duplicate
            if items.rows or items.undated_skipped or not items.rejected:
                counts["files_ok"] += 1
            else:
                report(f"{path}: no item could be read ({len(items.rejected)} rejected); skipped")
                counts["files_failed"] += 1
        result = ImportSummary(
            files=len(files),
            **counts,
            items_rejected=len(rejected),
            errors=tuple(errors),
            rejected=tuple(rejected),
            elapsed_s=round(time.perf_counter() - t0, 3),
            run_id=run.id,
        )
        run.counts = {k: v for k, v in result.as_dict().items() if k not in ("rejected", "run_id", "errors")}
        run.counts["errors"] = len(errors)
        if result.nothing_read:
            run.fail("nothing could be imported")
    return result
