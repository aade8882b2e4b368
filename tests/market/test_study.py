"""The study (`compare`): planted signal, planted null, placebo, small data, determinism."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from analyzer.alignment import align
from analyzer.cli import main
from analyzer.errors import AnalyzerError
from analyzer.market import calendar
from analyzer.market.prices import load_prices
from analyzer.study import stats
from analyzer.study.comparison import compare

BETA = 0.005  # planted: the IWM-SPY daily spread return = BETA x index two sessions earlier + noise
LAG = 2


def synthetic_market(tmp_path, seed: int, beta: float, *, noise=0.008):
    """CSV files for IWM, SPY, QQQ on real XNYS sessions, and one claim per session whose
    confidence-weighted index x drives the IWM-SPY spread LAG sessions later."""
    rng = np.random.default_rng(seed)
    sessions = calendar.sessions_between("2022-01-03", "2024-12-31")
    n = len(sessions)
    first, last = sessions.index("2022-03-01"), sessions.index("2024-06-28")
    stance = rng.choice([-1, 1], size=n)
    prob = rng.uniform(0.5, 1.0, size=n)
    x = np.zeros(n)
    x[first : last + 1] = (stance * prob)[first : last + 1]
    spread = noise * rng.normal(size=n)
    spread[LAG:] += beta * x[:-LAG]
    spy = np.cumsum(0.01 * rng.normal(size=n))
    qqq = np.cumsum(0.012 * rng.normal(size=n))
    iwm = spy + np.cumsum(spread)
    folder = tmp_path / f"prices{seed}"
    folder.mkdir()
    for sym, lv in (("IWM", iwm), ("SPY", spy), ("QQQ", qqq)):
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
        for s, v in zip(sessions, lv):
            c = 100 * float(np.exp(v))
            lines.append(f"{s},{c:.6f},{c:.6f},{c:.6f},{c:.6f},{c:.6f},1000")
        (folder / f"{sym}.csv").write_text("\n".join(lines) + "\n")
    claims = [
        {
            "published_at": f"{sessions[t]}T14:30:00Z",
            "theme": "small_cap_rotation",
            "stance": int(stance[t]),
            "stance_prob": float(prob[t]),
            "certainty": "factual",
            "sentiment": float(stance[t] * prob[t]),
            "orientation": "forward",
            "speaker": f"speaker{t % 3}",
            "source": f"feed{t % 2}",
        }
        for t in range(first, last + 1)
    ]
    return folder, claims


@pytest.fixture
def planted_db(db, tmp_path, claims_adder):
    folder, claims = synthetic_market(tmp_path, seed=7, beta=BETA)
    load_prices(db, ["IWM", "SPY", "QQQ"], source=f"csv:{folder}")
    claims_adder(db, claims)
    align(db, themes=["small_cap_rotation"])
    return db


def test_planted_signal_recovers_lag_and_beta_and_the_placebo_does_not(planted_db, tmp_path):
    out = tmp_path / "report"
    summary = compare(planted_db, "small_cap_rotation", horizons=(1, 5, 20), out_dir=out, seed=0)
    t = summary.targets["IWM-SPY"]
    assert t["peak_lag"]["value"] == LAG
    assert t["beta_at_peak"]["value"] == pytest.approx(BETA, rel=0.25)
    assert t["beta_at_peak"]["p_value"] < 0.001
    # the 5-session forward return contains the lagged effect once; the next-session return does not
    assert t["beta_h5"]["value"] == pytest.approx(BETA, rel=0.35) and t["beta_h5"]["p_value"] < 0.01
    assert abs(t["beta_h1"]["value"]) < BETA / 3
    # placebo (index shuffled across sessions): neither the lag nor the beta. One shuffle may put
    # its (noise) peak anywhere, lag 2 included, so compare the strength at the planted lag.
    corr = {r["horizon"]: r for r in summary.results if r["statistic"] == "corr" and r["target"] == "IWM-SPY"}
    assert corr[LAG]["value"] > 0.25 and corr[LAG]["p_value"] < 1e-6
    assert abs(corr[LAG]["placebo_value"]) < corr[LAG]["value"] / 3
    assert corr[LAG]["placebo_p_value"] > 0.01
    assert abs(t["beta_at_peak"]["placebo_value"]) < BETA / 3
    assert abs(t["beta_h5"]["placebo_value"]) < BETA / 3 and t["beta_h5"]["placebo_p_value"] > 0.05
    # every stored statistic with a p-value has its placebo beside it
    rows = planted_db.execute(
        "select analysis, statistic, placebo_value, parameters from study_results "
        "where p_value is not null and theme = 'small_cap_rotation'"
    ).fetchall()
    assert {r[0] for r in rows} >= {"correlation", "ols_hac", "lead_lag", "event_study", "resolution"}
    assert all(r[2] is not None for r in rows)
    assert json.loads(rows[0][3])["seed"] == 0
    # files: a PNG per figure, one self-contained HTML report with the images inlined
    assert summary.report and all(p.endswith(".png") for p in summary.figures)
    assert len(summary.figures) == 8  # 4 figures x 2 targets
    html = (out / "small_cap_rotation_report.html").read_text()
    assert html.count("data:image/png;base64,") == 8 and "src='http" not in html
    # top-decile index days are followed by a stronger spread than bottom-decile ones
    car = [
        r
        for r in summary.results
        if r["statistic"] == "car_top_minus_bottom" and r["target"] == "IWM-SPY" and r["horizon"] == 5
    ]
    assert car and car[0]["value"] > 0 and car[0]["n"] >= 100
    # hit rates of forward claims by speaker (3 synthetic speakers) are in the summary and the view
    assert {r["name"] for r in summary.hit_rates["by_speaker"]} == {"speaker0", "speaker1", "speaker2"}
    assert planted_db.execute("select count(*) from hit_rates where grouping = 'speaker'").fetchone()[0] == 3 * 2 * 3


def test_compare_is_deterministic_given_a_seed(planted_db, tmp_path):
    a = compare(planted_db, "small_cap_rotation", horizons=(1, 5), out_dir=tmp_path / "a", seed=3, n_boot=100)
    b = compare(planted_db, "small_cap_rotation", horizons=(1, 5), out_dir=tmp_path / "b", seed=3, n_boot=100)
    strip = lambda rows: [dict(r.items()) for r in rows]  # noqa: E731
    assert strip(a.results) == strip(b.results)
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
    assert [digest(p) for p in a.figures] == [digest(p) for p in b.figures]
    c = compare(planted_db, "small_cap_rotation", horizons=(1, 5), seed=4, n_boot=100)
    assert [r["placebo_value"] for r in c.results] != [r["placebo_value"] for r in a.results]
    # study_results holds the latest run of the theme, not an ever-growing pile
    runs = planted_db.execute(
        "select count(distinct run_id) from study_results where theme='small_cap_rotation'"
    ).fetchone()[0]
    assert runs == 1


def test_planted_null_is_rarely_significant():
    """Index and returns independent: each test is significant at 5% in at most 10% of 40 seeds."""
    significant: dict = {}
    for seed in range(40):
        rng = np.random.default_rng(1000 + seed)
        x = rng.choice([-1, 1], size=400) * rng.uniform(0.5, 1, size=400)
        levels = np.cumsum(0.01 * rng.normal(size=400 + 30))
        xx = np.concatenate([x, np.full(30, np.nan)])
        rows, _ = stats.with_placebo(xx, levels, target="T", horizons=(1, 5, 20), seed=seed, n_boot=0)
        for r in rows:
            if r["p_value"] is not None and r["statistic"] != "corr":
                # the peak lag moves from seed to seed: count beta_at_peak as one statistic
                horizon = None if r["statistic"] == "beta_at_peak" else r["horizon"]
                significant.setdefault((r["analysis"], horizon, r["statistic"]), []).append(r["p_value"] < 0.05)
    assert len(significant) == 13 and all(len(v) == 40 for v in significant.values())
    rates = {k: float(np.mean(v)) for k, v in significant.items()}
    assert all(rate <= 0.10 for rate in rates.values()), rates


def test_small_corpus_degrades_gracefully(priced_db, claims_adder, tmp_path):
    claims_adder(
        priced_db,
        [
            {"published_at": "2024-03-05T15:00:00Z", "theme": "rate_cuts", "stance": 1, "orientation": "forward"},
            {"published_at": "2024-06-12T13:00:00Z", "theme": "rate_cuts", "stance": 1, "orientation": "forward"},
            {"published_at": "2024-09-18T19:00:00Z", "theme": "rate_cuts", "stance": 1, "orientation": "forward"},
        ],
    )
    align(priced_db)
    summary = compare(priced_db, "rate_cuts", out_dir=tmp_path / "small")
    assert summary.n_claim_sessions == 3 and summary.n_claims == 3
    assert any("too little data" in s for s in summary.skipped)
    assert not [r for r in summary.results if r["analysis"] != "resolution"]
    assert {(r["horizon"], r["n"]) for r in summary.results} == {(1, 3), (5, 3), (20, 3)}
    assert (tmp_path / "small" / "rate_cuts_report.html").exists()
    # a theme with no claims at all: a summary with n = 0, no crash
    empty = compare(priced_db, "short_squeeze", out_dir=tmp_path / "empty")
    assert empty.n_sessions == 0 and empty.results == () and empty.report


def test_unknown_theme_and_cli(planted_db, tmp_path):
    with pytest.raises(AnalyzerError, match="unknown theme 'nope'"):
        compare(planted_db, "nope")
    path = planted_db.conn.execute("pragma database_list").fetchone()[2]
    runner = CliRunner()
    res = runner.invoke(main, ["compare", "--db", path, "--theme", "nope"])
    assert res.exit_code == 2 and "unknown theme 'nope'" in res.output
    res = runner.invoke(main, ["compare", "--db", path, "--theme", "small_cap_rotation", "--horizons", "1,x"])
    assert res.exit_code == 2 and "'--horizons': '1,x'" in res.output
    res = runner.invoke(
        main,
        [
            "compare",
            "--db",
            path,
            "--theme",
            "small_cap_rotation",
            "--horizons",
            "5",
            "--out",
            str(tmp_path / "cli"),
            "--seed",
            "1",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.splitlines()[-1])
    assert (
        summary["report"].endswith("small_cap_rotation_report.html")
        and summary["targets"]["IWM-SPY"]["peak_lag"]["value"] == LAG
    )


def test_a_few_dozen_claims_give_short_horizon_stats_and_skip_unreliable_hac(priced_db, claims_adder):
    sessions = calendar.sessions_between("2024-01-02", "2024-11-29")[::12][:20]
    rng = np.random.default_rng(5)
    claims_adder(
        priced_db,
        [
            {
                "published_at": f"{s}T15:00:00Z",
                "theme": "short_squeeze",
                "stance": int(rng.choice([-1, 1])),
                "stance_prob": float(rng.uniform(0.5, 1)),
            }
            for s in sessions
        ],
    )
    align(priced_db)
    summary = compare(priced_db, "short_squeeze", n_boot=50)
    assert summary.n_claim_sessions == 20
    betas = {r["horizon"]: r for r in summary.results if r["statistic"] == "beta"}
    assert set(betas) == {1} and betas[1]["n"] == 20  # 20 sessions: too few for 5 or 20 Newey-West lags
    assert any("OLS at horizon 20 skipped" in s for s in summary.skipped)
    assert {r["horizon"] for r in summary.results if r["statistic"] == "pearson_r"} == {1, 5, 20}
