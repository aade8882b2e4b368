"""The study (`compare`): planted signal, planted null, multiple testing, small data, determinism."""

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
from analyzer.study.comparison import compare

BETA = 0.005  # planted: the IWM-SPY daily spread return = BETA x index two sessions earlier + noise
LAG = 2
DRAWS = 499  # the tests' null draws; the default (1,999) is for real studies


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
    return folder, claims, float(np.std(x[first : last + 1], ddof=1))


@pytest.fixture
def planted(db, tmp_path, claims_adder):
    folder, claims, sd_x = synthetic_market(tmp_path, seed=7, beta=BETA)
    load_prices(db, ["IWM", "SPY", "QQQ"], source=f"csv:{folder}")
    claims_adder(db, claims)
    align(db, themes=["small_cap_rotation"])
    return db, sd_x


def _agrees(r: dict) -> bool:
    """The interval excludes the no-relation value exactly when p < 0.05."""
    if r["ci_low"] is None:
        return True
    excludes = not (r["ci_low"] <= r["reference"] <= r["ci_high"])
    return excludes == (r["p_value"] < 0.05)


def test_planted_signal_recovers_lag_and_beta(planted, tmp_path):
    db, sd_x = planted
    out = tmp_path / "report"
    summary = compare(db, "small_cap_rotation", horizons=(1, 5, 20), out_dir=out, seed=0, draws=DRAWS)
    t = summary.targets["IWM-SPY"]
    planted_bp = BETA * sd_x * 1e4  # bp of spread per sd of the index
    assert t["peak_lag"]["lag"] == LAG
    assert t["peak_lag"]["value"] == pytest.approx(planted_bp, rel=0.25)
    assert t["peak_lag"]["p_value"] < 0.01 and t["peak_lag"]["ci_low"] > 0
    # the 5-session forward return contains the lagged effect once; the next-session return does not
    assert t["beta_h5"]["value"] == pytest.approx(planted_bp, rel=0.35) and t["beta_h5"]["q_value"] < 0.05
    assert t["beta_h5"]["ci_low"] < planted_bp < t["beta_h5"]["ci_high"]
    assert t["beta_h1"]["ci_low"] < 0 < t["beta_h1"]["ci_high"]
    # the null band of the lead-lag profile is wide where nothing was planted and the planted lag is outside it
    profile = {r["horizon"]: r for r in summary.results if r["statistic"] == "corr" and r["target"] == "IWM-SPY"}
    assert profile[LAG]["value"] > profile[LAG]["null_high"]
    outside = [k for k, r in profile.items() if k != LAG and not r["null_low"] <= r["value"] <= r["null_high"]]
    assert len(outside) <= 4  # a 90 % band: about 2 of 20 by chance
    # the finding says so in words, and the second half of the sample alone replicates it
    assert summary.finding["verdict"] == "detected"
    assert any("second half of the sessions alone" in d and "replicates" in d for d in summary.finding["detail"])
    # every stored test has its n, interval, null band, p and q, and no interval contradicts its p
    rows = [
        dict(zip(("analysis", "statistic", "n", "ci_low", "ci_high", "reference", "p_value", "q_value", "null_low"), r))
        for r in db.execute(
            "select analysis, statistic, n, ci_low, ci_high, reference, p_value, q_value, null_low "
            "from study_results where theme = 'small_cap_rotation'"
        )
    ]
    assert {r["analysis"] for r in rows} >= {"predictive", "out_of_sample", "lead_lag", "hit_rate"}
    assert all(r["n"] and r["p_value"] is not None for r in rows)
    assert all(r["ci_low"] is not None and r["null_low"] is not None for r in rows)
    assert all(_agrees(r) for r in rows)
    # the run's q-values cover its main tests; lead-lag lags are one family (its peak) and split halves replications
    family = [r for r in rows if r["q_value"] is not None]
    assert {(r["analysis"], r["statistic"]) for r in family} == {
        ("predictive", "beta"),
        ("lead_lag", "peak_beta"),
        ("event_study", "signed_car"),
        ("hit_rate", "hit_rate"),
    }
    assert all(r["q_value"] >= r["p_value"] for r in family)
    # figures: index vs target, effects, scatter, lead-lag and event study per target; the report inlines them
    kinds = {Path(p).stem.split("IWM_SPY_")[-1] for p in summary.figures if "IWM_SPY" in p}
    assert kinds == {"index_vs_target", "effects", "scatter", "lead_lag", "event_study"}
    assert len(summary.figures) == 10 and all(p.endswith(".png") for p in summary.figures)
    html = (out / "small_cap_rotation_report.html").read_text()
    assert html.count("data:image/png;base64,") == 10 and "src='http" not in html
    _check_figures(summary.figures)
    assert html.index("Finding.") < html.index("<h2>Figures") < html.index("<h2>Main tests")
    assert "{'" not in html  # parameters as a table, not a Python dict
    assert json.loads(db.execute("select parameters from study_results limit 1").fetchone()[0])["draws"] == DRAWS


