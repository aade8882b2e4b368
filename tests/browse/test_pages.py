"""A live `analyze serve` on the demo database: every table, view, canned query and chart answers with rows."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from analyzer import store

# Tables the offline demo cannot fill: they record feed fetching, which needs the network.
EMPTY_IN_DEMO = {"feeds", "fetches", "fetch_errors", "rejected_items"}  # the demo fetches nothing, its sample is clean
QUERY_PARAMS = {"theme": "", "q": "small caps", "horizon": "5"}


def test_serve_prints_the_urls_and_listens_on_loopback(server):
    out = server.log.read_text()
    assert f"at {server.base}" in out
    assert f"{server.base}-/dashboards/narratives" in out
    assert server.base.startswith("http://127.0.0.1:")


def test_comparison_reports_are_served(server):
    urls = re.findall(r"comparison report:\s+(\S+)", server.log.read_text())
    assert len(urls) == 3  # one per theme
    for url in urls:
        page = server.get(url.removeprefix(server.base))
        assert page.status_code == 200 and "<html" in page.text.lower()
        for img in re.findall(r'<img[^>]+src="([^"]+\.png)"', page.text):
            assert server.get(urljoin(url, img).removeprefix(server.base)).status_code == 200, img


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
    for chart in ("index_vs_spread", "claims_per_day", "stance_by_source", "rate_index_vs_yield"):
        assert f'id="chart-{chart}"' in html
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("vega-lite" in s for s in srcs)
    for src in srcs:
        assert not re.match(r"(https?:)?//", src) or src.startswith(server.base), f"remote asset {src}"
        assert server.get(urljoin(server.base, src).removeprefix(server.base)).status_code == 200, src


def test_dashboard_chart_queries_return_rows(server, metadata):
    charts = metadata["plugins"]["datasette-dashboards"]["narratives"]["charts"]
    for slug, chart in charts.items():
        if "query" not in chart:
            continue
        sql = re.sub(r"\[\[.*?\]\]", "", chart["query"])  # the optional filter blocks, as with no filter
        r = server.get(f"{server.db_name}.json", sql=sql, _shape="array")
        assert r.status_code == 200, (slug, r.text[:300])
        assert r.json(), slug
    r = server.get("-/dashboards/narratives/stance_by_source", theme="rate_cuts")
    assert r.status_code == 200
