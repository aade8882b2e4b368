"""datasette_metadata.json matches the schema: every table, view and column users see is described."""

from __future__ import annotations

import re

from analyzer import store
from analyzer.browse.serve import PLACEHOLDER, datasette_args, load_metadata


def test_every_table_and_column_is_described(metadata):
    tables = metadata["databases"][PLACEHOLDER]["tables"]
    for name, spec in store.TABLES.items():
        assert tables.get(name, {}).get("description"), f"table {name} has no description"
        cols = tables[name].get("columns", {})
        missing = [c for c in spec.columns if not cols.get(c)]
        assert not missing, f"{name}: columns without a description: {missing}"
        extra = set(cols) - set(spec.columns)
        assert not extra, f"{name}: described columns that the schema lacks: {extra}"
    for name in store.VIEWS:
        assert tables.get(name, {}).get("description"), f"view {name} has no description"


def test_facets_sorts_and_labels_name_real_columns(metadata):
    tables = metadata["databases"][PLACEHOLDER]["tables"]
    for name, t in tables.items():
        cols = set(store.TABLES[name].columns) if name in store.TABLES else None
        if cols is None:
            continue
        for key in ("sort", "sort_desc", "label_column"):
            if key in t:
                assert t[key] in cols, (name, key)
        assert set(t.get("facets", [])) <= cols, name
    assert {"theme", "stance", "certainty"} <= set(tables["claims"]["facets"])
    assert "source" in tables["articles"]["facets"]
    assert tables["articles"]["fts_table"] == "articles_fts" and tables["claims"]["fts_table"] == "claims_fts"


def test_units_are_stated():
    from analyzer.browse.serve import METADATA_FILE

    text = METADATA_FILE.read_text()
    assert "log return" in text and "percentage points" in text


def test_metadata_is_renamed_for_the_served_file(tmp_path):
    meta = load_metadata("my_research")
    assert list(meta["databases"]) == ["my_research"]
    charts = meta["plugins"]["datasette-dashboards"]["narratives"]["charts"]
    assert {c["db"] for c in charts.values() if "db" in c} == {"my_research"}
    args = datasette_args(tmp_path / "my_research.db", tmp_path / "m.json", "127.0.0.1", 8123)
    assert args[args.index("--host") + 1] == "127.0.0.1"


def test_dashboard_panels_follow_a_custom_themes_file(tmp_path):
    """`serve --themes FILE` draws a panel per theme of that file, as score, align and compare read it."""
    import yaml

    from analyzer.themes import THEMES_FILE

    spec = yaml.safe_load(THEMES_FILE.read_text())
    spec["themes"] = {"smallcap_breadth": spec["themes"]["small_cap_rotation"]}
    path = tmp_path / "mine.yml"
    path.write_text(yaml.safe_dump(spec))
    charts = load_metadata("my_research", themes_path=path)["plugins"]["datasette-dashboards"]["narratives"]["charts"]
    assert "smallcap_breadth_finding" in charts and "small_cap_rotation_finding" not in charts
    shipped = load_metadata("my_research")["plugins"]["datasette-dashboards"]["narratives"]["charts"]
    assert "small_cap_rotation_finding" in shipped and "smallcap_breadth_finding" not in shipped


def test_canned_queries_cover_the_issue(metadata):
    queries = metadata["databases"][PLACEHOLDER]["queries"]
    for name in (
        "latest_claims",
        "theme_index_vs_returns",
        "sources_by_stance",
        "speakers_hit_rates",
        "search_claims",
        "articles_without_claims",
    ):
        assert name in queries and queries[name]["title"] and queries[name]["description"]
        declared = set(queries[name].get("params", []))
        used = set(re.findall(r":(\w+)", queries[name]["sql"]))
        assert used == declared, name


def test_numbers_are_formatted_for_reading():
    from analyzer.browse.cells import format_cell, plain

    assert plain(2e-05) == "0.00002" and plain(197.123456) == "197.123" and plain(-0.000123456) == "-0.000123456"
    assert format_cell(0.0012, "return", "claim_returns", {"target": "IWM-SPY"}) == "+12.0 bp"
    assert format_cell(-0.05, "return", "claim_returns", {"target": "-DGS2"}) == "-5.0 bp of yield"
    assert format_cell(0.0004, "p_value", "study_results") == "< 0.001"
    assert format_cell(3, "n", "study_results") is None  # integers as Datasette shows them
