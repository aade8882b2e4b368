import sqlite3

import pytest

from analyzer import store
from analyzer.errors import AnalyzerError


def test_schema_created_in_wal_with_version(tmp_path):
    path = tmp_path / "a.db"
    db = store.open_db(path)
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma user_version").fetchone()[0] == store.SCHEMA_VERSION
    for name in store.TABLES:
        assert db[name].exists(), name
    assert db["articles_fts"].exists() and db["claims_fts"].exists()
    assert set(store.VIEWS) <= set(db.view_names())


def test_reopening_adds_missing_columns_and_keeps_rows(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("create table prices (symbol text, date text, close float, primary key (symbol, date))")
    conn.execute("insert into prices values ('IWM', '2024-07-11', 210.68)")
    conn.commit()
    conn.close()
    db = store.open_db(path)
    assert "adj_close" in db["prices"].columns_dict
    assert db.execute("select close from prices").fetchall() == [(210.68,)]


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"pragma user_version = {store.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(AnalyzerError, match="newer than this analyzer"):
        store.open_db(path)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(AnalyzerError, match=r"junk\.db: not a usable SQLite database"):
        store.open_db(path)


def test_record_run_marks_failures(tmp_path):
    db = store.open_db(tmp_path / "r.db")
    with store.record_run(db, "fetch", {"url": ["x"]}) as run:
        run.counts["new"] = 3
    with pytest.raises(ValueError), store.record_run(db, "score", {}):
        raise ValueError("boom")
    rows = list(db["runs"].rows_where(order_by="id"))
    assert [r["status"] for r in rows] == ["ok", "failed"]
    assert '"new": 3' in rows[0]["counts"] and rows[0]["ended_at"]
    assert "boom" in rows[1]["error"]


def test_transaction_rolls_back_whole_batch(tmp_path):
    db = store.open_db(tmp_path / "t.db")
    with pytest.raises(RuntimeError), store.transaction(db):
        db["prices"].insert({"symbol": "SPY", "date": "2024-01-02", "close": 1.0})
        raise RuntimeError("killed mid-batch")
    assert db["prices"].count == 0


def test_a_killed_run_is_marked_by_the_next_one(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "k.db"
    code = (
        f"import os, signal; from analyzer import store; db = store.open_db({str(path)!r})\n"
        "with store.record_run(db, 'fetch', {}):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == -9
    db = store.open_db(path)
    assert [r["status"] for r in db["runs"].rows] == ["running"]
    with store.record_run(db, "fetch", {}):
        pass
    assert [r["status"] for r in db["runs"].rows_where(order_by="id")] == ["killed", "ok"]


@pytest.mark.parametrize("damage", ["drop table claims_fts", "drop trigger claims_ai"])
def test_a_dropped_full_text_index_or_trigger_is_rebuilt(tmp_path, damage):
    path = tmp_path / "fts.db"
    db = store.open_db(path)
    db["articles"].insert({"id": "a1", "title": "t"})
    db["claims"].insert({"id": "c1", "article_id": "a1", "theme": "rate_cuts", "sentence": "Yields tumbled."})
    db.conn.commit()
    db.execute(damage)
    db.conn.commit()
    db.conn.close()
    db = store.open_db(path)  # was: "not a usable SQLite database (trigger claims_ai already exists)"
    db["claims"].insert({"id": "c2", "article_id": "a1", "theme": "rate_cuts", "sentence": "Yields surged."})
    hits = lambda q: db.execute("select count(*) from claims_fts where claims_fts match ?", [q]).fetchone()[0]  # noqa: E731
    assert (hits("tumbled"), hits("surged")) == (1, 1)
    assert {t.name for t in db["claims"].triggers} >= {"claims_ai", "claims_ad", "claims_au"}
