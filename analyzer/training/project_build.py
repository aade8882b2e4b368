"""Rebuild the project set (models/claims/labels/project_sentences.jsonl) from its sources in
models/claims/labels/project_src.

project_templates.py (beside this module): template sentences (subject x predicate), training split only.
blind.txt: more of our own sentences, written after the rules were frozen (split "blind").
blind2.txt: written after the final heads were trained, scored once (split "blind2").
own_*.txt: our own sentences, one per line: "S+ R- | text" (S small_cap_rotation,
Q short_squeeze, R rate_cuts; + / - / 0 stance; "-" alone: about none of the themes).
FEED_LABELS: labels of sentences of the saved real feeds in ../shared/data/feeds, keyed by the
hash of the sentence text (the text itself is never stored here); every other distinct feed
sentence is labelled "none" (they were read through; most are
non-market news, press releases and oil/geopolitics headlines).

    .venv/bin/python -m analyzer.training.project_build
"""

import json
import random
import re
import sys

from analyzer.paths import MODELS_DIR
from analyzer.training.project_data import DATASET, feed_sentences, shared_dir
from analyzer.training.project_templates import generate

HERE = MODELS_DIR / "claims" / "labels" / "project_src"

CODES = {"S": "small_cap_rotation", "Q": "short_squeeze", "R": "rate_cuts"}
SIGN = {"+": 1, "-": -1, "0": 0}
FEED_LABELS = {
    "6afcb782a8df": "R+",
    "1b7d3211dad0": "R+",
    "f3cb38663997": "R+",
    "0362c8e2b364": "R+",
    "1267b5df6ace": "R+",
    "7a6f2b4652cc": "R+",
    "ca47731779f9": "R0",
    "b39d86a3e993": "R0",
    "b9509f5299b2": "R0",
    "0d0408f24f32": "R0",
    "38a4f878af06": "R0",
    "c038c0c4b853": "R0",
    "3e0160f48bbb": "R0",
    "8589287d4baf": "R0",
    "5a6484fa4432": "R0",
    "db08407faba3": "R-",
    "195865d8c8fb": "R-",
    "a21ce8a58b8d": "R-",
    "39d40281fefe": "R-",
    "572f1a42cd3a": "R-",
    "7215dd823ef2": "R-",
    "47247b4c9a44": "Q-",
    "6c3e5eaeda09": "R0",
}
TEST_SHARE = 0.25
SEED = 13


def parse_labels(lab: str) -> dict:
    lab = lab.strip()
    if lab == "-":
        return {}
    return {CODES[t[0]]: SIGN[t[1]] for t in lab.split()}


def norm(text: str) -> str:
    """Near-duplicate key: feed titles come with and without a trailing "- Reuters"."""
    t = re.sub(r"\s*-?\s*(?:Reuters|Bloomberg|CNBC)\s*$", "", text.strip())
    return re.sub(r"\W+", " ", t.lower()).strip()


def main() -> None:
    items: list[dict] = []
    for f in sorted(HERE.glob("own_*.txt")) + [HERE / "blind.txt", HERE / "blind2.txt"]:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
            if not line.strip() or line.startswith("#"):
                continue
            lab, text = line.split(" | ", 1)
            item = {
                "id": f"own-{f.stem.removeprefix('own_')}-{n:03d}",
                "text": text.strip(),
                "themes": parse_labels(lab),
            }
            if f.stem in ("blind", "blind2"):
                item["split"] = f.stem
            items.append(item)
    seen = {norm(it["text"]) for it in items}
    feeds = shared_dir() / "data" / "feeds"
    if not feeds.is_dir():
        sys.exit(f"{feeds} is absent: cannot list the feed-derived sentences")
    for ref, text in feed_sentences(feeds):
        k = norm(text)
        if k in seen:
            continue
        seen.add(k)
        items.append({"id": f"feed-{ref['sha']}", "ref": ref, "themes": parse_labels(FEED_LABELS.get(ref["sha"], "-"))})
    # Stratified split: by the sorted set of theme:stance labels.
    rng = random.Random(SEED)
    strata: dict[str, list] = {}
    for it in items:
        if it.get("split") in ("blind", "blind2"):
            continue
        strata.setdefault(json.dumps(sorted(it["themes"].items())), []).append(it)
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        n_test = round(len(group) * TEST_SHARE)
        for i, it in enumerate(group):
            it["split"] = "test" if i < n_test else "train"
    for n, it in enumerate(generate(SEED)):  # train split only
        items.append({"id": f"tpl-{n:04d}", "text": it["text"], "themes": it["themes"], "split": "train"})
    out = HERE.parent / DATASET
    with out.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False, sort_keys=True) + "\n")
    n_theme = sum(1 for it in items if it["themes"])
    print(
        f"{out}: {len(items)} items ({n_theme} with a theme, {len(items) - n_theme} none), "
        f"{sum(it['split'] == 'test' for it in items)} test, {sum(it['split'] == 'blind' for it in items)} blind, "
        f"{sum(it['split'] == 'blind2' for it in items)} blind2"
    )


if __name__ == "__main__":
    main()
