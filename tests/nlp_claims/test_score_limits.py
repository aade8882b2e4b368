"""`score` on awkward databases: a huge article is scored only up to --max-chars (and says so),
an empty database says to import or fetch first, deleted claims say --rescore is needed, and the
model load is announced. A real SQLite file; the rules model keeps it fast."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from analyzer import store
from analyzer.cli import main
from analyzer.errors import AnalyzerError
from analyzer.nlp.scoring import score_articles

HEAD = "Small caps rallied 3% as the Russell 2000 outpaced the S&P 500."
TAIL = "Traders added bets on a Fed rate cut after the soft CPI report."
FILLER = "The council approved the new library budget after a long debate about parking.\n"


def make_db(path, articles):
    db = store.open_db(path)
    with store.transaction(db):
        db["articles"].insert_all(
            [{"source": "test", "published_at": "2024-07-11T14:00:00Z", **a} for a in articles], pk="id"
        )
    return db


def test_a_huge_article_is_scored_up_to_max_chars_and_recorded_as_such(tmp_path):
    body = HEAD + "\n" + FILLER * (300_000 // len(FILLER)) + TAIL
    db = make_db(
        tmp_path / "big.db", [{"id": "big", "title": "Wrap", "content": body}, {"id": "small", "content": HEAD}]
    )
    s = score_articles(db, model="rules", max_chars=20_000)
    assert (s.articles, s.truncated) == (2, 1)
    assert "1 long articles scored in part" in s.line()
    text_chars, scored_chars = db.execute(
        "select text_chars, scored_chars from article_scores where article_id = 'big'"
    ).fetchone()
    assert text_chars == len("Wrap\n\n" + body) and 16_000 <= scored_chars <= 20_000
    themes = {t for (t,) in db.execute("select theme from claims where article_id = 'big'")}
    assert themes == {"small_cap_rotation"}  # the rate-cut sentence at the end was past the cap
    assert max(e for (e,) in db.execute("select end from claims")) <= scored_chars
    args = db.execute("select arguments from runs where command = 'score'").fetchone()[0]
    assert '"max_chars": 20000' in args

    again = score_articles(db, model="rules", max_chars=20_000)
    assert (again.articles, again.skipped) == (0, 2)
    more = score_articles(db, model="rules", max_chars=1_000_000)  # raised: the cut article is scored again
    assert (more.articles, more.truncated) == (1, 0)
    themes = {t for (t,) in db.execute("select theme from claims where article_id = 'big'")}
    assert themes == {"small_cap_rotation", "rate_cuts"}


def test_an_empty_database_says_import_or_fetch_first(tmp_path):
    db = store.open_db(tmp_path / "empty.db")
    with pytest.raises(AnalyzerError, match="no articles to score; import or fetch first"):
        score_articles(db, model="rules")
    r = CliRunner().invoke(main, ["score", "--db", str(tmp_path / "empty.db"), "--model", "rules"])
    assert r.exit_code == 1 and "import or fetch first" in r.stderr
    assert db.execute("select count(*) from runs").fetchone()[0] == 0


def test_deleted_claims_say_rescore_is_needed(tmp_path):
    path = tmp_path / "del.db"
    db = make_db(path, [{"id": f"a{i}", "title": f"Wrap {i}", "content": HEAD} for i in range(3)])
    first = score_articles(db, model="rules")
    assert first.claims >= 3 and first.claims_missing == 0
    con = sqlite3.connect(path)
    with con:
        con.execute("delete from claims")
    r = CliRunner().invoke(main, ["score", "--db", str(path), "--model", "rules"])
    assert r.exit_code == 0, r.output
    assert "3 articles scored earlier have lost their claims: run `analyze score --rescore`" in r.stdout
    r = CliRunner().invoke(main, ["score", "--db", str(path), "--model", "rules", "--rescore"])
    assert "lost their claims" not in r.stdout
    assert con.execute("select count(*) from claims").fetchone()[0] == first.claims


def test_the_model_load_is_announced(tmp_path):
    path = tmp_path / "m.db"
    make_db(path, [{"id": "a", "title": "Wrap", "content": HEAD}])
    r = CliRunner().invoke(main, ["score", "--db", str(path), "--model", "vader"])
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("score: loading the model (vader)")
