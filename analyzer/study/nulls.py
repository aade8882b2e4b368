"""Null distributions from many draws, and what the study reads off them.

The null of "the index says nothing about later returns" is drawn by moving the index, in blocks of
consecutive observations, to other sessions with claims, while the returns stay where they are:
the returns keep all their autocorrelation (overlapping multi-session returns included), the index
keeps its own within each block, and only the pairing of the two is broken. A random offset cuts
the blocks at a different place in every draw.

From the real statistic T and its draws the study reports:
  p          two-sided, equal-tailed: 2 x the smaller tail share, with the +1 of a permutation test
  null band  the draws' 5 % and 95 % quantiles
  interval   95 %, by inverting the same test under a shift: [T - u, T - l], where u and l are the
             order statistics that decide p < 0.05. So the interval excludes the no-relation value
             exactly when p < 0.05: the interval and the p-value never contradict each other.
  mde        the minimum detectable effect at 80 % power and 5 % two-sided: 2.8 sd of the draws
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DRAWS = 1999  # the default number of null draws (p resolves to 1/1000)
BLOCK_MIN = 5  # sessions: a trading week
MIN_BLOCKS = 8  # fewer blocks than this and the permutations are too few to be a null
MDE_Z = 1.959964 + 0.841621  # z(0.975) + z(0.80)


def block_length(n_obs: int, horizons) -> int:
    """Blocks as long as the longest horizon (overlapping returns are correlated that far), at
    least a week, and short enough to leave MIN_BLOCKS blocks to permute."""
    want = max(BLOCK_MIN, max(horizons, default=1))
    return max(1, min(want, n_obs // MIN_BLOCKS))


def block_permutations(n: int, block: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, n) index arrays: 0..n-1 cut into blocks of `block` at a random offset, blocks shuffled."""
    offsets = rng.integers(0, block, size=(draws, 1)) if block > 1 else np.zeros((draws, 1), dtype=np.int64)
    positions = np.arange(n)[None, :]
    ids = (positions - offsets + block) // block  # block 0 is the part before the offset
    ranks = np.argsort(rng.random((draws, n // block + 2)), axis=1)  # each row: a random order of the blocks
    order = np.take_along_axis(ranks, ids, axis=1) * (n + 1) + positions  # by block, then in place
    return np.argsort(order, axis=1)


@dataclass(frozen=True)
class Inference:
    """A statistic read against its null draws (see the module doc)."""

    value: float
    p: float
    ci: tuple[float | None, float | None]
    null_band: tuple[float, float]
    null_sd: float
    reference: float
    draws: int

    @property
    def mde(self) -> float:
        return MDE_Z * self.null_sd


def _critical_rank(draws: int, alpha: float = 0.05) -> int:
    """The c such that 'fewer than c draws at least as extreme in one tail' means p < alpha."""
    return math.ceil(alpha / 2 * (draws + 1) - 1)


def infer(value: float, null: np.ndarray, *, reference: float = 0.0) -> Inference:
    """Read `value` against its null draws; `reference` is the statistic's value under no relation
    (0 for an effect, the chance rate for a hit rate): the interval is centred on `value` and
    excludes `reference` exactly when p < 0.05."""
    null = np.asarray(null, dtype=float)
    null = null[~np.isnan(null)]
    b = len(null)
    upper = int((null >= value).sum())
    lower = int((null <= value).sum())
    p = min(1.0, 2 * min(upper + 1, lower + 1) / (b + 1))
    c = _critical_rank(b)
    ci: tuple[float | None, float | None] = (None, None)
    if c >= 1:
        desc = np.sort(null)[::-1]
        u, lo = desc[c - 1], np.sort(null)[c - 1]
        # value > u  <=>  fewer than c draws >= value  <=>  the upper tail alone gives p < 0.05
        ci = (value - (u - reference), value - (lo - reference))
    band = tuple(float(v) for v in np.quantile(null, [0.05, 0.95])) if b else (math.nan, math.nan)
    return Inference(
        value=float(value),
        p=float(p),
        ci=ci,
        null_band=(band[0], band[1]),
        null_sd=float(np.std(null, ddof=1)) if b > 1 else math.nan,
        reference=float(reference),
        draws=b,
    )


def max_statistic(value_t: float, null_t: np.ndarray) -> tuple[float, float | None]:
    """Family-wise p of the largest |t| among several statistics, and the critical |t| for a
    simultaneous 95 % interval: `null_t` is (draws, statistics) of studentized draws."""
    m = np.nanmax(np.abs(null_t), axis=1)
    b = len(m)
    p = min(1.0, (int((m >= abs(value_t)).sum()) + 1) / (b + 1))
    c = math.ceil(0.05 * (b + 1) - 1)  # one-sided in |t|
    crit = float(np.sort(m)[::-1][c - 1]) if c >= 1 else None
    return p, crit


class Draws:
    """Block permutations for a run, made once per sample length and seeded by (seed, length):
    every statistic on the same sessions is tested against the same draws, in any call order."""

    def __init__(self, seed: int = 0, draws: int = DRAWS, block: int = BLOCK_MIN):
        self.seed, self.draws, self.block = seed, draws, block
        self._cache: dict[int, np.ndarray] = {}

    def block_for(self, n: int) -> int:
        return max(1, min(self.block, n // MIN_BLOCKS))

    def perms(self, n: int) -> np.ndarray:
        if n not in self._cache:
            rng = np.random.default_rng([self.seed, n])
            self._cache[n] = block_permutations(n, self.block_for(n), self.draws, rng)
        return self._cache[n]


def slopes(x_draws: np.ndarray, y: np.ndarray) -> np.ndarray:
    """OLS slope of y on each row of x_draws (rows share y); NaN where a row has no spread."""
    xc = x_draws - x_draws.mean(axis=-1, keepdims=True)
    yc = y - y.mean()
    den = (xc**2).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc @ yc) / den, np.nan)


def correlations(x_draws: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc = x_draws - x_draws.mean(axis=-1, keepdims=True)
    yc = y - y.mean()
    den = np.sqrt((xc**2).sum(axis=-1) * (yc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc @ yc) / den, np.nan)
