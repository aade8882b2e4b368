"""`compare`: the theme index against its targets' returns, every statistic against a null.

Reads `daily_theme_index` and `claim_resolution` (built by `analyzer.alignment.align`) and the
stored prices; writes the theme's rows of `study_results`, `study_curves`, `study_hit_rates` and
`study_findings` (its previous rows are replaced), and, given `out_dir`, one PNG per figure and
one self-contained HTML report.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from analyzer import store
from analyzer.alignment import past_robust_z
from analyzer.errors import AnalyzerError
from analyzer.market import calendar, returns
from analyzer.records import CompareSummary
from analyzer.study import events, findings, hits, nulls, predictive
from analyzer.study.multiple import bh_qvalues
from analyzer.study.series import Panel, daily_returns, forward_returns, move_word, rolling_mean, standardized
from analyzer.themes import load_themes

SIGNALS = ("index_value", "index_z", "mean_sentiment", "mean_stance")
COUNTS = ("claims", "stories")  # the daily index's two counts (daily_theme_index.index_claims, index_stories)
MARKET = "SPY"  # the market of the event study's market model for single-asset targets
Z_WINDOW = 60  # sessions of past the event study's z-score looks at
SMOOTH = 10  # sessions in the rolling means of the index-vs-target curve
STUDY_TABLES = ("study_results", "study_curves", "study_hit_rates", "study_findings")
# The tests that enter the run's Benjamini-Hochberg q-values. Lead-lag correlations lag by lag are
# one family, adjusted within itself and represented here by its peak; split-sample rows are
# replications of a relation, read on their own p.
FAMILY = {("predictive", "beta"), ("lead_lag", "peak_beta"), ("event_study", "signed_car"), ("hit_rate", "hit_rate")}


def compare(
    db,
    theme: str,
    *,
    horizons=(1, 5, 20),
    out_dir=None,
    seed: int = 0,
    signal: str = "index_value",
    draws: int = nulls.DRAWS,
    themes_path=None,
) -> CompareSummary:
    """Run the study for one theme (defined in `themes_path`, default the shipped definitions);
    returns a summary with the results and the files written."""
    theme_def = load_themes(themes_path).get(theme)  # unknown theme: AnalyzerError naming the known ones
    if signal not in SIGNALS:
        raise AnalyzerError(f"unknown signal {signal!r} (one of {', '.join(SIGNALS)})")
    horizons = tuple(sorted({int(h) for h in horizons}))
    if not horizons or horizons[0] < 1:
        raise AnalyzerError(f"horizons {horizons}: must be positive session counts")
    if draws < 1:
        raise AnalyzerError(f"draws {draws}: must be a positive number of null draws")
    params = {
        "theme": theme,
        "horizons": list(horizons),
        "seed": seed,
        "signal": signal,
        "draws": draws,
        "themes_file": str(themes_path) if themes_path else None,
        "max_lag": predictive.MAX_LAG,
        "min_sessions": predictive.MIN_SESSIONS,
        "event_window": list(events.EVENT_WINDOW),
        "event_z": events.Z_EVENT,
        "min_events": events.MIN_EVENTS,
        "null": "block permutation of the index among its sessions (returns fixed)",
        "multiple_testing": "Benjamini-Hochberg across all tests of the run",
        "index_counts": _index_counts(db),  # claims, or stories (first mentions): as the last align built it
    }
    with store.record_run(
        db,
        "compare",
        {**params, "out_dir": str(Path(out_dir).resolve()) if out_dir else None},
        libraries=("statsmodels", "scipy", "numpy", "matplotlib"),
    ) as run:
        summary = _compare(db, theme_def, horizons, out_dir, seed, signal, draws, params, run.id)
        run.counts = {
            "n_claim_sessions": summary["n_claim_sessions"],
            "results": len(summary["results"]),
            "figures": len(summary["figures"]),
        }
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
    x = np.array([np.nan if r[1] is None or not r[2] else r[1] for r in rows], dtype=float)
    counts = np.array([r[2] or 0 for r in rows])
    return sessions, x, counts


def _story_total(db, theme: str) -> int | None:
    """First mentions of stories in the daily index (None before `analyze stories`)."""
    return db.execute("select sum(story_count) from daily_theme_index where theme = ?", [theme]).fetchone()[0]


def _count_series(db, theme: str, pos_of: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Grid positions and values of the index over every claim and over each story once (both
    kept by the same `align`); empty before `analyze stories`."""
    out = {}
    for count in COUNTS:
        sessions, x, _ = _index_frame(db, theme, f"index_{count}")
        keep = ~np.isnan(x)
        if not keep.any():
            return {}
        out[count] = (np.array([pos_of[s] for s, k in zip(sessions, keep) if k], dtype=np.int64), x[keep])
    return out


