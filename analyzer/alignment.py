"""Point-in-time alignment of claims with prices (DESIGN.md, "Point-in-time alignment").

A claim's event session is the first XNYS session whose close is strictly after its article's
publication time. Forward returns over h sessions run from that close to the close h sessions
later, so no price known before publication enters them; the event session's own return
(previous close to event close, which may contain the news itself) is stored apart with
horizon 0 and kind 'contemporaneous'.

Builds (rebuilt for the themes aligned; other themes' rows are kept):
  claim_returns      one row per claim x target x horizon
  claim_daily_summary, session_returns
                     summaries the browser reads at scale (claims per day/theme/source/stance;
                     forward returns per theme/target/session/horizon)
  daily_theme_index  per theme and session: counts, means, confidence-weighted index, its
                     z-score against the previous `window` sessions only, attention share
  claim_resolution   forward-looking directional claims scored against later returns
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from analyzer import store
from analyzer.errors import AnalyzerError
from analyzer.market import calendar, returns
from analyzer.records import AlignSummary
from analyzer.themes import load_themes

HORIZONS = (1, 5, 20)
# How much a claim's direction counts by how certain it sounds.
CERTAINTY_WEIGHT = {"factual": 1.0, "hedged": 0.6, "speculative": 0.3}
UNKNOWN_CERTAINTY_WEIGHT = 0.8


def claim_weight(stance, stance_prob, certainty) -> float:
    """The confidence-weighted direction of one claim: stance x P(stance) x certainty weight."""
    prob = 1.0 if stance_prob is None else float(stance_prob)
    return float(stance or 0) * prob * CERTAINTY_WEIGHT.get(certainty, UNKNOWN_CERTAINTY_WEIGHT)


def _min_periods(window: int) -> int:
    return max(5, window // 4)


COUNTS = ("claims", "stories")


def align(db, *, themes=None, window: int = 60, horizons=HORIZONS, count: str = "claims") -> AlignSummary:
    """Align claims (all themes, or `themes`) with their targets' returns; see the module doc.

    count="stories": the daily index counts each story once, from its first mention (claim_novelty,
    built by `analyze stories`); repeats of a story within its window are left out. Either way
    daily_theme_index.story_count holds the number of first mentions."""
    theme_set = load_themes()
    if isinstance(themes, str):
        themes = [t.strip() for t in themes.split(",") if t.strip()]
    names = [theme_set.get(t).name for t in themes] if themes else sorted(theme_set.themes)
    horizons = tuple(sorted({int(h) for h in horizons}))
    if window < 5:
        raise AnalyzerError(f"window {window}: needs at least 5 sessions")
    if count not in COUNTS:
        raise AnalyzerError(f"count {count!r}: expected one of {', '.join(COUNTS)}")
    args = {"themes": names, "window": window, "horizons": list(horizons), "count": count}
    with store.record_run(db, "align", args, libraries=("exchange_calendars",)) as run:
        counts = _align(db, theme_set, names, window, horizons, count)
        run.counts = {k: v for k, v in counts.items() if isinstance(v, int)}
        summary = AlignSummary(**{**counts, "themes": tuple(names), "count": count}, run_id=run.id)
    return summary


def _load_claims(db) -> list[dict]:
    sql = """
        select c.id, c.theme, c.stance, c.stance_prob, c.sentiment, c.certainty, c.orientation,
               c.speaker, c.organisation, a.published_at, a.source, n.first_mention
        from claims c join articles a on a.id = c.article_id
        left join claim_novelty n on n.claim_id = c.id
    """
    cols = [
        "id",
        "theme",
        "stance",
        "stance_prob",
        "sentiment",
        "certainty",
        "orientation",
        "speaker",
        "organisation",
        "published_at",
        "source",
        "first_mention",
    ]
    return [dict(zip(cols, r)) for r in db.execute(sql).fetchall()]


def _align(db, theme_set, names, window, horizons, count="claims") -> dict:
    claims = _load_claims(db)
    skipped = {"no_published_at": 0, "bad_published_at": 0, "outside_calendar": 0}
    dated = []
    for c in claims:
        if not c["published_at"]:
            skipped["no_published_at"] += 1
            continue
        try:
            c["published_dt"] = calendar.parse_utc(c["published_at"])
        except AnalyzerError:
            skipped["bad_published_at"] += 1  # recorded, not fatal: one bad row must not stop the batch
            continue
        dated.append(c)
    sessions = calendar.sessions()
    first_close = calendar.session_close(sessions[0])
    idx = calendar.event_session_index([c["published_dt"] for c in dated])
    aligned = []
    for c, i in zip(dated, idx):
        if i < 0 or c["published_dt"] < first_close - timedelta(days=7):
            skipped["outside_calendar"] += 1  # after its last session, or long before its first
            continue
        c["session_idx"] = int(i)
        c["event_session"] = str(sessions[i])
        aligned.append(c)

    selected = [c for c in aligned if c["theme"] in names]
    themes_with_claims = sorted({c["theme"] for c in selected})
    returns.check_targets(db, [t for n in themes_with_claims for t in theme_set.get(n).targets])

    return_rows, resolution_rows, missing = _claim_returns(db, theme_set, selected, horizons)
    index_rows = _daily_index(aligned, names, sessions, window, count)

    with store.transaction(db):
        marks = ",".join("?" for _ in names)
        summaries = ("claim_daily_summary", "session_returns")
        for table in ("claim_returns", "daily_theme_index", "claim_resolution", *summaries):
            db.execute(f"delete from [{table}] where theme in ({marks})", names)
        if return_rows:
            db["claim_returns"].insert_all(return_rows, batch_size=1000)
        if index_rows:
            db["daily_theme_index"].insert_all(index_rows, batch_size=1000)
        if resolution_rows:
            db["claim_resolution"].insert_all(resolution_rows, batch_size=1000)
        _summaries(db, names)

    return {
        "themes": names,
        "claims_total": len(claims),
        "claims_aligned": len(selected),
        "claims_skipped": sum(skipped.values()),
        "skipped": skipped,
        "claim_returns": len(return_rows),
        "returns_not_yet_available": missing,
        "index_rows": len(index_rows),
        "repeats_excluded": sum(1 for c in selected if c["first_mention"] == 0) if count == "stories" else 0,
        "resolution_rows": len(resolution_rows),
        "first_session": min((c["event_session"] for c in selected), default=None),
        "last_session": max((c["event_session"] for c in selected), default=None),
    }


def _summaries(db, names) -> None:
    """The browser's summary tables (store: claim_daily_summary, session_returns) for these themes."""
    marks = ",".join("?" for _ in names)
    db.execute(
        f"""insert into claim_daily_summary (day, theme, source, stance, claims, sentiment_sum, sentiment_n)
        select substr(a.published_at, 1, 10), c.theme, coalesce(a.source, '(unknown)'), coalesce(c.stance, 0),
               count(*), sum(c.sentiment), count(c.sentiment)
        from claims c join articles a on a.id = c.article_id
        where c.theme in ({marks})
        group by 1, 2, 3, 4""",
        names,
    )
    db.execute(
        f"""insert into session_returns (theme, target, session, horizon, "return")
        select theme, target, event_session, horizon, max("return") from claim_returns
        where kind = 'forward' and theme in ({marks})
        group by theme, event_session, target, horizon""",
        names,
    )


