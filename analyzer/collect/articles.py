"""Normalising articles (stable id, canonical URL, content hash, UTC timestamps) and storing them
with dedupe on guid, canonical URL and content hash. Re-storing adds nothing and updates changed
entries in place."""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from analyzer.collect.dates import BadDate, parse_now, read_timestamp
from analyzer.records import Rejected

if TYPE_CHECKING:  # the store (and sqlite-utils) stay out of parse worker processes
    import sqlite_utils

# Query parameters that only track where a click came from.
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "gclsrc",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "ocid",
    "cmpid",
    "ncid",
    "sr_share",
    "spm",
    "ref_src",
    "guccounter",
    "guce_referrer",
    "guce_referrer_sig",
    "__twitter_impression",
    "soc_src",
    "soc_trk",
    "wt_mc",
    "wt_zmc",
    "wt.mc_id",
    "smid",
    "xtor",
    "cmp",
    "rss_source",
    "feedtype",
    "feedname",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "icid")

# Columns that describe the article's content; a change in one of them is an update.
CONTENT_FIELDS = (
    "url",
    "title",
    "author",
    "summary",
    "content",
    "language",
    "published_at",
    "published_raw",
    "timestamp_note",
)
UNIQUE_KEYS = ("guid", "canonical_url", "content_hash")


def canonical_url(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme not in ("http", "https"):
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    try:
        port = parts.port
    except ValueError:  # a port out of range or not a number: keep the URL as it came
        return url
    host = (parts.hostname or "").lower()
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))


_WS = re.compile(r"\s+")
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "pre",
    "section",
    "article",
    "figure",
    "figcaption",
    "table",
}


def html_to_text(value: str | None) -> str | None:
    """Plain text of an HTML fragment, paragraphs kept as line breaks."""
    if value is None:
        return None
    if "<" not in value:
        text = html.unescape(value)
    else:
        import lxml.html
        from lxml import etree

        try:
            doc = lxml.html.fragment_fromstring(value, create_parent="div")
        except (etree.ParserError, ValueError):
            text = re.sub(r"<[^>]+>", " ", value)
            text = html.unescape(text)
        else:
            for bad in doc.xpath("//script|//style"):
                bad.drop_tree()
            for el in doc.iter():
                if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
                    el.tail = "\n" + (el.tail or "")
            text = doc.text_content()
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    return text or None


def content_hash(title: str | None, body: str | None, canonical: str | None, identity: str | None = None) -> str | None:
    """Hash of the normalised text; without a body the URL joins in (else `identity`: the item's
    guid, else its publication day), so two bare headlines that happen to match, such as a
    headline archive's recurring "Wall Street closes higher", are not taken for one article."""
    norm = lambda s: _WS.sub(" ", (s or "")).strip().lower()  # noqa: E731
    t, b = norm(title), norm(body)
    if not t and not b:
        return None
    key = f"{t}\n{b}" if b else f"{t}\n{canonical or identity or ''}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def headline_identity(row: dict) -> str | None:
    """What tells two bare headlines with one title apart: the guid, else the day the source dates
    the item (not the day it was fetched: a re-fetch must find the same article)."""
    if row.get("guid"):
        return row["guid"]
    if row.get("published_at") and row.get("timestamp_source", "feed") != "fetched":
        return str(row["published_at"])[:10]
    return None


def article_id(guid: str | None, canonical: str | None, chash: str | None) -> str | None:
    if guid:
        key = "guid:" + guid
    elif canonical:
        key = "url:" + canonical
    elif chash:
        key = "hash:" + chash
    else:
        return None
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def parse_timestamp(raw: str | None, now: str | datetime | None = None) -> str | None:
    """A timestamp from page metadata as UTC ISO, or None when it cannot be read (see
    `dates.read_timestamp`; a time without an offset is UTC there, as in feeds)."""
    if not raw or not str(raw).strip():
        return None
    from feedparser.datetimes import _parse_date  # the other date grammars feeds and pages use

    try:
        struct = _parse_date(str(raw))
    except (ValueError, OverflowError, TypeError):
        struct = None
    try:
        return read_timestamp(str(raw), now=parse_now(now), utc_default=True, struct=struct).utc
    except BadDate:
        return None


