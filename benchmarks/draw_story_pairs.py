"""Draw candidate article pairs of the 2023 archive for a labelling round (models/stories/README.md).

The pool: for each item, its 5 nearest later items published at most 72 hours after it by
embedding cosine above 0.55 (plain all-MiniLM-L6-v2 over the text `analyze stories` compares; none
for an item whose text is empty) and its 5 nearest by TF-IDF cosine above 0.2, plus one random
later in-window item for every 40 items.
Each pool pair falls in one stratum (the first that applies):

  same_title   identical normalised headline (different URLs)
  emb90        embedding cosine >= 0.9
  emb80        0.8 - 0.9
  emb70        0.7 - 0.8
  emb60        0.6 - 0.7
  tfidf_only   TF-IDF cosine >= 0.3
  weak         the rest

The script prints each stratum's size in the pool, then draws pairs at random within the strata
asked for, leaving out pairs already in models/stories/labelled_pairs.jsonl, and writes them
(URLs, stratum and both texts, for the annotator) to a file outside the repository: the texts
belong to their publishers. Labels go into labelled_pairs.jsonl by URL only.

    .venv/bin/python benchmarks/draw_story_pairs.py --draw emb60=60 weak=50 --out /tmp/round2.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

import eval_stories  # noqa: E402

from analyzer import stories  # noqa: E402

NEIGHBOURS = 5
MIN_EMBEDDING = 0.55
RANDOM_EVERY = 40
STRATA = ("same_title", "emb90", "emb80", "emb70", "emb60", "tfidf_only", "weak")


def stratum(same_title: bool, emb: float, tfidf: float) -> str:
    if same_title:
        return "same_title"
    for cut, name in ((0.9, "emb90"), (0.8, "emb80"), (0.7, "emb70"), (0.6, "emb60")):
        if emb >= cut:
            return name
    return "tfidf_only" if tfidf >= 0.3 else "weak"


def pool(items: list[dict], seed: int) -> dict[tuple[int, int], str]:
    """Pool pairs (i, j), i published before j, with their stratum; items in time order."""
    texts = [it["text"] for it in items]
    emb = stories.embed(texts)
    emb[[k for k, t in enumerate(texts) if not t]] = 0  # no text (a recurring headline alone): no neighbour by meaning
    tf = stories.tfidf(texts)
    times = np.array([it["t"] for it in items])
    window = stories.WINDOW_HOURS * 3600
    titles = [stories.norm_title(it["title"]) for it in items]
    rng = np.random.default_rng(seed)
    out: dict[tuple[int, int], str] = {}

    def add(i: int, j: int, e: float, c: float) -> None:
        same = bool(titles[i]) and titles[i] == titles[j] and items[i]["url"] != items[j]["url"]
        out.setdefault((i, j), stratum(same, e, c))

    block = 500
    for s in range(0, len(items), block):
        e_ = min(len(items), s + block)
        hi = int(np.searchsorted(times, times[e_ - 1] + window, side="right"))
        es = emb[s:e_] @ emb[s:hi].T
        cs = (tf[s:e_] @ tf[s:hi].T).toarray()
        for r in range(e_ - s):
            i = s + r
            last = int(np.searchsorted(times, times[i] + window, side="right"))
            later = np.arange(i + 1, last) - s
            if not len(later):
                continue
            for sims, floor in ((es[r, later], MIN_EMBEDDING), (cs[r, later], stories.MIN_COSINE)):
                for k in np.argsort(-sims)[:NEIGHBOURS]:
                    if sims[k] > floor:
                        j = int(later[k]) + s
                        add(i, j, float(es[r, j - s]), float(cs[r, j - s]))
            if rng.random() < 1 / RANDOM_EVERY:
                j = int(rng.choice(later)) + s
                add(i, j, float(es[r, j - s]), float(cs[r, j - s]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draw", nargs="*", default=[], help="STRATUM=N: draw N new pairs of that stratum")
    ap.add_argument("--out", type=Path, help="where to write the drawn pairs with their texts (not in the repo)")
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args()
    items = sorted(eval_stories.load_items(), key=lambda it: it["t"])
    pairs = pool(items, args.seed)
    sizes = Counter(pairs.values())
    print(f"{len(items):,} items, {len(pairs):,} pool pairs")
    for name in STRATA:
        print(f"  {name:11s} {sizes[name]:7,d}")
    if not args.draw:
        return
    done = {frozenset((p["a"], p["b"])) for p in eval_stories.load_pairs()}
    rng = np.random.default_rng(args.seed)
    drawn = []
    for spec in args.draw:
        name, n = spec.split("=")
        members = [ij for ij, s in pairs.items() if s == name]
        members = [ij for ij in members if frozenset((items[ij[0]]["url"], items[ij[1]]["url"])) not in done]
        for k in rng.permutation(len(members))[: int(n)]:
            i, j = members[k]
            drawn.append(
                {
                    "a": items[i]["url"],
                    "b": items[j]["url"],
                    "stratum": name,
                    "text_a": items[i]["text"],
                    "text_b": items[j]["text"],
                    "gap_h": round((items[j]["t"] - items[i]["t"]) / 3600, 1),
                    "sources": [items[i]["source"], items[j]["source"]],
                }
            )
    if args.out:
        args.out.write_text("".join(json.dumps(d) + "\n" for d in drawn))
        print(f"wrote {len(drawn)} pairs to {args.out}")


if __name__ == "__main__":
    main()
