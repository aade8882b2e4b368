"""Story grouping judged on labelled article pairs of the 2023 archive.

models/stories/labelled_pairs.jsonl names each pair by the two items' URLs (the text stays in
../shared/data/news/rss_2023_news_feeds.jsonl.gz and is read at run time) with a same-story
label given by reading both (models/stories/README.md says how pairs were drawn and labelled).

Prints precision and recall of "same story" at the shipped threshold:
  - 5-fold cross-validated (the model refitted on 4/5 of the pairs, judged on the rest): the
    honest figure;
  - the shipped weights on all pairs (in-sample, for reference);
  - the candidate filter alone (cosine >= MIN_COSINE within the window): the recall ceiling;
  - the cross-validated links by stratum, and precision and recall over the whole pool the pairs
    were drawn from (strata weighted by their sampling rate), with bootstrap intervals, by threshold;
  - each later labelling round judged by a model fitted on the rounds before it only (`round` in
    the pairs file; 1 where absent): pairs no fit had seen when they were drawn.

    .venv/bin/python benchmarks/eval_stories.py            # report
    .venv/bin/python benchmarks/eval_stories.py --write    # refit on all pairs, write pair_model.json
    .venv/bin/python benchmarks/eval_stories.py --db archive.db  # also: story ids after `analyze stories`

With --db (a database of the 2023 archive after `analyze stories`), the same figures for what users
see: whether the two items ended in one story, chains of links included. A pair whose item the
importer merged into another article (a duplicate) counts as not linked.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analyzer import stories  # noqa: E402

ARCHIVE = REPO.parent / "shared" / "data" / "news" / "rss_2023_news_feeds.jsonl.gz"
PAIRS = REPO / "models" / "stories" / "labelled_pairs.jsonl"


def load_pairs() -> list[dict]:
    """The labelled pairs (models/stories/labelled_pairs.jsonl), every round."""
    return [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]


def load_items() -> list[dict]:
    if not ARCHIVE.is_file():
        sys.exit(f"{ARCHIVE}: the 2023 archive is not there")
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    repeats = Counter(stories.norm_title(r.get("title")) for r in records)
    return [
        {
            "url": r["url"],
            "title": r.get("title"),
            "source": r.get("outlet"),
            "t": datetime.fromisoformat(r["published"].replace("Z", "+00:00")).timestamp(),
            "text": stories.story_text({"title": r.get("title"), "summary": r.get("description")}, repeats),
        }
        for r in records
    ]


def features(items: list[dict], pairs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Pair features exactly as `analyze stories` computes them (TF-IDF fitted on the whole archive)."""
    index = {it["url"]: k for k, it in enumerate(items)}
    matrix = stories.tfidf([it["text"] for it in items])
    repeats = Counter(stories.norm_title(it["title"]) for it in items)
    ab = [(index[p["a"]], index[p["b"]]) for p in pairs]
    emb = stories.embedding_cosines([it["text"] for it in items], ab)
    X, cos = [], []
    for (a, b), e in zip(ab, emb):
        c = float(matrix[a].multiply(matrix[b]).sum())
        cos.append(c)
        X.append(stories.pair_features(items[a], items[b], c, repeats, e))
    return np.array(X), np.array(cos)