def test_compare_reports_the_index_by_claim_and_by_story(planted, claims_adder, tmp_path):
    db, sd_x = planted
    before = compare(db, "small_cap_rotation", horizons=(1, 5), draws=DRAWS, out_dir=tmp_path / "before")
    assert before.n_stories is None and not [r for r in before.results if r["analysis"] == "by_count"]
    assert "run <code>analyze stories</code>" in Path(before.report).read_text()
    # every story is echoed by a copy from another outlet with a direction of its own: the copies
    # dilute the index over claims, while the index over stories reads the planted originals only
    originals = db.execute("select c.id, a.id, a.published_at from claims c join articles a on a.id = c.article_id")
    rng = np.random.default_rng(11)
    copies, novelty = [], []
    for claim_id, article_id, at in originals.fetchall():
        copy = {"article_id": f"echo-{article_id}", "published_at": at, "theme": "small_cap_rotation"}
        copies.append({**copy, "stance": int(rng.choice([-1, 1])), "stance_prob": float(rng.uniform(0.5, 1))})
        novelty += [
            {"claim_id": claim_id, "story_id": article_id, "first_mention": 1, "prior_24h": 0, "prior_72h": 0},
            {"claim_id": f"echo-{article_id}:0:small_cap_rotation", "story_id": article_id, "first_mention": 0},
        ]
    claims_adder(db, copies, source="echo")
    db["claim_novelty"].insert_all(novelty)
    align(db, themes=["small_cap_rotation"])
    after = compare(db, "small_cap_rotation", horizons=(1, 5), draws=DRAWS, out_dir=tmp_path / "after")
    assert after.index_counts == "claims" and after.n_stories == len(copies) and after.n_claims == 2 * len(copies)
    by = {(r["statistic"], r["target"], r["horizon"]): r for r in after.results if r["analysis"] == "by_count"}
    main = {(r["target"], r["horizon"]): r for r in after.results if r["analysis"] == "predictive"}
    assert {k[0] for k in by} == {"beta_claims", "beta_stories"}
    for (target, h), r in main.items():  # the claims row restates the main test; each has its own null
        assert by[("beta_claims", target, h)]["value"] == pytest.approx(r["value"])
        assert by[("beta_stories", target, h)]["n"] == by[("beta_claims", target, h)]["n"]
    planted_bp = BETA * sd_x * 1e4
    stories_h5, claims_h5 = by[("beta_stories", "IWM-SPY", 5)], by[("beta_claims", "IWM-SPY", 5)]
    assert stories_h5["value"] == pytest.approx(planted_bp, rel=0.35) and stories_h5["p_value"] < 0.01
    assert claims_h5["value"] < stories_h5["value"]
    assert all(r["q_value"] is None and _agrees(r) for r in by.values())  # replications, outside the run's family
    html = Path(after.report).read_text()
    assert "Copies or stories" in html and "index over each story once" in html and f"{len(copies)} stories" in html
    # counting stories for the main tests: its effect is the story row's, and the claims row stays beside it
    align(db, themes=["small_cap_rotation"], count="stories")
    stories = compare(db, "small_cap_rotation", horizons=(1, 5), draws=DRAWS)
    assert stories.index_counts == "stories"
    story_main = {(r["target"], r["horizon"]): r for r in stories.results if r["analysis"] == "predictive"}
    assert story_main[("IWM-SPY", 5)]["value"] == pytest.approx(stories_h5["value"])
    assert any(r["statistic"] == "beta_claims" for r in stories.results)


def _check_figures(paths) -> None:
    """Each figure names the theme and target, states n, labels its axes in units and has a legend
    (the PNG carries its titles and labels as text chunks)."""
    from PIL import Image

    units = ("bp of return", "correlation", "standard deviations")
    for p in paths:
        png = Image.open(p)
        title, labels, legend = png.text["Title"], png.text["Description"], png.text.get("Comment", "")
        target = "IWM-SPY" if "IWM_SPY" in p else "IWM-QQQ"
        assert title.startswith("Small-cap rotation: ") and target in title, p
        assert "n = " in title + legend, p
        assert any(u in labels for u in units), (p, labels)
        assert "session" in labels or "index (sd" in labels, (p, labels)
        assert legend or "effects" in p, p
        assert 600 <= png.size[0] <= 1400 and 300 <= png.size[1] <= 500, (p, png.size)


