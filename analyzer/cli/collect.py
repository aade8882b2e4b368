"""`analyze fetch` and `analyze import`."""

from __future__ import annotations

import click

from analyzer.cli.common import db_option, emit_summary, is_interactive, json_option
from analyzer.errors import AnalyzerError


@click.command("fetch")
@click.option(
    "--feeds",
    "feed_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Feed list (TOML or OPML); repeatable. Default: the shipped feeds/default.toml.",
)
@click.option("--url", "urls", multiple=True, help="A feed URL; repeatable.")
@click.option("--tag", "tags", multiple=True, help="Only feeds with this tag; repeatable.")
@click.option("--full-text", is_flag=True, help="Also fetch each new article's page and extract its main text.")
@click.option("--concurrency", type=int, default=None, help="Requests in flight at once (default 16).")
@click.option("--per-host", type=int, default=None, help="Requests in flight per host (default 4).")
@click.option("--timeout", type=float, default=None, help="Read timeout in seconds (default 20).")
@click.option("--retries", type=int, default=None, help="Retries after a timeout or 5xx (default 2).")
@db_option
@json_option
def fetch(feed_files, urls, tags, full_text, concurrency, per_host, timeout, retries, db_path, as_json):
    """Fetch RSS/Atom feeds and store their articles (deduplicated; re-running adds nothing new)."""
    from analyzer import store
    from analyzer.collect.feedlists import select_feeds
    from analyzer.collect.fetch import fetch_feeds
    from analyzer.collect.http import HttpConfig

    specs = select_feeds(list(feed_files), list(urls), list(tags))
    config = HttpConfig.from_env(concurrency=concurrency, per_host=per_host, read_timeout=timeout, retries=retries)
    db = store.open_db(db_path)
    args = {
        "feeds": list(feed_files),
        "url": list(urls),
        "tag": list(tags),
        "full_text": full_text,
        "n_feeds": len(specs),
    }
    summary = fetch_feeds(db, specs, full_text=full_text, progress=is_interactive(), config=config, arguments=args)
    if not as_json:
        for f in summary.failed:
            click.echo(f"failed: {f.url}: {f.error}", err=True)
    emit_summary(summary, as_json)
    if summary.feeds and summary.feeds_failed == summary.feeds:
        raise AnalyzerError(f"every feed failed ({summary.feeds}); see the fetch_errors view")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--source", default=None, help='Value for the articles\' source column (default "import:<file>").')
@db_option
@json_option
def import_(paths, source, db_path, as_json):
    """Import local files: feed XML, HTML pages, plain text, JSONL ({"url","title","published","text"})."""
    from analyzer import store
    from analyzer.collect.importer import import_paths

    db = store.open_db(db_path)
    summary = import_paths(
        db,
        list(paths),
        source=source,
        progress=is_interactive(),
        on_error=lambda line: click.echo(f"error: {line}", err=True),
    )
    emit_summary(summary, as_json)
    if summary.files and summary.files_failed == summary.files:
        raise AnalyzerError(f"none of the {summary.files} files could be imported")