def pr(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    tp = int((pred & (y == 1)).sum())
    return tp / max(1, int(pred.sum())), tp / max(1, int(y.sum()))


# Candidate pairs per stratum in the pool the labelled pairs were drawn from (models/stories/README.md):
# each labelled pair stands for pool / labelled pairs of its stratum.
POOL = {
    "same_title": 4742,
    "emb90": 429,
    "emb80": 2207,
    "emb70": 7792,
    "emb60": 20586,
    "tfidf_only": 8707,
    "weak": 32052,
}


def weighted_pr(y: np.ndarray, pred: np.ndarray, strata: np.ndarray, draws: int = 2000, seed: int = 0):
    """Precision and recall over the whole pool of 76,515 candidate pairs (each labelled pair weighted by
    its stratum's sampling rate), with 95 % intervals from resampling pairs within strata."""
    names = sorted(set(strata))
    members = {s: np.flatnonzero(strata == s) for s in names}
    weight = np.array([POOL[s] / len(members[s]) for s in strata])

    def estimate(idx):
        w, t, p = weight[idx], y[idx] == 1, pred[idx]
        return (w * (p & t)).sum() / max(1e-12, (w * p).sum()), (w * (p & t)).sum() / max(1e-12, (w * t).sum())

    rng = np.random.default_rng(seed)
    boot = np.array(
        [estimate(np.concatenate([rng.choice(members[s], len(members[s])) for s in names])) for _ in range(draws)]
    )
    lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    (p, r) = estimate(np.arange(len(y)))
    return (p, lo[0], hi[0]), (r, lo[1], hi[1])


def same_story_in(db_path: str, pairs: list[dict]) -> np.ndarray:
    """Whether each pair's two items share a story id in a grouped database (found by URL)."""
    import sqlite3

    from analyzer.collect.articles import canonical_url

    con = sqlite3.connect(db_path)
    story: dict[str, str] = {}
    for url, canonical, sid in con.execute(
        "select a.url, a.canonical_url, s.story_id from articles a join article_stories s on s.article_id = a.id"
    ):
        story[url] = sid
        if canonical:
            story.setdefault(canonical, sid)
    con.close()

    def of(url: str) -> str | None:
        return story.get(url) or story.get(canonical_url(url) or "")

    return np.array([of(p["a"]) is not None and of(p["a"]) == of(p["b"]) for p in pairs])


def fit(X: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=3.0, max_iter=2000).fit(X, y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="refit on all pairs and write models/stories/pair_model.json")
    ap.add_argument("--db", help="a database of the 2023 archive after `analyze stories`: judge its story ids too")
    args = ap.parse_args()
    pairs = load_pairs()
    items = load_items()
    X, cos = features(items, pairs)
    y = np.array([p["same_story"] for p in pairs])
    gap_ok = np.exp(X[:, 1]) - 1 <= stories.WINDOW_HOURS
    model = stories.load_pair_model(check=False)
    threshold = float(model["threshold"])
    candidate = (cos >= stories.MIN_COSINE) & gap_ok

    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    probs_cv = cross_val_predict(fit(X, y), X, y, cv=folds, method="predict_proba")[:, 1]
    print(f"{len(pairs)} labelled pairs, {int(y.sum())} same story; threshold {threshold}")
    print(f"{'':44s} {'precision':>9s} {'recall':>7s}")
    rows = [("5-fold cross-validated (honest)", (probs_cv >= threshold) & candidate)]
    if list(model["features"]) == list(stories.FEATURES):  # else the shipped weights predate a feature
        rows.append(
            ("shipped weights, all pairs (in-sample)", (stories.same_story_prob(X, model) >= threshold) & candidate)
        )
    rows.append(("candidate filter alone (recall ceiling)", candidate))
    for name, pred in rows:
        p, r = pr(y, pred)
        print(f"{name:44s} {p:9.3f} {r:7.3f}")
    strata = np.array([p["stratum"] for p in pairs])
    print("cross-validated precision / recall by threshold: labelled pairs; candidate pool [95 %]; emb90 copies linked")
    for th in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        pred = (probs_cv >= th) & candidate
        p, r = pr(y, pred)
        (wp, wp_lo, wp_hi), (wr, _, _) = weighted_pr(y, pred, strata, draws=500)
        copies = int((pred & (y == 1) & (strata == "emb90")).sum())
        print(f"  {th:.1f}: {p:.3f} / {r:.3f}; {wp:.2f} [{wp_lo:.2f}, {wp_hi:.2f}] / {wr:.2f}; {copies}")
    honest = (probs_cv >= threshold) & candidate
    print("by stratum (cross-validated): pairs, same story, linked, of which right")
    for s in POOL:
        m = strata == s
        print(
            f"  {s:11s} {m.sum():4d} {int(y[m].sum()):4d} {int(honest[m].sum()):4d} {int((honest & (y == 1))[m].sum()):4d}"
        )
    (wp, wp_lo, wp_hi), (wr, wr_lo, wr_hi) = weighted_pr(y, honest, strata)
    print(
        f"over the whole candidate pool ({sum(POOL.values()):,} pairs; strata weighted by their sampling rate): "
        f"precision {wp:.2f} [{wp_lo:.2f}, {wp_hi:.2f}], recall {wr:.2f} [{wr_lo:.2f}, {wr_hi:.2f}]"
    )
    if args.db:
        grouped = same_story_in(args.db, pairs)
        p, r = pr(y, grouped)
        (wp, wp_lo, wp_hi), (wr, wr_lo, wr_hi) = weighted_pr(y, grouped, strata)
        print(
            f"story ids in {args.db}: labelled pairs {p:.3f} / {r:.3f}; candidate pool precision {wp:.2f} "
            f"[{wp_lo:.2f}, {wp_hi:.2f}], recall {wr:.2f} [{wr_lo:.2f}, {wr_hi:.2f}]"
        )
    rounds = np.array([p.get("round", 1) for p in pairs])
    for later in sorted(set(rounds) - {1}):
        seen, new = rounds < later, rounds == later
        prob = fit(X[seen], y[seen]).predict_proba(X[new])[:, 1]
        p, r = pr(y[new], (prob >= threshold) & candidate[new])
        print(
            f"round {later} ({int(new.sum())} pairs, {int(y[new].sum())} same story) judged by a fit on the "
            f"{int(seen.sum())} pairs before it: precision {p:.3f}, recall {r:.3f} "
            f"(candidate filter alone: recall {pr(y[new], candidate[new])[1]:.3f})"
        )
    p, r = pr(y, honest)
    print(
        f"target precision >= 0.95 at recall >= 0.90 -> {'met' if p >= 0.95 and r >= 0.90 else 'NOT met'} "
        f"({p:.3f} / {r:.3f} on the labelled pairs)"
    )
    if args.write:
        m = fit(X, y)
        out = {
            "version": f"pairs-{len(pairs)}-lr2",
            "features": list(stories.FEATURES),
            "weights": [round(float(w), 6) for w in m.coef_[0]],
            "intercept": round(float(m.intercept_[0]), 6),
            "threshold": threshold,
            "fitted_on": "models/stories/labelled_pairs.jsonl (benchmarks/eval_stories.py --write)",
        }
        stories.model_path().write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {stories.model_path()}")


if __name__ == "__main__":
    main()