def _by_count(series: dict, panel: Panel, horizons, draws_) -> list[dict]:
    """The predictive beta with the index counting every claim and counting each story once, side by
    side, each with its own null."""
    out: list[dict] = []
    for count, (pos, x) in series.items():
        alt = Panel(panel.target, panel.kind, panel.levels, pos, x, sessions=panel.sessions)
        if alt.n < predictive.MIN_SESSIONS:
            continue
        rows, _ = predictive.effects(alt, horizons, draws_)
        for r in rows:
            if r["analysis"] == "predictive":
                note = "every claim" if count == "claims" else "each story once (first mentions)"
                out.append(
                    {**r, "analysis": "by_count", "statistic": f"beta_{count}", "note": f"index counting {note}"}
                )
    return out


def _grid(sessions, horizons) -> list[str]:
    """Sessions from well before the index (event-study estimation, lags) to well after (horizons)."""
    all_s = calendar.sessions()
    before = events.ESTIMATION - events.EVENT_WINDOW[0] + predictive.MAX_LAG + 1
    after = max(max(horizons), predictive.MAX_LAG, events.EVENT_WINDOW[1]) + 1
    lo = max(0, int(np.searchsorted(all_s, sessions[0])) - before)
    hi = int(np.searchsorted(all_s, sessions[-1])) + after + 1
    return list(all_s[lo:hi])


def _compare(db, theme_def, horizons, out_dir, seed, signal, draws, params, run_id) -> dict:
    theme = theme_def.name
    sessions, x, counts = _index_frame(db, theme, signal)
    observed = ~np.isnan(x)
    summary: dict = {
        "theme": theme,
        "label": theme_def.label,
        "signal": signal,
        "horizons": list(horizons),
        "seed": seed,
        "draws": draws,
        "n_claim_sessions": int((counts > 0).sum()),
        "n_observations": int(observed.sum()),
        "n_claims": int(counts.sum()),
        "n_stories": _story_total(db, theme),
        "index_counts": params["index_counts"],
        "first_session": sessions[0] if sessions else None,
        "last_session": sessions[-1] if sessions else None,
        "targets": {},
        "skipped": [],
        "figures": [],
        "report": None,
    }
    rows: list[dict] = []
    curves: list[dict] = []
    fig_data: dict = {}
    group_rates: list[dict] = []
    hit_tables: dict = {"by_theme": [], "by_source": [], "by_speaker": []}
    if not sessions:
        summary["skipped"].append(f"no daily_theme_index rows for {theme}: run `analyze align` after extracting claims")
    else:
        returns.check_targets(db, theme_def.targets)
        grid = _grid(sessions, horizons)
        pos_of = {s: i for i, s in enumerate(grid)}
        pos = np.array([pos_of[s] for s, ok in zip(sessions, observed) if ok], dtype=np.int64)
        x_grid = np.full(len(grid), np.nan)
        x_grid[pos] = x[observed]
        z_grid = past_robust_z(x_grid, Z_WINDOW)
        block = nulls.block_length(len(pos), horizons)
        params["block"] = block
        summary["block"] = block
        draws_ = nulls.Draws(seed=seed, draws=draws, block=block)
        resolution = _resolution_claims(db, theme)
        by_count_series = _count_series(db, theme, pos_of)
        for target in theme_def.targets:
            levels = returns.target_levels(db, target, grid).to_numpy()
            panel = Panel(target.name, target.kind, levels, pos, x[observed], sessions=grid)
            t_rows, figs = _target(db, panel, target, z_grid[pos], horizons, draws_, summary)
            t_rows += _by_count(by_count_series, panel, horizons, draws_)
            figs.update(grid=grid, x_grid=x_grid, levels=levels, unit=panel.unit, bp=panel.bp)
            hit_rows = _hit_rates(resolution.get(target.name, {}), panel, horizons, pos_of, draws_, hit_tables)
            group_rates += hit_tables.pop("_groups", [])
            t_rows += hit_rows
            rows += t_rows
            curves += _curves(panel, figs, sessions[0], sessions[-1])
            fig_data[target.name] = figs
    family = [r for r in rows if (r["analysis"], r["statistic"]) in FAMILY]
    for r, q in zip(family, bh_qvalues([r["p_value"] for r in family])):
        r["q_value"] = None if q is None else float(f"{q:.4g}")
    for target in fig_data:
        summary["targets"][target] = _target_summary([r for r in rows if r["target"] == target])
    finding = findings.find(theme_def.label, rows, summary["n_claim_sessions"], predictive.MIN_SESSIONS)
    summary["finding"] = {"verdict": finding.verdict, "headline": finding.headline, "detail": list(finding.detail)}
    summary["hit_rates"] = hit_tables
    summary["results"] = rows
    _store(db, theme, run_id, params, rows, curves, group_rates, finding)
    if out_dir is not None:
        from analyzer.study.report import write_report

        figures, report = write_report(Path(out_dir), summary, fig_data, params)
        summary["figures"], summary["report"] = [str(p) for p in figures], str(report)
    return summary


