"""One bad item never stops a batch, and nothing is guessed: impossible dates, wrongly typed
JSONL fields, times without an offset, undated items, CSV, malformed feed URLs. Fetches go to the
real loopback server; imports read real files into a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from collect_testkit import TEST_ENV, http_config, make_items, rss

from analyzer.cli import main
from analyzer.collect.dates import BadDate, read_timestamp
from analyzer.collect.fetch import fetch_feeds
from analyzer.collect.importer import import_paths

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)

BAD_DATES_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Dates</title>
<link>http://example.test/</link><description>d</description>
<item><title>Good one: small caps rally</title><guid isPermaLink="false">d-good</guid><link>http://example.test/good</link>
  <pubDate>Thu, 11 Jul 2024 09:30:00 -0400</pubDate></item>
<item><title>Year one</title><guid isPermaLink="false">d-year1</guid><dc:date>0001-01-01T00:00:00+14:00</dc:date></item>
<item><title>Year 9999</title><guid isPermaLink="false">d-9999</guid><pubDate>Fri, 31 Dec 9999 23:59:59 -1200</pubDate></item>
<item><title>Month 13</title><guid isPermaLink="false">d-13</guid><dc:date>2024-13-45T99:99:99</dc:date></item>
<item><title>Thirtieth of February</title><guid isPermaLink="false">d-feb</guid><dc:date>2024-02-30T10:00:00Z</dc:date></item>
<item><title>No zone</title><guid isPermaLink="false">d-naive</guid><dc:date>2024-07-11T16:00:00</dc:date></item>
<item><title>Bad port</title><guid isPermaLink="false">d-port</guid><link>http://example.test:99999/x</link>
  <pubDate>Thu, 11 Jul 2024 10:00:00 GMT</pubDate></item>
</channel></rss>"""

REJECTED_GUIDS = {"d-year1", "d-9999", "d-13", "d-feb"}


def guids(db) -> set[str]:
    return {r[0] for r in db.execute("select guid from articles")}


# --- defect 1 and 6: one bad feed date costs that item, never the feed or the batch -----------------


def test_bad_feed_dates_cost_only_their_items_on_every_run(server, db):
    bad = server.add("/dates", body=BAD_DATES_FEED.encode())
    other = server.add("/other", body=rss(make_items("other", 2)))
    for _ in range(2):  # the next run does the same, it never crashes
        s = fetch_feeds(db, [bad, other], config=http_config())
        assert (s.feeds_ok, s.feeds_failed) == (2, 0) or s.feeds_not_modified == 2
    first = db.execute("select status, counts from runs where command = 'fetch' order by id").fetchall()
    assert [r[0] for r in first] == ["ok", "ok"]
    assert guids(db) == {"d-good", "d-naive", "d-port", "other-0", "other-1"}
    # each rejected entry is recorded with its reason, once (the second run found the body unchanged)
    rows = db.execute("select location, reason, run_id from rejected_items order by id").fetchall()
    assert len(rows) == len(REJECTED_GUIDS)
    reasons = {next(g for g in REJECTED_GUIDS if f"({g})" in loc): reason for loc, reason, _ in rows}
    assert "before 1900" in reasons["d-year1"]
    assert "more than a day in the future" in reasons["d-9999"]
    assert "month must be in 1..12" in reasons["d-13"]
    assert "day is out of range for month" in reasons["d-feb"]
    assert all(loc.startswith(bad + " item ") for loc, _, _ in rows)
    assert json.loads(first[0][1])["items_rejected"] == 4
    # the feed itself has its fetches row, outcome ok
    assert db.execute("select outcome from fetches where url = ? order by id", [bad]).fetchall()[0] == ("ok",)
    # a feed time without an offset is UTC by the feed formats' own rule, and says so
    assert db.execute("select published_at, timestamp_note from articles where guid = 'd-naive'").fetchone() == (
        "2024-07-11T16:00:00Z",
        "no UTC offset: read as UTC",
    )


