"""`analyze fetch` and `analyze import`."""

from __future__ import annotations

import click

from analyzer.cli.common import db_option, emit_summary, is_interactive, json_option
from analyzer.collect.http import HttpConfig
from analyzer.errors import AnalyzerError

HTTP = HttpConfig()  # the defaults the options show

MAX_LISTED = 50  # rejected items printed; the rest are in the rejected_items table and --json


@click.command("fetch")
@click.option(
    "--feeds",
    "feed_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    show_default="the shipped feeds/default.toml",
    help="Feed list (TOML or OPML); repeatable.",
)
@click.option("--url", "urls", multiple=True, help="A feed URL; repeatable.")
@click.option("--tag", "tags", multiple=True, help="Only feeds with this tag; repeatable.")
@click.option("--full-text", is_flag=True, help="Also fetch each new article's page and extract its main text.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=HTTP.concurrency,
    envvar="ANALYZE_HTTP_CONCURRENCY",
    show_default=True,
    show_envvar=True,
    help="Requests in flight at once.",
)
@click.option(
    "--per-host",
    type=click.IntRange(min=1),
    default=HTTP.per_host,
    envvar="ANALYZE_HTTP_PER_HOST",
    show_default=True,
    show_envvar=True,
    help="Requests in flight per host.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=HTTP.read_timeout,
    envvar="ANALYZE_HTTP_TIMEOUT",
    show_default=True,
    show_envvar=True,
    help="Read timeout in seconds.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=HTTP.retries,
    envvar="ANALYZE_HTTP_RETRIES",
    show_default=True,
    show_envvar=True,
    help="Retries after a timeout or 5xx.",
)
@db_option
@json_option
def fetch(feed_files, urls, tags, full_text, concurrency, per_host, timeout, retries, db_path, as_json):
    """Fetch RSS/Atom feeds and store their articles (deduplicated; re-running adds nothing new)."""
    from analyzer import store
    from analyzer.collect.feedlists import select_feeds
    from analyzer.collect.fetch import fetch_feeds

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
            click.echo(f"failed: {f.url or '(no url)'}: {f.error}", err=True)
        _list_rejected(summary.rejected)
    emit_summary(summary, as_json)
    if summary.feeds and summary.feeds_failed == summary.feeds:
        raise AnalyzerError(f"every feed failed ({summary.feeds}); see the fetch_errors view")


def _list_rejected(rejected) -> None:
    for r in rejected[:MAX_LISTED]:
        click.echo(f"rejected: {r.line()}", err=True)
    if len(rejected) > MAX_LISTED:
        click.echo(f"rejected: ... and {len(rejected) - MAX_LISTED} more (all in the rejected_items table)", err=True)


def _timezone(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    from analyzer.collect.dates import BadDate, zone

    try:
        zone(value)
    except BadDate as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _columns(ctx, param, value: str | None) -> str | None:
    from analyzer.collect.importer import parse_columns

    try:
        parse_columns(value)
    except AnalyzerError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[1]) from None
    return value


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--source", default=None, show_default="import:<file name>", help="Value for the articles' source column."
)
@click.option(
    "--timezone",
    "timezone",
    default=None,
    metavar="ZONE",
    callback=_timezone,
    help="Read times without a UTC offset in this IANA time zone (e.g. America/New_York, UTC), and a date "
    "alone as the end of that day there. Without it such values are rejected.",
)
@click.option(
    "--undated",
    type=click.Choice(["now", "skip"]),
    default=None,
    help="Items without a date: 'now' stamps them with the time of import, 'skip' leaves them out. "
    "Without it they are rejected.",
)
@click.option(
    "--columns",
    default=None,
    metavar="FIELD=COLUMN,...",
    callback=_columns,
    help="Map CSV columns (or JSONL keys) onto the fields url, title, published, text, summary, author, "
    "guid, language, e.g. title=headline,published=date,text=body.",
)
@db_option
@json_option
def import_(paths, source, timezone, undated, columns, db_path, as_json):
    """Import local files: feed XML, HTML pages, plain text, JSONL and CSV (url, title, published, text).

    Any of them may be gzip-compressed (archive.jsonl.gz). Each bad line or entry is rejected with
    FILE:LINE and the reason, and costs nothing else; the exit code is 1 when nothing could be read."""
    from pathlib import Path

    from analyzer import store
    from analyzer.collect.importer import import_paths, is_sqlite

    for p in paths:
        if Path(p).is_file() and is_sqlite(Path(p)):
            others = " ".join(q for q in paths if q != p) or "FILE..."
            raise click.UsageError(
                f"{p} is an SQLite database, not a file to import; to import into it, type: "
                f"analyze import --db {p} {others}"
            )
    db = store.open_db(db_path)
    summary = import_paths(
        db,
        list(paths),
        source=source,
        progress=is_interactive(),
        on_error=lambda line: click.echo(f"error: {line}", err=True),
        timezone=timezone,
        undated=undated,
        columns=columns,
    )
    if not as_json:
        _list_rejected(summary.rejected)
    emit_summary(summary, as_json)
    if summary.nothing_read:
        raise AnalyzerError("nothing could be imported")
