"""Where the project's shipped files live."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
# Theme definitions, trained heads and model cards. ANALYZE_MODELS_DIR points elsewhere.
MODELS_DIR = Path(os.environ.get("ANALYZE_MODELS_DIR") or REPO_DIR / "models")
FEEDS_DIR = REPO_DIR / "feeds"
DATA_DIR = PACKAGE_DIR / "data"  # bundled sample corpus and prices
