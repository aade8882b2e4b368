"""`analyze prices`, `analyze align`, `analyze compare`."""

from __future__ import annotations

import click

from analyzer.cli.common import db_option, emit_summary, json_option
from analyzer.errors import AnalyzerError


def _csv_list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.command("prices")
@click.option("--symbols", help="Comma-separated symbols, e.g. IWM,SPY,QQQ,DGS2 (default: all the source has).")
@click.option("--start", help="First date to load (YYYY-MM-DD).")
@click.option("--end", help="Last date to load (YYYY-MM-DD).")
@click.option(
    "--source",
    default="bundled",
    show_default=True,
    help="csv:PATH (a file, or a folder of SYMBOL.csv), bundled (2023-2024 sample), yfinance or stooq.",
)
@db_option
@json_option
def prices(symbols, start, end, source, db_path, as_json):
    """Load daily prices (Yahoo-style OHLCV or FRED-style DATE,VALUE) into the `prices` table."""
    from analyzer import store
    from analyzer.market.prices import load_prices

    db = store.open_db(db_path)
    summary = load_prices(db, _csv_list(symbols), source=source, start=start, end=end)
    if not as_json:
        for w in summary.warnings[:20]:
            click.echo(f"warning: {w}", err=True)
        if len(summary.warnings) > 20:
            click.echo(f"warning: ... and {len(summary.warnings) - 20} more", err=True)
    emit_summary(summary, as_json)


@click.command("align")
@click.option("--themes", help="Comma-separated themes (default: all defined themes).")
@click.option(
    "--window",
    default=60,
    show_default=True,
    type=click.IntRange(5, 2000),
    help="Sessions in the rolling window of the index z-score (past sessions only).",
)
@click.option(
    "--count",
    "count",
    type=click.Choice(["claims", "stories"]),
    default="claims",
    show_default=True,
    help="What the daily index counts: every claim, or each story once (first mentions; run `analyze stories` first).",
)
@db_option
@json_option
def align(themes, window, count, db_path, as_json):
    """Put claims on the exchange calendar: build claim_returns, daily_theme_index, claim_resolution."""
    from analyzer import store
    from analyzer.alignment import align as run_align

    db = store.open_db(db_path, create=False)
    summary = run_align(db, themes=_csv_list(themes), window=window, count=count)
    emit_summary(summary, as_json)


def _horizons(value: str) -> tuple[int, ...]:
    try:
        hs = tuple(int(h) for h in value.split(",") if h.strip())
    except ValueError:
        raise AnalyzerError(f"--horizons {value!r}: expected comma-separated session counts, e.g. 1,5,20") from None
    if not hs or min(hs) < 1:
        raise AnalyzerError(f"--horizons {value!r}: horizons must be positive session counts")
    return hs


@click.command("compare")
@click.option("--theme", required=True, help="Theme to study, e.g. small_cap_rotation.")
@click.option("--horizons", default="1,5,20", show_default=True, help="Forward-return horizons in sessions.")
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the PNG figures and the HTML report.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for the placebo and bootstrap.")
@click.option(
    "--signal",
    default="index_value",
    show_default=True,
    type=click.Choice(["index_value", "index_z", "mean_sentiment", "mean_stance"]),
    help="Daily theme index column to test.",
)
@db_option
@json_option
def compare(theme, horizons, out_dir, seed, signal, db_path, as_json):
    """Narrative vs returns: correlations, lead-lag, HAC regressions, event study, placebo, hit rates."""
    from analyzer import store
    from analyzer.study.comparison import compare as run_compare

    db = store.open_db(db_path, create=False)
    summary = run_compare(db, theme, horizons=_horizons(horizons), out_dir=out_dir, seed=seed, signal=signal)
    for note in summary.skipped:
        click.echo(f"note: {note}", err=True)
    emit_summary(summary, as_json)
