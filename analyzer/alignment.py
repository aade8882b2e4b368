"""Point-in-time alignment of claims with prices.

A claim's event session is the first XNYS session whose close is strictly after its article's
publication time. Forward returns over h sessions run from that close to the close h sessions
later, so no price known before publication enters them; the event session's own return
(previous close to event close, which may contain the news itself) is stored apart with
horizon 0 and kind 'contemporaneous'.

Builds (rebuilt for the themes aligned; other themes' rows are kept):
  claim_returns      one row per claim x target x horizon
  daily_theme_index  per theme and session with claims: counts, means, the confidence-weighted
                     index, its robust z-score against the previous `window` sessions only,
                     attention share. Each headline counts once (its claims are averaged first),
                     so a story carried by three feeds, or a headline repeated in its article's
                     text, does not weigh three times. Sessions without claims have no index value.
  claim_resolution   forward-looking directional claims scored against later returns, with the
                     speaker's canonical name (a bare surname joins the one full name it matches)
  claim_daily_summary, session_returns
                     summaries the browser reads at scale (claims per day/theme/source/stance;
                     forward returns per theme/target/session/horizon)

With count="stories" the daily index reads each story's first mention only (claim_novelty, built
by `analyze stories`); either way daily_theme_index.story_count holds the first mentions.
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


Z_CLIP = 5.0  # a robust z beyond this says "extreme"; its exact size on a thin past means little


def min_z_observations(window: int) -> int:
    """Observations (sessions with claims) in the window before a z-score is computed."""
    return max(10, window // 3)


def past_robust_z(values, window: int, min_obs: int | None = None):
    """z of each value against the values of the previous `window` positions only (NaN = no
    observation): (value - median) / (1.4826 MAD), the sd where the MAD is 0, clipped at
    +-Z_CLIP; NaN with fewer than `min_obs` past observations or no spread."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    min_obs = min_z_observations(window) if min_obs is None else min_obs
    out = np.full(len(values), np.nan)
    for t in range(len(values)):
        if np.isnan(values[t]):
            continue
        past = values[max(0, t - window) : t]
        past = past[~np.isnan(past)]
        if len(past) < min_obs:
            continue
        med = np.median(past)
        scale = 1.4826 * np.median(np.abs(past - med))
        if scale == 0:
            scale = np.std(past, ddof=1)
        if scale > 0:
            out[t] = float(np.clip((values[t] - med) / scale, -Z_CLIP, Z_CLIP))
    return out


