"""Fuzzing the input side with hypothesis: random and mutated timestamps, JSONL lines and feed
XML go through the real readers into a real SQLite file. Whatever comes in, no exception escapes
an item, every good item is stored, and every item left out is reported once, with a reason.
Bounded by example counts (a few seconds in all), never by wall-clock assertions."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import store
from analyzer.collect.dates import EARLIEST, BadDate, read_timestamp
from analyzer.collect.importer import import_paths

# Each example builds a real SQLite file (~50 ms): example counts keep the whole module to seconds.
FUZZ = settings(deadline=None, database=None, max_examples=50, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
ZONES = [None, "UTC", "America/New_York", "Asia/Kolkata"]
GOOD_TIMES = [
    "2024-07-11T09:30:00-04:00",
    "Thu, 11 Jul 2024 09:30:00 -0400",
    "2024-07-11T13:30:00Z",
    "2024-07-11T09:30:00.123456+02:00",
    "Mon, 01 Jan 2024 00:00:00 GMT",
]

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
# What XML 1.0 can carry (no control characters, no U+FFFE/U+FFFF): the document stays well formed.
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=40)


@st.composite
def mutated(draw, seeds: list[str]):
    """A seed string with a few characters replaced, inserted or deleted, or cut short."""
    s = list(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, max(len(s) - 1, 0)))
        op = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        c = draw(st.characters(blacklist_categories=("Cs",)))
        if op == "replace" and s:
            s[i] = c
        elif op == "insert":
            s.insert(i, c)
        elif op == "delete" and s:
            del s[i]
        elif op == "cut":
            s = s[:i]
    return "".join(s)


timestamps = st.one_of(
    text,
    mutated(GOOD_TIMES),
    st.sampled_from(GOOD_TIMES),
    st.builds(
        lambda y, mo, d, h, mi, off: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:00{off}",
        st.integers(0, 9999),
        st.integers(0, 14),
        st.integers(0, 40),
        st.integers(0, 30),
        st.integers(0, 70),
        st.sampled_from(["", "Z", "+14:00", "-12:00", "+25:00", "-0400"]),
    ),
)


@settings(FUZZ, max_examples=300)
@given(raw=timestamps, zone=st.sampled_from(ZONES), utc_default=st.booleans())
def test_a_timestamp_is_read_within_bounds_or_refused_with_a_reason(raw, zone, utc_default):
    try:
        ts = read_timestamp(raw, now=NOW, timezone=zone, utc_default=utc_default)
    except BadDate as exc:
        assert str(exc)
        return
    when = datetime.strptime(ts.utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert EARLIEST <= when <= NOW.replace(day=3)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["url", "title", "published", "text", "summary", "author", "guid", "id", "language", "content"]
random_objects = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(json_values, timestamps, text), max_size=len(FIELDS)
)


def good_object(tag: str) -> dict:
    return {
        "url": f"https://good.test/{tag}",
        "title": f"Good {tag}: small caps rally",
        "published": "2024-07-11T09:30:00-04:00",
        "text": "Investors rotated into smaller companies.",
    }


@st.composite
def jsonl_lines(draw):
    """(lines, the line numbers of the good ones among them)."""
    n_good = draw(st.integers(0, 3))
    goods = [good_object(str(i)) for i in range(n_good)]  # each example imports into a database of its own
    seeds = [json.dumps(g) for g in goods] or [json.dumps(good_object("seed"))]
    others = draw(
        st.lists(
            st.one_of(
                random_objects.map(json.dumps),
                json_values.map(json.dumps),
                mutated(seeds),
                text.map(lambda t: t.replace("\n", " ")),
            ),
            max_size=12,
        )
    )
    lines = [json.dumps(g) for g in goods] + [line.replace("\n", " ") for line in others]
    order = draw(st.permutations(range(len(lines))))
    return [lines[i] for i in order], {n for n, i in enumerate(order, 1) if i < len(goods)}


@FUZZ
@given(case=jsonl_lines(), zone=st.sampled_from(ZONES), undated=st.sampled_from([None, "now", "skip"]))
def test_every_jsonl_line_is_stored_or_rejected_with_its_line_number(case, zone, undated):
    lines, good_lines = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        db = store.open_db(Path(tmp) / "fuzz.db")
        s = import_paths(db, [path], timezone=zone, undated=undated)
        nonblank = {n for n, line in enumerate(lines, 1) if line.strip()}
        if not nonblank:
            assert s.files_failed == 1 and s.errors == (f"{path}: empty file; skipped",)
            return
        try:  # a file that is one JSON array is read item by item, else line by line
            items = json.loads("\n".join(lines))
        except (ValueError, RecursionError):
            items = None
        array = isinstance(items, list) and "\n".join(lines).lstrip().startswith("[")
        stored = s.articles_new + s.articles_updated + s.articles_duplicate
        assert stored + s.items_rejected + s.items_undated == (len(items) if array else len(nonblank))
        assert (s.files_failed == 1) == s.nothing_read == (stored + s.items_undated == 0 and s.items_rejected > 0)
        where = [r.where for r in s.rejected]
        assert len(where) == len(set(where))
        if not array:
            assert {int(w.rsplit(":", 1)[1]) for w in where} <= nonblank
        assert all(r.reason.strip() for r in s.rejected)
        if not array:  # a good line is never rejected: it is stored (new, or the same article as another line)
            assert not good_lines & {int(w.rsplit(":", 1)[1]) for w in where}
            if good_lines:
                urls = {u for (u,) in db.execute("select url from articles")}
                titles = {t for (t,) in db.execute("select title from articles")}
                first = json.loads(lines[min(good_lines) - 1])
                assert first["url"] in urls or first["title"] in titles
        assert db.execute("select count(*) from rejected_items").fetchone()[0] == s.items_rejected
        db.conn.close()


@st.composite
def feed_documents(draw):
    """(RSS bytes, guids of the good entries, number of entries, whether the document was broken)."""
    entries, good = [], set()
    for i in range(draw(st.integers(0, 6))):
        guid = f"fz-{i}"
        if draw(st.booleans()):
            good.add(guid)
            fields = {"title": f"Good {i}", "pubDate": draw(st.sampled_from(GOOD_TIMES[1:2] + GOOD_TIMES[4:]))}
        else:
            fields = {
                "title": draw(xml_text),
                "description": draw(xml_text),
                "link": draw(st.one_of(xml_text, st.just("http://x.test:99999/a"), st.just("http://[::1"))),
                "pubDate": draw(timestamps.filter(lambda t: all(c.isprintable() for c in t))),
                "dc:date": draw(st.one_of(st.none(), mutated(GOOD_TIMES).filter(str.isprintable))),
            }
        body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items() if v is not None)
        entries.append(f'<item><guid isPermaLink="false">{guid}</guid>{body}</item>')
    doc = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Fuzz</title><link>http://example.test/</link>{''.join(entries)}</channel></rss>"
    )
    raw = doc.encode("utf-8")
    broken = draw(st.integers(0, 4)) == 0  # sometimes break the document itself
    if broken:
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=20)) + raw[cut:]
    return raw, good, len(entries), broken


@FUZZ
@given(doc=feed_documents(), zone=st.sampled_from(ZONES))
def test_every_feed_entry_is_stored_or_rejected_and_a_bad_one_costs_only_itself(doc, zone):
    raw, good, n_entries, broken = doc
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.xml"
        path.write_bytes(raw)
        db = store.open_db(Path(tmp) / "fuzz.db")
        s = import_paths(db, [path], timezone=zone, undated="now")
        assert all(r.reason.strip() and r.where.startswith(f"{path} item ") for r in s.rejected)
        assert db.execute("select count(*) from rejected_items").fetchone()[0] == s.items_rejected
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        if not broken:  # a broken document keeps what feedparser still reads: no promise per entry
            stored = s.articles_new + s.articles_duplicate + s.articles_updated
            assert stored + s.items_rejected == n_entries
            assert s.errors == () or (stored == 0 and "no item could be read" in s.errors[0])
            guids = {g for (g,) in db.execute("select guid from articles")}
            assert good <= guids
        db.conn.close()
