"""Options and output helpers shared by the command modules.

Conventions every command follows:
- One meaning per option name: `--db` the SQLite file, `--themes FILE` the theme definitions,
  `--theme NAME` a theme (repeatable where several make sense), `--model` the sentiment model,
  `--json` a machine-readable summary, `--out DIR` a folder for what the command writes.
- Usage errors (an unknown option, a value out of range or of the wrong form, an unknown theme,
  a file named on the command line that does not exist) exit 2, as click does, before anything
  is written; runtime errors (bad file contents, nothing could be done, the database) exit 1
  with one line `error: ...`.
- Defaults are shown by click, one way: `[default: value]`, or `[default: (description)]` when
  the default is worked out at run time; help texts do not repeat them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from analyzer.errors import AnalyzerError
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


def _themes_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The theme definitions file must exist; a theme's name given here is pointed at --theme."""
    if value is None or Path(value).is_file():
        return value
    if Path(value).exists():
        raise click.BadParameter(f"{value!r} is not a file (a theme definitions YAML file)")
    hint = ""
    if "/" not in value and "." not in value:
        hint = f"; to pick one theme, use --theme {value}"
    raise click.BadParameter(f"File {value!r} does not exist{hint}")


themes_option = click.option(
    "--themes",
    "themes_path",
    type=click.Path(dir_okay=False),
    callback=_themes_file,
    default=None,
    show_default="models/themes.yml, or $ANALYZE_MODELS_DIR/themes.yml",
    help="Theme definitions file.",
)


def _names(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n.strip() for v in value for n in v.split(",") if n.strip())


theme_option = click.option(
    "--theme",
    "theme_names",
    multiple=True,
    metavar="NAME",
    callback=_names,
    show_default="all themes",
    help="Only this theme (repeatable, or comma-separated).",
)


def check_themes(names, themes_path=None) -> None:
    """A usage error (exit 2) for a theme name the definitions do not have, or a definitions file
    that cannot be read (exit 1)."""
    from analyzer.themes import load_themes

    themes = load_themes(str(themes_path) if themes_path else None)
    for name in names or ():
        try:
            themes.get(name)
        except AnalyzerError as exc:
            raise click.BadParameter(str(exc), param_hint="'--theme'") from None


def is_interactive() -> bool:
    """Progress bars only on a terminal; quiet in pipes and CI."""
    return sys.stderr.isatty()


def emit_summary(summary: Record, as_json: bool) -> None:
    """The command's summary: its JSON with --json, else its one line."""
    if as_json:
        click.echo(json.dumps(summary.as_dict(), sort_keys=True, default=str))
    else:
        click.echo(summary.line())  # type: ignore[attr-defined]


def reports_dir(out_dir: str | None, db_path: str) -> str:
    """Where reports go: `out_dir`, else reports/<database stem> beside the database (compare and
    demo agree; each theme gets a folder inside)."""
    from analyzer.study.report import default_reports_dir

    return out_dir or str(default_reports_dir(db_path))


REPORTS_DEFAULT = "reports/<db stem> beside the database"
