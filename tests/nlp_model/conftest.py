import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[2]
SHARED_SENTIMENT = REPO.parent / "shared" / "data" / "sentiment"


@pytest.fixture(scope="session")
def shipped_model():
    from analyzer.nlp.model import load_model

    return load_model()


@pytest.fixture
def cli():
    """Run `analyze ...` in-process; returns the click Result (stdout, stderr, exit_code)."""
    from click.testing import CliRunner

    from analyzer.cli import main

    def run(*args, input=None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def shared_sentiment():
    if not (SHARED_SENTIMENT / "financial_phrasebank").is_dir():
        pytest.skip(f"labelled sentiment data not found at {SHARED_SENTIMENT}")
    return SHARED_SENTIMENT
