"""Fixtures for the collector tests; the server and feed builders live in collect_testkit.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collect_testkit import SHARED_FEEDS, Server


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def shared_feeds() -> Path:
    if not SHARED_FEEDS.is_dir():
        pytest.skip(f"saved real-world feeds not found at {SHARED_FEEDS} (the shared/ data folder beside the repo)")
    return SHARED_FEEDS.resolve()


@pytest.fixture
def db(tmp_path):
    from analyzer import store

    return store.open_db(tmp_path / "collect.db")
