"""Where a database's comparison reports are: the folder each theme's latest `compare` run wrote
to (from `runs`), else reports/<db stem>/<theme> beside the database (where `analyze demo` and
`analyze compare` put them by default). Read at request time, so reports written while
`analyze serve` runs show up."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from analyzer.study.report import default_reports_dir

URL_PREFIX = "/reports"


@dataclass(frozen=True)
class Report:
    theme: str
    path: Path  # the HTML file
    verdict: str | None = None
    headline: str | None = None
    created_at: str | None = None

    @property
    def folder(self) -> Path:
        return self.path.parent


def _query(db_path: Path, sql: str) -> list[tuple]:
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []


def theme_folders(db_path: str | Path) -> dict[str, Path]:
    """theme -> the folder holding its latest report."""
    db_path = Path(db_path)
    out: dict[str, Path] = {}
    for arguments, _ in _query(
        db_path, "select arguments, id from runs where command = 'compare' and status = 'ok' order by id desc"
    ):
        try:
            args = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            continue
        theme, folder = args.get("theme"), args.get("out_dir")
        if not theme or not folder or theme in out:
            continue
        folder = Path(folder)
        if not folder.is_absolute():
            folder = Path.cwd() / folder
        if (folder / f"{theme}_report.html").is_file():
            out[theme] = folder
    default = default_reports_dir(db_path)
    if default.is_dir():
        for html in sorted(default.rglob("*_report.html")):
            out.setdefault(html.name.removesuffix("_report.html"), html.parent)
    return out


def reports(db_path: str | Path) -> list[Report]:
    findings = {
        r[0]: r[1:] for r in _query(Path(db_path), "select theme, verdict, headline, created_at from study_findings")
    }
    return [
        Report(theme, folder / f"{theme}_report.html", *findings.get(theme, (None, None, None)))
        for theme, folder in sorted(theme_folders(db_path).items())
    ]


def report_url(db_name: str, report: Report) -> str:
    return f"{URL_PREFIX}/{db_name}/{report.theme}/{report.path.name}"


def resolve(db_path: str | Path, theme: str, name: str) -> Path | None:
    """The file `name` of `theme`'s report folder; None for anything outside it."""
    folder = theme_folders(db_path).get(theme)
    if folder is None or "/" in name or name.startswith("."):
        return None
    path = (folder / name).resolve()
    return path if path.parent == folder.resolve() and path.is_file() else None
