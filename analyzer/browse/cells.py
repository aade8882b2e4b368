"""How numbers read on Datasette's HTML pages (the JSON API keeps the stored values): returns in
basis points with their unit, p-values and shares rounded, no scientific notation."""

from __future__ import annotations

import math
from functools import lru_cache

# (table, column) whose values are a target's return: log return, or percentage points for yields
RETURN_COLUMNS = {("claim_returns", "return"), ("claim_resolution", "forward_return")}
P_COLUMNS = {"p_value", "q_value"}
SHARE_COLUMNS = {"stance_prob", "prob_positive", "prob_negative", "prob_neutral", "attention_share", "hit_rate"}


def plain(value: float, digits: int = 6) -> str:
    """At most `digits` significant digits in fixed notation: 2e-05 -> 0.00002, 197.123456 -> 197.123."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@lru_cache(maxsize=1)
def _yield_targets() -> frozenset[str]:
    from analyzer.themes import load_themes

    return frozenset(t.name for th in load_themes().themes.values() for t in th.targets if t.kind == "level_change")


def return_bp(value: float, target: str | None) -> str:
    if target in _yield_targets():  # percentage points of yield
        return f"{value * 100:+.1f} bp of yield"
    return f"{value * 1e4:+.1f} bp"


def format_cell(value, column: str, table: str | None, row=None) -> str | None:
    """The text to show for a float cell, or None to leave Datasette's default."""
    if not isinstance(value, float):
        return None
    if (table, column) in RETURN_COLUMNS:
        target = _get(row, "target")
        return return_bp(value, target)
    if column in P_COLUMNS:
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if column in SHARE_COLUMNS:
        return f"{value:.3f}"
    return plain(value)


def _get(row, key):
    try:
        return row[key]
    except (KeyError, IndexError, TypeError):
        return None
