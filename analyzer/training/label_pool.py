"""Draw the pool of real sentences to label for the claim model, and freeze its blind split.

Theme candidates are oversampled (a broad regex per theme, far wider than the theme triggers;
every item naming small caps or short selling is taken, as real news rarely does),
but near misses (other central banks, price and tax cuts, "short-term", small business...) and
random sentences are kept too, so the labels teach what is *not* a claim. The split is by item
(a whole wrap article, RSS item or headline), seeded, and spread over every source and year.

    python -m analyzer.training.label_pool --out DIR [--round 2|3]

writes DIR/pool.jsonl (pool_round2.jsonl, pool_round3.jsonl: units with their text and context,
for the labellers; never committed); the references (every field but the text) go into
models/claims/labels/real_units.jsonl and the labels into real_labels.jsonl.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from analyzer.training import realtext
from analyzer.training.theme_net import THEMEISH

SEED = 13
# Broad candidate regexes: recall of anything near a theme, not precision (THEMEISH: every theme).
RARE = re.compile(  # the two thin themes: every hit is worth labelling
    r"\b(?:small[- ]?caps?|smaller (?:companies|stocks)|Russell 2000|Russell 2,000|IWM|micro-?caps?|S&P 600"
    r"|short[- ]sell\w*|short interest|short squeeze|squeez\w*|short[- ]covering|shorts\b|shorted|shorting"
    r"|bearish bets?|short positions?)",
    re.I,
)
THIN = re.compile(  # the two themes real news rarely touches: every item that names them is taken
    r"\b(?:small[- ]?caps?|smaller (?:companies|stocks)|Russell 2000|Russell 2,000|IWM|micro-?caps?|S&P 600"
    r"|short[- ]?sell\w*|short interest|short squeeze|short[- ]covering|shorted|shorting|short positions?"
    r"|bearish bets?|most[- ]shorted)",
    re.I,
)
THIN_BLIND = 0.25
NEAR_MISS = re.compile(
    r"\b(?:ECB|European Central Bank|Bank of England|BOE|BOJ|Bank of Japan|PBOC|People's Bank|Reserve Bank"
    r"|RBI|Bank of Canada|SNB|central banks?|price cuts?|cut prices|tax cuts?|job cuts?|cuts?\b|short-term"
    r"|shortages?|shortfall|short of|small business\w*|mortgage|yield|inflation|rates?\b|shares? (?:rose|fell)"
    r"|stocks?|bonds?|dollar)",
    re.I,
)

# per source: (train items, blind items) for item-level sources; wraps are sampled per article
PLAN = {"rss2023": (420, 140), "sp500": (400, 140), "reuters": (300, 100)}
WRAP_BLIND_EVERY = 7  # every 7th article by date is blind (12 of 83)
WRAP_PER_ARTICLE = {"train": 16, "blind": 25}
MIX = (0.55, 0.20, 0.25)  # theme-ish, near miss, random


def _kind(text: str) -> str:
    if RARE.search(text):
        return "rare"
    if THEMEISH.search(text):
        return "theme"
    if NEAR_MISS.search(text):
        return "near"
    return "random"


def sample_wraps(rng: random.Random) -> list[tuple[str, realtext.Unit]]:
    arts = sorted(realtext.items("wrap2022"), key=lambda it: (it["date"], it["key"]))
    out: list[tuple[str, realtext.Unit]] = []
    for n, it in enumerate(arts):
        split = "blind" if n % WRAP_BLIND_EVERY == 3 else "train"
        us = realtext.item_units("wrap2022", it)
        rare = [u for u in us if RARE.search(u.text)]
        rest = [u for u in us if not RARE.search(u.text)]
        rng.shuffle(rest)
        k = WRAP_PER_ARTICLE[split]
        chosen = rare[: k // 2] + rest[: max(0, k - min(len(rare), k // 2))]
        out.extend((split, u) for u in sorted(chosen, key=lambda u: u.start))
    return out


def sample_items(source: str, rng: random.Random) -> list[tuple[str, realtext.Unit]]:
    n_train, n_blind = PLAN[source]
    by_kind: dict[str, list[dict]] = defaultdict(list)
    thin: list[dict] = []
    for it in realtext.items(source):
        text = " ".join(v for v in it["fields"].values() if v)
        (thin if THIN.search(text) else by_kind[_kind(text)]).append(it)
    total = n_train + n_blind
    want = {"rare": min(len(by_kind["rare"]), int(total * MIX[0] * 0.4))}
    want["theme"] = int(total * MIX[0]) - want["rare"]
    want["near"] = int(total * MIX[1])
    want["random"] = total - want["rare"] - want["theme"] - want["near"]
    picked: list[dict] = []
    for kind, n in want.items():
        pool = by_kind[kind]
        # spread over years: round-robin over years after a seeded shuffle within each
        years: dict[str, list[dict]] = defaultdict(list)
        for it in pool:
            years[it["date"][:4]].append(it)
        for items_of_year in years.values():
            rng.shuffle(items_of_year)
        order = sorted(years)
        while n > 0 and any(years.values()):
            for year in order:
                if years[year] and n > 0:
                    picked.append(years[year].pop())
                    n -= 1
    rng.shuffle(picked)
    rng.shuffle(thin)
    n_thin_blind = round(len(thin) * THIN_BLIND)
    out: list[tuple[str, realtext.Unit]] = []
    for i, it in enumerate(picked):
        split = "blind" if i < n_blind else "train"
        out.extend((split, u) for u in realtext.item_units(source, it))
    for i, it in enumerate(thin):
        split = "blind" if i < n_thin_blind else "train"
        out.extend((split, u) for u in realtext.item_units(source, it))
    return out


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def dedupe(chosen: list[tuple[str, realtext.Unit]]) -> list[tuple[str, realtext.Unit]]:
    """One copy per unit, and no training sentence that repeats a blind one word for word
    (wraps repeat template lines, sources repeat headlines): the blind copy is kept."""
    blind = {_norm(u.text) for split, u in chosen if split == "blind"}
    keep, seen = set(), set()
    for n in sorted(range(len(chosen)), key=lambda n: chosen[n][0] != "blind"):  # blind copies first
        split, u = chosen[n]
        if u.id in seen or (split == "train" and _norm(u.text) in blind):
            continue
        seen.add(u.id)
        keep.add(n)
    return [su for n, su in enumerate(chosen) if n in keep]


def build(out_dir: Path) -> list[dict]:
    rng = random.Random(SEED)
    chosen = sample_wraps(rng)
    for source in PLAN:
        chosen += sample_items(source, rng)
    return _write_pool(out_dir / "pool.jsonl", dedupe(chosen))


def _write_pool(path: Path, chosen: list[tuple[str, realtext.Unit]]) -> list[dict]:
    """Write the drawn units with their text and context, for the labellers; return their references."""
    path.parent.mkdir(parents=True, exist_ok=True)
    refs = []
    with path.open("w", encoding="utf-8") as fh:
        for split, u in chosen:
            row = {**u.ref(), "split": split}
            refs.append(row)
            fh.write(
                json.dumps({**row, "text": u.text, "headline": u.headline, "prev": u.prev}, ensure_ascii=False) + "\n"
            )
    return refs


# Round 2, drawn after round 1's blind split was frozen and a first model had been trained (its
# real dev stance accuracy showed too few real stance examples): no item of the blind split, every
# unlabelled sentence of the training wrap articles, and items the themes' wider net catches.
ROUND2 = {"rss2023": 520, "sp500": 200, "reuters": 160}


def build_round2(out_dir: Path, existing: list[dict]) -> list[dict]:
    import yaml

    from analyzer.paths import MODELS_DIR

    rng = random.Random(SEED + 2)
    spec = yaml.safe_load((MODELS_DIR / "themes.yml").read_text())
    nets = [re.compile(rx, re.I) for th in spec["themes"].values() for rx in th.get("recall") or []]
    blind_items = {(r["source"], r["key"]) for r in existing if r["split"] == "blind"}
    labelled = {r["id"] for r in existing}
    seen_items = {(r["source"], r["key"]) for r in existing}
    chosen: list[realtext.Unit] = []
    for it in realtext.items("wrap2022"):
        if ("wrap2022", it["key"]) in blind_items:
            continue
        chosen += [u for u in realtext.item_units("wrap2022", it) if u.id not in labelled]
    for source, n in ROUND2.items():
        pool = [
            it
            for it in realtext.items(source)
            if (source, it["key"]) not in seen_items
            and any(rx.search(" ".join(v for v in it["fields"].values() if v)) for rx in nets)
        ]
        rng.shuffle(pool)
        for it in pool[:n]:
            chosen += realtext.item_units(source, it)
    blind_texts = {_norm(r["text"]) for r in existing if r["split"] == "blind" and "text" in r}
    return _write_pool(
        out_dir / "pool_round2.jsonl", [("train", u) for u in chosen if _norm(u.text) not in blind_texts]
    )


# Round 3, drawn after claims-1.1: unlabelled theme candidates of the training side (the claim
# teacher's pool, teacher.pool_units), distinct texts, a fixed number per source; the thin themes
# have none left (rounds 1 and 2 took every item naming them). Run again now, it draws other
# sentences: the ones it drew are labelled, so no longer in the pool.
ROUND3 = {"rss2023": 180, "sp500": 120, "reuters": 100}
ROUND3_SEED = 2026


def build_round3(out_dir: Path) -> list[dict]:
    from analyzer.training import teacher

    rng = random.Random(ROUND3_SEED)
    by_source: dict[str, list[realtext.Unit]] = defaultdict(list)
    for u in teacher.pool_units():
        by_source[u.source].append(u)
    chosen: list[realtext.Unit] = []
    for source, n in ROUND3.items():
        pool = by_source[source][:]
        rng.shuffle(pool)
        seen: set[str] = set()
        picked: list[realtext.Unit] = []
        for u in pool:
            if len(picked) >= n:
                break
            key = u.text.strip().lower()
            if key not in seen:
                seen.add(key)
                picked.append(u)
        chosen += picked
    rng.shuffle(chosen)
    return _write_pool(out_dir / "pool_round3.jsonl", [("train", u) for u in chosen])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analyzer.training.label_pool", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="folder for pool.jsonl (outside the repository)")
    ap.add_argument(
        "--round", type=int, default=1, choices=(1, 2, 3), help="2, 3: the later draws (need the earlier rounds' units)"
    )
    args = ap.parse_args(argv)
    missing = [s for s in realtext.SOURCES if not realtext.available(s)]
    if missing:
        sys.exit(f"absent under {realtext.news_dir()}: {', '.join(missing)}")
    if args.round == 2:
        units_file = Path(__file__).resolve().parents[2] / "models" / "claims" / "labels" / "real_units.jsonl"
        existing = [json.loads(line) for line in units_file.read_text().splitlines() if line.strip()]
        resolved, _ = realtext.resolve(existing)
        existing = [{**r, "text": u.text} if u else r for r, u in zip(existing, resolved)]
        refs = build_round2(args.out, existing)
    elif args.round == 3:
        refs = build_round3(args.out)
    else:
        refs = build(args.out)
    c = Counter((r["source"], r["split"]) for r in refs)
    for k in sorted(c):
        print(f"{k[0]:10s} {k[1]:6s} {c[k]}", file=sys.stderr)
    print(f"{len(refs)} units -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