class BadItem(ValueError):
    """One item (entry, line) that cannot be stored as it is; the message says why."""


class UndatedSkipped(Exception):
    """An item without a date, left out as the caller asked (undated="skip")."""


UNDATED = ("now", "skip")


def stamp(
    row: dict,
    raw,
    *,
    now: str,
    timezone: str | None = None,
    undated: str | None = "now",
    utc_default: bool = False,
    struct=None,
) -> None:
    """Set the row's published_at, published_raw and timestamp_note from the source's value `raw`.

    A value that cannot be read raises BadDate with the reason (see `dates.read_timestamp`).
    An item without one: undated="now" leaves published_at empty for `finish_row` to stamp with
    the time it was first seen; "skip" raises UndatedSkipped; None refuses it (BadDate).
    """
    if raw is None or not str(raw).strip():
        if undated == "now":
            row["published_at"] = None
            return
        if undated == "skip":
            raise UndatedSkipped()
        raise BadDate("no publication date; pass --undated now to use the time of import, or --undated skip")
    if not isinstance(raw, str):
        raise BadDate(f"published {raw!r}: expected a string (ISO 8601 with an offset, or RFC 2822)")
    ts = read_timestamp(raw, now=parse_now(now), timezone=timezone, utc_default=utc_default, struct=struct)
    row.update(published_at=ts.utc, published_raw=raw, timestamp_note=ts.note)


@dataclass
class Items:
    """What reading one document gave: article rows, items rejected (with reasons), undated skipped."""

    rows: list[dict] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    undated_skipped: int = 0

    def reject(self, source: str | os.PathLike, where: str, reason: str) -> None:
        self.rejected.append(Rejected(str(source), where, " ".join(str(reason).split())[:500]))


