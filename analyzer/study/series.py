"""Return series on the session grid, from a target's level series.

`levels[t]` is the target's level (log price, log spread or signed yield) at the close of session
t, so the forward return over h sessions is `levels[t+h] - levels[t]` and the daily return of
session t is `levels[t] - levels[t-1]`. Missing values are NaN.
"""

from __future__ import annotations

import numpy as np

# Basis points per unit of each target kind: log returns (1 = 100 %) and yields in percentage points.
BP_PER_UNIT = {"log_return": 1e4, "log_return_spread": 1e4, "level_change": 100.0}


def bp_per_unit(kind: str) -> float:
    return BP_PER_UNIT[kind]


def unit_label(kind: str) -> str:
    """What one basis point of the target means, for axis labels and tables."""
    return "bp of yield" if kind == "level_change" else "bp of return"


def move_word(kind: str) -> str:
    """What a target's move is called: a yield changes, a price returns."""
    return "change" if kind == "level_change" else "return"


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


def rolling_mean(a: np.ndarray, window: int, min_obs: int) -> np.ndarray:
    """Trailing mean over `window` positions, ignoring NaN; NaN with fewer than `min_obs` values."""
    ok = ~np.isnan(a)
    sums = np.cumsum(np.where(ok, a, 0.0))
    counts = np.cumsum(ok)
    lag_sums = np.concatenate([np.zeros(window), sums[:-window]]) if len(a) > window else np.zeros(len(a))
    lag_counts = np.concatenate([np.zeros(window), counts[:-window]]) if len(a) > window else np.zeros(len(a))
    n = counts - lag_counts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= min_obs, (sums - lag_sums) / n, np.nan)


def standardized(a: np.ndarray) -> np.ndarray:
    """(a - mean) / sd over the non-missing values; all NaN when there is no spread."""
    ok = ~np.isnan(a)
    if ok.sum() < 2 or np.std(a[ok]) == 0:
        return np.full(len(a), np.nan)
    return (a - np.mean(a[ok])) / np.std(a[ok], ddof=1)


class Panel:
    """One target's levels on the session grid and the index at the sessions that have a value.

    `pos` are grid positions of those sessions (ascending), `x` the index there. `sd_x` is the
    index's standard deviation over them: effects are per 1 sd of the index.
    """

    def __init__(self, target: str, kind: str, levels, pos, x, sessions=None):
        self.target, self.kind = target, kind
        self.levels = np.asarray(levels, dtype=float)
        self.pos = np.asarray(pos, dtype=np.int64)
        self.x = np.asarray(x, dtype=float)
        self.sessions = list(sessions) if sessions is not None else None
        self.sd_x = float(np.std(self.x, ddof=1)) if len(self.x) > 1 else float("nan")
        self.bp = bp_per_unit(kind)
        self.unit = unit_label(kind)

    @property
    def n(self) -> int:
        return len(self.x)

    def at_index(self, series: np.ndarray) -> np.ndarray:
        """`series` (on the grid) at the index's sessions."""
        return series[self.pos]
