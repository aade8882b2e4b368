"""Headless Chromium (Debian's package) renders the claims page and the dashboard's charts.

Driven over the Chrome DevTools Protocol (fixtures in conftest.py): the tests wait until the
chart element holds what vega drew (a <canvas> or <svg>) in the live DOM, and check that the
console shows no errors, no request failed and nothing was requested from another host. Each
page's screenshot is saved under the session's tmp folder.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHARTS = ("index_vs_spread", "claims_per_day", "stance_by_source", "rate_index_vs_yield")
DRAWN = "document.querySelectorAll('#chart-{0} canvas, #chart-{0} svg.marks').length"


def _only_local(page, server):
    remote = [u for u in page.requested_urls() if not u.startswith((server.base, "data:", "blob:", "about:"))]
    assert not remote, f"requests left the server: {remote}"


def test_claims_page_renders_without_console_errors(server, browser, screenshots):
    page = browser()
    page.goto(f"{server.base}{server.db_name}/claims?_facet=theme")
    rows = page.evaluate("document.querySelectorAll('table.rows-and-columns tbody tr').length")
    assert rows > 0
    facets = page.evaluate("Array.from(document.querySelectorAll('.facet-info')).map(e => e.dataset.column)")
    assert {"theme", "stance", "certainty"} <= set(facets)
    shot = page.screenshot(screenshots / "claims.png")
    assert shot.stat().st_size > 10_000
    assert page.errors() == []
    _only_local(page, server)


def test_dashboard_charts_draw_without_console_errors(server, browser, screenshots):
    page = browser()
    page.goto(f"{server.base}-/dashboards/narratives")
    for chart in CHARTS:
        assert page.wait_for(DRAWN.format(chart), timeout=60), f"chart {chart} was not drawn"
    # vega draws after the data arrive: the line chart has marks with real extent
    size = page.evaluate(
        "(() => { const c = document.querySelector('#chart-index_vs_spread canvas, #chart-index_vs_spread svg');"
        " const r = c.getBoundingClientRect(); return [r.width, r.height]; })()"
    )
    assert size[0] > 300 and size[1] > 150
    shot = page.screenshot(screenshots / "dashboard.png", full_page=True)
    assert shot.stat().st_size > 20_000
    print("screenshots in", screenshots)
    assert page.errors() == []
    _only_local(page, server)


def test_dashboard_theme_filter_redraws(server, browser, screenshots):
    page = browser()
    page.goto(f"{server.base}-/dashboards/narratives?theme=short_squeeze")
    assert page.wait_for(DRAWN.format("stance_by_source"), timeout=60)
    assert page.evaluate("document.querySelector('#theme').value") == "short_squeeze"
    page.screenshot(screenshots / "dashboard_short_squeeze.png")
    assert page.errors() == []
