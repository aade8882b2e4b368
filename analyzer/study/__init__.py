"""The narrative-vs-returns study: `compare(db, theme, ...)` (see analyzer.study.comparison)."""

from __future__ import annotations


def compare(db, theme, *, horizons=(1, 5, 20), out_dir=None, seed=0, **kwargs) -> dict:
    from analyzer.study.comparison import compare as _compare

    return _compare(db, theme, horizons=horizons, out_dir=out_dir, seed=seed, **kwargs)


__all__ = ["compare"]
