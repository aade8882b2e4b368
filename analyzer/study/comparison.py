"""`compare`: the theme index against its targets' returns, with a placebo beside every result.

Reads `daily_theme_index` and `claim_resolution` (built by `analyzer.alignment.align`) and the
stored prices; writes `study_results` (the theme's previous rows are replaced), one PNG per
figure and one self-contained HTML report when `out_dir` is given.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from analyzer import store
from analyzer.errors import AnalyzerError
from analyzer.market import calendar, returns
from analyzer.records import CompareSummary
from analyzer.study import stats
from analyzer.themes import load_themes

SIGNALS = ("index_value", "index_z", "mean_sentiment", "mean_stance")


def compare(
    db, theme: str, *, horizons=(1, 5, 20), out_dir=None, seed: int = 0, signal: str = "index_value", n_boot: int = 400
) -> CompareSummary:
    """Run the study for one theme; returns a summary with the results and the files written."""
    theme_def = load_themes().get(theme)  # unknown theme: AnalyzerError naming the known ones
    if signal not in SIGNALS:
        raise AnalyzerError(f"unknown signal {signal!r} (one of {', '.join(SIGNALS)})")
    horizons = tuple(sorted({int(h) for h in horizons}))
    if not horizons or horizons[0] < 1:
        raise AnalyzerError(f"horizons {horizons}: must be positive session counts")
    params = {
        "theme": theme,
        "horizons": list(horizons),
        "seed": seed,
        "signal": signal,
        "n_boot": n_boot,
        "max_lag": stats.MAX_LAG,
        "event_window": list(stats.EVENT_WINDOW),
        "placebo": "index permuted across sessions (seeded)",
        "index_counts": _index_counts(db),  # claims, or stories (first mentions): as the last align built it
    }
    with store.record_run(
        db,
        "compare",
        {**params, "out_dir": str(out_dir) if out_dir else None},
        libraries=("statsmodels", "scipy", "numpy", "matplotlib"),
    ) as run:
        summary = _compare(db, theme_def, horizons, out_dir, seed, signal, n_boot, params, run.id)
        run.counts = {
            "n_sessions": summary["n_sessions"],
            "results": summary["n_results"],
            "figures": len(summary["figures"]),
        }
        summary.pop("n_results")
        result = CompareSummary(
            **{
                **summary,
                "horizons": tuple(summary["horizons"]),
                "skipped": tuple(summary["skipped"]),
                "results": tuple(summary["results"]),
                "figures": tuple(summary["figures"]),
            },
            run_id=run.id,
        )
    return result


def _index_counts(db) -> str:
    """What the daily index counts (`align --count`), from the last successful align run."""
    import json

    row = db.execute(
        "select arguments from runs where command = 'align' and status = 'ok' order by id desc limit 1"
    ).fetchone()
    return json.loads(row[0]).get("count", "claims") if row else "claims"


def _index_frame(db, theme: str, signal: str):
    rows = db.execute(
        f"select session, [{signal}], claim_count from daily_theme_index where theme = ? order by session", [theme]
    ).fetchall()
    sessions = [r[0] for r in rows]
    x = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=float)
    counts = np.array([r[2] or 0 for r in rows])
    return sessions, x, counts


def _compare(db, theme_def, horizons, out_dir, seed, signal, n_boot, params, run_id) -> dict:
    theme = theme_def.name
    sessions, x, counts = _index_frame(db, theme, signal)
    summary: dict = {
        "theme": theme,
        "signal": signal,
        "horizons": list(horizons),
        "seed": seed,
        "n_sessions": len(sessions),
        "n_claim_sessions": int((counts > 0).sum()),
        "n_claims": int(counts.sum()),
        "targets": {},
        "skipped": [],
        "figures": [],
        "report": None,
    }
    all_rows, fig_data = [], {}
    if not sessions:
        summary["skipped"].append(f"no daily_theme_index rows for {theme}: run `analyze align` after extracting claims")
    else:
        returns.check_targets(db, theme_def.targets)
        # the session grid runs past the index both ways so leads, lags and forward returns exist
        all_s = calendar.sessions()
        lo = max(0, int(np.searchsorted(all_s, sessions[0])) - stats.MAX_LAG - abs(stats.EVENT_WINDOW[0]))
        hi = int(np.searchsorted(all_s, sessions[-1])) + max(max(horizons), stats.MAX_LAG, stats.EVENT_WINDOW[1]) + 1
        grid = list(all_s[lo:hi])
        offset = grid.index(sessions[0])
        for target in theme_def.targets:
            levels = returns.target_levels(db, target, grid).to_numpy()
            # only sessions with claims carry an index value: a quiet day is "no observation", not 0
            xx = np.full(len(grid), np.nan)
            xx[offset : offset + len(sessions)] = np.where(counts > 0, x, np.nan)
            eligible = np.zeros(len(grid), dtype=bool)
            eligible[offset : offset + len(sessions)] = counts > 0
            rows, figs = stats.with_placebo(
                xx, levels, target=target.name, horizons=horizons, seed=seed, n_boot=n_boot, eligible=eligible
            )
            figs.update(grid=grid, x=xx, levels=levels, eligible=eligible)
            fig_data[target.name] = figs
            all_rows += rows
            summary["targets"][target.name] = _target_summary(rows)
            if not rows:
                n_valid = int((~np.isnan(xx)).sum())
                summary["skipped"].append(
                    f"{target.name}: too little data for any statistic ({n_valid} sessions with claims and a value of {signal}, "
                    f"need at least {stats.MIN_PAIRS} with returns)"
                )
            else:
                for h in horizons:
                    if not any(r["analysis"] == "ols_hac" and r["horizon"] == h for r in rows):
                        summary["skipped"].append(
                            f"{target.name}: OLS at horizon {h} skipped (Newey-West with {max(1, h)} lags needs at "
                            f"least {stats.min_hac_pairs(max(1, h))} sessions with claims and returns)"
                        )
            if rows and not any(r["analysis"] == "event_study" for r in rows):
                summary["skipped"].append(
                    f"{target.name}: event study skipped (fewer than "
                    f"{stats.MIN_EVENTS} sessions in the top or bottom decile)"
                )
    resolution_rows, resolution_tables = _resolution(db, theme, horizons, seed)
    all_rows += resolution_rows
    summary["hit_rates"] = resolution_tables
    created = store.utcnow()
    records = [
        {
            **r,
            "run_id": run_id,
            "theme": theme,
            "parameters": json.dumps(params, sort_keys=True),
            "created_at": created,
            "placebo_value": r.get("placebo_value"),
            "placebo_p_value": r.get("placebo_p_value"),
        }
        for r in all_rows
    ]
    with store.transaction(db):
        db.execute("delete from study_results where theme = ?", [theme])
        if records:
            db["study_results"].insert_all(records)
    summary["n_results"] = len(records)
    summary["results"] = all_rows
    if out_dir is not None:
        from analyzer.study.report import write_report

        figures, report = write_report(Path(out_dir), summary, fig_data, params)
        summary["figures"], summary["report"] = [str(p) for p in figures], str(report)
    return summary


def _target_summary(rows) -> dict:
    """The headline numbers of one target, for the summary dict and the CLI's --json."""
    out: dict = {}
    for r in rows:
        if r["statistic"] in ("pearson_r", "beta"):
            out[f"{r['statistic']}_h{r['horizon']}"] = {
                k: r[k] for k in ("value", "p_value", "n", "placebo_value", "placebo_p_value")
            }
        elif r["statistic"] in ("peak_lag", "beta_at_peak"):
            out[r["statistic"]] = {k: r[k] for k in ("value", "p_value", "n", "placebo_value", "placebo_p_value")}
    return out