def test_import_of_the_same_feed_xml_rejects_the_same_items(tmp_path, db):
    (tmp_path / "dates.xml").write_text(BAD_DATES_FEED)
    s = import_paths(db, [tmp_path / "dates.xml"])
    assert s.files_ok == 1 and s.articles_new == 3
    assert {r.where.rsplit("(", 1)[1].rstrip(")") for r in s.rejected} == REJECTED_GUIDS
    assert "item 2 (d-year1)" in s.rejected[0].where and s.rejected[0].source == str(tmp_path / "dates.xml")
    assert db.execute("select count(*) from rejected_items where run_id = ?", [s.run_id]).fetchone()[0] == 4


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2024-13-45T99:99:99", "month must be in 1..12"),
        ("2024-02-30T10:00:00Z", "day is out of range"),
        ("2024-07-11T25:00:00Z", "hour must be in 0..23"),
        ("Thu, 45 Jul 2024 09:30:00 GMT", "day is out of range"),
        ("Thu, 11 Jul 2024 25:30:00 EST", "hour must be in 0..23"),
        ("0001-01-01T00:00:00+14:00", "before 1900"),
        ("1899-12-31T23:00:00Z", "before 1900"),
        ("Fri, 31 Dec 9999 23:59:59 -1200", "more than a day in the future"),
        ("2025-06-03T12:00:01Z", "more than a day in the future"),
        ("2024-07", "not a day"),
        ("yesterday-ish", "not a timestamp we can read"),
        ("2024-07-11T09:30:00+25:00", "not a valid ISO 8601 time"),
        ("2024-07-11 10:00", "has no UTC offset"),
        ("2024-07-11", "a date without a time"),
        ("Thu, 11 Jul 2024 09:30:00", "has no UTC offset"),
        ("2024-07-11T09:30:00Z" + " and more" * 50, "characters long, not a timestamp"),
    ],
)
def test_impossible_implausible_and_incomplete_timestamps_are_refused_with_the_reason(raw, reason):
    with pytest.raises(BadDate, match=reason):
        read_timestamp(raw, now=NOW)


@pytest.mark.parametrize(
    ("raw", "kwargs", "utc", "note"),
    [
        ("2024-07-11T09:30:00-04:00", {}, "2024-07-11T13:30:00Z", None),
        ("Thu, 11 Jul 2024 09:30:00 -0400", {}, "2024-07-11T13:30:00Z", None),
        ("Thu, 11 Jul 2024 09:30:00 -0000", {}, "2024-07-11T09:30:00Z", None),  # RFC 2822: UTC, zone unknown
        ("2025-06-03T11:00:00Z", {}, "2025-06-03T11:00:00Z", None),  # within a day of now
        ("1900-01-01T00:00:00Z", {}, "1900-01-01T00:00:00Z", None),
        (
            "2024-03-01 10:00",
            {"timezone": "America/New_York"},
            "2024-03-01T15:00:00Z",
            "no UTC offset: read as America/New_York",
        ),
        (
            "2024-07-11",
            {"timezone": "America/New_York"},
            "2024-07-12T03:59:59Z",
            "date only: end of the day in America/New_York",
        ),
        ("2024-07-11T16:00:00", {"utc_default": True}, "2024-07-11T16:00:00Z", "no UTC offset: read as UTC"),
        ("2024-07-11", {"utc_default": True}, "2024-07-11T23:59:59Z", "date only: end of the day in UTC"),
    ],
)
def test_complete_timestamps_are_read_and_assumptions_noted(raw, kwargs, utc, note):
    ts = read_timestamp(raw, now=NOW, **kwargs)
    assert (ts.utc, ts.note) == (utc, note)


def test_a_local_time_the_clocks_skip_is_refused():
    with pytest.raises(BadDate, match="does not exist in America/New_York"):
        read_timestamp("2024-03-10 02:30", now=NOW, timezone="America/New_York")


# --- defect 2: one wrongly typed JSONL field costs that line, with file:line -----------------------


def good_line(n: int, **over) -> dict:
    return {
        "url": f"https://news.example.test/{n}",
        "title": f"Story {n}: small caps rally",
        "published": "2024-07-11T09:30:00-04:00",
        "text": f"Investors rotated into smaller companies, story {n} said.",
        **over,
    }


