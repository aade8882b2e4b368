"""`analyze serve`: Datasette on the analyzer database, with the project's metadata and plugins.

datasette_metadata.json names the database "analyzer" (a placeholder); Datasette names a
database after its file's stem, so the metadata is rewritten for the file being served.
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from analyzer.errors import AnalyzerError
from analyzer.paths import REPO_DIR

METADATA_FILE = REPO_DIR / "datasette_metadata.json"
PLACEHOLDER = "analyzer"
DASHBOARD = "narratives"
SETTINGS = {
    "sql_time_limit_ms": "5000",
    "facet_time_limit_ms": "500",
    "default_page_size": "100",
    # Suggested facets try a query per column on every table page: seconds at a million claims (issue 14).
    "suggest_facets": "off",
}


def database_name(db_path: str | Path) -> str:
    return Path(db_path).stem


def load_metadata(db_name: str, path: str | Path = METADATA_FILE) -> dict[str, Any]:
    """The shipped metadata with the placeholder database renamed to `db_name`."""
    path = Path(path)
    try:
        meta = json.loads(path.read_text())
    except OSError as exc:
        raise AnalyzerError(f"{path}: cannot read the Datasette metadata ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise AnalyzerError(f"{path}: invalid JSON ({exc})") from None
    dbs = meta.get("databases", {})
    if PLACEHOLDER in dbs:
        dbs[db_name] = dbs.pop(PLACEHOLDER)
    for dashboard in meta.get("plugins", {}).get("datasette-dashboards", {}).values():
        for item in [*dashboard.get("charts", {}).values(), *dashboard.get("filters", {}).values()]:
            if item.get("db") == PLACEHOLDER:
                item["db"] = db_name
    return meta


def urls(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> dict[str, str]:
    base = f"http://{host}:{port}/"
    return {"home": base, "database": base + database_name(db_path), "dashboard": f"{base}-/dashboards/{DASHBOARD}"}


REPORTS_MOUNT = "reports"


def reports_dir(db_path: str | Path) -> Path | None:
    """Where `analyze demo` put this database's comparison reports (reports/<db stem> beside it)."""
    path = Path(db_path).parent / "reports" / database_name(db_path)
    return path if path.is_dir() and any(path.rglob("*.html")) else None


def report_urls(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    folder = reports_dir(db_path)
    if folder is None:
        return []
    return [
        f"http://{host}:{port}/{REPORTS_MOUNT}/{p.relative_to(folder).as_posix()}"
        for p in sorted(folder.rglob("*.html"))
    ]


def datasette_args(db_path: str | Path, metadata_path: str | Path, host: str, port: int) -> list[str]:
    args = ["serve", str(db_path), "--metadata", str(metadata_path), "--host", host, "--port", str(port)]
    folder = reports_dir(db_path)
    if folder is not None:
        args += ["--static", f"{REPORTS_MOUNT}:{folder}"]
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


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette on `db_path` until interrupted (blocks); prints the URLs first."""
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
        meta_path.write_text(json.dumps(load_metadata(database_name(db_path))))
        u = urls(db_path, host, port)
        click.echo(f"Serving {db_path} at {u['home']}")
        click.echo(f"  tables and canned queries: {u['database']}")
        click.echo(f"  dashboard:                 {u['dashboard']}")
        for url in report_urls(db_path, host, port):
            click.echo(f"  comparison report:         {url}")
        click.echo("Press Ctrl-C to stop.", err=True)
        try:
            datasette_cli.cli.main(datasette_args(db_path, meta_path, host, port), standalone_mode=False)
        except KeyboardInterrupt:
            pass
