"""`analyze demo`: the bundled corpus, what the demo builds, and its guard rails."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from click.testing import CliRunner

from analyzer.browse import demo as demo_mod
from analyzer.cli import main

BOILERPLATE = ("investment advice", "related articles", "subscribe to", "past performance")


def _articles():
    out = []
    for path, source in demo_mod.sample_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            out.append((source, json.loads(line)))
    return out


def test_sample_corpus_is_marked_dated_2024_and_varied():
    arts = _articles()
    assert 30 <= len(arts) <= 40
    sources = {s for s, _ in arts}
    assert len(sources) >= 5 and all(s.startswith("sample:") for s in sources)
    stamps = [datetime.fromisoformat(a["published"]) for _, a in arts]
    assert all(t.tzinfo is not None and t.year == 2024 for t in stamps)
    assert {t.month for t in stamps} == set(range(1, 13))
    assert sum(t.weekday() >= 5 for t in stamps) >= 5  # weekend pieces roll to Monday's session
    assert sum(t.weekday() < 5 and t.hour >= 16 for t in stamps) >= 5  # after the close
    assert all({"url", "title", "published", "text"} <= a.keys() for _, a in arts)
    assert sum(" said " in a["text"] for _, a in arts) >= 25


def test_demo_database_holds_every_stage(demo):
    con = sqlite3.connect(demo["path"])
    count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert count("select count(*) from articles") == len(_articles())
    assert count("select count(*) from articles where source not like 'sample:%'") == 0
    assert count("select count(distinct symbol) from prices") >= 4
    for table in ("claims", "claim_returns", "daily_theme_index", "claim_resolution", "study_results"):
        assert count(f"select count(*) from {table}") > 0, table
    assert count("select count(distinct theme) from claims") == 3
    # the July 2024 rotation is in there: small-cap claims around the soft June CPI lean bullish
    july = con.execute(
        "select avg(c.stance) from claims c join articles a on a.id = c.article_id "
        "where c.theme = 'small_cap_rotation' and a.published_at between '2024-07-11' and '2024-07-17'"
    ).fetchone()[0]
    assert july is not None and july > 0


def _related_headlines() -> set[str]:
    out = set()
    for _, a in _articles():
        if "Related articles:" in a["text"]:
            block = a["text"].split("Related articles:", 1)[1].split("\n\n")[0]
            out |= {line.lstrip("- ").strip() for line in block.splitlines() if line.strip()}
    return out


def test_disclaimers_yield_no_claims(demo):
    con = sqlite3.connect(demo["path"])
    bad = [s for (s,) in con.execute("select sentence from claims") if any(b in s.lower() for b in BOILERPLATE)]
    assert not bad, f"disclaimers became claims: {bad}"


def test_related_articles_lists_yield_no_claims(demo):
    con = sqlite3.connect(demo["path"])
    related = _related_headlines()
    assert len(related) > 10
    bad = [s for (s,) in con.execute("select sentence from claims") if s.lstrip("- ").strip() in related]
    assert not bad, f"'Related articles' items became claims: {bad}"


def test_demo_reports_stages_and_ends_with_the_browse_command(demo):
    assert set(demo["stages"]) == {"import", "prices", "score", "stories", "align", "compare"}
    assert demo["lines"][-2].startswith("Browse it")
    assert demo["lines"][-1].strip().endswith(f"serve --db {demo['path']}")


def test_rerunning_the_demo_adds_nothing(demo, tmp_path):
    con = sqlite3.connect(demo["path"])
    tables = ("articles", "claims", "prices", "claim_returns", "daily_theme_index")
    before = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
    con.close()
    lines = []
    report = demo_mod.build_demo(demo["path"], out_dir=tmp_path / "reports", echo=lines.append)
    assert {t: report["counts"][t] for t in tables} == before
    assert report["stages"]["import"].articles_new == 0


def test_demo_refuses_a_database_with_real_articles(tmp_path):
    from analyzer import store

    path = tmp_path / "mine.db"
    db = store.open_db(path)
    db["articles"].insert({"id": "x1", "source": "CNBC Top News", "title": "t", "content": "c"})
    db.conn.close()
    r = CliRunner().invoke(main, ["demo", "--db", str(path)])
    assert r.exit_code == 1
    assert "non-sample articles" in r.output and str(path) in r.output


def test_serve_names_a_missing_database(tmp_path):
    r = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "nope.db")])
    assert r.exit_code == 1
    assert r.output.startswith("error: ") and "nope.db" in r.output
    assert not (tmp_path / "nope.db").exists()


def test_serve_names_a_port_in_use(demo):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = CliRunner().invoke(main, ["serve", "--db", str(demo["path"]), "--port", str(port)])
    assert r.exit_code == 1
    assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in r.output


def test_demo_statistics_never_contradict_themselves(demo):
    """Every stored statistic has its n, interval and null band, and its interval excludes the
    no-relation value exactly when its p is below 0.05; every finding is stated."""
    con = sqlite3.connect(demo["path"])
    rows = con.execute(
        "select n, ci_low, ci_high, reference, p_value, null_low, null_high from study_results"
    ).fetchall()
    assert rows
    for n, lo, hi, ref, p, null_lo, null_hi in rows:
        assert n > 0 and None not in (lo, hi, p, null_lo, null_hi)
        assert (not lo <= ref <= hi) == (p < 0.05)
    findings = dict(con.execute("select theme, verdict from study_findings").fetchall())
    assert set(findings) == {"small_cap_rotation", "short_squeeze", "rate_cuts"}
    assert findings["short_squeeze"] == "too little data"  # 9 sessions with claims in the sample
