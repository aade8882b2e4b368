"""`score --engine ray` on a real local Ray (2 CPUs, 2 actors) against the local engine: the same
claims table, value for value; resumable (a limited run, then the rest) and idempotent.

A Ray actor with one CPU runs torch on one thread (Ray sets OMP_NUM_THREADS=1); the local engine
picks its threads from the idle cores. Sums reduced over a different number of threads differ in
the last bits, which can move a stored probability by one in its fourth decimal, so the local
run here is pinned to one thread too: the comparison is then of the same arithmetic."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from analyzer import store
from analyzer.nlp.scoring import score_articles

ray = pytest.importorskip("ray", reason="the [scale] extra (Ray) is not installed")

_spec = importlib.util.spec_from_file_location("score_tests", Path(__file__).with_name("test_score.py"))
score_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_tests)


def table(path: Path, name: str, order: str, drop: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        cols = [r[1] for r in con.execute(f"pragma table_info({name})") if r[1] != drop]
        return con.execute(f"select {', '.join(cols)} from {name} order by {order}").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def one_thread(monkeypatch):
    import torch

    threads = torch.get_num_threads()
    monkeypatch.setenv("ANALYZE_THREADS", "1")  # read when score_articles loads its model
    yield
    torch.set_num_threads(threads)  # the models other tests already loaded keep their threads


@pytest.mark.slow
def test_ray_engine_writes_the_local_engines_claims_table(tmp_path, local_ray, one_thread):
    local = score_tests.make_db(tmp_path / "local.db", 20)
    remote = tmp_path / "ray.db"
    shutil.copy(local, remote)
    a = score_articles(store.open_db(local), batch_size=3)

    first = score_articles(store.open_db(remote), batch_size=3, engine="ray", workers=2, limit=7)
    assert (first.articles, first.skipped) == (7, 13)
    rest = score_articles(store.open_db(remote), batch_size=3, engine="ray", workers=2)
    assert (rest.articles, rest.skipped) == (13, 7)
    assert first.claims + rest.claims == a.claims > 0

    claims = table(local, "claims", "id", drop="created_at")
    assert table(remote, "claims", "id", drop="created_at") == claims  # every column, full precision
    assert table(remote, "article_scores", "article_id", drop="scored_at") == table(
        local, "article_scores", "article_id", drop="scored_at"
    )

    again = score_articles(store.open_db(remote), batch_size=3, engine="ray", workers=2)
    assert (again.articles, again.claims) == (0, 0)
    assert table(remote, "claims", "id", drop="created_at") == claims
    con = sqlite3.connect(remote)
    args = [json.loads(r[0]) for r in con.execute("select arguments from runs where command = 'score' order by id")]
    versions = json.loads(con.execute("select versions from runs where command = 'score'").fetchone()[0])
    con.close()
    assert [(x["engine"], x["workers"]) for x in args] == [("ray", 2)] * 3 and "ray" in versions


def test_ray_engine_needs_the_model_by_name(tmp_path, local_ray, model):
    db = store.open_db(score_tests.make_db(tmp_path / "m.db", 2))
    from analyzer.errors import AnalyzerError

    with pytest.raises(AnalyzerError, match="model by name or path"):
        score_articles(db, model=model, engine="ray")