def _target(db, panel: Panel, target, z, horizons, draws_, summary) -> tuple[list[dict], dict]:
    rows: list[dict] = []
    figs: dict = {}
    if panel.n < predictive.MIN_SESSIONS:
        summary["skipped"].append(
            f"{panel.target}: too little data for any test ({panel.n} sessions with claims and a value; "
            f"need at least {predictive.MIN_SESSIONS})"
        )
        return rows, figs
    eff_rows, figs["effects"] = predictive.effects(panel, horizons, draws_)
    rows += eff_rows
    for h in horizons:
        if h not in figs["effects"]:
            summary["skipped"].append(
                f"{panel.target}: effect at {h} sessions skipped (fewer than {predictive.MIN_SESSIONS} sessions "
                "with claims and a known forward return)"
            )
    ll_rows, figs["lead_lag"] = predictive.lead_lag(panel, draws_)
    rows += ll_rows
    market_levels, market = None, None
    if target.kind == "log_return" and target.long != MARKET and MARKET in returns.stored_symbols(db):
        market_levels = np.log(returns.on_sessions(returns.symbol_levels(db, MARKET), panel.sessions).to_numpy())
        market = MARKET
    ev_rows, figs["event"] = events.event_study(panel, z, horizons, draws_, market_levels=market_levels, market=market)
    rows += ev_rows
    if "skipped" in figs["event"]:
        summary["skipped"].append(figs["event"]["skipped"])
    return rows, figs


def _resolution_claims(db, theme) -> dict:
    """target -> horizon -> [(event_session, stance, source, speaker)] of resolved directional claims."""
    out: dict = {}
    for target, h, session, stance, source, speaker in db.execute(
        "select target, horizon, event_session, stance, source, speaker from claim_resolution "
        "where theme = ? and hit is not null order by claim_id",
        [theme],
    ):
        out.setdefault(target, {}).setdefault(h, []).append((session, stance, source, speaker))
    return out


def _hit_rates(by_h: dict, panel: Panel, horizons, pos_of, draws_, tables: dict) -> list[dict]:
    rows, groups = [], []
    for h in horizons:
        claims = by_h.get(h)
        if not claims:
            continue
        fwd = forward_returns(panel.levels, h)
        summary, r = hits.target_hit_rates(claims, panel.target, h, fwd, pos_of, draws_)
        if summary is None:
            continue
        tables["by_theme"].append(summary)
        rows += r
        for grouping in ("source", "speaker"):
            g = hits.group_hit_rates(claims, grouping, panel.target, h, fwd, pos_of, summary["base_rate"])
            tables[f"by_{grouping}"] += g
            groups += g
    tables["_groups"] = groups
    return rows