def test_wrongly_typed_jsonl_fields_reject_their_line_and_later_files_still_import(tmp_path, db):
    lines = [
        good_line(1),
        good_line(2, url=12345),
        good_line(3, title=["a", "list"]),
        good_line(4, text={"html": "<p>x</p>"}),
        good_line(5, summary=3.5),
        good_line(6, author=["Ann Lee", "Bo Chan"]),  # a list of names is an author list, kept
        good_line(7, author=[1, 2]),
        good_line(8, published="0001-01-01T00:00:00+14:00"),
        good_line(9, published=1720704600),
        good_line(10, title="\ud800 lone surrogate"),
    ]
    first = tmp_path / "a.jsonl"
    first.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    second = tmp_path / "b.jsonl"
    second.write_text(json.dumps(good_line(11)) + "\n")
    s = import_paths(db, [first, second])
    assert (s.files_ok, s.files_failed, s.articles_new) == (2, 0, 3)
    reasons = {r.where: r.reason for r in s.rejected}
    assert set(reasons) == {f"{first}:{n}" for n in (2, 3, 4, 5, 7, 8, 9, 10)}
    assert reasons[f"{first}:2"].startswith("url: input should be a valid string (got int 12345)")
    assert reasons[f"{first}:3"].startswith("title: input should be a valid string")
    assert "text: input should be a valid string" in reasons[f"{first}:4"]
    assert "summary: input should be a valid string" in reasons[f"{first}:5"]
    assert "author" in reasons[f"{first}:7"]
    assert "before 1900" in reasons[f"{first}:8"]
    assert "published: input should be a valid string" in reasons[f"{first}:9"]
    assert "lone surrogate" in reasons[f"{first}:10"]
    assert db.execute("select author from articles where url like '%/6'").fetchone()[0] == "Ann Lee, Bo Chan"
    assert guids_or_urls(db) == {
        "https://news.example.test/1",
        "https://news.example.test/6",
        "https://news.example.test/11",
    }
    stored = db.execute("select location, reason from rejected_items order by id").fetchall()
    assert [loc for loc, _ in stored] == [f"{first}:{n}" for n in (2, 3, 4, 5, 7, 8, 9, 10)]


def guids_or_urls(db) -> set[str]:
    return {r[0] for r in db.execute("select url from articles")}


def test_cli_lists_rejected_lines_counts_them_and_fails_when_nothing_was_read(tmp_path):
    f = tmp_path / "mixed.jsonl"
    f.write_text(json.dumps(good_line(1)) + "\n{not json\n" + json.dumps(good_line(2, url=7)) + "\n")
    db = str(tmp_path / "cli.db")
    r = CliRunner().invoke(main, ["import", "--db", db, str(f)])
    assert r.exit_code == 0, r.output
    assert f"rejected: {f}:2: not valid JSON" in r.stderr
    assert f"rejected: {f}:3: url: input should be a valid string" in r.stderr
    assert "import: 1 files (1 ok, 0 skipped), articles 1 new, 0 updated, 0 duplicate; 2 items rejected" in r.stdout
    r = CliRunner().invoke(main, ["import", "--db", db, str(f), "--json"])
    data = json.loads(r.stdout)
    assert data["items_rejected"] == 2 and data["articles_duplicate"] == 1
    assert [x["where"] for x in data["rejected"]] == [f"{f}:2", f"{f}:3"]

    bad = tmp_path / "bad.jsonl"
    bad.write_text("nope\n[1]\n")
    r = CliRunner().invoke(main, ["import", "--db", db, str(bad)])
    assert r.exit_code == 1, r.output
    assert f"{bad}:1: not valid JSON" in r.stderr and f"{bad}:2: expected an object" in r.stderr
    assert "error: nothing could be imported" in r.stderr
    status = sqlite3.connect(db).execute("select status, error from runs order by id desc limit 1").fetchone()
    assert status == ("failed", "nothing could be imported")


# --- input is checked, not guessed ---------------------------------------------------------------


