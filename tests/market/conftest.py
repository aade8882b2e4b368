"""Fixtures for the market tests: real SQLite files with prices and hand-made articles and claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import store

REPO = Path(__file__).resolve().parents[2]
SHARED_PRICES = REPO / ".." / "shared" / "data" / "prices"


def add_claims(db, claims: list[dict], *, source: str = "test-feed") -> None:
    """Insert one article per claim (published_at from the claim) and the claim itself."""
    articles, rows = [], []
    for i, c in enumerate(claims):
        aid = c.get("article_id") or f"a{i}"
        articles.append(
            {
                "id": aid,
                "source": c.get("source", source),
                "title": f"article {i}",
                "published_at": c["published_at"],
                "url": f"https://example.test/{aid}",
            }
        )
        rows.append(
            {
                "id": c.get("id") or f"{aid}:0:{c['theme']}",
                "article_id": aid,
                "sentence_index": 0,
                "sentence": c.get("sentence", "synthetic claim"),
                "theme": c["theme"],
                "stance": c.get("stance", 0),
                "stance_prob": c.get("stance_prob", 1.0),
                "sentiment": c.get("sentiment", 0.0),
                "certainty": c.get("certainty", "factual"),
                "orientation": c.get("orientation", "backward"),
                "speaker": c.get("speaker"),
                "organisation": c.get("organisation"),
            }
        )
    with store.transaction(db):
        db["articles"].upsert_all(articles, pk="id")
        db["claims"].upsert_all(rows, pk="id")


@pytest.fixture
def db(tmp_path):
    return store.open_db(tmp_path / "market.db")


@pytest.fixture
def priced_db(db):
    from analyzer.market.prices import load_prices

    load_prices(db, source="bundled")
    return db


@pytest.fixture
def claims_adder():
    """The add_claims helper (importlib mode: test modules cannot import conftest)."""
    return add_claims


@pytest.fixture
def shared_prices():
    if not (SHARED_PRICES / "IWM.csv").exists():
        pytest.skip(f"shared price files absent ({SHARED_PRICES.resolve()})")
    return SHARED_PRICES