def _claim_returns(db, theme_set, claims, horizons):
    rows, resolution, missing = [], [], 0
    by_theme = defaultdict(list)
    for c in claims:
        by_theme[c["theme"]].append(c)
    for theme, items in sorted(by_theme.items()):
        for target in theme_set.get(theme).targets:
            levels = returns.target_levels(db, target)
            values = levels.to_numpy()
            pos = {s: k for k, s in enumerate(levels.index)}
            grid = list(levels.index)
            for c in items:
                k = pos.get(c["event_session"])
                base = {
                    "claim_id": c["id"],
                    "theme": theme,
                    "target": target.name,
                    "published_at": c["published_at"],
                    "event_session": c["event_session"],
                }
                # contemporaneous: previous close -> event close (labelled; may contain the news)
                r = None if k is None else returns.window_return(values, k - 1, k)
                if r is not None:
                    rows.append(
                        {
                            **base,
                            "horizon": 0,
                            "start_session": grid[k - 1],
                            "end_session": grid[k],
                            "return": r,
                            "kind": "contemporaneous",
                        }
                    )
                for h in horizons:
                    r = None if k is None else returns.window_return(values, k, k + h)
                    if r is not None:
                        rows.append(
                            {
                                **base,
                                "horizon": h,
                                "start_session": grid[k],
                                "end_session": grid[k + h],
                                "return": r,
                                "kind": "forward",
                            }
                        )
                    else:
                        missing += 1
                    if c["orientation"] == "forward" and c["stance"]:
                        resolution.append(
                            {
                                "claim_id": c["id"],
                                "theme": theme,
                                "target": target.name,
                                "horizon": h,
                                "event_session": c["event_session"],
                                "source": c["source"],
                                "speaker": c["speaker"],
                                "organisation": c["organisation"],
                                "stance": int(c["stance"]),
                                "forward_return": r,
                                "resolved": int(r is not None),
                                "hit": None if r is None or r == 0 else int((r > 0) == (c["stance"] > 0)),
                            }
                        )
    return rows, resolution, missing


