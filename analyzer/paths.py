"""Where the project's shipped files live.

The canonical copies are in the repository: models/ (theme definitions, trained models, model
cards), feeds/ (feed lists) and datasette_metadata.json. A built wheel carries copies of them
inside the package, under analyzer/shipped/ (setup.py copies them at build time), so an installed
`analyze` works with no source tree. From a source checkout (or an editable install) the
repository's own files are used. ANALYZE_MODELS_DIR points at a user's own models folder.

Training and labelling read ../shared/data beside the repository: they run from a checkout.
"""

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"  # bundled sample corpus and prices (package data)


def _shipped_root() -> Path:
    shipped = Path(str(resources.files("analyzer").joinpath("shipped")))
    return shipped if shipped.is_dir() else REPO_DIR


SHIPPED_ROOT = _shipped_root()
MODELS_DIR = Path(os.environ.get("ANALYZE_MODELS_DIR") or SHIPPED_ROOT / "models")
FEEDS_DIR = SHIPPED_ROOT / "feeds"
METADATA_FILE = SHIPPED_ROOT / "datasette_metadata.json"
SHARED_DIR = REPO_DIR.parent / "shared"  # labelled data for training and evaluation (a checkout's sibling)
