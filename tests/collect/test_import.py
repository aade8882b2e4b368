"""`analyze import` / `import_paths`: each file kind, bad files, dedupe with fetched articles."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from collect_testkit import http_config, make_items, rss

from analyzer.cli import main
from analyzer.collect.articles import canonical_url, parse_timestamp
from analyzer.collect.fetch import fetch_feeds
from analyzer.collect.importer import import_paths
from analyzer.errors import AnalyzerError

PAGE = """<html lang="en"><head><title>Small caps surge | Example News</title>
<link rel="canonical" href="https://news.example.test/markets/small-caps-surge?utm_medium=social">
<meta property="article:published_time" content="2024-07-11T16:45:00-04:00"></head>
<body><nav>Home | Markets</nav><article><h1>Small caps surge</h1>{}</article><footer>Cookie settings</footer></body></html>"""


def page_html():
    paras = "".join(
        f"<p>Paragraph {i}. The Russell 2000 jumped as money rotated out of mega-cap technology into "
        f"smaller companies after a cool inflation print, trader {i} said.</p>"
        for i in range(5)
    )
    return PAGE.format(paras)


def test_each_file_kind_imports_and_reimport_adds_nothing(tmp_path, db):
    tmp_path = tmp_path / "in"
    tmp_path.mkdir()
    (tmp_path / "feed.xml").write_bytes(rss(make_items("imp", 4)))
    (tmp_path / "page.html").write_text(page_html())
    (tmp_path / "note.txt").write_text("Fed seen cutting in September\n\nTraders now price two cuts this year.\n")
    (tmp_path / "items.jsonl").write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "url": "https://news.example.test/a?fbclid=xyz#top",
                        "title": "A",
                        "published": "2024-07-11T09:30:00-04:00",
                        "text": "Short sellers scrambled to cover as small caps rallied.",
                    }
                ),
                "{not json",
                json.dumps(
                    {
                        "url": "https://news.example.test/b",
                        "title": "B",
                        "published": "Thu, 11 Jul 2024 20:00:00 GMT",
                        "text": "Yields fell after the CPI report.",
                    }
                ),
            ]
        )
        + "\n"
    )
    s = import_paths(db, [tmp_path], undated="now")  # the text file has no date: the import time stands in
    assert (s.files, s.files_ok, s.files_failed) == (4, 4, 0)
    assert s.articles_new == 4 + 1 + 1 + 2
    assert s.errors == () and s.items_rejected == 1
    assert s.rejected[0].line().startswith(f"{tmp_path / 'items.jsonl'}:2: not valid JSON")

    a = db.execute(
        "select canonical_url, published_at, published_raw, timestamp_source, source, content "
        "from articles where title = 'A'"
    ).fetchone()
    assert a == (
        "https://news.example.test/a",
        "2024-07-11T13:30:00Z",
        "2024-07-11T09:30:00-04:00",
        "feed",
        "import:items.jsonl",
        "Short sellers scrambled to cover as small caps rallied.",
    )
    p = db.execute(
        "select url, canonical_url, title, published_at, timestamp_source, language, content "
        "from articles where source = 'import:page.html'"
    ).fetchone()
    assert p[1] == "https://news.example.test/markets/small-caps-surge"
    assert p[3:6] == ("2024-07-11T20:45:00Z", "page", "en")
    assert "rotated out of mega-cap technology" in p[6] and "Cookie settings" not in p[6]
    t = db.execute("select title, content, timestamp_source from articles where source = 'import:note.txt'").fetchone()
    assert t[0] == "Fed seen cutting in September" and "two cuts" in t[1] and t[2] == "fetched"

    again = import_paths(db, [tmp_path], undated="now")
    assert again.articles_new == 0 and again.articles_updated == 0 and again.articles_duplicate == 8
    assert db.execute("select count(*) from articles").fetchone()[0] == 8
    assert [r[0] for r in db.execute("select status from runs where command = 'import'")] == ["ok", "ok"]


def test_bad_files_get_one_line_errors_and_are_skipped(tmp_path):
    good = {"url": "https://x.test/1", "title": "T", "published": "2024-07-11T09:30:00Z", "text": "body"}
    (tmp_path / "good.jsonl").write_text(json.dumps(good) + "\n")
    (tmp_path / "garbage.xml").write_bytes(b"\x00\x01 this is not xml at all")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "wrong.jsonl").write_text("[1, 2\n")
    db_path = str(tmp_path / "imp.db")
    names = ("good.jsonl", "garbage.xml", "empty.txt", "wrong.jsonl")
    r = CliRunner().invoke(main, ["import", "--db", db_path, *(str(tmp_path / n) for n in names)])
    assert r.exit_code == 0, r.output
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    for name in ("garbage.xml", "empty.txt", "wrong.jsonl"):
        assert sum(name in e for e in errors) == 1, name
    assert "import: 4 files (1 ok, 3 skipped), articles 1 new" in r.stdout

    r = CliRunner().invoke(main, ["import", "--db", db_path, str(tmp_path / "garbage.xml")])
    assert r.exit_code == 1 and "nothing could be imported" in r.stderr

    # A path that does not exist is a usage error: nothing is imported, not even the others.
    before = sqlite3.connect(db_path).execute("select count(*) from runs").fetchone()[0]
    r = CliRunner().invoke(main, ["import", "--db", db_path, str(tmp_path / "good.jsonl"), str(tmp_path / "nope.html")])
    assert r.exit_code == 2 and "nope.html" in r.stderr and "does not exist" in r.stderr
    assert sqlite3.connect(db_path).execute("select count(*) from runs").fetchone()[0] == before


def test_gzip_compressed_files_import_like_their_plain_versions(tmp_path, db):
    """A `.jsonl.gz` or `.tsv.gz` archive is read as the file inside it (the delimiter from the
    inner suffix), an RSS archive's `description` as the summary; a file that only looks
    compressed gets one line naming it."""
    import gzip

    folder = tmp_path / "archives"
    folder.mkdir()
    rows = [
        {
            "url": f"https://gz.test/{i}",
            "title": f"Headline {i}",
            "published": "2024-07-11T09:30:00Z",
            "description": f"S{i}",
        }
        for i in range(3)
    ]
    (folder / "archive.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    tsv = "url\ttitle\tpublished\ttext\nhttps://gz.test/t\tA tab, separated\t2024-07-12T09:30:00Z\tbody\n"
    (folder / "sheet.tsv.gz").write_bytes(gzip.compress(tsv.encode()))
    (folder / "broken.jsonl.gz").write_bytes(b"\x1f\x8b" + b"not really gzip")
    errors: list[str] = []
    summary = import_paths(db, [folder], on_error=errors.append)
    assert summary.articles_new == 4
    titles = {r[0] for r in db.execute("select title from articles")}
    assert {"Headline 0", "Headline 2", "A tab, separated"} <= titles
    assert db.execute("select summary from articles where url = 'https://gz.test/2'").fetchone()[0] == "S2"
    assert len(errors) == 1 and "broken.jsonl.gz" in errors[0] and "gzip" in errors[0], errors


def test_source_override_and_dedupe_with_fetched_articles(server, tmp_path, db):
    items = make_items("dd", 2)
    url = server.add("/feed", body=rss(items))
    fetch_feeds(db, [url], config=http_config())
    # The same story arrives again from a local export, with tracking parameters on its URL.
    line = {
        "url": items[0]["link"].replace("utm_source=rss", "utm_campaign=x&fbclid=1"),
        "title": "Other wording",
        "published": "2024-07-11T09:00:00-04:00",
        "text": "Different text",
    }
    (tmp_path / "export.jsonl").write_text(
        json.dumps(line)
        + "\n"
        + json.dumps(
            {"url": "https://elsewhere.test/story", "title": "New", "published": "2024-07-12", "text": "New text"}
        )
        + "\n"
    )
    # The date alone is read as the end of that day in the zone given.
    s = import_paths(db, [tmp_path / "export.jsonl"], source="sample", timezone="America/New_York")
    assert (s.articles_new, s.articles_duplicate) == (1, 1)
    assert db.execute("select count(*) from articles").fetchone()[0] == 3
    assert db.execute("select source, published_at, timestamp_note from articles where title = 'New'").fetchone() == (
        "sample",
        "2024-07-13T03:59:59Z",
        "date only: end of the day in America/New_York",
    )
    # The duplicate from another source leaves the fetched article as it was.
    assert db.execute("select title from articles where guid = 'dd-0'").fetchone()[0] == items[0]["title"]


def test_canonical_urls_and_timestamps():
    assert (
        canonical_url("HTTPS://News.Example.com:443/a/b?utm_source=x&id=7&gclid=1&fbclid=2#frag")
        == "https://news.example.com/a/b?id=7"
    )
    assert canonical_url("http://x.test") == "http://x.test/"
    assert parse_timestamp("Thu, 11 Jul 2024 09:30:00 -0400") == "2024-07-11T13:30:00Z"
    assert parse_timestamp("2024-07-11T09:30:00+02:00") == "2024-07-11T07:30:00Z"
    assert parse_timestamp("yesterday-ish") is None
    assert parse_timestamp("2024-13-45T99:99:99") is None  # never normalised into another date


def _articles_jsonl(path, prefix: str, n: int, words: int = 400) -> None:
    with path.open("w") as fh:
        for i in range(n):
            fh.write(
                json.dumps(
                    {
                        "url": f"https://{prefix}.test/{i}",
                        "title": f"{prefix} {i}",
                        "published": "2024-07-11T09:30:00Z",
                        "text": f"{prefix} word {i} " * words,
                    }
                )
                + "\n"
            )


def test_a_full_database_stops_the_import_with_one_line_and_keeps_what_was_stored(tmp_path, db):
    _articles_jsonl(tmp_path / "a.jsonl", "small", 3, words=5)
    _articles_jsonl(tmp_path / "b.jsonl", "big", 2000)
    pages = db.execute("pragma page_count").fetchone()[0]
    db.execute(f"pragma max_page_count = {pages + 60}")  # SQLite's own 'database or disk is full'
    with pytest.raises(AnalyzerError, match=r"cannot store the articles of .*b\.jsonl \(database or disk is full"):
        import_paths(db, [tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
    assert db.execute("select count(*) from articles where url like 'https://small.test/%'").fetchone()[0] == 3
    assert db.execute("select status from runs").fetchone()[0] == "failed"


def test_a_file_size_limit_is_one_line_not_a_traceback(tmp_path):
    resource = pytest.importorskip("resource")
    _articles_jsonl(tmp_path / "a.jsonl", "small", 3, words=5)
    _articles_jsonl(tmp_path / "b.jsonl", "big", 3000)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

    db = tmp_path / "fs.db"
    cmd = [sys.executable, "-c", "from analyzer.cli import main; main()", "import", "--db", str(db)]
    r = subprocess.run(
        [*cmd, str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "b.jsonl" in lines[0], r.stderr
    assert "is the disk full?" in lines[0]
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from articles where url like 'https://small.test/%'").fetchone()[0] == 3

    def tiny():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    cmd[-1] = str(tmp_path / "new.db")  # the schema itself does not fit
    r = subprocess.run([*cmd, str(tmp_path / "a.jsonl")], preexec_fn=tiny, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "new.db: cannot write to the database (disk I/O error); is the disk full?" in r.stderr


def test_a_headline_archive_keeps_each_day_of_a_recurring_headline(tmp_path, db):
    """Bare headlines (no body, no URL) with one title on different days are different articles,
    by guid or, without one, by date; re-importing the file changes nothing."""
    rows = [
        {"title": "Wall Street closes higher", "published": f"2019-06-{d}T23:59:00-04:00", "guid": f"w:{d}"}
        for d in (10, 11, 12)
    ]
    (tmp_path / "wires.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (tmp_path / "headlines.csv").write_text(
        "title,published\nFed holds rates steady,2019-06-19\nFed holds rates steady,2019-07-31\n"
        "Fed holds rates steady,2019-07-31\n"
    )
    files = [tmp_path / "wires.jsonl", tmp_path / "headlines.csv"]
    first = import_paths(db, files, timezone="America/New_York")  # a bare date: the end of that day there
    assert (first.articles_new, first.articles_updated, first.articles_duplicate) == (5, 0, 1)
    days = db.execute("select substr(published_at, 1, 10) from articles order by published_at").fetchall()
    assert [d[0] for d in days] == ["2019-06-11", "2019-06-12", "2019-06-13", "2019-06-20", "2019-08-01"]
    again = import_paths(db, files, timezone="America/New_York")
    assert (again.articles_new, again.articles_updated, again.articles_duplicate) == (0, 0, 6)


def test_an_archive_holding_an_item_twice_stores_its_last_version_and_reimports_unchanged(tmp_path, db):
    """A crawled feed saved as JSONL often holds one URL several times as the item was edited: the
    last version is stored, and importing the file again updates nothing (so nothing is rescored)."""
    url = "https://news.example.test/fed-minutes"
    rows = [
        {"url": url, "title": "Fed minutes", "published": "2023-07-05T18:00:00Z", "text": "First take."},
        {"url": "https://news.example.test/other", "title": "Other", "published": "2023-07-05T18:05:00Z"},
        {"url": url, "title": "Fed minutes show split", "published": "2023-07-05T18:00:00Z", "text": "Full story."},
        # the same story re-filed under another URL: one article by its content hash
        {
            "url": url + "-refiled",
            "title": "Fed minutes show split",
            "published": "2023-07-05T19:00:00Z",
            "text": "Full story.",
        },
    ]
    path = tmp_path / "crawl.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    first = import_paths(db, [path])
    assert (first.articles_new, first.articles_updated, first.articles_duplicate) == (2, 0, 2)
    stored = db.execute("select title, content, published_at from articles where title like 'Fed%'").fetchall()
    assert stored == [("Fed minutes show split", "Full story.", "2023-07-05T19:00:00Z")]
    again = import_paths(db, [path])
    assert (again.articles_new, again.articles_updated, again.articles_duplicate) == (0, 0, 4)
