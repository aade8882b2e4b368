"""Build hook: the wheel carries the repository's models/, feeds/ and datasette_metadata.json.

They are copied at build time into analyzer/shipped/ of the build (never into the source tree),
so the top-level folders stay the only hand-kept copies. Training data (models/*/labels) stays
out of the wheel. Everything else is configured in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("models", "feeds", "datasette_metadata.json")
LEFT_OUT = ("labels",)  # folders under models/ that only training reads


class BuildWithShippedFiles(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "analyzer" / "shipped"
        shutil.rmtree(target, ignore_errors=True)
        for name in SHIPPED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, target / name, ignore=shutil.ignore_patterns(*LEFT_OUT, "__pycache__"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / name)


setup(cmdclass={"build_py": BuildWithShippedFiles})
