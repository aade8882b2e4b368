"""The statistics of the study, on plain arrays (no database), so they can be tested directly.

Conventions: `x[t]` is the theme index of session t; `levels[t]` the target's level (log price,
log spread or signed yield) at the close of session t, so the forward return over h sessions is
`levels[t+h] - levels[t]` and the daily return of session t is `levels[t] - levels[t-1]`.
Every function returns result dicts (analysis, target, horizon, statistic, value, ci_low,
ci_high, p_value, n) and skips (returns nothing) where the data are too few.
"""

from __future__ import annotations

import math

import numpy as np

MIN_PAIRS = 10  # fewer pairs than this: no correlation or regression
MIN_EVENTS = 2  # per decile group in the event study
MAX_LAG = 10
EVENT_WINDOW = (-5, 20)


def forward_returns(levels: np.ndarray, h: int) -> np.ndarray:
    out = np.full(len(levels), np.nan)
    if h < len(levels):
        out[: len(levels) - h] = levels[h:] - levels[:-h]
    return out


def daily_returns(levels: np.ndarray) -> np.ndarray:
    out = np.full(len(levels), np.nan)
    out[1:] = levels[1:] - levels[:-1]
    return out


def shifted(a: np.ndarray, k: int) -> np.ndarray:
    """b[t] = a[t+k] (NaN where out of range)."""
    out = np.full(len(a), np.nan)
    if k >= 0:
        out[: len(a) - k] = a[k:]
    else:
        out[-k:] = a[: len(a) + k]
    return out


def _pairs(x, y):
    ok = ~(np.isnan(x) | np.isnan(y))
    return x[ok], y[ok]


def _row(analysis, target, horizon, statistic, value, n, ci=(None, None), p=None):
    f = lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)  # noqa: E731
    return {
        "analysis": analysis,
        "target": target,
        "horizon": horizon,
        "statistic": statistic,
        "value": f(value),
        "ci_low": f(ci[0]),
        "ci_high": f(ci[1]),
        "p_value": f(p),
        "n": int(n),
    }


def _constant(a) -> bool:
    return len(a) == 0 or float(np.nanstd(a)) == 0.0


def correlations(x, y, *, target, horizon, rng, n_boot=400, block=None) -> list[dict]:
    """Pearson (Fisher-z CI) and Spearman (moving-block bootstrap CI) of x against y."""
    from scipy import stats

    a, b = _pairs(x, y)
    n = len(a)
    if n < MIN_PAIRS or _constant(a) or _constant(b):
        return []
    r, p = stats.pearsonr(a, b)
    z, se = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1 / math.sqrt(max(n - 3, 1))
    out = [_row("correlation", target, horizon, "pearson_r", r, n, (np.tanh(z - 1.96 * se), np.tanh(z + 1.96 * se)), p)]
    rho, p_s = stats.spearmanr(a, b)
    ci = (None, None)
    if n_boot:
        block = max(1, min(block or 1, n // 4))
        idx = _block_bootstrap_indices(n, block, n_boot, rng)
        ra, rb = stats.rankdata(a[idx], axis=1), stats.rankdata(b[idx], axis=1)
        ra -= ra.mean(axis=1, keepdims=True)
        rb -= rb.mean(axis=1, keepdims=True)
        den = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
        boots = np.where(den > 0, (ra * rb).sum(axis=1) / np.where(den > 0, den, 1), np.nan)
        boots = boots[~np.isnan(boots)]
        if len(boots) > 10:
            ci = tuple(np.percentile(boots, [2.5, 97.5]))
    out.append(_row("correlation", target, horizon, "spearman_rho", rho, n, ci, p_s))
    return out


def _block_bootstrap_indices(n, block, n_boot, rng) -> np.ndarray:
    """Moving-block bootstrap: overlapping returns are serially correlated, so resample runs."""
    n_blocks = math.ceil(n / block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n]
    return idx


def min_hac_pairs(maxlags: int) -> int:
    """Newey-West errors with L lags are unreliable unless the sample is several times L."""
    return max(MIN_PAIRS, 3 * maxlags + 10)


def ols_hac(x, y, *, maxlags: int):
    """OLS y = a + b x with Newey-West (HAC) errors; None when too few pairs."""
    import statsmodels.api as sm

    a, b = _pairs(x, y)
    n = len(a)
    if n < min_hac_pairs(maxlags) or _constant(a) or _constant(b):
        return None
    fit = sm.OLS(b, sm.add_constant(a)).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True})
    lo, hi = fit.conf_int()[1]
    return {
        "beta": float(fit.params[1]),
        "se": float(fit.bse[1]),
        "t": float(fit.tvalues[1]),
        "p": float(fit.pvalues[1]),
        "ci": (float(lo), float(hi)),
        "n": n,
        "r2": float(fit.rsquared),
    }


def regression_rows(x, fwd, *, target, horizon) -> list[dict]:
    # Overlapping h-session returns are MA(h-1): HAC lags must cover at least h-1.
    fit = ols_hac(x, fwd, maxlags=max(1, horizon))
    if fit is None:
        return []
    return [
        _row("ols_hac", target, horizon, "beta", fit["beta"], fit["n"], fit["ci"], fit["p"]),
        _row("ols_hac", target, horizon, "r_squared", fit["r2"], fit["n"]),
    ]


