"""The project set: models/claims/labels/project_sentences.jsonl, labelled sentences written for the
project (and references into saved real feeds), the claim model's secondary check.

Each line: {"id", "themes": {theme: stance}, "split": "train"|"test", and either "text" (our own
writing) or "ref" (a sentence of a saved real feed in ../shared/data/feeds: feed file, entry
guid, field, sentence index and a hash of the text)}. Feed texts are never copied into the repo;
they are resolved from ../shared at train/eval time and skipped, with a message, when it is absent.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
from pathlib import Path

from analyzer.paths import MODELS_DIR, SHARED_DIR

DATASET = "project_sentences.jsonl"
FEED_FILES = (
    "crawinsight_cnbc.xml",
    "crawinsight_google.xml",
    "crawinsight_nytimes.xml",
    "crawinsight_seekingalpha.xml",
    "jetson_cnbc.xml",
    "laapy_bloomberg_markets.xml",
    "laapy_investing_news.xml",
    "laapy_yahoo_finance_global.xml",
    "rakeshbade_accesswire.xml",
    "rakeshbade_reuters.xml",
)
_TAG = re.compile(r"<[^>]+>")


def shared_dir() -> Path:
    return SHARED_DIR


def dataset_path() -> Path:
    return MODELS_DIR / "claims" / "labels" / DATASET


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def clean_html(s: str) -> str:
    s = html.unescape(_TAG.sub(" ", s or ""))
    return " ".join(s.replace("\xa0", " ").split())


def feed_sentences(feeds_dir: Path | None = None, files=FEED_FILES):
    """Yield (ref, sentence text) for every sentence of the feeds' titles and summaries."""
    import feedparser

    from analyzer.nlp.pipeline import blank_nlp

    nlp = blank_nlp()
    feeds_dir = feeds_dir or shared_dir() / "data" / "feeds"
    for name in files:
        path = feeds_dir / name
        if not path.is_file():
            continue
        parsed = feedparser.parse(path.read_bytes())
        for entry in parsed.entries:
            guid = entry.get("id") or entry.get("link") or ""
            for field in ("title", "summary"):
                text = clean_html(entry.get(field) or "")
                if not text:
                    continue
                for i, sent in enumerate(nlp(text).sents):
                    st = sent.text.strip()
                    if len(st) < 15:
                        continue
                    yield {"feed": name, "guid": guid, "field": field, "sent": i, "sha": text_hash(st)}, st


def _ref_key(ref: dict) -> tuple:
    return (ref["feed"], ref["guid"], ref["field"], ref["sent"], ref["sha"])


def load_items(path: Path | None = None, *, quiet: bool = False) -> list[dict]:
    """Items with "text" filled in; feed references are resolved from ../shared."""
    path = path or dataset_path()
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    refs = [it for it in items if "ref" in it]
    resolved: dict[tuple, str] = {}
    if refs:
        feeds_dir = shared_dir() / "data" / "feeds"
        if feeds_dir.is_dir():
            wanted = {_ref_key(it["ref"]) for it in refs}
            for ref, text in feed_sentences(feeds_dir, tuple(sorted({it["ref"]["feed"] for it in refs}))):
                k = _ref_key(ref)
                if k in wanted:
                    resolved[k] = text
        missing = len(refs) - len(resolved)
        if missing and not quiet:
            where = feeds_dir if feeds_dir.is_dir() else f"{feeds_dir} (absent)"
            print(
                f"project set: {missing} of {len(refs)} feed-derived sentences not found under {where}; skipped",
                file=sys.stderr,
            )
    out = []
    for it in items:
        if "ref" in it:
            text = resolved.get(_ref_key(it["ref"]))
            if text is None:
                continue
            it = {**it, "text": text}
        out.append(it)
    return out
