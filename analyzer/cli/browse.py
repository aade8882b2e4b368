"""`analyze serve` and `analyze demo`."""

from __future__ import annotations

import click

from analyzer.cli.common import REPORTS_DEFAULT, db_option, reports_dir, themes_option


@click.command()
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 exposes it to the network)."
)
@click.option("--port", "-p", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@themes_option
def serve(db_path: str, host: str, port: int, themes_path: str | None) -> None:
    """Browse the database in Datasette, with canned queries and charts."""
    from analyzer.browse.serve import serve as run

    run(db_path, host=host, port=port, themes_path=themes_path)


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default="demo.db",
    show_default=True,
    help="Database file to build or bring up to date (it must hold only sample data).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    show_default=REPORTS_DEFAULT,
    help="Folder for the reports: each theme's PNG figures and HTML report go in a folder named for it.",
)
def demo(db_path: str, out_dir: str | None) -> None:
    """Build a demo database offline from the bundled sample articles and prices, then print how to browse it."""
    from analyzer.browse.demo import build_demo

    build_demo(db_path, out_dir=reports_dir(out_dir, db_path))
