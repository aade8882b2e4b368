"""The case study's converters (scripts/case_study.py): the shared archives' fields to what the
importer and the price loader read, with the timing rules the case study states."""

from __future__ import annotations

import gzip
import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest

from analyzer import store
from analyzer.alignment import align
from analyzer.collect.importer import import_paths
from analyzer.market.prices import load_prices

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "case_study.py"


@pytest.fixture(scope="module")
def cs():
    spec = importlib.util.spec_from_file_location("case_study", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reuters_dates_are_the_end_of_the_new_york_day(cs):
    winter, summer = cs.end_of_day("2019-01-15"), cs.end_of_day("2019-07-31")
    assert winter == "2019-01-15T23:59:00-05:00" and summer == "2019-07-31T23:59:00-04:00"
    assert datetime.fromisoformat(summer).utcoffset().total_seconds() == -4 * 3600


def test_reuters_punctuation_is_rejoined(cs):
    assert cs.respace("U . S . yields fall , Fed 's Powell says") == "U.S. yields fall, Fed's Powell says"
    assert cs.respace("Stocks up 1 . 5 % as $ 20 bln deal ends") == "Stocks up 1.5% as $20 bln deal ends"


def test_converted_files_import_and_align_after_the_close(cs, tmp_path):
    reuters = tmp_path / "r.csv.gz"
    with gzip.open(reuters, "wt", encoding="utf-8") as fh:
        fh.write('2024-07-10,Fed signals rate cuts are coming soon\n2024-07-10,"Markets , in brief"\n')
    rss = tmp_path / "rss.jsonl.gz"
    with gzip.open(rss, "wt", encoding="utf-8") as fh:
        item = {
            "published": "2024-07-11 13:00:00+00:00",
            "outlet": "x.com",
            "title": "T",
            "description": "D",
            "url": "https://x.com/a",
        }
        fh.write(json.dumps(item) + "\n")
    (outlet, record), *_ = list(cs.rss_2023_items(rss))
    assert outlet == "x.com" and record == {
        "url": "https://x.com/a",
        "title": "T",
        "published": "2024-07-11T13:00:00+00:00",
        "text": "D",
    }
    items = list(cs.reuters_items(reuters))
    assert [i["title"] for i in items] == ["Fed signals rate cuts are coming soon", "Markets, in brief"]
    path = tmp_path / "r.jsonl"
    cs.write_jsonl(path, items)
    db = store.open_db(tmp_path / "cs.db")
    assert import_paths(db, [path], source="reuters-headlines").articles_new == 2
    load_prices(db, source="bundled")
    db["claims"].insert(
        {
            "id": "c",
            "article_id": db.execute("select id from articles limit 1").fetchone()[0],
            "theme": "rate_cuts",
            "stance": 1,
        }
    )
    align(db, themes=["rate_cuts"])
    # dated 2024-07-10 with no time: taken as 23:59 New York, after that day's close -> the 11th's session
    assert db.execute("select event_session from claim_returns limit 1").fetchone()[0] == "2024-07-11"


def test_alphavantage_prices_become_a_loadable_csv(cs, tmp_path):
    src = tmp_path / "IWM_daily_unadjusted_alphavantage.csv"
    src.write_text(
        "date,1. open,2. high,3. low,4. close,5. volume\n2019-01-02,133.0,135.0,132.5,134.6,100.0\n2019-01-03,134.0,134.5,131.0,131.4,200.0\n"
    )
    folder = tmp_path / "px"
    folder.mkdir()
    (folder / "IWM.csv").write_text(cs.alphavantage_to_yahoo(src))
    db = store.open_db(tmp_path / "px.db")
    load_prices(db, ["IWM"], source=f"csv:{folder}")
    assert db.execute("select date, close, adj_close from prices order by date").fetchall() == [
        ("2019-01-02", 134.6, 134.6),
        ("2019-01-03", 131.4, 131.4),
    ]
