"""Hit rates of forward-looking directional claims, judged against the base rate.

A claim hits when the target's forward return over the horizon has the claim's sign. Claims on one
session share one outcome, and overlapping multi-session returns make neighbouring sessions'
outcomes alike, so the unit of inference is the session:

  per target and horizon  the claims' hit rate, its chance level and p from block permutations of
                          the sessions' calls (each session's bullish and bearish claim counts move
                          together to another session): the chance level accounts for the base rate
                          (how often the target rose over the period) and the claims' mix of calls
  per source and speaker  each session's net call (more bullish or more bearish claims; ties
                          dropped) scored once, with an exact binomial interval on sessions, beside
                          the rate that calls of that mix would hit by the base rate alone. No
                          per-speaker tests: with a few sessions each they would be noise.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from analyzer.study import nulls
from analyzer.study.results import row

MIN_SESSIONS = 10


def base_rate(fwd: np.ndarray, lo: int, hi: int) -> float | None:
    """Share of sessions lo..hi (grid positions) whose forward return is positive (zeros left out)."""
    r = fwd[lo : hi + 1]
    r = r[~np.isnan(r) & (r != 0)]
    return float((r > 0).mean()) if len(r) else None


def target_hit_rates(claims, target: str, horizon: int, fwd, pos_of, draws: nulls.Draws):
    """`claims`: (event_session, stance, source, speaker) of the resolved claims of one target and
    horizon; `fwd` the target's forward returns on the grid; `pos_of` session -> grid position."""
    per: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for session, stance, *_ in claims:
        per[session][0 if stance > 0 else 1] += 1
    sessions = sorted(s for s in per if s in pos_of and not np.isnan(fwd[pos_of[s]]) and fwd[pos_of[s]] != 0)
    if not sessions:
        return None, []
    pos = np.array([pos_of[s] for s in sessions])
    up = (fwd[pos] > 0).astype(float)
    calls = np.array([per[s] for s in sessions], dtype=float)  # (sessions, [bullish, bearish])
    n_claims = int(calls.sum())
    hits = calls[:, 0] @ up + calls[:, 1] @ (1 - up)
    rate = float(hits / n_claims)
    b = base_rate(fwd, int(pos.min()), int(pos.max()))
    summary = {
        "target": target,
        "horizon": horizon,
        "claims": n_claims,
        "sessions": len(sessions),
        "hits": int(hits),
        "hit_rate": rate,
        "base_rate": b,
    }
    if len(sessions) < MIN_SESSIONS:
        return summary, []
    inf = _infer(calls, up, draws)
    summary.update(chance=inf.reference, ci_low=inf.ci[0], ci_high=inf.ci[1], p_value=inf.p)
    base = (
        f"; base rate {b:.2f} (share of sessions in the period with a positive {horizon}-session return)" if b else ""
    )
    rows = [
        row(
            "hit_rate",
            target,
            horizon,
            "hit_rate",
            "share of claims",
            inf,
            n=n_claims,
            n_sessions=len(sessions),
            note=f"forward-looking directional claims; chance {inf.reference:.2f} given the base rate and the mix of "
            f"calls{base}",
        )
    ]
    half = len(sessions) // 2
    if half >= MIN_SESSIONS:
        for which, sl in (("first", slice(0, half)), ("second", slice(half, None))):
            part = calls[sl]
            rows.append(
                row(
                    "out_of_sample",
                    target,
                    horizon,
                    f"hit_rate_{which}_half",
                    "share of claims",
                    _infer(part, up[sl], draws),
                    n=int(part.sum()),
                    n_sessions=len(part),
                    note=f"the {which} half of the sessions alone",
                )
            )
    return summary, rows


def _infer(calls: np.ndarray, up: np.ndarray, draws: nulls.Draws) -> nulls.Inference:
    """The claims' hit rate against block permutations of the sessions' calls; the chance level
    (the null's mean) is the reference."""
    n_claims = calls.sum()
    rate = (calls[:, 0] @ up + calls[:, 1] @ (1 - up)) / n_claims
    shuffled = calls[draws.perms(len(calls))]  # (draws, sessions, 2)
    null = (shuffled[:, :, 0] @ up + shuffled[:, :, 1] @ (1 - up)) / n_claims
    return nulls.infer(float(rate), null, reference=float(null.mean()))


def group_hit_rates(claims, grouping: str, target: str, horizon: int, fwd, pos_of, b: float | None) -> list[dict]:
    """Per source (grouping='source') or speaker: net calls per session, exact interval on sessions."""
    from scipy.stats import binomtest

    col = 2 if grouping == "source" else 3
    per: dict = defaultdict(lambda: defaultdict(int))
    n_claims: dict = defaultdict(int)
    for c in claims:
        name = c[col] or ("(unknown)" if grouping == "source" else "(unattributed)")
        per[name][c[0]] += 1 if c[1] > 0 else -1
        n_claims[name] += 1
    out = []
    for name, calls in sorted(per.items()):
        k = n = 0
        expected = []
        for session, net in calls.items():
            i = pos_of.get(session)
            if net == 0 or i is None or np.isnan(fwd[i]) or fwd[i] == 0:
                continue
            n += 1
            k += int((net > 0) == (fwd[i] > 0))
            if b is not None:
                expected.append(b if net > 0 else 1 - b)
        if not n:
            continue
        ci = binomtest(k, n).proportion_ci(method="exact")
        out.append(
            {
                "grouping": grouping,
                "name": name,
                "target": target,
                "horizon": horizon,
                "claims": n_claims[name],
                "sessions": n,
                "hits": k,
                "hit_rate": k / n,
                "ci_low": float(ci.low),
                "ci_high": float(ci.high),
                "expected": float(np.mean(expected)) if expected else None,
            }
        )
    return out