def test_undated_and_offsetless_lines_are_refused_unless_the_user_says_how_to_read_them(tmp_path):
    f = tmp_path / "loose.jsonl"
    rows = [
        good_line(1),
        {k: v for k, v in good_line(2).items() if k != "published"},
        good_line(3, published="2024-03-01 10:00"),
        good_line(4, published="2024-03-01"),
    ]
    f.write_text("\n".join(json.dumps(x) for x in rows) + "\n")
    db = str(tmp_path / "t.db")
    r = CliRunner().invoke(main, ["import", "--db", db, str(f)])
    assert r.exit_code == 0, r.output
    assert f"{f}:2: no publication date; pass --undated now" in r.stderr
    assert f"{f}:3: '2024-03-01 10:00' has no UTC offset" in r.stderr and "--timezone" in r.stderr
    assert f"{f}:4: '2024-03-01' is a date without a time" in r.stderr
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from articles").fetchone()[0] == 1

    r = CliRunner().invoke(main, ["import", "--db", db, str(f), "--undated", "skip", "--timezone", "America/New_York"])
    assert r.exit_code == 0, r.output
    assert "articles 2 new, 0 updated, 1 duplicate; 1 undated left out" in r.stdout
    assert dict(con.execute("select url, timestamp_note from articles").fetchall()) == {
        "https://news.example.test/1": None,
        "https://news.example.test/3": "no UTC offset: read as America/New_York",
        "https://news.example.test/4": "date only: end of the day in America/New_York",
    }
    args = json.loads(con.execute("select arguments from runs order by id desc limit 1").fetchone()[0])
    assert (args["timezone"], args["undated"]) == ("America/New_York", "skip")

    r = CliRunner().invoke(main, ["import", "--db", db, str(f), "--undated", "now"])
    assert r.exit_code == 0, r.output
    row = con.execute("select published_at, timestamp_source from articles where url like '%/2'").fetchone()
    assert row[1] == "fetched" and row[0] >= datetime.now(UTC).strftime("%Y-%m-%d")

    r = CliRunner().invoke(main, ["import", "--db", db, str(f), "--timezone", "Mars/Olympus"])
    assert r.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in r.stderr


def test_csv_is_read_by_its_header_and_other_columns_are_mapped_or_refused(tmp_path):
    good = tmp_path / "arts.csv"
    good.write_text(
        "url,title,published,text\n"
        'https://x.test/1,"Small caps rally, again",2024-07-11T09:30:00-04:00,"Line one.\nLine two."\n'
        "https://x.test/2,Fed holds,not a date,Rates unchanged.\n"
        "https://x.test/3,Short squeeze,2024-07-12T10:00:00Z,Shorts covered.,extra\n"
        "https://x.test/4,Yields fall,2024-07-12T15:00:00Z,Two-year yield fell.\n"
    )
    db = str(tmp_path / "csv.db")
    r = CliRunner().invoke(main, ["import", "--db", db, str(good)])
    assert r.exit_code == 0, r.output
    assert "articles 2 new" in r.stdout and "2 items rejected" in r.stdout
    assert f"{good}:4: 'not a date' is not a timestamp we can read" in r.stderr  # line 4: the quoted text spans two
    assert f"{good}:5: 5 values for 4 columns" in r.stderr
    con = sqlite3.connect(db)
    assert con.execute("select title, content from articles where url = 'https://x.test/1'").fetchone() == (
        "Small caps rally, again",
        "Line one.\nLine two.",
    )

    other = tmp_path / "export.csv"
    other.write_text("Headline,Date,Body\nRussell 2000 jumps,2024-07-15T16:00:00-04:00,Small caps led.\n")
    r = CliRunner().invoke(main, ["import", "--db", db, str(other)])
    assert r.exit_code == 1
    assert "include none of url, title, text" in r.stderr and "--columns" in r.stderr
    assert con.execute("select count(*) from articles where title like 'Headline%'").fetchone()[0] == 0
    r = CliRunner().invoke(
        main, ["import", "--db", db, str(other), "--columns", "title=Headline,published=date,text=body"]
    )
    assert r.exit_code == 0, r.output
    assert con.execute("select published_at, content from articles where title = 'Russell 2000 jumps'").fetchone() == (
        "2024-07-15T20:00:00Z",
        "Small caps led.",
    )
    r = CliRunner().invoke(main, ["import", "--db", db, str(other), "--columns", "headline"])
    assert r.exit_code == 2 and "FIELD=COLUMN" in r.stderr


def test_a_database_among_the_inputs_is_a_usage_error_that_says_what_to_type(tmp_path, monkeypatch):
    from analyzer import store

    store.open_db(tmp_path / "t.db").conn.close()
    (tmp_path / "my.jsonl").write_text(json.dumps(good_line(1)) + "\n")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["import", "t.db", "my.jsonl"])
    assert r.exit_code == 2
    assert "t.db is an SQLite database" in r.stderr and "analyze import --db t.db my.jsonl" in r.stderr
    assert not (tmp_path / "analyze.db").exists()


