"""`analyze demo`: build a browsable database offline from the bundled sample articles and prices.

Runs the same library functions as the commands (import, prices, score, align, compare). A stage
whose module is not in this build is reported as "not available" and skipped.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from analyzer.errors import AnalyzerError
from analyzer.paths import DATA_DIR

SAMPLE_DIR = DATA_DIR / "sample_articles"
SAMPLE_PREFIX = "sample"


def sample_files() -> list[tuple[Path, str]]:
    """(file, source) for each bundled outlet file; the source is `sample:<outlet>`."""
    out = []
    for path in sorted(SAMPLE_DIR.glob("*.jsonl")):
        first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
        source = first.get("source") or f"{SAMPLE_PREFIX}:{path.stem}"
        if not source.startswith(SAMPLE_PREFIX):
            source = f"{SAMPLE_PREFIX}:{source}"
        out.append((path, source))
    if not out:
        raise AnalyzerError(f"{SAMPLE_DIR}: no bundled sample articles (*.jsonl)")
    return out


def _stage(target: str) -> Callable | None:
    module, name = target.split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    fn = getattr(mod, name, None)
    if isinstance(fn, types.ModuleType):  # a submodule of the same name shadows the package's function
        fn = getattr(fn, name, None)
    return fn if callable(fn) else None


def browse_command(db_path: str | Path) -> str:
    """The command that browses `db_path`, spelled so it works from the current shell."""
    exe = Path(sys.executable).parent / "analyze"
    on_path = shutil.which("analyze")
    prog = "analyze"
    if exe.exists() and (on_path is None or Path(on_path).resolve() != exe.resolve()):
        try:
            prog = str(exe.relative_to(Path.cwd()))
        except ValueError:
            prog = str(exe)
    return f"{prog} serve --db {db_path}"


def _counts_line(summary: dict) -> str:
    return ", ".join(
        f"{k} {v}"
        for k, v in summary.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.endswith("_id")
    )


def _check_demo_db(db) -> None:
    """Refuse to mix the sample into a database that holds real articles."""
    row = db.execute(
        "select count(*) from articles where source is null or source not like ?", [SAMPLE_PREFIX + "%"]
    ).fetchone()
    if row[0]:
        raise AnalyzerError(
            f"{db.conn.execute('pragma database_list').fetchone()[2]}: holds {row[0]} non-sample articles; "
            "the demo builds its own database (pass another --db)"
        )


def build_demo(
    db_path: str | Path = "demo.db", out_dir: str | Path | None = None, *, echo: Callable[[str], Any] = click.echo
) -> dict:
    """Build (or bring up to date) the demo database; returns what each stage reported."""
    from analyzer import store
    from analyzer.themes import load_themes

    db_path = Path(db_path)
    out_dir = Path(out_dir) if out_dir else db_path.parent / "reports" / db_path.stem
    db = store.open_db(db_path)
    _check_demo_db(db)
    report: dict[str, Any] = {"db": str(db_path), "stages": {}, "not_available": []}
    t_all = time.perf_counter()

    def run(name: str, target: str, call: Callable[[Callable], Any], line: Callable[[Any], str]) -> Any:
        fn = _stage(target)
        if fn is None:
            echo(f"  {name:<8} not available in this build ({target}); skipped")
            report["not_available"].append(name)
            return None
        t0 = time.perf_counter()
        result = call(fn)
        report["stages"][name] = result
        echo(f"  {name:<8} {line(result)}  ({time.perf_counter() - t0:.1f}s)")
        return result

    echo(f"Building the demo database {db_path} (offline: bundled sample articles and prices)")
    files = sample_files()

    def do_import(fn):
        totals: dict[str, Any] = {"files": 0, "articles_new": 0, "articles_updated": 0, "errors": []}
        for path, source in files:
            s = fn(db, [path], source=source)
            totals["files"] += 1
            totals["articles_new"] += s.get("articles_new", 0)
            totals["articles_updated"] += s.get("articles_updated", 0)
            totals["errors"] += s.get("errors", [])
        return totals

    run(
        "import",
        "analyzer.collect.importer:import_paths",
        do_import,
        lambda s: (
            f"{s['files']} sample files: {s['articles_new']} new, {s['articles_updated']} updated articles"
            + (f", {len(s['errors'])} problems" if s["errors"] else "")
        ),
    )
    run(
        "prices",
        "analyzer.market.prices:load_prices",
        lambda fn: fn(db, source="bundled"),
        lambda s: (
            "bundled prices: " + ", ".join(f"{k} {v.get('rows', '?')} days" for k, v in s.get("symbols", {}).items())
        ),
    )
    run("score", "analyzer.nlp.scoring:score_articles", lambda fn: fn(db), _counts_line)
    run("align", "analyzer.align:align", lambda fn: fn(db), _counts_line)

    def do_compare(fn):
        out = {}
        for theme in load_themes().themes:
            out[theme] = fn(db, theme, out_dir=out_dir / theme)
        return out

    def compare_line(res: dict) -> str:
        reports = [str(r.get("report") or r.get("html") or "") for r in res.values() if isinstance(r, dict)]
        reports = [r for r in reports if r]
        return f"{len(res)} themes compared; reports under {out_dir}" + (f" (e.g. {reports[0]})" if reports else "")

    run("compare", "analyzer.study:compare", do_compare, compare_line)

    counts = {
        t: db[t].count for t in ("articles", "claims", "prices", "claim_returns", "daily_theme_index", "study_results")
    }
    report["counts"] = counts
    report["browse"] = browse_command(db_path)
    db.conn.close()
    echo(f"Built {db_path} in {time.perf_counter() - t_all:.1f}s: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    echo("Browse it (tables, canned queries, dashboard) with:")
    echo(f"  {report['browse']}")
    return report
