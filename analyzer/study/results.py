"""One study result as a `study_results` row: the statistic with its unit, n, interval, null band,
empirical p and (filled in by `compare` across the run) its Benjamini-Hochberg q-value."""

from __future__ import annotations

import math

from analyzer.study.nulls import Inference


def _num(v, digits: int = 6):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(f"{float(v):.{digits}g}")


def row(
    analysis: str,
    target: str,
    horizon: int | None,
    statistic: str,
    unit: str,
    inference: Inference,
    *,
    n: int,
    n_sessions: int | None = None,
    mde: bool = False,
    note: str = "",
) -> dict:
    """`horizon` is sessions (a lag for lead-lag rows); values are rounded to 6 significant digits."""
    return {
        "analysis": analysis,
        "target": target,
        "horizon": horizon,
        "statistic": statistic,
        "unit": unit,
        "value": _num(inference.value),
        "ci_low": _num(inference.ci[0]),
        "ci_high": _num(inference.ci[1]),
        "p_value": _num(inference.p, 4),
        "q_value": None,
        "null_low": _num(inference.null_band[0]),
        "null_high": _num(inference.null_band[1]),
        "reference": _num(inference.reference),
        "mde": _num(inference.mde) if mde else None,
        "n": int(n),
        "n_sessions": int(n_sessions if n_sessions is not None else n),
        "draws": inference.draws,
        "note": note,
    }


def significant(r: dict, level: float = 0.05) -> bool:
    return r.get("q_value") is not None and r["q_value"] < level
