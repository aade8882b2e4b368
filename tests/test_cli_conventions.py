"""One set of CLI conventions for every command: numeric options checked by click ranges, usage
errors exit 2 and runtime errors 1, one meaning per option name, defaults shown one way."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.errors import AnalyzerError


def run(*args, **kw):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kw)


# --- defect 4: numeric options are checked ------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["fetch", "--url", "http://127.0.0.1:9/feed", "--concurrency", "0"],
        ["fetch", "--url", "http://127.0.0.1:9/feed", "--concurrency", "-1"],
        ["fetch", "--url", "http://127.0.0.1:9/feed", "--per-host", "0"],
        ["fetch", "--url", "http://127.0.0.1:9/feed", "--timeout", "0"],
        ["fetch", "--url", "http://127.0.0.1:9/feed", "--retries", "-1"],
        ["score", "--batch-size", "0"],
        ["score", "--batch-size", "-5"],
        ["score", "--limit", "-3"],
        ["score", "--limit", "0"],
        ["extract", "--batch-size", "0", "-"],
        ["sentiment", "--batch-size", "0", "-"],
        ["compare", "--theme", "rate_cuts", "--seed", "-1"],
        ["train", "--threads", "0"],
        ["train", "--epochs", "0"],
        ["train", "--max-steps", "0"],
    ],
)
def test_out_of_range_numbers_are_usage_errors_before_anything_runs(args, tmp_path):
    db = tmp_path / "n.db"
    r = run(*args[:1], "--db", str(db), *args[1:]) if args[0] in ("fetch", "score", "compare") else run(*args)
    assert r.exit_code == 2, r.output
    assert "Invalid value for" in r.stderr and ("range" in r.stderr or "not in" in r.stderr)
    assert not db.exists()


def test_library_limits_are_checked_too(tmp_path, monkeypatch):
    from analyzer import store
    from analyzer.collect.http import HttpConfig
    from analyzer.nlp.scoring import score_articles

    for bad in ({"concurrency": 0}, {"per_host": 0}, {"retries": -1}, {"read_timeout": 0}):
        with pytest.raises(AnalyzerError, match="must be"):
            HttpConfig(**bad)
    monkeypatch.setenv("ANALYZE_HTTP_CONCURRENCY", "0")
    with pytest.raises(AnalyzerError, match=r"concurrency must be at least 1.*ANALYZE_HTTP"):
        HttpConfig.from_env()
    monkeypatch.setenv("ANALYZE_HTTP_CONCURRENCY", "many")
    with pytest.raises(AnalyzerError, match="ANALYZE_HTTP_CONCURRENCY='many': expected a number"):
        HttpConfig.from_env()
    db = store.open_db(tmp_path / "s.db")
    for kw in ({"batch_size": 0}, {"batch_size": -1}, {"limit": -3}):
        with pytest.raises(AnalyzerError, match="must be at least 1"):
            score_articles(db, model="rules", **kw)
