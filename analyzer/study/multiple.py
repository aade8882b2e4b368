"""Multiple-testing control (statsmodels): Benjamini-Hochberg q-values across every test of one
`compare` run, and Holm where a claim is family-wise ("none of these relations is there")."""

from __future__ import annotations

import numpy as np


def _adjust(p_values, method: str) -> list[float | None]:
    from statsmodels.stats.multitest import multipletests

    p = np.array([np.nan if v is None else float(v) for v in p_values], dtype=float)
    ok = ~np.isnan(p)
    out: list[float | None] = [None] * len(p)
    if ok.any():
        adjusted = multipletests(p[ok], method=method)[1]
        for i, v in zip(np.flatnonzero(ok), adjusted):
            out[int(i)] = float(v)
    return out


def bh_qvalues(p_values) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (q); None stays None."""
    return _adjust(p_values, "fdr_bh")


def holm(p_values) -> list[float | None]:
    """Holm's family-wise adjusted p-values; None stays None."""
    return _adjust(p_values, "holm")
