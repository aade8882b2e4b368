"""`analyze serve` and `analyze demo`."""

from __future__ import annotations

import click

from analyzer.cli.common import db_option


@click.command()
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 exposes it to the network)."
)
@click.option("--port", "-p", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def serve(db_path: str, host: str, port: int) -> None:
    """Browse the database in Datasette, with canned queries and charts."""
    from analyzer.browse.serve import serve as run

    run(db_path, host=host, port=port)


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
    help="Folder for the comparison reports [default: reports/<db stem> beside the database].",
)
def demo(db_path: str, out_dir: str | None) -> None:
    """Build a demo database offline from the bundled sample articles and prices, then print how to browse it."""
    from analyzer.browse.demo import build_demo

    build_demo(db_path, out_dir=out_dir)
