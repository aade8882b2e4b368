import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def model():
    """The real shipped sentiment model (loaded once)."""
    from analyzer.nlp.model import load_model

    return load_model()


@pytest.fixture(scope="session", params=["blank", "statistical"])
def extractor(request, model):
    from analyzer.nlp.extract import ClaimExtractor

    return ClaimExtractor(model, spacy_kind=request.param)


@pytest.fixture(scope="session")
def blank_extractor(model):
    from analyzer.nlp.extract import ClaimExtractor

    return ClaimExtractor(model, spacy_kind="blank")


def _run_cli(*args, input=None, env=None, timeout=300):
    e = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(
        [str(Path(sys.executable).parent / "analyze"), *args],
        input=input,
        capture_output=True,
        env=e,
        timeout=timeout,
        cwd=REPO,
    )


@pytest.fixture(scope="session")
def run_cli():
    """Run the installed `analyze` command in a subprocess (start-up and all)."""
    return _run_cli
