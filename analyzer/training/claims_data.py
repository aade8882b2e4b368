"""The labelled sentences the claim model learns from and is judged on.

    real      real market text from ../shared/data/news, labelled by reference
              (models/claims/labels/real_units.jsonl + real_labels.jsonl; see
              docs/labelling-guide.md). Splits: train (a dev part carved out of it by item) and
              the frozen blind split, scored once per release and never trained or tuned on.
    written   sentences written for the project in the style of market commentary, with their
              labels (models/claims/labels/written.jsonl): training only.
    flips     real training sentences with their direction reversed by an annotator's minimal
              edit (analyzer.training.counterfactuals; models/claims/labels/real_flips.jsonl,
              stored by reference): training only, on the side of the split of their original.
    pairs     minimal pairs that teach which way a move points (analyzer.training.direction_pairs),
              generated with a fixed seed: training only.
    project   the earlier stance set (models/claims/labels/project_sentences.jsonl: own writing,
              templates and saved-feed sentences); its train split is trained on, its test,
              blind and blind2 splits (here project-test, project-blind, project-blind2) are the
              secondary check (written in the image of the rules).

Every example is a sentence with its context (ClaimInput) and labels: {theme: stance} for the
themes it is a claim about; orientation and certainty where they were labelled (None otherwise).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from analyzer.nlp.claim_model import ClaimInput
from analyzer.paths import MODELS_DIR

DEV_SHARE = 0.15
SEED = 13


@dataclass(frozen=True)
class Example:
    id: str
    input: ClaimInput
    themes: dict[str, int]
    orientation: str | None
    certainty: str | None
    source: str  # real:<source> | flip:<source> | written | pairs | project
    split: str  # train | dev | blind | test | blind2 (project splits)
    group: str  # the item it came from: examples of one item stay on one side of a split


def labels_dir() -> Path:
    return MODELS_DIR / "claims" / "labels"


def flips_path() -> Path:
    return labels_dir() / "real_flips.jsonl"


def apply_edits(text: str, edits: list[list]) -> str:
    """Replace each [start, end, new] span of text (spans do not overlap)."""
    out, pos = [], 0
    for start, end, new in sorted(edits):
        if start < pos or end > len(text):
            raise ValueError(f"edit [{start}, {end}] overlaps another or runs past the text")
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def in_dev(group: str) -> bool:
    """Whether a real training item ("source:key") is on the dev side: seeded, by item, about
    DEV_SHARE of them."""
    h = int(hashlib.sha1(f"{SEED}:{group}".encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < DEV_SHARE


def real_refs() -> list[dict]:
    """The stored references of the real labelled units (no text; realtext resolves them)."""
    path = labels_dir() / "real_units.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def real(quiet: bool = False) -> list[Example]:
    from analyzer.training import realtext

    d = labels_dir()
    units = real_refs()
    labels = {}
    for line in (d / "real_labels.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["id"]] = row
    resolved, missing = realtext.resolve(units)
    if missing and not quiet:
        print(f"claim data: real units not resolved: {missing}; skipped", file=sys.stderr)
    out = []
    for ref, u in zip(units, resolved):
        if u is None or ref["id"] not in labels:
            continue
        lab = labels[ref["id"]]
        group = f"{ref['source']}:{ref['key']}"
        split = ref["split"]
        if split == "train" and in_dev(group):
            split = "dev"
        out.append(
            Example(
                id=ref["id"],
                input=ClaimInput(u.text, u.headline, u.prev),
                themes={k: int(v) for k, v in lab["themes"].items()},
                orientation=lab["orientation"],
                certainty=lab["certainty"],
                source=f"real:{ref['source']}",
                split=split,
                group=group,
            )
        )
    return out


def written() -> list[Example]:
    path = labels_dir() / "written.jsonl"
    if not path.is_file():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        out.append(
            Example(
                id=f"written-{n:04d}",
                input=ClaimInput(row["text"], row.get("headline") or "", row.get("prev") or ""),
                themes={k: int(v) for k, v in row["themes"].items()},
                orientation=row.get("orientation"),
                certainty=row.get("certainty"),
                source="written",
                split="train",
                group=f"written-{n:04d}",
            )
        )
    return out


def project(quiet: bool = False) -> list[Example]:
    from analyzer.training.project_data import load_items

    out = []
    for it in load_items(quiet=quiet):
        out.append(
            Example(
                id=it["id"],
                input=ClaimInput(it["text"]),
                themes={k: int(v) for k, v in it["themes"].items()},
                orientation=None,
                certainty=None,
                source="project",
                split=it["split"] if it["split"] == "train" else f"project-{it['split']}",
                group=it["id"],
            )
        )
    return out


def pairs() -> list[Example]:
    from analyzer.training.direction_pairs import generate

    return [
        Example(
            id=f"pair-{n:04d}",
            input=ClaimInput(row["text"]),
            themes=row["themes"],
            orientation=row["orientation"],
            certainty=row["certainty"],
            source="pairs",
            split="train",
            group=f"pair-{n:04d}",
        )
        for n, row in enumerate(generate(SEED))
    ]


def flips(real_examples: list[Example]) -> list[Example]:
    """The counterfactual edits of real training sentences; an edit whose original went to dev
    or blind (or no longer resolves) is dropped, so nothing of those splits is trained on."""
    path = flips_path()
    rows = (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if path.is_file()
        else []
    )
    by_id = {e.id: e for e in real_examples if e.split == "train"}
    out = []
    for row in rows:
        e = by_id.get(row["id"])
        if e is None:
            continue
        out.append(
            Example(
                id=f"{e.id}:flip",
                input=ClaimInput(apply_edits(e.input.sentence, row["edits"]), e.input.headline, e.input.prev),
                themes={k: int(v) for k, v in row["themes"].items()},
                orientation=e.orientation,
                certainty=e.certainty,
                source="flip:" + e.source.split(":", 1)[1],
                split="train",
                group=e.group,
            )
        )
    return out


def load_all(quiet: bool = False) -> list[Example]:
    real_examples = real(quiet)
    return real_examples + flips(real_examples) + written() + pairs() + project(quiet)
