"""`analyze prices`, `analyze align`, `analyze compare`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from analyzer.cli.common import (
    REPORTS_DEFAULT,
    check_themes,
    db_option,
    emit_summary,
    json_option,
    reports_dir,
    theme_option,
    themes_option,
)

PRICE_SOURCES = ("bundled", "yfinance", "stooq")


def _csv_list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected a date YYYY-MM-DD") from None


def _source(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value in PRICE_SOURCES:
        return value
    if value.startswith("csv:"):
        path = Path(value[4:]).expanduser()
        if not path.exists():
            raise click.BadParameter(f"{value!r}: {path} does not exist")
        return value
    raise click.BadParameter(f"unknown price source {value!r} (use csv:PATH, {', '.join(PRICE_SOURCES)})")


@click.command("prices")
@click.option(
    "--symbols",
    show_default="all the source has",
    help="Comma-separated symbols, e.g. IWM,SPY,QQQ,DGS2.",
)
@click.option("--start", metavar="DATE", callback=_day, help="First date to load (YYYY-MM-DD).")
@click.option("--end", metavar="DATE", callback=_day, help="Last date to load (YYYY-MM-DD).")
@click.option(
    "--source",
    default="bundled",
    show_default=True,
    callback=_source,
    help="csv:PATH (a file, or a folder of SYMBOL.csv), bundled (2023-2024 sample), yfinance or stooq.",
)
@db_option
@json_option
def prices(symbols, start, end, source, db_path, as_json):
    """Load daily prices (Yahoo-style OHLCV or FRED-style DATE,VALUE) into the `prices` table."""
    from analyzer import store
    from analyzer.market.prices import load_prices

    if start and end and start > end:
        raise click.BadParameter(f"--start {start} is after --end {end}", param_hint="'--start'/'--end'")
    db = store.open_db(db_path)
    summary = load_prices(db, _csv_list(symbols), source=source, start=start, end=end)
    if not as_json:
        for w in summary.warnings[:20]:
            click.echo(f"warning: {w}", err=True)
        if len(summary.warnings) > 20:
            click.echo(f"warning: ... and {len(summary.warnings) - 20} more", err=True)
    emit_summary(summary, as_json)


@click.command("align")
@theme_option
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
@themes_option
@db_option
@json_option
def align(theme_names, window, count, themes_path, db_path, as_json):
    """Put claims on the exchange calendar: build claim_returns, daily_theme_index, claim_resolution."""
    from analyzer import store
    from analyzer.alignment import align as run_align

    check_themes(theme_names, themes_path)
    db = store.open_db(db_path, create=False)
    summary = run_align(db, themes=list(theme_names) or None, window=window, count=count, themes_path=themes_path)
    emit_summary(summary, as_json)


def _horizons(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        hs = tuple(int(h) for h in value.split(",") if h.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected comma-separated session counts, e.g. 1,5,20") from None
    if not hs or min(hs) < 1:
        raise click.BadParameter(f"{value!r}: horizons must be positive session counts")
    return hs


@click.command("compare")
@click.option("--theme", required=True, metavar="NAME", help="Theme to study, e.g. small_cap_rotation.")
@click.option(
    "--horizons",
    default="1,5,20",
    show_default=True,
    callback=_horizons,
    help="Forward-return horizons in sessions.",
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    show_default=REPORTS_DEFAULT,
    type=click.Path(file_okay=False),
    help="Folder for the reports: the theme's PNG figures and HTML report go in a folder named for it, "
    "where `analyze serve` finds them.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the null draws.")
@click.option(
    "--draws",
    default=1999,
    show_default=True,
    type=click.IntRange(100, 100_000),
    help="Null draws per statistic (block permutations of the index).",
)
@click.option(
    "--signal",
    default="index_value",
    show_default=True,
    type=click.Choice(["index_value", "index_z", "mean_sentiment", "mean_stance"]),
    help="Daily theme index column to test.",
)
@themes_option
@db_option
@json_option
def compare(theme, horizons, out_dir, seed, draws, signal, themes_path, db_path, as_json):
    """Narrative vs returns: effects per sd, lead-lag, event study and hit rates, each against a null."""
    from analyzer import store
    from analyzer.study.comparison import compare as run_compare

    check_themes([theme], themes_path)
    db = store.open_db(db_path, create=False)
    out = Path(reports_dir(out_dir, db_path)) / theme
    summary = run_compare(
        db, theme, horizons=horizons, out_dir=out, seed=seed, signal=signal, draws=draws, themes_path=themes_path
    )
    for note in summary.skipped:
        click.echo(f"note: {note}", err=True)
    if not as_json and summary.finding:
        click.echo(summary.finding["headline"])
    emit_summary(summary, as_json)
