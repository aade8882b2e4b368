"""`analyze serve`: Datasette on the analyzer database, with the project's metadata and plugins.

datasette_metadata.json names the database "analyzer" (a placeholder); Datasette names a
database after its file's stem, so the metadata is rewritten for the file being served. The
dashboard gets a panel per theme (analyzer.browse.dashboard) and a description of the database
from its own content; the analyzer's plugin (browse/plugins) serves the comparison reports at
/reports/ and formats numbers; its templates (browse/templates) keep table pages readable.
"""

from __future__ import annotations

import html
import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from analyzer.errors import AnalyzerError
from analyzer.paths import METADATA_FILE

BROWSE_DIR = Path(__file__).resolve().parent
PLACEHOLDER = "analyzer"
DASHBOARD = "narratives"
ASSETS_MOUNT = "analyzer-assets"
SETTINGS = {
    "sql_time_limit_ms": "5000",
    "facet_time_limit_ms": "500",
    "default_page_size": "100",
    # Suggested facets try a query per column on every table page: seconds at a million claims.
    "suggest_facets": "off",
}


def database_name(db_path: str | Path) -> str:
    return Path(db_path).stem


def load_metadata(
    db_name: str, path: str | Path = METADATA_FILE, db_path: str | Path | None = None, themes_path=None
) -> dict[str, Any]:
    """The shipped metadata for the database `db_name`: the placeholder renamed, a dashboard panel
    per theme (of `themes_path`, default the shipped definitions), and (given `db_path`)
    descriptions of what this database holds."""
    from analyzer.browse.dashboard import theme_panels
    from analyzer.themes import load_themes

    path = Path(path)
    try:
        meta = json.loads(path.read_text())
    except OSError as exc:
        raise AnalyzerError(f"{path}: cannot read the Datasette metadata ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise AnalyzerError(f"{path}: invalid JSON ({exc})") from None
    dashboard = meta.get("plugins", {}).get("datasette-dashboards", {}).get(DASHBOARD)
    if dashboard is not None:
        charts, rows = theme_panels(load_themes(themes_path).themes.values(), PLACEHOLDER)
        layout = dashboard.get("layout", [])
        dashboard["layout"] = layout[:1] + rows + layout[1:]  # the intro first, the panels, then the rest
        dashboard["charts"] = {**dashboard.get("charts", {}), **charts}
    if db_path is not None:
        about = describe_database(db_path)
        if dashboard is not None:
            dashboard["description"] = about
        db_meta = meta.get("databases", {}).get(PLACEHOLDER)
        if db_meta is not None:
            db_meta["description_html"] = f"<p><b>{html.escape(about)}</b></p>" + db_meta.get("description_html", "")
    dbs = meta.get("databases", {})
    if PLACEHOLDER in dbs:
        dbs[db_name] = dbs.pop(PLACEHOLDER)
    for board in meta.get("plugins", {}).get("datasette-dashboards", {}).values():
        for item in [*board.get("charts", {}).values(), *board.get("filters", {}).values()]:
            if item.get("db") == PLACEHOLDER:
                item["db"] = db_name
            if isinstance(item.get("display"), str):  # markdown
                item["display"] = _relink(item["display"], db_name)
    for holder in (meta, *meta.get("databases", {}).values()):
        if "description_html" in holder:
            holder["description_html"] = _relink(holder["description_html"], db_name)
    return meta


def _relink(text: str, db_name: str) -> str:
    """Links to the placeholder database page point at the served database."""
    return text.replace(f'href="/{PLACEHOLDER}"', f'href="/{db_name}"').replace(f"(/{PLACEHOLDER})", f"(/{db_name})")


def describe_database(db_path: str | Path) -> str:
    """One sentence on what the database holds, from its own tables (articles, claims, prices, runs)."""
    import sqlite3

    db_path = Path(db_path)
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
        n_articles, first, last = one("select count(*), min(published_at), max(published_at) from articles")
        n_sources = one("select count(distinct source) from articles")[0]
        demo = n_articles and one("select count(*) from articles where source not like 'sample:%'")[0] == 0
        n_claims = one("select count(*) from claims")[0]
        symbols = [r[0] for r in con.execute("select distinct symbol from prices order by symbol")]
        last_run = one("select command, ended_at from runs where status = 'ok' order by id desc limit 1")
        con.close()
    except sqlite3.Error:
        return f"{db_path.name}: not readable as an analyzer database."
    if not n_articles:
        return f"{db_path.name}: no articles yet (run analyze fetch or analyze import)."
    span = f", published {first[:10]} to {last[:10]}" if first else ""
    text = (
        f"{db_path.name}: {n_articles:,} articles from {n_sources:,} source{'s' if n_sources != 1 else ''}{span}; "
        f"{n_claims:,} claims; prices for {', '.join(symbols) or 'no symbols'}"
    )
    if last_run:
        text += f"; last run: {last_run[0]} at {(last_run[1] or '')[:16].replace('T', ' ')} UTC"
    if demo:
        text += ". Demo data: fictional sample articles written for this project, real 2023-2024 prices"
    return text + "."


def urls(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> dict[str, str]:
    base = f"http://{host}:{port}/"
    return {
        "home": base,
        "database": base + database_name(db_path),
        "dashboard": f"{base}-/dashboards/{DASHBOARD}",
        "reports": f"{base}reports/",
    }


def report_urls(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    from analyzer.browse import reports

    name = database_name(db_path)
    return [f"http://{host}:{port}{reports.report_url(name, r)}" for r in reports.reports(db_path)]


def datasette_args(db_path: str | Path, metadata_path: str | Path, host: str, port: int) -> list[str]:
    args = ["serve", str(db_path), "--metadata", str(metadata_path), "--host", host, "--port", str(port)]
    args += ["--plugins-dir", str(BROWSE_DIR / "plugins"), "--template-dir", str(BROWSE_DIR / "templates")]
    args += ["--static", f"{ASSETS_MOUNT}:{BROWSE_DIR / 'static'}"]
    for name, value in SETTINGS.items():
        args += ["--setting", name, value]
    return args


def check_port(host: str, port: int) -> None:
    """Fail with a one-line message before Datasette starts if the address cannot be bound."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AnalyzerError(f"--host {host}: not a usable address ({exc.strerror})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(addr)
        except OSError as exc:
            raise AnalyzerError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); pick another port"
            ) from None


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001, themes_path=None) -> None:
    """Run Datasette on `db_path` until interrupted (blocks); prints the URLs first. The dashboard
    has a panel per theme of `themes_path` (default the shipped definitions)."""
    from analyzer import store

    db_path = Path(db_path)
    db = store.open_db(db_path, create=False)  # brings an older file's schema up to date first
    db.conn.close()
    check_port(host, port)
    from datasette import cli as datasette_cli

    # uvicorn shuts down gracefully on SIGTERM and then re-raises it; turning it into SystemExit
    # lets the temporary metadata folder below be removed instead of left behind in /tmp.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with tempfile.TemporaryDirectory(prefix="analyze-serve-") as tmp:
        meta_path = Path(tmp) / "metadata.json"
        meta = load_metadata(database_name(db_path), db_path=db_path, themes_path=themes_path)
        meta_path.write_text(json.dumps(meta))
        u = urls(db_path, host, port)
        click.echo(f"Serving {db_path} at {u['home']}")
        click.echo(f"  tables and canned queries: {u['database']}")
        click.echo(f"  dashboard:                 {u['dashboard']}")
        click.echo(f"  comparison reports:        {u['reports']}")
        for url in report_urls(db_path, host, port):
            click.echo(f"  comparison report:         {url}")
        click.echo("Press Ctrl-C to stop.", err=True)
        try:
            datasette_cli.cli.main(datasette_args(db_path, meta_path, host, port), standalone_mode=False)
        except KeyboardInterrupt:
            pass
