"""Does the index predict the target's later returns?

effects      per horizon h: the forward return over h sessions from the event close, regressed
             on the index: basis points per 1 sd of the index, and the same on each half of the
             sample (an out-of-sample replication: the second half never saw the first's estimate)
lead_lag     corr(index[t], daily return[t+k]) for k in -MAX_LAG..MAX_LAG (k > 0: index leads),
             each against its null band, and the strongest lag with a p-value and an interval
             adjusted for having picked it among all lags (max-statistic over the same draws)

All p-values and intervals come from `nulls` (block permutations of the index).
"""

from __future__ import annotations

import numpy as np

from analyzer.study import nulls
from analyzer.study.results import row
from analyzer.study.series import Panel, daily_returns, forward_returns, shifted

MIN_SESSIONS = 20  # pairs below which a statistic is not computed
MAX_LAG = 10


def _pairs(panel: Panel, y_grid: np.ndarray):
    y = panel.at_index(y_grid)
    ok = ~np.isnan(y)
    return panel.x[ok], y[ok], ok


def _beta(panel: Panel, x, y, draws: nulls.Draws, keep) -> tuple[float, np.ndarray]:
    """The slope in bp per sd of the index, and its null draws (the index permuted among all its
    sessions, then restricted to the pairs with a return: the same pairs in every draw)."""
    scale = panel.sd_x * panel.bp
    xd = panel.x[draws.perms(panel.n)][:, keep]
    return float(nulls.slopes(x[None, :], y)[0]) * scale, nulls.slopes(xd, y) * scale


def effects(panel: Panel, horizons, draws: nulls.Draws) -> tuple[list[dict], dict]:
    rows, figs = [], {}
    unit = f"{panel.unit} per sd of the index"
    for h in horizons:
        x, y, keep = _pairs(panel, forward_returns(panel.levels, h))
        if len(x) < MIN_SESSIONS or np.std(x) == 0:
            continue
        value, null = _beta(panel, x, y, draws, keep)
        inf = nulls.infer(value, null)
        rows.append(
            row(
                "predictive",
                panel.target,
                h,
                "beta",
                unit,
                inf,
                n=len(x),
                mde=True,
                note=f"{h}-session forward return from the event session's close, per 1 sd of the index "
                f"(sd {panel.sd_x:.3g})",
            )
        )
        figs[h] = {"x": (x - x.mean()) / panel.sd_x, "y": y * panel.bp, "beta": inf.value, "ci": inf.ci}
        rows += _halves(panel, h, x, y, draws, unit)
    return rows, figs


def _halves(panel: Panel, h: int, x, y, draws: nulls.Draws, unit: str) -> list[dict]:
    """The same regression on the first and second half of the pairs, each with its own null."""
    half = len(x) // 2
    if half < MIN_SESSIONS:
        return []
    out = []
    for name, sl in (("beta_first_half", slice(0, half)), ("beta_second_half", slice(half, None))):
        xs, ys = x[sl], y[sl]
        if np.std(xs) == 0:
            continue
        scale = panel.sd_x * panel.bp
        value = float(nulls.slopes(xs[None, :], ys)[0]) * scale
        null = nulls.slopes(xs[draws.perms(len(xs))], ys) * scale
        which = "first" if name.endswith("first_half") else "second"
        out.append(
            row(
                "out_of_sample",
                panel.target,
                h,
                name,
                unit,
                nulls.infer(value, null),
                n=len(xs),
                note=f"the {which} half of the sessions alone",
            )
        )
    return out


