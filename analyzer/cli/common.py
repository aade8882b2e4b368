"""Options and output helpers shared by the command modules."""

from __future__ import annotations

import json
import sys

import click

from analyzer.records import Record
from analyzer.store import DEFAULT_DB

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=DEFAULT_DB,
    envvar="ANALYZE_DB",
    show_default=True,
    show_envvar=True,
    help="SQLite database file.",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print a machine-readable JSON summary.")


def is_interactive() -> bool:
    """Progress bars only on a terminal; quiet in pipes and CI."""
    return sys.stderr.isatty()


def emit_summary(summary: Record, as_json: bool) -> None:
    """The command's summary: its JSON with --json, else its one line."""
    if as_json:
        click.echo(json.dumps(summary.as_dict(), sort_keys=True, default=str))
    else:
        click.echo(summary.line())  # type: ignore[attr-defined]