# --- defect 5: a malformed feed URL is that feed's failure ----------------------------------------


def test_malformed_urls_fail_alone(server, tmp_path):
    good = server.add("/good", body=rss(make_items("g", 2)))
    toml = tmp_path / "feeds.toml"
    toml.write_text(
        f'[[feed]]\nname = "IPv6 typo"\nurl = "http://[::1"\n\n[[feed]]\nname = "Port"\nurl = "http://x.test:99999/"\n\n'
        f'[[feed]]\nname = "No url"\n\n[[feed]]\nname = "Good"\nurl = "{good}"\n'
    )
    db = str(tmp_path / "u.db")
    env = TEST_ENV
    r = CliRunner().invoke(main, ["fetch", "--feeds", str(toml), "--url", "http://[::1", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    assert "fetch: 5 feeds (1 ok, 0 not modified, 4 failed), articles 2 new" in r.stdout
    assert "'http://[::1' is not a valid URL" in r.stderr and "feeds.toml feed #3: no url" in r.stderr
    assert "Traceback" not in r.output
    con = sqlite3.connect(db)
    outcomes = con.execute("select outcome, count(*) from fetch_errors group by outcome").fetchall()
    assert outcomes == [("invalid_url", 4)]

    r = CliRunner().invoke(main, ["fetch", "--url", "http://[::1", "--db", db], env=env)
    assert r.exit_code == 1 and "every feed failed" in r.stderr and "Traceback" not in r.output


def test_jsonl_lines_end_at_newline_only(tmp_path, db):
    # json.dumps(ensure_ascii=False) leaves U+2028 and form feeds raw inside strings: still one line each
    f = tmp_path / "seps.jsonl"
    f.write_text(
        json.dumps(good_line(1, title="Small caps\u2028rally"), ensure_ascii=False)
        + "\r\n"
        + json.dumps(good_line(2, text="Page one\x0cpage two"), ensure_ascii=False)
        + "\n"
        + "{broken\n",
        newline="",
    )
    s = import_paths(db, [f])
    assert s.articles_new == 2 and [r.where for r in s.rejected] == [f"{f}:3"]
    assert db.execute("select title from articles where url like '%/1'").fetchone()[0] == "Small caps\u2028rally"


def test_found_by_the_fuzz_test(tmp_path, db):
    # a NUL in the XML declaration made feedparser raise out of import
    (tmp_path / "nul.xml").write_bytes(b'<?xml version="1.0" encoding="\x00utf-8"?><rss version="2.0"></rss>')
    # JSON Lines whose first line is an array: the lines after it are still read, each on its own
    (tmp_path / "lines.jsonl").write_text("[1, 2\n" + json.dumps(good_line(1)) + "\n")
    # an undated line left out as asked is not a failure, even beside a rejected one
    (tmp_path / "skip.jsonl").write_text("null\n" + json.dumps({**good_line(2), "published": None}) + "\n")
    s = import_paths(db, [tmp_path / "nul.xml", tmp_path / "lines.jsonl", tmp_path / "skip.jsonl"], undated="skip")
    assert s.errors[0].startswith(f"{tmp_path / 'nul.xml'}: not a readable feed (ValueError")
    assert (s.files_ok, s.files_failed, s.articles_new, s.items_undated) == (2, 1, 1, 1)
    assert [r.where for r in s.rejected] == [f"{tmp_path / 'lines.jsonl'}:1", f"{tmp_path / 'skip.jsonl'}:1"]


def test_fetch_lists_rejected_entries_on_stderr(server, tmp_path):
    bad = server.add("/dates", body=BAD_DATES_FEED.encode())
    r = CliRunner().invoke(main, ["fetch", "--url", bad, "--db", str(tmp_path / "f.db")], env=TEST_ENV)
    assert r.exit_code == 0, r.output
    assert f"rejected: {bad} item 2 (d-year1): '0001-01-01T00:00:00+14:00' is before 1900" in r.stderr
    assert r.stdout.strip().endswith("; 4 items rejected")
