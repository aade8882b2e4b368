"""The analyzer's Datasette plugin (loaded by `analyze serve` with --plugins-dir): the comparison
reports at /reports/ (a listing, and each report), and numbers formatted for reading."""

from __future__ import annotations

import mimetypes

from datasette import hookimpl
from datasette.utils.asgi import Response

from analyzer.browse import cells, reports


def _databases(datasette) -> dict:
    return {name: db.path for name, db in datasette.databases.items() if db.path and not db.is_memory}


async def listing(datasette, request):
    items = []
    for name, path in _databases(datasette).items():
        for r in reports.reports(path):
            items.append({"database": name, "report": r, "url": reports.report_url(name, r)})
    html = await datasette.render_template("reports.html", {"items": items}, request=request)
    return Response.html(html)


async def report_file(datasette, request):
    db, theme, name = (request.url_vars[k] for k in ("database", "theme", "name"))
    path = _databases(datasette).get(db)
    found = reports.resolve(path, theme, name) if path else None
    if found is None:
        return Response.html(f"<p>No report file {name!r} for {theme!r} in {db!r}.</p>", status=404)
    content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    return Response(found.read_bytes(), content_type=content_type)


@hookimpl
def register_routes():
    return [
        (r"^/reports/?$", listing),
        (r"^/-/reports/?$", listing),
        (r"^/reports/(?P<database>[^/]+)/(?P<theme>[^/]+)/(?P<name>[^/]+)$", report_file),
    ]


@hookimpl
def render_cell(row, value, column, table):
    return cells.format_cell(value, column, table, row)