def headline_key(title, article_id) -> str:
    """Articles with the same headline (any case, spacing or punctuation) are one story."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in (title or "")).split()
    return " ".join(words) or f"article:{article_id}"


def canonical_speakers(names) -> dict[str, str]:
    """Map each speaker spelling to one name per person: spellings that differ only in case or
    spacing become the most frequent one, and a bare surname ("Powell") becomes the one full
    name ending in it ("Jerome Powell"); an ambiguous surname is left alone."""
    from collections import Counter

    counts = Counter(n for n in names if n)
    by_key: dict[str, list[str]] = {}
    for n in counts:
        by_key.setdefault(" ".join(n.lower().split()), []).append(n)
    # the most frequent spelling; on a tie the tidy one (single spaces, capitalised words)
    spelling = {
        k: max(sorted(v), key=lambda s: (counts[s], s == " ".join(s.split()), s == s.title()))
        for k, v in by_key.items()
    }
    surnames: dict[str, set[str]] = {}
    for key in spelling:
        parts = key.split()
        if len(parts) > 1:
            surnames.setdefault(parts[-1], set()).add(key)
    out = {}
    for n in counts:
        key = " ".join(n.lower().split())
        full = surnames.get(key, set()) if len(key.split()) == 1 else set()
        out[n] = spelling[next(iter(full))] if len(full) == 1 else spelling[key]
    return out


COUNTS = ("claims", "stories")


def align(
    db, *, themes=None, window: int = 60, horizons=HORIZONS, count: str = "claims", themes_path=None
) -> AlignSummary:
    """Align claims (all themes, or `themes`) with their targets' returns; see the module doc.
    `themes_path`: the theme definitions the claims were scored with (default: the shipped ones)."""
    theme_set = load_themes(themes_path)
    if isinstance(themes, str):
        themes = [t.strip() for t in themes.split(",") if t.strip()]
    names = [theme_set.get(t).name for t in themes] if themes else sorted(theme_set.themes)
    horizons = tuple(sorted({int(h) for h in horizons}))
    if window < 5:
        raise AnalyzerError(f"window {window}: needs at least 5 sessions")
    if count not in COUNTS:
        raise AnalyzerError(f"count {count!r}: one of {', '.join(COUNTS)}")
    args = {
        "themes": names,
        "window": window,
        "horizons": list(horizons),
        "count": count,
        "themes_file": str(themes_path) if themes_path else None,
    }
    with store.record_run(db, "align", args, libraries=("exchange_calendars",)) as run:
        counts = _align(db, theme_set, names, window, horizons, count)
        run.counts = {k: v for k, v in counts.items() if isinstance(v, int)}
        summary = AlignSummary(**{**counts, "themes": tuple(names)}, run_id=run.id)
    return summary


def _load_claims(db) -> list[dict]:
    sql = """
        select c.id, c.theme, c.stance, c.stance_prob, c.sentiment, c.certainty, c.orientation,
               c.speaker, c.organisation, a.published_at, a.source, c.article_id, a.title, n.first_mention
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
        "article_id",
        "title",
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

    speakers = canonical_speakers(c["speaker"] for c in claims)
    for c in selected:
        c["speaker"] = speakers.get(c["speaker"], c["speaker"])
    return_rows, resolution_rows, missing = _claim_returns(db, theme_set, selected, horizons)
    index_rows = _daily_index(aligned, names, sessions, window, count)

    with store.transaction(db):
        store.copy_article_fields(db)
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
    store.refresh_statistics(db)  # the browser reads next

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
            bp = 100.0 if target.kind == "level_change" else 1e4  # yields are in percentage points
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
                                "signed_return_bp": None if r is None else round(r * bp * c["stance"], 4),
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

    if not claims:
        return []
    grouped = any(c["first_mention"] is not None for c in claims)
    firsts = [c for c in claims if c["first_mention"] != 0]
    story_counts: dict[tuple[str, str], int] = defaultdict(int)
    for c in firsts:
        story_counts[(c["theme"], c["event_session"])] += 1
    # Both counts are kept whatever the unit, so that `compare` can report the other one beside it.
    both = {"claims": _session_means(claims), "stories": _session_means(firsts) if grouped else {}}
    if unit == "stories":
        claims = firsts  # all of them when nothing is grouped: every claim is then a first mention
        if not claims:
            return []
    main = both["stories"] if unit == "stories" and grouped else both["claims"]
    lo = min(c["session_idx"] for c in claims)
    hi = max(c["session_idx"] for c in claims)
    grid = list(sessions[lo : hi + 1])
    total = defaultdict(int)
    for c in claims:
        total[c["event_session"]] += 1

    def index_of(means: dict, theme: str, session: str) -> float | None:
        m = means.get((theme, session))
        return m["index"] if m else None

    rows = []
    for theme in names:
        if not any(t == theme for t, _ in main):
            continue
        index = np.array([np.nan if (v := index_of(main, theme, s)) is None else v for s in grid])
        z = past_robust_z(index, window)
        for k, s in enumerate(grid):
            m = main.get((theme, s))
            count = m["claims"] if m else 0
            rows.append(
                {
                    "theme": theme,
                    "session": s,
                    "claim_count": count,
                    "headline_count": m["headlines"] if m else 0,
                    "story_count": story_counts.get((theme, s), 0) if grouped else None,
                    "mean_stance": m["stance"] if m else None,
                    "mean_sentiment": m["sentiment"] if m else None,
                    "index_value": m["index"] if m else None,
                    "index_claims": index_of(both["claims"], theme, s),
                    "index_stories": index_of(both["stories"], theme, s),
                    "index_z": None if math.isnan(z[k]) else float(z[k]),
                    "attention_share": float(count / total[s]) if total.get(s) else None,
                }
            )
    return rows


def _session_means(claims) -> dict[tuple[str, str], dict]:
    """(theme, session) -> the claims' count and headline means (index, stance, sentiment)."""
    per = defaultdict(list)
    for c in claims:
        per[(c["theme"], c["event_session"])].append(c)
    return {key: {**_headline_means(items), "claims": len(items)} for key, items in per.items()}


def _headline_means(items) -> dict:
    """Means over headlines of the per-headline means of the session's claims (one vote a story)."""
    import numpy as np

    groups = defaultdict(list)
    for c in items:
        groups[headline_key(c["title"], c["article_id"])].append(c)

    def mean_of(values):
        values = [v for v in values if v is not None]
        return float(np.mean(values)) if values else None

    per = [
        {
            "index": mean_of(claim_weight(c["stance"], c["stance_prob"], c["certainty"]) for c in g),
            "stance": mean_of(c["stance"] for c in g),
            "sentiment": mean_of(c["sentiment"] for c in g),
        }
        for g in groups.values()
    ]
    return {
        "headlines": len(groups),
        "index": mean_of(p["index"] for p in per),
        "stance": mean_of(p["stance"] for p in per),
        "sentiment": mean_of(p["sentiment"] for p in per),
    }
