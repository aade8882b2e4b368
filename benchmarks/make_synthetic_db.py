"""A synthetic database at archive scale for the Datasette benchmark (not committed).

300,000 articles from 40 sources over 2023-2024 and 1,000,000 claims over them (three themes,
stances, certainty, sentiment, speakers for about a fifth), written through the project's own
schema (store.open_db: full-text indexes and triggers included), the bundled prices loaded,
then the real `align` run over it (claim_returns, daily_theme_index, claim_resolution and the
summary tables the browser reads). The sentences are generated from a vocabulary with a
Zipf-like spread, so a full-text search for a rarer word finds hundreds of claims, not all.

    .venv/bin/python benchmarks/make_synthetic_db.py [--out synthetic.db] [--articles 300000] [--claims 1000000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analyzer import store  # noqa: E402

THEMES = ("small_cap_rotation", "short_squeeze", "rate_cuts")
SUBJECTS = {
    "small_cap_rotation": ["Small caps", "The Russell 2000", "Smaller companies", "IWM", "Small-cap stocks"],
    "short_squeeze": ["Short sellers", "Heavily shorted stocks", "Hedge funds", "Bears", "Short interest"],
    "rate_cuts": ["The Fed", "Rate-cut bets", "Two-year yields", "Traders", "Fed officials"],
}
VERBS = [
    "rallied",
    "slumped",
    "rotated",
    "signalled",
    "rebounded",
    "lagged",
    "surged",
    "stalled",
    "retreated",
    "gained",
]
WORDS = [
    "inflation",
    "payrolls",
    "earnings",
    "guidance",
    "margins",
    "buybacks",
    "liquidity",
    "credit",
    "spreads",
    "volatility",
    "momentum",
    "breadth",
    "valuation",
    "dividends",
    "tariffs",
    "housing",
    "consumers",
    "banks",
    "energy",
    "semiconductors",
    "biotech",
    "retail",
    "industrials",
    "treasuries",
    "futures",
    "options",
    "dealers",
    "pensions",
    "insurers",
    "exporters",
    "importers",
    "shipping",
    "freight",
    "copper",
    "lithium",
    "uranium",
    "cocoa",
    "coffee",
    "wheat",
    "sugar",
    "gold",
    "silver",
    "platinum",
    "palladium",
    "nickel",
    "zinc",
    "aluminium",
    "steel",
    "timber",
]
CERTAINTY = ("factual", "hedged", "speculative")
LABELS = ("negative", "neutral", "positive")


def zipf_word(rng: random.Random) -> str:
    return WORDS[min(len(WORDS) - 1, int(rng.paretovariate(1.1)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="synthetic.db")
    ap.add_argument("--articles", type=int, default=300_000)
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    out = Path(args.out)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    db = store.open_db(out)
    conn = db.conn
    sources = [f"import:outlet{k:02d}" for k in range(40)]
    speakers = [(f"Analyst{k:04d} Surname{k % 997:03d}", f"Bank{k % 150:03d}") for k in range(2000)]
    start = datetime(2023, 1, 2, tzinfo=UTC)
    span = (datetime(2024, 12, 20, tzinfo=UTC) - start).total_seconds()
    now = store.utcnow()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(args.articles))
    articles = []
    for k, t in enumerate(times):
        theme = rng.choice(THEMES)
        title = f"{rng.choice(SUBJECTS[theme])} {rng.choice(VERBS)} as {zipf_word(rng)} and {zipf_word(rng)} move"
        body = " ".join(
            f"{rng.choice(SUBJECTS[rng.choice(THEMES)])} {rng.choice(VERBS)} on {zipf_word(rng)}." for _ in range(6)
        )
        at = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        articles.append(
            (f"syn{k:07d}", rng.choice(sources), f"https://example.test/{k}", title, body[:160], body, at, at, "feed")
        )
    with store.transaction(db):
        conn.executemany(
            "insert into articles (id, source, url, title, summary, content, published_at, first_seen_at, "
            "timestamp_source) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            articles,
        )
    print(f"{len(articles):,} articles in {time.perf_counter() - t0:.0f}s", flush=True)
    per_article = args.claims / args.articles
    claims = []
    seen = set()
    while len(claims) < args.claims:
        a = rng.randrange(args.articles)
        theme = rng.choice(THEMES)
        sent = rng.randrange(12)
        cid = f"syn{a:07d}:{sent}:{theme}"
        if cid in seen:
            continue
        seen.add(cid)
        p = [rng.random() for _ in range(3)]
        total = sum(p)
        p = [x / total for x in p]
        speaker = rng.choice(speakers) if rng.random() < 0.2 else (None, None)
        sentence = (
            f"{rng.choice(SUBJECTS[theme])} {rng.choice(VERBS)} as {zipf_word(rng)} met {zipf_word(rng)}, "
            f"{'said ' + speaker[0] if speaker[0] else 'traders said'}."
        )
        claims.append(
            (
                cid,
                f"syn{a:07d}",
                sent,
                sent * 80,
                sent * 80 + len(sentence),
                sentence,
                theme,
                rng.choice((-1, 0, 0, 1)),
                round(rng.uniform(0.4, 1.0), 4),
                round(p[2] - p[0], 4),
                LABELS[p.index(max(p))],
                round(p[2], 4),
                round(p[0], 4),
                round(p[1], 4),
                rng.choice(CERTAINTY),
                rng.choice(("backward", "forward")),
                speaker[0],
                speaker[1],
                "[]",
                "synthetic",
                "synthetic",
                now,
            )
        )
    del seen
    with store.transaction(db):
        conn.executemany(
            "insert into claims (id, article_id, sentence_index, start, [end], sentence, theme, stance, stance_prob, "
            "sentiment, label, prob_positive, prob_negative, prob_neutral, certainty, orientation, speaker, "
            "organisation, entities, model_version, theme_version, created_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            claims,
        )
    print(f"{len(claims):,} claims ({per_article:.1f} per article) in {time.perf_counter() - t0:.0f}s", flush=True)
    del claims, articles
    from analyzer.alignment import align
    from analyzer.market.prices import load_prices

    load_prices(db, source="bundled")
    s = align(db)
    print(f"align: {s.line()} ({time.perf_counter() - t0:.0f}s)", flush=True)
    # no ANALYZE of our own: the planner statistics are the ones align leaves, as for a user
    db.conn.execute("pragma wal_checkpoint(truncate)")
    size = out.stat().st_size / 1e9
    print(f"{out}: {size:.2f} GB in {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