def _daily_index(claims, names, sessions, window, unit="claims"):
    """Index rows for every session from the first to the last aligned claim (any theme).

    With unit="stories" the index (counts, means, value) reads first mentions only; a claim never
    grouped into a story (no claim_novelty row) counts as a first mention."""
    import numpy as np
    import pandas as pd

    if not claims:
        return []
    grouped = any(c["first_mention"] is not None for c in claims)
    firsts = [c for c in claims if c["first_mention"] != 0]
    if unit == "stories":
        claims = firsts
        if not claims:
            return []
    lo = min(c["session_idx"] for c in claims)
    hi = max(c["session_idx"] for c in claims)
    grid = list(sessions[lo : hi + 1])
    total = defaultdict(int)
    for c in claims:
        total[c["event_session"]] += 1
    rows = []
    story_counts = defaultdict(int)
    for c in firsts:
        story_counts[(c["theme"], c["event_session"])] += 1
    for theme in names:
        per = defaultdict(list)
        for c in claims:
            if c["theme"] == theme:
                per[c["event_session"]].append(c)
        if not per:
            continue
        count = np.array([len(per.get(s, ())) for s in grid])
        index = np.array(
            [
                np.mean([claim_weight(c["stance"], c["stance_prob"], c["certainty"]) for c in per[s]])
                if per.get(s)
                else 0.0
                for s in grid
            ]
        )
        x = pd.Series(index)
        # z-score against the previous `window` sessions only (shift(1): today is not in its own baseline)
        past = x.shift(1).rolling(window, min_periods=_min_periods(window))
        mean, std = past.mean(), past.std()
        z = (x - mean) / std.where(std > 0)
        for k, s in enumerate(grid):
            items = per.get(s, ())
            stances = [c["stance"] for c in items if c["stance"] is not None]
            sents = [c["sentiment"] for c in items if c["sentiment"] is not None]
            rows.append(
                {
                    "theme": theme,
                    "session": s,
                    "claim_count": int(count[k]),
                    "story_count": story_counts.get((theme, s), 0) if grouped else None,
                    "mean_stance": float(np.mean(stances)) if stances else None,
                    "mean_sentiment": float(np.mean(sents)) if sents else None,
                    "index_value": float(index[k]),
                    "index_z": None if math.isnan(z.iat[k]) else float(z.iat[k]),
                    "attention_share": float(count[k] / total[s]) if total.get(s) else None,
                }
            )
    return rows
