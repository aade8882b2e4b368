"""Event study: what the target did after narrative shocks.

An event is a session whose index is at least Z_EVENT robust sd from its own past (the past-only z
of `alignment.past_robust_z`: nothing after the session decides that it is an event). Events are
taken strongest first and kept at least one event window apart, so no two windows share a session.

Abnormal returns: for a single-asset target, a market model (the target's daily return on the
market's, fitted over ESTIMATION sessions that end before the window starts); for a spread (long
minus short already nets out the market) or a yield, the mean daily change over the same
estimation window. The cumulative abnormal return (CAR) is anchored at 0 at the event session's
close. Shocks of both signs are pooled by signing: a bearish shock followed by a fall counts as
the narrative being right.

The null places the same number of pseudo-events, with the same signs, at random sessions with
claims (kept as far apart as the real ones), DRAWS times; from it the p-value, the null band and
the 95 % interval of the mean signed CAR at each horizon and along the whole path.
"""

from __future__ import annotations

import numpy as np

from analyzer.study import nulls
from analyzer.study.results import row
from analyzer.study.series import Panel, daily_returns

EVENT_WINDOW = (-5, 10)
ESTIMATION = 60
MIN_ESTIMATION = 30
Z_EVENT = 2.0
MIN_EVENTS = 10


def _paths(panel: Panel, market_levels, window) -> tuple[np.ndarray, np.ndarray]:
    """CAR path (len of the window) of every session with an index value; `ok` where complete."""
    pre, post = window
    d = daily_returns(panel.levels)
    m = daily_returns(market_levels) if market_levels is not None else None
    ks = np.arange(pre, post + 1)
    out = np.full((panel.n, len(ks)), np.nan)
    for i, t in enumerate(panel.pos):
        lo, hi = t + pre - ESTIMATION, t + pre  # estimation: [lo, hi), ends where the window starts
        if lo < 1 or t + post >= len(d):
            continue
        est = d[lo:hi]
        ok = ~np.isnan(est)
        if m is not None:
            ok &= ~np.isnan(m[lo:hi])
        if ok.sum() < MIN_ESTIMATION:
            continue
        span = np.arange(t + pre + 1, t + post + 1)  # the daily returns inside the window
        if m is not None:
            b, a = np.polyfit(m[lo:hi][ok], est[ok], 1)
            ar = d[span] - (a + b * m[span])
        else:
            ar = d[span] - est[ok].mean()
        if np.isnan(ar).any():
            continue
        # CAR_k: sum of AR over (t, t+k] for k > 0, minus the sum over (t+k, t] for k < 0
        cum = np.concatenate([[0.0], np.cumsum(ar)])  # cum[j] = sum of the first j returns after t+pre
        zero = -pre
        out[i] = cum[np.arange(len(ks))] - cum[zero]
    return out, ~np.isnan(out).any(axis=1)


def _separated(order, pos, gap, limit: int | None = None) -> list[int]:
    """Walk `order`, keeping each session at least `gap` sessions from those already kept."""
    taken: list[int] = []
    for i in order:
        if all(abs(int(pos[i]) - int(pos[j])) >= gap for j in taken):
            taken.append(int(i))
            if limit is not None and len(taken) == limit:
                break
    return taken


def event_study(
    panel: Panel,
    z: np.ndarray,
    horizons,
    draws: nulls.Draws,
    *,
    market_levels=None,
    market: str | None = None,
    window=EVENT_WINDOW,
) -> tuple[list[dict], dict]:
    """`z` is the past-only z of the index at the panel's sessions (NaN where it has too little past)."""
    pre, post = window
    gap = post - pre + 1
    paths, complete = _paths(panel, market_levels, window)
    shock = complete & ~np.isnan(z) & (np.abs(np.nan_to_num(z)) >= Z_EVENT)
    cand = np.flatnonzero(shock)
    order = cand[np.argsort(-np.abs(z[cand]), kind="stable")]
    events = _separated(order, panel.pos, gap)
    model = f"a market model on {market}" if market else "the mean daily change before the window"
    info = {
        "n_events": len(events),
        "n_shocks": len(cand),
        "window": list(window),
        "model": model,
        "z": Z_EVENT,
        "gap": gap,
    }
    if len(events) < MIN_EVENTS:
        info["skipped"] = (
            f"{panel.target}: event study: too few events ({len(events)} narrative shocks with |z| >= {Z_EVENT:g}, "
            f"{gap} sessions apart; need {MIN_EVENTS})"
        )
        return [], info
    events = sorted(events)
    signs = np.sign(z[events])
    real = (paths[events] * signs[:, None]).mean(axis=0) * panel.bp
    null = _null_paths(paths, complete, panel.pos, signs, gap, draws) * panel.bp
    ks = list(range(pre, post + 1))
    infs = [nulls.infer(real[j], null[:, j]) for j in range(len(ks))]
    n_pos, n_neg = int((signs > 0).sum()), int((signs < 0).sum())
    rows = []
    for h in sorted({h for h in horizons if h <= post} | {post}):
        j = ks.index(h)
        rows.append(
            row(
                "event_study",
                panel.target,
                h,
                "signed_car",
                f"{panel.unit}, signed by the shock's direction",
                infs[j],
                n=len(events),
                note=f"mean CAR over {h} sessions after {n_pos} bullish and {n_neg} bearish narrative shocks "
                f"(|z| >= {Z_EVENT:g}, at least {gap} sessions apart); abnormal returns against {model}",
            )
        )
    info.update(
        k=ks,
        car=[i.value for i in infs],
        ci_low=[i.ci[0] for i in infs],
        ci_high=[i.ci[1] for i in infs],
        null_low=[i.null_band[0] for i in infs],
        null_high=[i.null_band[1] for i in infs],
        bullish=(paths[events][signs > 0].mean(axis=0) * panel.bp).tolist() if n_pos else None,
        bearish=(paths[events][signs < 0].mean(axis=0) * panel.bp).tolist() if n_neg else None,
        n_bullish=n_pos,
        n_bearish=n_neg,
        sessions=[panel.sessions[panel.pos[i]] for i in events] if panel.sessions else None,
    )
    return rows, info


def _null_paths(paths, complete, pos, signs, gap, draws: nulls.Draws) -> np.ndarray:
    """Mean signed CAR paths of DRAWS sets of pseudo-events (random sessions with claims, as far
    apart as the real events, with the real events' signs in random order)."""
    pool = np.flatnonzero(complete)
    rng = np.random.default_rng([draws.seed, 7, len(pool)])
    out = np.empty((draws.draws, paths.shape[1]))
    k = len(signs)
    for d in range(draws.draws):
        picked = _separated(rng.permutation(pool), pos, gap, limit=k)
        s = rng.permutation(signs)[: len(picked)]
        out[d] = (paths[picked] * s[:, None]).mean(axis=0)
    return out