def lead_lag(panel: Panel, draws: nulls.Draws, max_lag: int = MAX_LAG) -> tuple[list[dict], dict]:
    """The profile of correlations over lags, tested as one family: each lag's p and interval are
    adjusted for all the lags (max-statistic: the largest studentized |corr| of each null draw),
    and the strongest lag, restated in bp per sd, is the family's one test in the run's q-values."""
    daily = daily_returns(panel.levels)
    perm_x = panel.x[draws.perms(panel.n)]
    lags, real, null, n, scale = [], [], [], [], []
    for k in range(-max_lag, max_lag + 1):
        x, y, keep = _pairs(panel, shifted(daily, k))
        if len(x) < MIN_SESSIONS or np.std(x) == 0 or np.std(y) == 0:
            continue
        lags.append(k)
        real.append(float(nulls.correlations(x[None, :], y)[0]))
        null.append(nulls.correlations(perm_x[:, keep], y))
        n.append(len(x))
        # corr -> bp of the day's return per sd of the index: slope = r sd(y) / sd(x) on these pairs
        scale.append(np.std(y) / np.std(x) * panel.sd_x * panel.bp)
    if not lags:
        return [], {}
    sds = np.array([np.nanstd(d, ddof=1) for d in null])
    t_obs = np.array(real) / sds
    null_t = np.column_stack(null) / sds
    rows: list[dict] = []
    profile: dict[int, dict] = {}
    infs: dict[int, nulls.Inference] = {}
    for j, k in enumerate(lags):
        p, crit = nulls.max_statistic(t_obs[j], null_t)
        band = np.nanquantile(null[j], [0.05, 0.95])
        inf = nulls.Inference(
            value=real[j],
            p=p,
            ci=(real[j] - crit * sds[j], real[j] + crit * sds[j]) if crit is not None else (None, None),
            null_band=(float(band[0]), float(band[1])),
            null_sd=float(sds[j]),
            reference=0.0,
            draws=len(null[j]),
        )
        rows.append(
            row(
                "lead_lag",
                panel.target,
                k,
                "corr",
                "correlation",
                inf,
                n=n[j],
                note=f"corr(index on day t, daily return on day t+k); k > 0: the index leads; p and interval "
                f"adjusted for the {len(lags)} lags",
            )
        )
        profile[k] = {
            "corr": real[j],
            "null_low": inf.null_band[0],
            "null_high": inf.null_band[1],
            "n": n[j],
        }
        infs[k] = inf
    # strongest standardized correlation; on a tie the shorter lag
    j = max(range(len(lags)), key=lambda i: (abs(t_obs[i]), -abs(lags[i])))
    rows.append(_peak(panel, lags[j], infs[lags[j]], scale[j], n[j], len(lags), max_lag))
    rows += _peak_out_of_sample(panel, daily, draws, max_lag)
    return rows, {"profile": profile, "peak": lags[j]}


def _peak_out_of_sample(panel: Panel, daily, draws: nulls.Draws, max_lag: int) -> list[dict]:
    """The strongest lag picked on the first half of the sessions, tested on the second half only."""
    half = panel.n // 2
    if half < MIN_SESSIONS:
        return []
    first = Panel(panel.target, panel.kind, panel.levels, panel.pos[:half], panel.x[:half])
    second = Panel(panel.target, panel.kind, panel.levels, panel.pos[half:], panel.x[half:])
    best, best_r = None, 0.0
    for k in range(-max_lag, max_lag + 1):
        x, y, _ = _pairs(first, shifted(daily, k))
        if len(x) >= MIN_SESSIONS and np.std(x) > 0 and np.std(y) > 0:
            r = abs(float(nulls.correlations(x[None, :], y)[0]))
            if best is None or r > best_r:
                best, best_r = k, r
    if best is None:
        return []
    x, y, keep = _pairs(second, shifted(daily, best))
    if len(x) < MIN_SESSIONS or np.std(x) == 0:
        return []
    scale = panel.sd_x * panel.bp  # per sd of the whole index, as the full-sample rows
    value = float(nulls.slopes(x[None, :], y)[0]) * scale
    null = nulls.slopes(second.x[draws.perms(second.n)][:, keep], y) * scale
    return [
        row(
            "out_of_sample",
            panel.target,
            best,
            "peak_beta_second_half",
            f"{panel.unit} (one day) per sd of the index",
            nulls.infer(value, null),
            n=len(x),
            note=f"lag {best} picked on the first half of the sessions, tested on the second half alone",
        )
    ]


def _peak(panel: Panel, k: int, inf: nulls.Inference, c: float, n: int, n_lags: int, max_lag: int) -> dict:
    """The peak lag's correlation restated in bp of the day's return per sd of the index."""
    scaled = nulls.Inference(
        value=inf.value * c,
        p=inf.p,
        ci=(lo * c, hi * c) if (lo := inf.ci[0]) is not None and (hi := inf.ci[1]) is not None else (None, None),
        null_band=(inf.null_band[0] * c, inf.null_band[1] * c),
        null_sd=inf.null_sd * c,
        reference=0.0,
        draws=inf.draws,
    )
    return row(
        "lead_lag",
        panel.target,
        k,
        "peak_beta",
        f"{panel.unit} (one day) per sd of the index",
        scaled,
        n=n,
        note=f"the strongest of {n_lags} lags (-{max_lag}..{max_lag}); p and interval allow for picking it "
        "(max-statistic over the same null draws)",
    )
