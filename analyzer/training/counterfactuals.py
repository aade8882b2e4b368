"""Counterfactual edits of real training sentences: the same sentence with its direction reversed.

The claim model learns the sentences it is shown rather than which way their moves point (it
fits its training set and generalises to about 0.65 stance). An annotator reverses each real
training claim with the fewest words ("yields rose" -> "yields fell", "hike" -> "cut",
"covering" -> "adding to") and labels the edited sentence; the pair then differs only in its
direction. The edits are stored by reference (models/claims/labels/real_flips.jsonl: unit id,
character spans of the unit's text and their replacements, the new labels), so the publishers'
text stays in ../shared/data/news and is edited at training time (claims_data.flips).

    python -m analyzer.training.counterfactuals --import FILE...   # annotators' [old, new] edits
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

STANCES = (-1, 0, 1)
MAX_REPLACEMENT = 40  # characters: an edit of a few words, not a rewrite (nor a copy of other text)


def to_spans(text: str, pairs: list[list[str]]) -> list[list]:
    """Annotators write [old, new]; old is replaced at its first occurrence not already edited."""
    spans: list[list] = []
    for old, new in pairs:
        start = text.find(old)
        while start >= 0 and any(start < e and start + len(old) > s for s, e, _ in spans):
            start = text.find(old, start + 1)
        if start < 0:
            raise ValueError(f"{old!r} not found")
        spans.append([start, start + len(old), new])
    return sorted(spans)


def import_edits(files: list[Path]) -> tuple[int, list[str]]:
    """Turn annotators' files into real_flips.jsonl; returns (rows written, problems)."""
    from analyzer.training import claims_data

    train = {e.id: e for e in claims_data.real(quiet=True) if e.split == "train"}
    rows, problems, seen = [], [], set()
    for f in files:
        for n, line in enumerate(Path(f).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{f}:{n}"
            try:
                row = json.loads(line)
                uid, themes = row["id"], {k: int(v) for k, v in row["themes"].items()}
                if uid not in train:
                    raise ValueError(f"{uid} is not a real training sentence")
                if uid in seen:
                    raise ValueError(f"{uid} edited twice")
                if not themes or any(v not in STANCES for v in themes.values()):
                    raise ValueError(f"bad labels {themes}")
                spans = to_spans(train[uid].input.sentence, row["edits"])
                if any(len(new) > MAX_REPLACEMENT for _, _, new in spans):
                    raise ValueError(f"a replacement is longer than {MAX_REPLACEMENT} characters")
            except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
                problems.append(f"{where}: {exc}")
                continue
            seen.add(uid)
            rows.append({"id": uid, "edits": spans, "themes": themes})
    rows.sort(key=lambda r: r["id"])
    claims_data.flips_path().write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    return len(rows), problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--import", dest="files", nargs="+", type=Path, required=True, help="annotators' edit files")
    args = ap.parse_args(argv)
    n, problems = import_edits(args.files)
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    from analyzer.training.claims_data import flips_path

    print(f"wrote {n} counterfactual edits to {flips_path()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
