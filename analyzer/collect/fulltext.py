"""Full text of an article's page with trafilatura. Failures, paywalls and truncations become a
status on the article, never an exception."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.collect.articles import parse_timestamp

PAYWALL_CUES = re.compile(
    r"subscribe (now )?to (continue|read)|to continue reading|already a subscriber|sign in to read|"
    r"this (article|content) is (for|available to) (subscribers|members)|paywall",
    re.I,
)
META_DATES = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "dc.date",
    "dc.date.issued",
    "date",
    "sailthru.date",
    "parsely-pub-date",
)
MIN_TEXT = 200  # characters; less than this from a page is not an article's text


@dataclass
class PageText:
    status: str  # ok | failed | paywalled | truncated
    text: str | None = None
    error: str | None = None
    published_raw: str | None = None
    published_at: str | None = None
    language: str | None = None


def _meta(html_bytes: bytes) -> tuple[str | None, str | None]:
    """(published timestamp string with its offset, page language) from the page's own markup."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html_bytes)
    except Exception:
        return None, None
    lang = doc.get("lang")
    for m in doc.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip()
        if key in META_DATES and m.get("content"):
            return m.get("content").strip(), lang
    for t in doc.iter("time"):
        if t.get("datetime"):
            return t.get("datetime").strip(), lang
    return None, lang


def extract_page(body: bytes, url: str, *, status: int | None = None, summary: str | None = None) -> PageText:
    import trafilatura

    if status in (401, 402, 403):
        return PageText("paywalled", error=f"HTTP {status}: access refused")
    if not body:
        return PageText("failed", error="empty page")
    try:
        doc = trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False)
    except Exception as exc:
        return PageText("failed", error=f"extraction failed: {type(exc).__name__}: {exc}"[:300])
    text = getattr(doc, "text", None) if doc is not None else None
    raw, lang = _meta(body)
    lang = (getattr(doc, "language", None) if doc is not None else None) or lang
    published_at = parse_timestamp(raw) if raw else None
    day = getattr(doc, "date", None) if doc is not None else None
    if not raw and isinstance(day, str) and day:
        # trafilatura gives a day only; the end of that day never puts a claim before its time.
        raw = day
        published_at = f"{day}T23:59:59Z" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else parse_timestamp(raw)
    result = PageText("ok", text=text, published_raw=raw, published_at=published_at, language=lang)
    snippet = body[:200_000].decode("utf-8", "replace")
    if not text or len(text) < MIN_TEXT:
        if PAYWALL_CUES.search(snippet):
            result.status, result.error = "paywalled", "page asks for a subscription; text too short"
        else:
            result.status = "failed"
            result.error = f"no article text found ({len(text or '')} characters)"
    elif PAYWALL_CUES.search(text[-600:]):
        result.status, result.error = "truncated", "text ends at a subscription prompt"
    elif summary and len(text) < len(summary) * 0.8:
        result.status, result.error = "truncated", "page text shorter than the feed's summary"
    return result