@dataclass
class StoreCounts:
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    skipped: int = 0

    def add(self, other: StoreCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.duplicate += other.duplicate
        self.skipped += other.skipped


def finish_row(row: dict, now: str | None = None) -> dict | None:
    """Fill the derived columns of an article row (canonical url, hash, id, timestamp source).
    Returns None for a row with nothing to identify it; BadItem for text SQLite cannot store."""
    now = now or utcnow()
    for col, value in row.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise BadItem(f"{col}: not valid Unicode text (a lone surrogate)") from None
        elif value is not None and not isinstance(value, (int, float)):
            raise BadItem(f"{col}: expected text, got {type(value).__name__}")
    row["canonical_url"] = canonical_url(row.get("url"))
    body = row.get("content") or row.get("summary")
    row["content_hash"] = content_hash(row.get("title"), body, row["canonical_url"], headline_identity(row))
    row["id"] = article_id(row.get("guid"), row["canonical_url"], row["content_hash"])
    if row["id"] is None:
        return None
    if row.get("published_at"):
        row.setdefault("timestamp_source", "feed")
    else:
        row["published_at"] = now
        row["timestamp_source"] = "fetched"
    return row


def utcnow() -> str:
    from analyzer.store import utcnow as now

    return now()


def _article_columns() -> tuple[str, ...]:
    from analyzer.store import TABLES

    return tuple(TABLES["articles"].columns)


LOOKUP_CHUNK = 200


class _Index:
    """Existing articles that could match a batch, indexed by id and by each unique key;
    rows inserted during the batch join it, so duplicates inside one batch are caught too."""

    def __init__(self, db: sqlite_utils.Database, rows: list[dict]):
        self.by: dict[str, dict] = {k: {} for k in ("id",) + UNIQUE_KEYS}
        for i in range(0, len(rows), LOOKUP_CHUNK):
            chunk = rows[i : i + LOOKUP_CHUNK]
            where, params = [], []
            for key in ("id",) + UNIQUE_KEYS:
                values = sorted({r[key] for r in chunk if r.get(key)})
                if values:
                    where.append(f"[{key}] in ({','.join('?' * len(values))})")
                    params += values
            if not where:
                continue
            cur = db.execute(f"select * from articles where {' or '.join(where)}", params)
            cols = [d[0] for d in cur.description]
            for found in cur.fetchall():
                self.add(dict(zip(cols, found)))

    def add(self, row: dict) -> None:
        for key, index in self.by.items():
            if row.get(key):
                index[row[key]] = row

    def find(self, row: dict) -> dict | None:
        for key in UNIQUE_KEYS + ("id",):
            value = row.get(key)
            if value and value in self.by[key]:
                return self.by[key][value]
        return None

    def taken(self, key: str, value, by_id: str) -> bool:
        other = self.by[key].get(value)
        return other is not None and other["id"] != by_id


def store_articles(
    db: sqlite_utils.Database, rows: list[dict], now: str | None = None
) -> tuple[StoreCounts, list[str]]:
    """Insert new articles, update changed ones in place, count the rest as duplicates.
    Call inside `store.transaction(db)`. Returns the counts and the ids of new articles."""
    now = now or utcnow()
    counts = StoreCounts()
    new_rows: list[dict] = []
    pending: set[str] = set()
    index = _Index(db, rows)
    for row in rows:
        existing = index.find(row)
        if existing is None:
            row = dict(row, first_seen_at=now, updated_at=now)
            new_rows.append(row)
            pending.add(row["id"])
            index.add(row)
            counts.new += 1
            continue
        changes = {}
        same_source = existing.get("feed_id") == row.get("feed_id") and existing.get("source") == row.get("source")
        for col in CONTENT_FIELDS if same_source else ():
            new = row.get(col)
            if new is None or new == existing.get(col):
                continue
            if col == "content" and existing.get("full_text_status") == "ok":
                continue  # content holds the page's full text; the feed's shorter text is not news
            if col in ("published_at", "published_raw", "timestamp_note") and row.get("timestamp_source") == "fetched":
                continue  # no date in the source: the first sighting stays the article's time
            changes[col] = new
        if changes and "published_at" in changes:
            changes["timestamp_source"] = row.get("timestamp_source")
            changes["timestamp_note"] = row.get("timestamp_note")
        for key in UNIQUE_KEYS:
            value = row.get(key)
            if value and not existing.get(key) and not index.taken(key, value, existing["id"]):
                changes[key] = value
        if "content" in changes or "summary" in changes or "title" in changes:
            body = changes.get("content", existing.get("content")) or changes.get("summary", existing.get("summary"))
            h = content_hash(
                changes.get("title", existing.get("title")),
                body,
                existing.get("canonical_url"),
                headline_identity(existing),
            )
            taken = h and (
                index.taken("content_hash", h, existing["id"])
                or db.execute(
                    "select 1 from articles where content_hash = ? and id != ?", [h, existing["id"]]
                ).fetchone()
            )
            if h and not taken:
                changes["content_hash"] = h
        if any(c in changes for c in CONTENT_FIELDS):
            changes["updated_at"] = now
            counts.updated += 1
        else:
            counts.duplicate += 1
        if changes:
            if existing.get("id") in pending:  # inserted earlier in this batch: not in the table yet
                existing.update(changes)
            else:
                sets = ", ".join(f"[{c}] = ?" for c in changes)
                db.execute(f"update articles set {sets} where id = ?", [*changes.values(), existing["id"]])
                existing.update(changes)
            index.add(existing)
    if new_rows:
        columns = _article_columns()
        cols = ", ".join(f"[{c}]" for c in columns)
        db.conn.executemany(
            f"insert into articles ({cols}) values ({', '.join('?' * len(columns))})",
            [tuple(r.get(c) for c in columns) for r in new_rows],
        )
    return counts, [r["id"] for r in new_rows]
