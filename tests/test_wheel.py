"""The package works from a wheel, with no source tree: `analyze demo` from an unrelated folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("analyzer", "models", "feeds", "datasette_metadata.json", "pyproject.toml", "setup.py", "README.md")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment holding only the wheel built from this checkout; the project's
    dependencies come from the test environment's site-packages (plain paths: no editable finder)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.db", "*.db-*", "shipped")
    for name in SOURCES:
        p = REPO / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=ignore)
        else:
            shutil.copy2(p, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp / "dist"),
        ],
        check=True,
        capture_output=True,
        cwd=tmp,
    )
    (wheel,) = (tmp / "dist").glob("*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.check_output(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(src)
    return venv


def test_the_wheel_carries_models_feeds_and_metadata_but_no_training_labels(installed):
    out = subprocess.check_output(
        [
            installed / "bin" / "python",
            "-c",
            "import analyzer.paths as p; print(p.__file__); print(p.MODELS_DIR); print(p.FEEDS_DIR)",
        ],
        text=True,
        cwd=installed.parent,
    ).split()
    assert all(str(installed) in line for line in out), out  # the installed copy, not the checkout
    models = Path(out[1])
    assert (models / "themes.yml").is_file() and (models / "claims" / "claims.safetensors").is_file()
    assert (models / "sentiment" / "sentiment.safetensors").is_file() and (Path(out[2]) / "default.toml").is_file()
    assert not list(models.rglob("labels"))


@pytest.mark.slow
def test_analyze_demo_runs_from_an_unrelated_folder(installed, tmp_path):
    env = {"PATH": f"{installed / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "ANALYZE_THREADS": "1"}
    r = subprocess.run(
        [installed / "bin" / "analyze", "demo", "--db", "d.db"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "claims" in r.stdout and r.stdout.strip().splitlines()[-1].strip().endswith("serve --db d.db")
    import sqlite3

    con = sqlite3.connect(tmp_path / "d.db")
    assert con.execute("select count(*) from claims").fetchone()[0] > 50
    assert con.execute("select count(*) from study_results").fetchone()[0] > 0