def _resolution(db, theme, horizons, seed):
    """Hit rates of forward-looking directional claims (binomial test against 50%), with a
    placebo that shuffles the stances among the resolved claims."""
    from scipy import stats as sps

    rows = db.execute(
        "select target, horizon, stance, forward_return, hit, source, speaker from claim_resolution "
        "where theme = ? and hit is not null order by claim_id, target, horizon",
        [theme],
    ).fetchall()
    out, tables = [], {"by_theme": [], "by_source": [], "by_speaker": []}
    rng = np.random.default_rng([seed, 2])
    for target in sorted({r[0] for r in rows}):
        for h in horizons:
            sel = [r for r in rows if r[0] == target and r[1] == h]
            if not sel:
                continue
            hits = np.array([r[4] for r in sel])
            n, k = len(hits), int(hits.sum())
            p = sps.binomtest(k, n, 0.5).pvalue
            stances = np.array([r[2] for r in sel])[rng.permutation(n)]
            rets = np.array([r[3] for r in sel])
            placebo_hits = ((rets > 0) == (stances > 0)).astype(int)
            pk = int(placebo_hits.sum())
            out.append(
                {
                    "analysis": "resolution",
                    "target": target,
                    "horizon": h,
                    "statistic": "hit_rate",
                    "value": k / n,
                    "ci_low": None,
                    "ci_high": None,
                    "p_value": float(p),
                    "n": n,
                    "placebo_value": pk / n,
                    "placebo_p_value": float(sps.binomtest(pk, n, 0.5).pvalue),
                }
            )
            tables["by_theme"].append({"target": target, "horizon": h, "claims": n, "hits": k, "hit_rate": k / n})
            for key, col in (("by_source", 5), ("by_speaker", 6)):
                groups: dict = {}
                for r in sel:
                    groups.setdefault(r[col] or ("(unattributed)" if col == 6 else "(unknown)"), []).append(r[4])
                for name, hs in sorted(groups.items()):
                    tables[key].append(
                        {
                            "name": name,
                            "target": target,
                            "horizon": h,
                            "claims": len(hs),
                            "hits": int(sum(hs)),
                            "hit_rate": sum(hs) / len(hs),
                        }
                    )
    return out, tables
