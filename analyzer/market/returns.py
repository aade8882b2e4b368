"""Theme targets as per-session "level" series whose differences are the target's returns.

For every target kind the return from session a to session b is `sign * (L[b] - L[a])`:
  log_return         L = log(adj close of long)
  log_return_spread  L = log(adj close of long) - log(adj close of short)
  level_change       L = the level itself (a yield, in percentage points)
Series are put on the XNYS session grid. A session without an observation (a bond-market
holiday for DGS2, a rare gap) carries the last earlier value forward (never a later one),
at most MAX_FILL sessions; past the last stored date the series is missing.
"""

from __future__ import annotations

from analyzer.errors import AnalyzerError
from analyzer.market import calendar

MAX_FILL = 5


def stored_symbols(db) -> set[str]:
    return {r[0] for r in db.execute("select distinct symbol from prices")}


def symbol_levels(db, symbol: str):
    """pandas Series of adj close (close where adj close is missing) indexed by date string."""
    import pandas as pd

    rows = db.execute(
        "select date, coalesce(adj_close, close) from prices where symbol = ? order by date", [symbol]
    ).fetchall()
    if not rows:
        raise AnalyzerError(f"no prices stored for {symbol} (load them with `analyze prices --symbols {symbol}`)")
    return pd.Series([r[1] for r in rows], index=[r[0] for r in rows], dtype=float, name=symbol)


def check_targets(db, targets) -> None:
    """Raise one error naming every symbol the targets need that is not stored."""
    have = stored_symbols(db)
    missing = sorted({s for t in targets for s in t.symbols if s not in have})
    if missing:
        names = ", ".join(f"{t.name}" for t in targets if set(t.symbols) & set(missing))
        raise AnalyzerError(
            f"missing price series {', '.join(missing)} (needed by target {names}); "
            f"load them with `analyze prices --symbols {','.join(missing)}`"
        )


def on_sessions(series, session_grid):
    """Reindex a date-indexed series onto the session grid, filling forward at most MAX_FILL sessions
    and never beyond the series' last date."""
    import pandas as pd

    full = pd.Series(series.values, index=series.index).sort_index()
    grid = pd.Index(session_grid)
    union = full.reindex(full.index.union(grid))
    filled = union.ffill(limit=MAX_FILL).reindex(grid)
    filled[grid > full.index[-1]] = float("nan")
    filled[grid < full.index[0]] = float("nan")
    return filled


def target_levels(db, target, session_grid=None):
    """The target's level series (sign applied) on the XNYS session grid."""
    import numpy as np

    check_targets(db, [target])
    long = symbol_levels(db, target.long)
    if session_grid is None:
        first = long.index[0]
        last = long.index[-1]
        if target.short:
            short_idx = symbol_levels(db, target.short).index
            first, last = max(first, short_idx[0]), min(last, short_idx[-1])
        session_grid = calendar.sessions_between(first, last)
    if target.kind == "level_change":
        level = on_sessions(long, session_grid)
    else:
        for sym, s in ((target.long, long),) + (
            ((target.short, symbol_levels(db, target.short)),) if target.short else ()
        ):
            if (s <= 0).any():
                raise AnalyzerError(
                    f"{sym}: non-positive price on {s.index[(s <= 0).argmax()]}; cannot take a log return"
                )
        level = np.log(on_sessions(long, session_grid))
        if target.kind == "log_return_spread":
            level = level - np.log(on_sessions(symbol_levels(db, target.short), session_grid))
    level = level * target.sign
    level.name = target.name
    return level


def window_return(values, start: int, end: int) -> float | None:
    """Change of the target's level from position `start` to `end` (None where not available)."""
    import math

    if start < 0 or end >= len(values):
        return None
    a, b = values[start], values[end]
    return None if math.isnan(a) or math.isnan(b) else float(b - a)


def forward_return(levels, session: str, horizon: int) -> float | None:
    """Return over `horizon` sessions from the close of `session` (None where not available)."""
    i = levels.index.get_indexer([session])[0]
    if i < 0 or horizon < 1:
        return None
    return window_return(levels.to_numpy(), i, i + horizon)