def test_compare_is_deterministic_given_a_seed(planted, tmp_path):
    db, _ = planted
    a = compare(db, "small_cap_rotation", horizons=(1, 5), out_dir=tmp_path / "a", seed=3, draws=200)
    b = compare(db, "small_cap_rotation", horizons=(1, 5), out_dir=tmp_path / "b", seed=3, draws=200)
    assert list(a.results) == list(b.results)
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
    assert [digest(p) for p in a.figures] == [digest(p) for p in b.figures]
    c = compare(db, "small_cap_rotation", horizons=(1, 5), seed=4, draws=200)
    assert [r["null_low"] for r in c.results] != [r["null_low"] for r in a.results]
    # the study tables hold the latest run of the theme, not an ever-growing pile
    for table in ("study_results", "study_curves", "study_findings"):
        runs = db.execute(f"select count(distinct run_id) from {table} where theme='small_cap_rotation'").fetchone()[0]
        assert runs == 1, table


def test_small_corpus_says_too_little_data(priced_db, claims_adder, tmp_path):
    claims_adder(
        priced_db,
        [
            {"published_at": "2024-03-05T15:00:00Z", "theme": "rate_cuts", "stance": 1, "orientation": "forward"},
            {"published_at": "2024-06-12T13:00:00Z", "theme": "rate_cuts", "stance": 1, "orientation": "forward"},
            {"published_at": "2024-09-18T19:00:00Z", "theme": "rate_cuts", "stance": 1, "orientation": "forward"},
        ],
    )
    align(priced_db)
    summary = compare(priced_db, "rate_cuts", out_dir=tmp_path / "small", draws=DRAWS)
    assert summary.n_claim_sessions == 3 and summary.n_claims == 3
    assert "3 sessions with claims" in summary.line()
    assert summary.finding["verdict"] == "too little data" and summary.results == ()
    assert any("too little data" in s for s in summary.skipped)
    # hit rates are counted but not tested on 3 sessions
    assert {(h["horizon"], h["claims"], h["sessions"]) for h in summary.hit_rates["by_theme"]} == {
        (1, 3, 3),
        (5, 3, 3),
        (20, 3, 3),
    }
    html = (tmp_path / "small" / "rate_cuts_report.html").read_text()
    assert "Too little data" in html
    # a theme with no claims at all: a summary with n = 0, no crash
    empty = compare(priced_db, "short_squeeze", out_dir=tmp_path / "empty", draws=DRAWS)
    assert empty.n_claim_sessions == 0 and empty.results == () and empty.report


def test_unknown_theme_and_cli(planted, tmp_path):
    db, _ = planted
    with pytest.raises(AnalyzerError, match="unknown theme 'nope'"):
        compare(db, "nope")
    path = db.conn.execute("pragma database_list").fetchone()[2]
    runner = CliRunner()
    res = runner.invoke(main, ["compare", "--db", path, "--theme", "nope"])
    assert res.exit_code == 2 and "unknown theme 'nope'" in res.output
    res = runner.invoke(main, ["compare", "--db", path, "--theme", "small_cap_rotation", "--horizons", "1,x"])
    assert res.exit_code == 2 and "'--horizons': '1,x'" in res.output
    args = ["compare", "--db", path, "--theme", "small_cap_rotation", "--horizons", "5", "--draws", "200", "--json"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.splitlines()[-1])
    # without --out the report goes beside the database, where `analyze serve` looks for it
    expected = Path(path).parent / "reports" / Path(path).stem / "small_cap_rotation" / "small_cap_rotation_report.html"
    assert summary["report"] == str(expected) and expected.exists()
    assert summary["targets"]["IWM-SPY"]["peak_lag"]["lag"] == LAG
    res = runner.invoke(main, ["compare", "--db", path, "--theme", "small_cap_rotation", "--draws", "200"])
    assert res.exit_code == 0 and res.output.startswith("Detected")


def test_a_few_dozen_claims_give_short_horizon_tests(priced_db, claims_adder):
    sessions = calendar.sessions_between("2024-01-02", "2024-11-29")[::8][:26]
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
    summary = compare(priced_db, "short_squeeze", draws=200)
    assert summary.n_claim_sessions == 26
    effects = {r["horizon"]: r for r in summary.results if r["analysis"] == "predictive"}
    assert set(effects) == {1, 5, 20} and all(r["n"] == 26 for r in effects.values())
    assert all(r["mde"] > 0 for r in effects.values())
    assert not [r for r in summary.results if r["analysis"] == "out_of_sample"]  # 13 a half: too few
    assert any("event study: too few events" in s for s in summary.skipped)
    assert summary.finding["verdict"] in ("no detectable relation", "detected")