def _curves(panel: Panel, figs: dict, first: str, last: str) -> list[dict]:
    out = []
    base = {"target": panel.target}
    for k, p in (figs.get("lead_lag") or {}).get("profile", {}).items():
        out.append(
            {
                **base,
                "curve": "lead_lag",
                "series": "correlation",
                "x": k,
                "value": p["corr"],
                "low": p["null_low"],
                "high": p["null_high"],
                "n": p["n"],
                "unit": "correlation; low/high: the null's 5-95 % band",
            }
        )
    ev = figs.get("event") or {}
    if "car" in ev:
        unit = f"{panel.unit}, signed by the shock's direction; low/high: 95 % interval"
        for j, k in enumerate(ev["k"]):
            out.append(
                {
                    **base,
                    "curve": "event_car",
                    "series": "mean signed CAR",
                    "x": k,
                    "value": ev["car"][j],
                    "low": ev["ci_low"][j],
                    "high": ev["ci_high"][j],
                    "n": ev["n_events"],
                    "unit": unit,
                }
            )
            out.append(
                {
                    **base,
                    "curve": "event_car",
                    "series": "null 5-95 %",
                    "x": k,
                    "value": None,
                    "low": ev["null_low"][j],
                    "high": ev["null_high"][j],
                    "n": ev["n_events"],
                    "unit": unit,
                }
            )
    figs["index_vs_target"] = smooth = index_vs_target(panel, first, last)
    smooth["move"] = move_word(panel.kind)
    for series, values in (("index", smooth["index"]), (f"{panel.target} {move_word(panel.kind)}", smooth["target"])):
        for s, v in zip(smooth["sessions"], values):
            if not np.isnan(v):
                out.append(
                    {
                        **base,
                        "curve": "index_vs_target",
                        "series": series,
                        "session": s,
                        "value": float(v),
                        "n": smooth["n"],
                        "unit": f"sd; {SMOOTH}-session trailing means, each series standardised",
                    }
                )
    return out


def index_vs_target(panel: Panel, first: str, last: str) -> dict:
    """Both on one scale: trailing SMOOTH-session means of the index (sessions with claims) and of
    the target's daily return, each standardised over the index's span."""
    grid = panel.sessions or []
    lo, hi = grid.index(first), grid.index(last) + 1
    x_grid = np.full(len(grid), np.nan)
    x_grid[panel.pos] = panel.x
    idx = rolling_mean(x_grid, SMOOTH, 1)[lo:hi]  # a sparse index: the mean of the claims in the window
    ret = rolling_mean(daily_returns(panel.levels), SMOOTH, SMOOTH // 2)[lo:hi]
    return {"sessions": grid[lo:hi], "index": standardized(idx), "target": standardized(ret), "n": panel.n}


def _target_summary(rows) -> dict:
    """The headline numbers of one target, for the CLI's --json."""
    keys = ("value", "ci_low", "ci_high", "p_value", "q_value", "n", "unit")
    out: dict = {}
    for r in rows:
        if r["analysis"] == "predictive":
            out[f"beta_h{r['horizon']}"] = {k: r[k] for k in keys}
        elif r["statistic"] == "peak_beta":
            out["peak_lag"] = {"lag": r["horizon"], **{k: r[k] for k in keys}}
        elif r["analysis"] == "event_study":
            out[f"event_car_h{r['horizon']}"] = {k: r[k] for k in keys}
        elif r["analysis"] == "hit_rate":
            out[f"hit_rate_h{r['horizon']}"] = {"chance": r["reference"], **{k: r[k] for k in keys}}
    return out


def _store(db, theme, run_id, params, rows, curves, group_rates, finding) -> None:
    created = store.utcnow()
    parameters = json.dumps(params, sort_keys=True)
    with store.transaction(db):
        for table in STUDY_TABLES:
            db.execute(f"delete from [{table}] where theme = ?", [theme])
        if rows:
            db["study_results"].insert_all(
                [{**r, "run_id": run_id, "theme": theme, "parameters": parameters, "created_at": created} for r in rows]
            )
        if curves:
            columns = store.TABLES["study_curves"].columns
            db["study_curves"].insert_all(
                [{**dict.fromkeys(columns), **c, "id": None, "run_id": run_id, "theme": theme} for c in curves],
                batch_size=1000,
            )
        if group_rates:
            db["study_hit_rates"].insert_all([{**g, "run_id": run_id, "theme": theme} for g in group_rates])
        db["study_findings"].insert(
            {
                "theme": theme,
                "run_id": run_id,
                "verdict": finding.verdict,
                "headline": finding.headline,
                "detail": "\n".join(finding.detail),
                "created_at": created,
            }
        )