def lead_lag(x, daily, *, target, max_lag=MAX_LAG) -> tuple[list[dict], dict]:
    """corr(x[t], daily[t+k]) for k in -max_lag..max_lag (k > 0: the index leads returns)."""
    from scipy import stats

    rows, corr = [], {}
    for k in range(-max_lag, max_lag + 1):
        a, b = _pairs(x, shifted(daily, k))
        if len(a) < MIN_PAIRS or _constant(a) or _constant(b):
            continue
        r, p = stats.pearsonr(a, b)
        corr[k] = float(r)
        rows.append(_row("lead_lag", target, k, "corr", r, len(a), p=p))
    if not corr:
        return [], {}
    peak = max(corr, key=lambda k: (abs(corr[k]), -abs(k)))
    fit = ols_hac(x, shifted(daily, peak), maxlags=1)
    rows.append(_row("lead_lag", target, peak, "peak_lag", peak, rows[0]["n"]))
    if fit:
        # the peak was picked as the strongest of len(corr) lags: Bonferroni-adjust its p-value
        p_adj = min(1.0, fit["p"] * len(corr))
        rows.append(_row("lead_lag", target, peak, "beta_at_peak", fit["beta"], fit["n"], fit["ci"], p_adj))
    return rows, corr


def event_study(x, levels, *, target, horizons, eligible=None, window=EVENT_WINDOW):
    """Mean cumulative return around top- and bottom-decile index sessions."""
    from scipy import stats

    ok = ~np.isnan(x) if eligible is None else (eligible & ~np.isnan(x))
    cand = np.flatnonzero(ok)
    if len(cand) < 5 * MIN_EVENTS or _constant(x[cand]):
        return [], {}
    hi, lo = np.quantile(x[cand], [0.9, 0.1])
    top = cand[x[cand] >= hi]
    bottom = cand[x[cand] <= lo]
    if len(top) < MIN_EVENTS or len(bottom) < MIN_EVENTS or hi == lo:
        return [], {}
    ks = np.arange(window[0], window[1] + 1)

    def paths(events):
        out = np.full((len(events), len(ks)), np.nan)
        for i, t in enumerate(events):
            for j, k in enumerate(ks):
                if 0 <= t + k < len(levels):
                    out[i, j] = levels[t + k] - levels[t]
        return out

    pt, pb = paths(top), paths(bottom)
    rows = []
    for h in horizons:
        if h > window[1]:
            continue
        j = int(np.flatnonzero(ks == h)[0])
        a, b = pt[:, j][~np.isnan(pt[:, j])], pb[:, j][~np.isnan(pb[:, j])]
        if len(a) < MIN_EVENTS or len(b) < MIN_EVENTS:
            continue
        _, p = stats.ttest_ind(a, b, equal_var=False)
        rows.append(_row("event_study", target, h, "car_top_minus_bottom", a.mean() - b.mean(), len(a) + len(b), p=p))
        rows.append(_row("event_study", target, h, "car_top", a.mean(), len(a)))
        rows.append(_row("event_study", target, h, "car_bottom", b.mean(), len(b)))
    curves = {
        "k": ks.tolist(),
        "top": _column_means(pt),
        "bottom": _column_means(pb),
        "n_top": len(top),
        "n_bottom": len(bottom),
    }
    return rows, curves


def _column_means(a) -> list:
    """Column means ignoring NaN; NaN for a column with no value (no RuntimeWarning)."""
    ok = ~np.isnan(a)
    n = ok.sum(axis=0)
    sums = np.where(ok, a, 0.0).sum(axis=0)
    return [float(s / k) if k else float("nan") for s, k in zip(sums, n)]


def analyze(x, levels, *, target, horizons, seed=0, n_boot=400, eligible=None) -> tuple[list[dict], dict]:
    """All the series statistics for one target; returns (rows, data for the figures)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=float)
    levels = np.asarray(levels, dtype=float)
    rows, figs = [], {"horizons": {}}
    for h in horizons:
        fwd = forward_returns(levels, h)
        rows += correlations(x, fwd, target=target, horizon=h, rng=rng, n_boot=n_boot, block=h)
        rows += regression_rows(x, fwd, target=target, horizon=h)
        figs["horizons"][h] = fwd
    ll_rows, figs["lead_lag"] = lead_lag(x, daily_returns(levels), target=target)
    rows += ll_rows
    ev_rows, figs["event"] = event_study(x, levels, target=target, horizons=horizons, eligible=eligible)
    rows += ev_rows
    return rows, figs


def with_placebo(x, levels, *, target, horizons, seed=0, n_boot=400, eligible=None):
    """`analyze` on the real index and on the index with its dates shuffled (seeded); each real
    row gets the placebo's value and p-value for the same statistic."""
    rows, figs = analyze(x, levels, target=target, horizons=horizons, seed=seed, n_boot=n_boot, eligible=eligible)
    x = np.asarray(x, dtype=float)
    # shuffle the index values among the sessions that have one: same dates, random pairing
    has = np.flatnonzero(~np.isnan(x))
    xp = x.copy()
    xp[has] = x[has][np.random.default_rng([seed, 1]).permutation(len(has))]
    prow, pfigs = analyze(xp, levels, target=target, horizons=horizons, seed=seed, n_boot=0, eligible=eligible)
    placebo = {(r["analysis"], r["horizon"], r["statistic"]): r for r in prow}
    placebo_peak = next((r for r in prow if r["statistic"] == "peak_lag"), None)
    for r in rows:
        if r["statistic"] == "peak_lag":
            p = {"value": placebo_peak["value"], "p_value": None} if placebo_peak else None
        elif r["statistic"] == "beta_at_peak":
            # the shuffled index at the real peak lag: like with like
            fit = ols_hac(xp, shifted(daily_returns(levels), r["horizon"]), maxlags=1)
            p = {"value": fit["beta"], "p_value": fit["p"]} if fit else None
        else:
            p = placebo.get((r["analysis"], r["horizon"], r["statistic"]))
        r["placebo_value"] = p["value"] if p else None
        r["placebo_p_value"] = p["p_value"] if p else None
    figs["placebo_lead_lag"] = pfigs.get("lead_lag", {})
    return rows, figs
