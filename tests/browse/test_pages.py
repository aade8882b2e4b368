"""A live `analyze serve` on the demo database: every table, view, canned query and chart answers with rows."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from analyzer import store

# Tables the offline demo cannot fill: they record feed fetching, which needs the network.
EMPTY_IN_DEMO = {"feeds", "fetches", "fetch_errors", "rejected_items"}  # the demo fetches nothing, its sample is clean
PANELS = ("finding", "lead_lag", "effect", "car", "index")
QUERY_PARAMS = {"theme": "", "q": "small caps", "horizon": "5"}


def test_serve_prints_the_urls_and_listens_on_loopback(server):
    out = server.log.read_text()
    assert f"at {server.base}" in out
    assert f"{server.base}-/dashboards/narratives" in out
    assert f"comparison reports:        {server.base}reports/" in out
    assert server.base.startswith("http://127.0.0.1:")


def test_comparison_reports_are_listed_and_served(server):
    urls = re.findall(r"comparison report:\s+(\S+)", server.log.read_text())
    assert len(urls) == 3  # one per theme
    for path in ("reports/", "reports", "-/reports"):
        listing = server.get(path)
        assert listing.status_code == 200, path
    links = re.findall(r'href="(/reports/[^"]+_report\.html)"', listing.text)
    assert sorted(server.base + link.lstrip("/") for link in links) == sorted(urls)
    for verdict in ("no detectable relation", "too little data"):
        assert verdict in listing.text
    for url in urls:
        page = server.get(url.removeprefix(server.base))
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "<p class='finding'><b>Finding.</b>" in page.text
        assert "<h1>" in page.text and "_report" not in page.text.split("<h1>")[1].split("</h1>")[0]
        assert "src='http" not in page.text and 'src="http' not in page.text  # self-contained
    # the figures are beside the report too; nothing outside a report folder is reachable
    rate = urls[0].removeprefix(server.base).rsplit("/", 1)[0]
    assert server.get(f"{rate}/rate_cuts_DGS2_index_vs_target.png").headers["content-type"] == "image/png"
    for bad in (f"{rate}/..%2F..%2Fdemo.db", f"{rate}/missing.html", f"reports/{server.db_name}/nope/x.html"):
        assert server.get(bad).status_code == 404, bad


def test_home_and_database_pages_link_the_dashboard_reports_and_queries(server):
    home = server.get("").text
    for href in ('href="/-/dashboards/narratives"', 'href="/reports/"', f'href="/{server.db_name}"'):
        assert href in home, href
    assert "canned queries below" not in home  # they are on the database page, which the text links
    database = server.get(server.db_name).text
    assert 'href="/reports/"' in database and 'id="queries"' in database
    assert database.index("canned queries below") < database.index('id="queries"')


def test_licence_once_and_column_help_folded_on_table_pages(server):
    for table in ("claims", "articles", "study_results"):
        html = server.get(f"{server.db_name}/{table}").text
        assert html.count("Data license") == 1, table
        assert '<details class="column-help">' in html and "What the" in html, table
        assert html.index('<details class="column-help">') < html.index('<table class="rows-and-columns">')


def test_claims_are_newest_first_with_their_article_date_and_source(server):
    rows = server.get(f"{server.db_name}/claims.json", _shape="array", _size="max").json()
    dates = [r["published_at"] for r in rows]
    assert all(dates) and dates == sorted(dates, reverse=True)
    assert all(r["source"].startswith("sample:") for r in rows)
    html = server.get(f"{server.db_name}/claims").text
    assert html.index('data-column="published_at"') < html.index('data-column="sentence"')


def test_numbers_read_with_units_and_without_scientific_notation(server):
    html = server.get(f"{server.db_name}/claim_returns").text
    cells = re.findall(r'<td class="col-return[^"]*"[^>]*>([^<]*)</td>', html)
    assert cells and all(re.fullmatch(r"[+-]\d+\.\d bp( of yield)?", c.strip()) for c in cells), cells[:5]
    for table in ("claim_returns", "study_results", "daily_theme_index", "claim_resolution"):
        body = server.get(f"{server.db_name}/{table}").text.split("<tbody>")[1]
        assert not re.search(r">\s*-?\d+(\.\d+)?e-\d+\s*<", body), table
    # the JSON keeps the stored values
    raw = server.get(f"{server.db_name}/claim_returns.json", _shape="array", _size="1").json()[0]
    assert isinstance(raw["return"], float) and abs(raw["return"]) < 1


def test_demo_report_names_each_stage(demo):
    text = "\n".join(demo["lines"])
    for stage in ("import", "prices", "score", "align", "compare"):
        assert re.search(rf"^  {stage} ", text, re.M), text
    assert demo["lines"][-1].strip().endswith(f"serve --db {demo['path']}")


def _tables_and_views(server):
    info = server.get(f"{server.db_name}.json").json()
    tables = [t["name"] for t in info["tables"] if not t["hidden"]]
    views = [v["name"] for v in info["views"]]
    return tables, views


def test_every_schema_table_and_view_is_served(server):
    tables, views = _tables_and_views(server)
    assert set(store.TABLES) <= set(tables)
    assert set(store.VIEWS) <= set(views)


def test_every_table_page_answers_with_rows(server):
    tables, views = _tables_and_views(server)
    empty = []
    for name in tables + views:
        html = server.get(f"{server.db_name}/{name}")
        assert html.status_code == 200, name
        data = server.get(f"{server.db_name}/{name}.json", _shape="objects", _size="5")
        assert data.status_code == 200, (name, data.text[:300])
        if not data.json()["rows"]:
            empty.append(name)
    assert set(empty) <= EMPTY_IN_DEMO, f"tables without rows in the demo: {empty}"


def test_every_canned_query_answers_with_rows(server, metadata):
    queries = metadata["databases"]["analyzer"]["queries"]
    assert len(queries) >= 6
    for name, q in queries.items():
        params = {p: QUERY_PARAMS[p] for p in q.get("params", [])}
        html = server.get(f"{server.db_name}/{name}", **params)
        assert html.status_code == 200, name
        assert q["title"] in html.text
        r = server.get(f"{server.db_name}/{name}.json", _shape="objects", **params)
        assert r.status_code == 200, (name, r.text[:500])
        assert r.json()["rows"], f"canned query {name} returned no rows"


def test_canned_query_parameters_filter(server):
    rows = server.get(f"{server.db_name}/latest_claims.json", _shape="array", theme="rate_cuts").json()
    assert rows and {r["theme"] for r in rows} == {"rate_cuts"}
    dates = [r["published_at"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    every = server.get(f"{server.db_name}/latest_claims.json", _shape="array", theme="").json()
    per_theme = {t: [r for r in every if r["theme"] == t] for t in {r["theme"] for r in every}}
    assert len(per_theme) == 3 and all(0 < len(v) <= 25 for v in per_theme.values())
    assert per_theme["rate_cuts"] == rows[: len(per_theme["rate_cuts"])]
    hits = server.get(f"{server.db_name}/search_claims.json", _shape="array", q="powell").json()
    assert hits and all("powell" in r["sentence"].lower() for r in hits)
    assert server.get(f"{server.db_name}/search_claims.json", _shape="array", q="").json() == []
    gaps = server.get(f"{server.db_name}/articles_without_claims.json", _shape="array").json()
    assert any("Oil" in r["title"] for r in gaps)  # the off-theme sample article


def test_full_text_search_on_articles_and_claims(server):
    for table, word in (("articles", "GameStop"), ("claims", "squeeze")):
        rows = server.get(f"{server.db_name}/{table}.json", _search=word, _shape="array").json()
        assert rows, table


def test_claims_page_labels_articles_and_offers_facets(server):
    html = server.get(f"{server.db_name}/claims").text
    for facet in ("theme", "stance", "certainty"):
        assert f'data-column="{facet}"' in html or f"facet-{facet}" in html
    # the article_id foreign key is shown as the article's title (label_column)
    titles = {r["title"] for r in server.get(f"{server.db_name}/articles.json", _shape="array", _size="max").json()}
    import html as html_lib

    labels = [html_lib.unescape(t) for t in re.findall(rf'href="/{server.db_name}/articles/[^"]+">([^<]+)</a>', html)]
    assert labels and set(labels) <= titles


def test_dashboard_renders_with_local_assets_only(server):
    page = server.get("-/dashboards/narratives")
    assert page.status_code == 200
    html = page.text
    panels = [f"{t}_{p}" for t in ("small_cap_rotation", "short_squeeze", "rate_cuts") for p in PANELS]
    for chart in ("intro", "claims_per_day", "stance_by_source", *panels):
        assert f'id="chart-{chart}"' in html
    # the dashboard describes the database it shows, from its own content
    assert "38 articles from 6 sources" in html and "Demo data: fictional sample articles" in html
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("vega-lite" in s for s in srcs)
    for src in srcs:
        assert not re.match(r"(https?:)?//", src) or src.startswith(server.base), f"remote asset {src}"
        assert server.get(urljoin(server.base, src).removeprefix(server.base)).status_code == 200, src


def test_dashboard_chart_queries_return_rows(server, demo):
    from analyzer.browse.serve import load_metadata

    meta = load_metadata(server.db_name, db_path=demo["path"])
    charts = meta["plugins"]["datasette-dashboards"]["narratives"]["charts"]
    data = {}
    for slug, chart in charts.items():
        if "query" not in chart:
            continue
        sql = re.sub(r"\[\[.*?\]\]", "", chart["query"])  # the optional filter blocks, as with no filter
        r = server.get(f"{server.db_name}.json", sql=sql, _shape="array")
        assert r.status_code == 200, (slug, r.text[:300])
        assert r.json(), slug
        data[slug] = r.json()
    # panels with study data draw it; a panel without says why
    lead_lag = data["rate_cuts_lead_lag"]
    assert len(lead_lag) == 21 and all(r["null_low"] < r["null_high"] and r["message"] is None for r in lead_lag)
    effect = data["small_cap_rotation_effect"]
    assert {r["horizon"] for r in effect} == {1, 5, 20} and all(
        r["ci_low"] < r["effect"] < r["ci_high"] for r in effect
    )
    assert [r["message"] for r in data["short_squeeze_effect"]] == ["Too little data to estimate an effect."]
    assert data["rate_cuts_car"][0]["message"].startswith("Too few events")
    series = {r["series"] for r in data["small_cap_rotation_index"]}
    assert series == {"narrative index", "IWM-SPY return", "IWM-QQQ return"}
    r = server.get("-/dashboards/narratives/stance_by_source", theme="rate_cuts")
    assert r.status_code == 200
