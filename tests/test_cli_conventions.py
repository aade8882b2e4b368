"""One set of CLI conventions for every command: numeric options checked by click ranges, usage
errors exit 2 and runtime errors 1, one meaning per option name, defaults shown one way."""

from __future__ import annotations

import re

import click
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


# --- one meaning per option name, defaults shown one way, workflow order -------------------------


def commands():
    ctx = click.Context(main)
    return [(name, main.get_command(ctx, name)) for name in main.list_commands(ctx)]


def options(cmd):
    return [p for p in cmd.params if isinstance(p, click.Option) and p.name != "help"]


def test_commands_are_listed_in_workflow_order():
    names = [n for n, _ in commands()]
    assert names[:8] == ["fetch", "import", "score", "stories", "prices", "align", "compare", "serve"]


def test_each_option_name_has_one_meaning_everywhere():
    seen: dict[str, set] = {}
    for _, cmd in commands():
        for opt in options(cmd):
            for flag in opt.opts:
                seen.setdefault(flag, set()).add((type(opt.type).__name__, opt.metavar, opt.is_flag))
    # --themes: always the definitions file; --theme: always a theme name
    assert seen["--themes"] == {("Path", None, False)}
    assert {m for _, m, _ in seen["--theme"]} == {"NAME"}
    assert {m for _, m, _ in seen["--model"]} == {"NAME_OR_PATH"}
    assert len(seen["--db"]) == 1 and len(seen["--json"]) == 1 and len(seen["--out"]) == 1
    for flag, meanings in seen.items():
        if flag not in ("--theme", "--batch-size", "--limit", "--seed", "--out"):
            assert len(meanings) == 1, (flag, meanings)


def test_defaults_are_shown_by_click_the_same_way():
    for name, cmd in commands():
        for opt in options(cmd):
            where = f"{name} {opt.opts[0]}"
            prose = re.sub(r"'[^']*'", "", opt.help or "")  # 'default' as a quoted value is a model name
            assert "default" not in prose.lower(), f"{where}: the help text states a default"
            unset = opt.default is None or type(opt.default).__name__ == "Sentinel"  # click's UNSET
            has_default = not unset and opt.default not in ((), False) and not (opt.is_flag and not opt.secondary_opts)
            if has_default:
                assert opt.show_default, f"{where}: default {opt.default!r} not shown"


def test_compare_and_demo_agree_on_where_reports_go():
    from analyzer.cli.common import reports_dir

    help_of = {name: {o.opts[0]: o for o in options(cmd)} for name, cmd in commands()}
    out_c, out_d = help_of["compare"]["--out"], help_of["demo"]["--out"]
    assert out_c.show_default == out_d.show_default == "reports/<db stem> beside the database"
    assert reports_dir(None, "data/my.db") == "data/reports/my"
    assert reports_dir("elsewhere", "data/my.db") == "elsewhere"


# --- usage errors exit 2 before anything is written; runtime errors exit 1 -------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["score", "--theme", "nope"], "unknown theme 'nope'"),
        (["score", "--themes", "missing.yml"], "does not exist"),
        (["align", "--theme", "moon_landing"], "unknown theme 'moon_landing'"),
        (["align", "--themes", "small_cap_rotation"], "to pick one theme, use --theme small_cap_rotation"),
        (["compare", "--themes", "rate_cuts", "--theme", "rate_cuts"], "use --theme rate_cuts"),
        (["compare", "--theme", "nope"], "unknown theme 'nope'"),
        (["compare", "--theme", "rate_cuts", "--horizons", "1,x"], "'1,x': expected comma-separated"),
        (["compare", "--theme", "rate_cuts", "--horizons", "0"], "positive session counts"),
        (["prices", "--start", "2024-13-01"], "'2024-13-01': expected a date YYYY-MM-DD"),
        (["prices", "--start", "2024-06-01", "--end", "2024-01-01"], "is after --end"),
        (["prices", "--source", "ftp"], "unknown price source 'ftp'"),
        (["prices", "--source", "csv:missing.csv"], "does not exist"),
        (["fetch", "--feeds", "missing.toml"], "does not exist"),
        (["import", "missing.jsonl"], "does not exist"),
        (["import", "x.jsonl", "--undated", "later"], "'later' is not one of"),
    ],
)
def test_usage_errors_exit_2_and_touch_nothing(args, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.jsonl").write_text("{}\n")
    r = CliRunner().invoke(main, [args[0], "--db", "u.db", *args[1:]])
    assert r.exit_code == 2, r.output
    assert says in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "u.db").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["extract", "missing.txt"], "does not exist"),
        (["extract", "--theme", "nope", "-"], "unknown theme 'nope'"),
        (["sentiment", "missing.txt"], "does not exist"),
        (["eval"], "give FILE.csv (columns text,label) or --dev"),
        (["eval", "missing.csv"], "does not exist"),
        (["train", "--data", "imdb"], "unknown data set(s) imdb"),
        (["train", "--exclude", "imdb"], "unknown data set(s) imdb"),
    ],
)
def test_usage_errors_of_the_commands_without_a_database(args, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, args, input="")
    assert r.exit_code == 2, r.output
    assert says in r.stderr


def test_runtime_errors_exit_1_with_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "bad.toml").write_text("[[feed]\nurl = ")
    cases = [
        (["score", "--db", "empty.db", "--model", "rules"], "import or fetch first"),
        (["serve", "--db", "absent.db"], "absent.db"),
        (["extract", "bin.txt"], "binary"),
        (["fetch", "--feeds", "bad.toml", "--db", "f.db"], "not valid TOML"),
    ]
    for args, says in cases:
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1, (args, r.output)
        lines = r.stderr.strip().splitlines()
        assert lines[-1].startswith("error: ") and says in lines[-1], (args, r.stderr)
        assert "Traceback" not in r.output
