"""`analyze demo`: build a browsable database offline from the bundled sample articles and prices.

Runs the same library functions as the commands (import, prices, score, stories, align, compare).
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

import analyzer
from analyzer.errors import AnalyzerError
from analyzer.paths import DATA_DIR
from analyzer.records import CompareSummary, ImportSummary

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


def _line(result: Any) -> str:
    if isinstance(result, dict):  # compare: one summary per theme
        return "; ".join(r.line() for r in result.values())
    return result.line()


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
    report: dict[str, Any] = {"db": str(db_path), "stages": {}}
    t_all = time.perf_counter()

    def run(name: str, call: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        result = call()
        report["stages"][name] = result
        echo(f"  {name:<8} {_line(result)}  ({time.perf_counter() - t0:.1f}s)")
        return result

    echo(f"Building the demo database {db_path} (offline: bundled sample articles and prices)")

    def import_samples() -> ImportSummary:
        # one call per outlet file, each with its own `sample:<outlet>` source
        parts = [analyzer.import_files(db, [path], source=source) for path, source in sample_files()]
        return ImportSummary(
            files=len(parts),
            files_ok=sum(p.files_ok for p in parts),
            files_failed=sum(p.files_failed for p in parts),
            articles_new=sum(p.articles_new for p in parts),
            articles_updated=sum(p.articles_updated for p in parts),
            articles_duplicate=sum(p.articles_duplicate for p in parts),
            errors=tuple(e for p in parts for e in p.errors),
            elapsed_s=round(sum(p.elapsed_s for p in parts), 3),
        )

    run("import", import_samples)
    run("prices", lambda: analyzer.load_prices(db, source="bundled"))
    run("score", lambda: analyzer.score(db))
    run("stories", lambda: analyzer.group_stories(db))
    run("align", lambda: analyzer.align(db))

    def compare_all() -> dict[str, CompareSummary]:
        return {theme: analyzer.compare(db, theme, out_dir=out_dir / theme) for theme in load_themes().themes}

    results = run("compare", compare_all)
    reports = [r.report for r in results.values() if r.report]
    echo(f"  reports  {out_dir}" + (f" (e.g. {reports[0]})" if reports else ""))

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
