"""Real market text from ../shared/data/news and ../shared/data/feeds, cut into labelling units.

The text belongs to its publishers, so the repository stores only references to it: a unit is
named by its source, the item's key (URL, or date + hash of a headline), the field, and the
character span of the sentence in that field's cleaned text, plus a hash that proves the text
resolved is the text that was labelled. `resolve(refs)` turns references back into text (and
context) at training or evaluation time; references whose source is absent are skipped.

Sources (one reader each; `units(source)` yields every unit of a source):

    wrap2022  Bloomberg markets wraps, 2022 (full articles, one unit per sentence)
    rss2023   2023 RSS items: the title and each sentence of the summary
    sp500     S&P 500 headlines, 2008-2024 (one unit per headline)
    reuters   Reuters headlines, 2018-2020 (re-spaced punctuation repaired)
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from analyzer.paths import SHARED_DIR
from analyzer.training.project_data import clean_html, text_hash

SOURCES = ("wrap2022", "rss2023", "sp500", "reuters")
FILES = {
    "wrap2022": "bloomberg_markets_wrap_2022.jsonl.gz",
    "rss2023": "rss_2023_news_feeds.jsonl.gz",
    "sp500": "sp500_headlines_2008_2024.csv.gz",
    "reuters": "reuters_headlines_2018-03_2020-07.csv.gz",
}
MIN_CHARS = 15


def news_dir() -> Path:
    return SHARED_DIR / "data" / "news"


@dataclass(frozen=True)
class Unit:
    """One sentence to label, with the context the claim model reads."""

    id: str
    source: str
    key: str  # the item: its URL, or "date|hash of the headline"
    field: str  # "text" (article body), "title", "description"
    start: int  # character span in the cleaned field
    end: int
    sha: str  # of `text`
    date: str  # YYYY-MM-DD
    text: str
    headline: str  # the item's title ("" when the unit is the title itself)
    prev: str  # the previous sentence of the same field ("" for the first)

    def ref(self) -> dict:
        """What the repository stores: everything but the publisher's text."""
        return {k: v for k, v in asdict(self).items() if k not in ("text", "headline", "prev")}


def unit_id(source: str, key: str, field: str, start: int) -> str:
    return f"{source}:{text_hash(key)}:{field}:{start}"


# --- cleaning (deterministic: spans index into the cleaned text) ------------------------------

_MD_LINE = re.compile(r"^\s*(?:#{1,6}\s+|[*+-]\s+|\d+\.\s+|>\s*)")
_MD_ESC = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$])")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def clean_markdown(text: str) -> str:
    """Markdown to plain lines: headings, bullets, emphasis, links and escapes removed."""
    out = []
    for line in text.splitlines():
        line = _MD_LINE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = line.replace("**", "").replace("__", "")
        line = _MD_ESC.sub(r"\1", line)
        out.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


_RESPACED = [
    (re.compile(r"\b([A-Z]) \. ([A-Z]) \.(?= |$)"), r"\1.\2."),  # "U . S ." -> "U.S."
    (re.compile(r" \. (?=[a-z])"), "."),  # "Drive . ai"
    (re.compile(r"(?<=\d) , (?=\d{3}\b)"), ","),  # "1 , 000"
    (re.compile(r" ([,:;?!%])"), r"\1"),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d)\b"), r"\1"),
    (re.compile(r"\s+"), " "),
]


def respace(text: str) -> str:
    """Undo the Reuters uploader's re-spaced punctuation ("U . S . stocks , bonds")."""
    for rx, rep in _RESPACED:
        text = rx.sub(rep, text)
    return text.strip()


# --- segmentation ---------------------------------------------------------------------------


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans as the claim extractor cuts them (the same spaCy pipeline)."""
    from analyzer.nlp.pipeline import blank_nlp

    spans = []
    for s in blank_nlp()(text).sents:
        raw = s.text
        a = s.start_char + (len(raw) - len(raw.lstrip()))
        b = s.start_char + len(raw.rstrip())
        if b - a >= MIN_CHARS and re.search(r"[A-Za-z]", text[a:b]):
            spans.append((a, b))
    return spans


def _field_units(source, key, field, text, date, headline) -> Iterator[Unit]:
    prev = ""
    for a, b in sentences(text):
        t = text[a:b]
        yield Unit(unit_id(source, key, field, a), source, key, field, a, b, text_hash(t), date, t, headline, prev)
        prev = t


# --- readers ---------------------------------------------------------------------------------


@cache
def _rows(source: str) -> tuple:
    path = news_dir() / FILES[source]
    if source in ("wrap2022", "rss2023"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return tuple(json.loads(line) for line in fh if line.strip())
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        if source == "sp500":
            return tuple(csv.DictReader(fh))
        return tuple({"Date": r[0], "Title": r[1]} for r in csv.reader(fh) if len(r) >= 2)


def available(source: str) -> bool:
    return (news_dir() / FILES[source]).is_file()


def items(source: str) -> Iterator[dict]:
    """The source's items as {key, date, title, fields: {field: cleaned text}}."""
    for r in _rows(source):
        if source == "wrap2022":
            yield {
                "key": r["url"],
                "date": r["published"][:10],
                "title": r["title"].strip(),
                "fields": {"text": clean_markdown(r["text"])},
            }
        elif source == "rss2023":
            desc = clean_html(r.get("description") or "")
            yield {
                "key": r["url"],
                "date": r["published"][:10],
                "title": clean_html(r["title"]),
                "fields": {"title": clean_html(r["title"]), "description": desc},
                "outlet": r.get("outlet"),
            }
        else:
            title = respace(r["Title"]) if source == "reuters" else " ".join(r["Title"].split())
            yield {
                "key": f"{r['Date']}|{text_hash(title)}",
                "date": r["Date"],
                "title": title,
                "fields": {"title": title},
            }


def item_units(source: str, it: dict) -> list[Unit]:
    out: list[Unit] = []
    for field, text in it["fields"].items():
        if not text:
            continue
        if field == "title":
            if len(text) >= MIN_CHARS:
                out.append(
                    Unit(
                        unit_id(source, it["key"], field, 0),
                        source,
                        it["key"],
                        field,
                        0,
                        len(text),
                        text_hash(text),
                        it["date"],
                        text,
                        "",
                        "",
                    )
                )
        else:
            out.extend(_field_units(source, it["key"], field, text, it["date"], it["title"]))
    return out


def units(source: str) -> Iterator[Unit]:
    for it in items(source):
        yield from item_units(source, it)


def resolve(refs: Iterable[dict]) -> tuple[list[Unit | None], dict[str, int]]:
    """Units for stored references (None where the text is absent or changed), and counts of
    what could not be resolved, per reason."""
    refs = list(refs)
    wanted = {r["id"]: r for r in refs}
    found: dict[str, Unit] = {}
    missing: dict[str, int] = {}
    for source in sorted({r["source"] for r in refs}):
        if not available(source):
            missing[f"{source}: file absent"] = sum(1 for r in refs if r["source"] == source)
            continue
        keys = {r["key"] for r in refs if r["source"] == source}
        for it in items(source):
            if it["key"] not in keys:
                continue
            for unit in item_units(source, it):
                if unit.id in wanted:
                    found[unit.id] = unit
    out: list[Unit | None] = []
    for r in refs:
        u: Unit | None = found.get(r["id"])
        if u is not None and u.sha != r["sha"]:
            missing["text changed"] = missing.get("text changed", 0) + 1
            u = None
        elif u is None and available(r["source"]):
            missing[f"{r['source']}: not found"] = missing.get(f"{r['source']}: not found", 0) + 1
        out.append(u)
    return out, missing
