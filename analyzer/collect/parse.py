"""Feed parsing with feedparser, from the bytes we fetched (never from a URL)."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.collect.articles import BadItem, Items, UndatedSkipped, finish_row, html_to_text, stamp
from analyzer.collect.dates import BadDate


@dataclass
class ParsedFeed:
    title: str | None
    site_url: str | None
    language: str | None
    entries: list = field(default_factory=list)
    bozo: bool = False
    bozo_reason: str | None = None
    is_feed: bool = True


def parse_feed(body: bytes, *, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    """Parse feed bytes. A broken ("bozo") feed keeps whatever entries feedparser still got;
    `is_feed` is False when the document yields neither a feed format nor any entry."""
    import feedparser

    headers = {}
    if content_type:
        headers["content-type"] = content_type
    if base_url:
        headers["content-location"] = base_url
    # We keep plain text, so sanitising HTML and resolving links inside it only cost time.
    d = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    reason = None
    if d.get("bozo"):
        exc = d.get("bozo_exception")
        reason = f"{type(exc).__name__}: {exc}".strip() if exc is not None else "malformed feed"
        reason = " ".join(reason.split())[:500]
    feed = d.get("feed", {})
    return ParsedFeed(
        title=feed.get("title"),
        site_url=feed.get("link"),
        language=feed.get("language"),
        entries=list(d.get("entries", [])),
        bozo=bool(d.get("bozo")),
        bozo_reason=reason,
        is_feed=bool(d.get("version")) or bool(d.get("entries")),
    )


def _entry_text(entry) -> tuple[str | None, str | None, str | None]:
    """(summary, content, language) as plain text."""
    content_html = None
    language = None
    for c in entry.get("content") or []:
        value = c.get("value")
        if value and (content_html is None or len(value) > len(content_html)):
            content_html = value
            language = c.get("language") or language
    summary = html_to_text(entry.get("summary"))
    content = html_to_text(content_html)
    if content and summary and content == summary:
        content = None
    if not language:
        detail = entry.get("summary_detail") or entry.get("title_detail") or {}
        language = detail.get("language")
    return summary, content, language


def _label(e) -> str:
    """How an entry is named in a rejection: its guid or link, if it has one."""
    for key in ("id", "guid", "link", "title"):
        value = e.get(key)
        if isinstance(value, str) and value.strip():
            value = " ".join(value.split())
            return f" ({value[:120]}{'...' if len(value) > 120 else ''})"
    return ""


def _entry_row(e, parsed: ParsedFeed, *, feed_id, source, now: str, timezone: str | None, undated: str | None):
    summary, content, language = _entry_text(e)
    guid = e.get("id") or e.get("guid")
    row = {
        "feed_id": feed_id,
        "source": source,
        "url": e.get("link"),
        "guid": guid.strip() if isinstance(guid, str) and guid.strip() else None,
        "title": html_to_text(e.get("title")),
        "author": e.get("author"),
        "summary": summary,
        "content": content,
        "language": (language or parsed.language or None),
    }
    raw, struct = None, None
    for key in ("published", "updated", "created"):
        if e.get(key):
            raw, struct = e.get(key), e.get(f"{key}_parsed")
            break
    stamp(row, raw, now=now, timezone=timezone, undated=undated, utc_default=True, struct=struct)
    if row["language"]:
        row["language"] = row["language"].strip().lower()
    return finish_row(row, now)


def entries_to_rows(
    parsed: ParsedFeed,
    *,
    feed_id: int | None,
    source: str | None,
    now: str,
    origin: str,
    timezone: str | None = None,
    undated: str | None = "now",
) -> Items:
    """Article rows of a parsed feed. An entry that cannot be read (an impossible date, say) is
    rejected with its reason and costs only itself. `origin` (the feed URL or file) names it.
    `timezone` and `undated` say how to read times without an offset and entries without a date
    (see `articles.stamp`)."""
    items = Items()
    rows = []
    for n, e in enumerate(parsed.entries, 1):
        try:
            row = _entry_row(e, parsed, feed_id=feed_id, source=source, now=now, timezone=timezone, undated=undated)
        except UndatedSkipped:
            items.undated_skipped += 1
            continue
        except Exception as exc:  # one entry's bad field costs that entry, never the feed
            reason = str(exc) if isinstance(exc, (BadDate, BadItem)) else f"{type(exc).__name__}: {exc}"
            items.reject(origin, f"{origin} item {n}{_label(e)}", reason)
            continue
        if row is None:
            items.reject(origin, f"{origin} item {n}{_label(e)}", "no guid, link, title or text")
            continue
        rows.append(row)
    # Dedupe within one document too (same guid twice, say): last one wins.
    seen: dict[str, dict] = {}
    for r in rows:
        seen[r["id"]] = r
    items.rows = list(seen.values())
    return items


def parse_to_rows(
    body: bytes, content_type: str | None, base_url: str | None, feed_id, source, now: str, origin: str
) -> dict:
    """Parse a feed response into article rows, rejected entries and feed metadata: plain,
    picklable data, so it can run in a worker process. `error` is set when the document is not a
    usable feed. `origin` (the feed's URL) names rejected entries."""
    try:
        parsed = parse_feed(body, content_type=content_type, base_url=base_url)
    except Exception as exc:
        return {"error": f"parse failed: {type(exc).__name__}: {exc}"[:500]}
    if not parsed.is_feed:
        return {"error": f"not a feed ({parsed.bozo_reason or 'no feed elements'})"}
    items = entries_to_rows(parsed, feed_id=feed_id, source=source, now=now, origin=origin)
    return {
        "error": None,
        "title": parsed.title,
        "site_url": parsed.site_url,
        "bozo": parsed.bozo,
        "bozo_reason": parsed.bozo_reason,
        "rows": items.rows,
        "rejected": items.rejected,
    }


def worker_init() -> None:
    """Parse workers exit on their own when the process that started them dies (even by SIGKILL),
    instead of lingering as orphans."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
