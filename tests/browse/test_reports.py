"""Reports and descriptions of a user's own database (not the demo): `analyze compare --db my.db`
writes where `analyze serve --db my.db` looks, and the dashboard describes my.db, not the demo."""

from __future__ import annotations

import shutil
import sqlite3

from click.testing import CliRunner

from analyzer.browse import reports
from analyzer.browse.serve import describe_database, load_metadata, report_urls
from analyzer.cli import main


def test_compare_on_my_database_writes_where_serve_finds_it(demo, tmp_path):
    mine = tmp_path / "research" / "my.db"
    mine.parent.mkdir()
    shutil.copy(demo["path"], mine)
    con = sqlite3.connect(mine)
    con.execute("delete from runs where command = 'compare'")  # forget where the demo put its reports
    con.commit()
    con.close()
    assert reports.reports(mine) == []
    res = CliRunner().invoke(main, ["compare", "--db", str(mine), "--theme", "rate_cuts", "--draws", "200"])
    assert res.exit_code == 0, res.output
    expected = tmp_path / "research" / "reports" / "my" / "rate_cuts" / "rate_cuts_report.html"
    assert expected.exists()
    (found,) = reports.reports(mine)
    assert found.path == expected and found.verdict in ("no detectable relation", "detected")
    assert report_urls(mine, port=8123) == ["http://127.0.0.1:8123/reports/my/rate_cuts/rate_cuts_report.html"]
    # a report written anywhere else is found from the run that wrote it, and the newest run wins
    elsewhere = tmp_path / "elsewhere"
    res = CliRunner().invoke(
        main, ["compare", "--db", str(mine), "--theme", "rate_cuts", "--draws", "200", "--out", str(elsewhere)]
    )
    assert res.exit_code == 0, res.output
    (found,) = reports.reports(mine)
    assert found.folder == elsewhere / "rate_cuts"  # --out holds a folder per theme, as the demo's
    assert (
        reports.resolve(mine, "rate_cuts", "rate_cuts_report.html")
        == (elsewhere / "rate_cuts" / "rate_cuts_report.html").resolve()
    )
    assert reports.resolve(mine, "rate_cuts", "../my.db") is None


def test_my_database_is_described_from_its_own_content(tmp_path):
    from analyzer import store

    path = tmp_path / "desk.db"
    db = store.open_db(path)
    db["articles"].insert_all(
        [
            {"id": "a1", "source": "import:notes.jsonl", "title": "t1", "published_at": "2023-02-01T10:00:00Z"},
            {"id": "a2", "source": "Reuters Markets", "title": "t2", "published_at": "2023-05-09T10:00:00Z"},
        ]
    )
    db.conn.close()
    about = describe_database(path)
    assert about.startswith("desk.db: 2 articles from 2 sources, published 2023-02-01 to 2023-05-09")
    assert "Demo" not in about and "fictional" not in about
    meta = load_metadata("desk", db_path=path)
    assert meta["plugins"]["datasette-dashboards"]["narratives"]["description"] == about
    assert about in meta["databases"]["desk"]["description_html"]
    assert 'href="/desk"' in meta["description_html"]
    intro = meta["plugins"]["datasette-dashboards"]["narratives"]["charts"]["intro"]["display"]
    assert "(/desk)" in intro and "home page" not in intro
