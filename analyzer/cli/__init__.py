"""`analyze`: thin click commands over the library.

Subcommands live in modules named for their stage and are imported only when invoked, so
`analyze extract` does not pay for Datasette or statsmodels at start-up.
"""

from __future__ import annotations

import importlib
import signal
import sqlite3
import sys
import threading

import click

from analyzer import __version__
from analyzer.errors import AnalyzerError, Terminated

# command name -> "module:function" under analyzer.cli, in workflow order (as --help lists them)
COMMANDS: dict[str, str] = {
    "fetch": "collect:fetch",
    "import": "collect:import_",
    "score": "claims:score",
    "stories": "claims:stories",
    "prices": "market:prices",
    "align": "market:align",
    "compare": "market:compare",
    "serve": "browse:serve",
    "demo": "browse:demo",
    "extract": "claims:extract",
    "sentiment": "sentiment:sentiment",
    "train": "sentiment:train",
    "eval": "sentiment:eval_",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(f"analyzer.cli.{module}"), attr)

    def invoke(self, ctx: click.Context):
        previous = _on_sigterm()
        try:
            return super().invoke(ctx)
        except AnalyzerError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except sqlite3.Error as exc:  # one line, never a traceback; the run (if any) is marked failed
            hint = "; is the disk full?" if _cannot_write(exc) else ""
            click.echo(f"error: the database: {exc}{hint}", err=True)
            sys.exit(1)
        except Terminated:
            click.echo("error: terminated (SIGTERM); the run is recorded as interrupted", err=True)
            sys.exit(128 + signal.SIGTERM)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _cannot_write(exc) -> bool:
    from analyzer.store import cannot_write

    return cannot_write(exc)


def _on_sigterm():
    """Handle SIGTERM like Ctrl-C (raise in the main thread); returns the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def terminate(signum, frame):
        raise Terminated("terminated (SIGTERM)")

    return signal.signal(signal.SIGTERM, terminate)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="analyze")
def main() -> None:
    """Market-narrative analyzer: collect market articles, extract claims about narratives,
    align them point-in-time with prices, and browse it all in Datasette."""
