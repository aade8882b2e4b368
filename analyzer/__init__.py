"""Market-narrative analyzer: feeds -> claims -> point-in-time returns -> Datasette.

The command line (`analyze ...`) is a thin layer over these functions; each stage reads what the
previous one stored in one SQLite file and returns a typed summary (analyzer.records):

    import analyzer

    db = analyzer.open_db("my.db")
    analyzer.fetch(db, ["https://example.com/markets/rss.xml"])     # FetchSummary
    analyzer.import_files(db, ["articles.jsonl"])                   # ImportSummary
    analyzer.score(db)                                              # ScoreSummary: claims
    analyzer.group_stories(db)                                      # StoriesSummary: story_id, novelty
    analyzer.load_prices(db, source="bundled")                      # PricesSummary
    analyzer.align(db)                                              # AlignSummary
    analyzer.compare(db, "small_cap_rotation", out_dir="reports")   # CompareSummary

    analyzer.extract_text("Small caps rallied as yields fell.")     # claims of one text, no database

The stages are imported on first use, so `import analyzer` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_STAGES = {
    "open_db": "analyzer.store:open_db",
    "fetch": "analyzer.collect.fetch:fetch_feeds",
    "import_files": "analyzer.collect.importer:import_paths",
    "score": "analyzer.nlp.scoring:score_articles",
    "group_stories": "analyzer.stories:group_stories",
    "extract_text": "analyzer.nlp.extract:extract_text",
    "load_prices": "analyzer.market.prices:load_prices",
    "align": "analyzer.alignment:align",
    "compare": "analyzer.study.comparison:compare",
}
__all__ = ["__version__", *_STAGES]


def __getattr__(name: str) -> Any:
    target = _STAGES.get(name)
    if target is None:
        raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value
