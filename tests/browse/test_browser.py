"""Headless Chromium (Debian's package) on the live demo server: pages render, the dashboard's
panels draw with data, every report link opens.

Driven over the Chrome DevTools Protocol (fixtures in conftest.py): the tests wait until a chart
element holds what vega drew (a <canvas> or <svg>) and read its pixels, and check that the console
shows no errors, no request failed and nothing was requested from another host. A screenshot of
every page is kept under build/test-artifacts/screenshots.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

DRAWN = "document.querySelectorAll('#chart-{0} canvas, #chart-{0} svg.marks').length"
# marks of one colour that vega drew in a chart (the first target's are #4c78a8, the index's #f58518)
MARKS = """Array.from(document.querySelectorAll('#chart-{0} svg g.role-mark path, #chart-{0} svg g.role-mark line'))
  .filter(p => p.getAttribute('fill') === '{1}' || p.getAttribute('stroke') === '{1}').length"""
TARGET_BLUE = "#4c78a8"
INDEX_ORANGE = "#f58518"
THEMES_WITH_DATA = ("small_cap_rotation", "rate_cuts")  # the demo has too few short-squeeze sessions


def _only_local(page, server):
    remote = [u for u in page.requested_urls() if not u.startswith((server.base, "data:", "blob:", "about:"))]
    assert not remote, f"requests left the server: {remote}"


def test_claims_page_shows_rows_on_the_first_screen(server, browser, screenshots):
    page = browser()
    page.goto(f"{server.base}{server.db_name}/claims")
    rows = page.evaluate("document.querySelectorAll('table.rows-and-columns tbody tr').length")
    assert rows > 0
    # the column descriptions are folded away: the first row starts within the 1000-pixel window
    top = page.evaluate("document.querySelector('table.rows-and-columns tbody tr').getBoundingClientRect().top")
    assert top < 1000
    assert page.evaluate("document.querySelector('details.column-help').open") is False
    assert page.evaluate("getComputedStyle(document.querySelector('dl.column-descriptions')).display") == "none"
    # the sentence has room to be read, and the date and source of the article are there
    assert page.evaluate("document.querySelector('td.col-sentence').getBoundingClientRect().width") > 300
    headers = page.evaluate("Array.from(document.querySelectorAll('th')).map(t => t.dataset.column)")
    assert headers.index("published_at") < headers.index("sentence")
    assert headers.index("source") < headers.index("sentence")
    facets = page.evaluate("Array.from(document.querySelectorAll('.facet-info')).map(e => e.dataset.column)")
    assert {"theme", "stance", "certainty", "source"} <= set(facets)
    shot = page.screenshot(screenshots / "claims.png")
    assert shot.stat().st_size > 10_000
    assert page.errors() == []
    _only_local(page, server)


@pytest.mark.parametrize("table", ["articles", "study_results", "claim_returns", "daily_theme_index"])
def test_table_pages_fold_their_column_help(server, browser, screenshots, table):
    page = browser()
    page.goto(f"{server.base}{server.db_name}/{table}")
    top = page.evaluate("document.querySelector('table.rows-and-columns tbody tr').getBoundingClientRect().top")
    assert top < 1000, table
    page.screenshot(screenshots / f"table_{table}.png")
    assert page.errors() == []


def test_dashboard_panels_draw_with_data(server, browser, screenshots):
    page = browser()
    page.goto(f"{server.base}-/dashboards/narratives")
    for theme in THEMES_WITH_DATA:
        for panel in ("lead_lag", "effect", "car", "index"):
            assert page.wait_for(DRAWN.format(f"{theme}_{panel}"), timeout=60), f"{theme}_{panel} was not drawn"
        # vega draws after the data arrive: one bar a lag, an estimate and an interval a horizon, a line
        for panel, marks in (("lead_lag", 21), ("effect", 6), ("index", 1)):
            chart = f"{theme}_{panel}"
            assert page.wait_for(f"{MARKS.format(chart, TARGET_BLUE)} >= {marks}", timeout=30), f"{chart} drew no data"
        assert page.evaluate(MARKS.format(f"{theme}_index", INDEX_ORANGE)) == 1  # the index's line too
    # the finding of every theme is written out, including "too little data"
    text = page.evaluate("document.querySelector('.dashboard-grid').innerText")
    assert "No detectable relation" in text or "Detected" in text
    assert "Too little data" in text
    # the intro links the reports and the database page
    hrefs = page.evaluate("Array.from(document.querySelectorAll('#chart-intro a')).map(a => a.getAttribute('href'))")
    assert "/reports/" in hrefs and f"/{server.db_name}" in hrefs
    shot = page.screenshot(screenshots / "dashboard.png", full_page=True)
    assert shot.stat().st_size > 50_000
    assert page.errors() == []
    _only_local(page, server)


def test_dashboard_theme_filter_redraws_with_the_same_colours(server, browser, screenshots):
    page = browser()
    page.goto(f"{server.base}-/dashboards/narratives?theme=rate_cuts")
    assert page.wait_for(DRAWN.format("claims_per_day"), timeout=60)
    assert page.evaluate("document.querySelector('#theme').value") == "rate_cuts"
    # rate_cuts keeps its orange when filtered (a fixed colour per theme; red and green mean stance)
    assert page.wait_for(f"{MARKS.format('claims_per_day', '#f58518')} > 5", timeout=30)
    assert page.evaluate(MARKS.format("claims_per_day", "#4c78a8")) == 0
    page.screenshot(screenshots / "dashboard_rate_cuts.png")
    assert page.errors() == []


def test_every_report_link_opens(server, browser, screenshots):
    page = browser()
    for start in ("", f"{server.db_name}"):  # the home page and the database page link the reports
        page.goto(f"{server.base}{start}")
        links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
        assert "/reports/" in links, start
        page.screenshot(screenshots / f"home{'_' + start if start else ''}.png")
    page.goto(f"{server.base}reports/")
    links = page.evaluate("Array.from(document.querySelectorAll('table.reports a')).map(a => a.href)")
    reports = [u for u in links if u.endswith("_report.html")]
    assert len(reports) == 3
    page.screenshot(screenshots / "reports.png")
    assert page.errors() == []
    for url in reports:
        page.goto(url)
        assert page.errors() == [], url
        assert page.evaluate("document.querySelector('.finding').innerText").startswith("Finding.")
        images = page.evaluate("Array.from(document.images).map(i => [i.naturalWidth, i.src.slice(0, 22)])")
        assert all(w > 100 and src == "data:image/png;base64," for w, src in images), url
        name = re.sub(r"[^a-z_]", "", url.rsplit("/", 1)[-1].removesuffix(".html"))
        page.screenshot(screenshots / f"report_{name}.png", full_page=True)
        _only_local(page, server)
