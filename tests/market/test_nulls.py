"""The study's inference machinery on plain arrays: calibrated under the null, honest intervals,
false discoveries controlled, event study and hit rates judged against the right baseline."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analyzer.study import events, hits, nulls, predictive
from analyzer.study.multiple import bh_qvalues, holm
from analyzer.study.series import Panel, forward_returns

SESSIONS = [f"s{i:04d}" for i in range(2000)]


def _ar1(rng, n, phi):
    e = rng.normal(size=n)
    out = np.empty(n)
    out[0] = e[0]
    for t in range(1, n):
        out[t] = phi * out[t - 1] + e[t]
    return out


def _panel(rng, n=300, *, phi=0.6, beta=0.0, kind="log_return_spread", lag=1, observed=1.0):
    """An autocorrelated index on (a share of) n sessions and a target whose daily return is
    beta x the index `lag` sessions earlier plus noise; 40 sessions of price history either side."""
    pad = 40
    total = n + 2 * pad
    x_full = _ar1(rng, total, phi)
    daily = 0.01 * rng.normal(size=total)
    daily[lag:] += beta * x_full[:-lag]
    levels = np.cumsum(daily)
    pos = np.arange(pad, pad + n)
    pos = pos[rng.random(n) < observed]
    return Panel("T", kind, levels, pos, x_full[pos], sessions=SESSIONS[:total])


def test_block_permutations_move_whole_blocks():
    rng = np.random.default_rng(0)
    perms = nulls.block_permutations(53, 5, 200, rng)
    assert perms.shape == (200, 53)
    assert all(sorted(p) == list(range(53)) for p in perms)
    # within a draw the indices run in steps of one except at block cuts: about 53/5 cuts
    cuts = (np.diff(perms, axis=1) != 1).sum(axis=1)
    assert cuts.max() <= 53 // 5 + 1 and cuts.mean() > 5
    # the random offset moves the cuts: blocks do not always start at multiples of 5
    starts = {int(p[0]) % 5 for p in perms}
    assert len(starts) > 1
    assert len({tuple(p) for p in perms}) > 190


@settings(max_examples=200, deadline=None)
@given(
    value=st.floats(-5, 5, allow_nan=False),
    shift=st.floats(-1, 1, allow_nan=False),
    draws=st.integers(40, 400),
    seed=st.integers(0, 10_000),
    reference=st.sampled_from([0.0, 0.3]),
)
def test_the_interval_excludes_the_reference_exactly_when_p_is_below_5_percent(value, shift, draws, seed, reference):
    null = np.random.default_rng(seed).normal(loc=reference + shift, size=draws)
    inf = nulls.infer(value, null, reference=reference)
    lo, hi = inf.ci
    assert lo <= value <= hi or lo is None
    assert (not lo <= reference <= hi) == (inf.p < 0.05)
    assert 0 < inf.p <= 1


def _null_p_values(seeds, draws=199):
    """p of every main statistic on independent index and returns, one study per seed."""
    out: dict = {}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        panel = _panel(rng, observed=0.6)
        d = nulls.Draws(seed=seed, draws=draws, block=nulls.block_length(panel.n, (1, 5, 20)))
        rows, _ = predictive.effects(panel, (1, 5, 20), d)
        ll, _ = predictive.lead_lag(panel, d)
        for r in rows + [r for r in ll if r["statistic"] == "peak_beta"]:
            key = (r["analysis"], r["statistic"], None if r["statistic"] == "peak_beta" else r["horizon"])
            out.setdefault(key, []).append(r["p_value"])
    return out


def test_p_values_are_uniform_under_the_null():
    """An autocorrelated index against overlapping returns: the block-permutation p-values of
    every statistic are uniform (KS test over 300 independent studies)."""
    p = _null_p_values(range(300))
    assert len(p) == 10  # 3 effects, 6 split halves, the lead-lag peak
    for key, values in p.items():
        assert len(values) == 300
        assert sps.kstest(values, "uniform").pvalue > 0.001, key


def test_a_plain_shuffle_would_fail_the_same_check():
    """Why the blocks: shuffling single observations of a persistent index against 20-session
    returns gives p-values far from uniform (too many small ones); the blocks fix that."""
    plain, blocks = [], []
    for seed in range(80):
        rng = np.random.default_rng(500 + seed)
        panel = _panel(rng, phi=0.9)
        for out, block in ((plain, 1), (blocks, 20)):
            rows, _ = predictive.effects(panel, (20,), nulls.Draws(seed=seed, draws=199, block=block))
            out.append(rows[0]["p_value"])
    assert sps.kstest(plain, "uniform").pvalue < 0.001 and np.mean(np.array(plain) < 0.05) > 0.2
    assert np.mean(np.array(blocks) < 0.05) < np.mean(np.array(plain) < 0.05) / 2


def test_q_values_control_the_false_discovery_rate():
    """30 simulated runs of 20 tests, 4 with a planted effect: BH at q < 0.10 keeps the mean false
    discovery proportion under 0.10, and still finds most planted effects."""
    fdp, power = [], []
    for sim in range(30):
        rng = np.random.default_rng(10_000 + sim)
        p_values, planted = [], []
        for test in range(20):
            beta = 0.004 if test < 4 else 0.0
            panel = _panel(rng, n=250, phi=0.3, beta=beta)
            d = nulls.Draws(seed=sim * 100 + test, draws=299, block=5)
            (row, *_), _ = predictive.effects(panel, (1,), d)
            p_values.append(row["p_value"])
            planted.append(beta > 0)
        found = np.array([q < 0.10 for q in bh_qvalues(p_values)])
        planted = np.array(planted)
        fdp.append((found & ~planted).sum() / max(1, found.sum()))
        power.append((found & planted).sum() / planted.sum())
    assert np.mean(fdp) <= 0.10
    assert np.mean(power) > 0.5


def test_holm_and_bh_keep_missing_p_values():
    assert bh_qvalues([0.01, None, 0.04]) == [pytest.approx(0.02), None, pytest.approx(0.04)]
    assert holm([0.01, 0.04, None]) == [pytest.approx(0.02), pytest.approx(0.04), None]


def _event_panel(rng, effect, n_shocks=24, spacing=30, noise=0.006):
    """A quiet index with strong shocks every `spacing` sessions; after each, the target drifts
    `effect` per session for 5 sessions in the shock's direction."""
    n = 100 + n_shocks * spacing + 40
    x = 0.2 * rng.normal(size=n)
    daily = noise * rng.normal(size=n)
    signs = rng.choice([-1, 1], size=n_shocks)
    for i, s in enumerate(signs):
        t = 100 + i * spacing
        x[t] = 3.0 * s
        daily[t + 1 : t + 6] += effect * s
    levels = np.cumsum(daily)
    pos = np.arange(70, n - 20)
    from analyzer.alignment import past_robust_z

    z = past_robust_z(np.where(np.isin(np.arange(n), pos), x, np.nan), 60)
    return Panel("T", "log_return_spread", levels, pos, x[pos], sessions=SESSIONS[:n]), z[pos]


def test_event_study_finds_a_planted_drift_and_not_a_missing_one():
    rng = np.random.default_rng(3)
    panel, z = _event_panel(rng, effect=0.003)
    d = nulls.Draws(seed=1, draws=499, block=5)
    rows, info = events.event_study(panel, z, (1, 5), d)
    car = {r["horizon"]: r for r in rows}
    assert info["n_events"] == 24 and set(car) == {1, 5, 10}
    # 5 sessions x 30 bp, abnormal to the pre-event mean
    assert car[5]["value"] == pytest.approx(150, abs=45) and car[5]["p_value"] < 0.01 and car[5]["ci_low"] > 0
    assert info["ci_low"][info["k"].index(5)] > 0  # the path's band leaves zero too
    # events never share a session of their windows
    starts = sorted(info["sessions"])
    assert all(SESSIONS.index(b) - SESSIONS.index(a) >= info["gap"] for a, b in itertools.pairwise(starts))
    none, _ = events.event_study(_event_panel(np.random.default_rng(4), effect=0.0)[0], z, (5,), d)
    assert none and none[0]["ci_low"] < 0 < none[0]["ci_high"]


def test_event_study_says_too_few_events():
    panel, z = _event_panel(np.random.default_rng(5), effect=0.003, n_shocks=6)
    rows, info = events.event_study(panel, z, (5,), nulls.Draws(draws=199))
    assert rows == [] and "event study: too few events (" in info["skipped"] and "need 10" in info["skipped"]


def test_hit_rate_is_judged_against_the_base_rate():
    """Bearish calls in a falling market hit often; against the base rate they show no skill,
    where a binomial test against 50 % would call them significant."""
    rng = np.random.default_rng(11)
    n = 400
    levels = np.cumsum(-0.0015 + 0.01 * rng.normal(size=n))
    fwd = forward_returns(levels, 20)
    pos_of = {s: i for i, s in enumerate(SESSIONS[:n])}
    claims = [(SESSIONS[t], -1, "feed", None) for t in range(20, 360, 5) for _ in range(2)]
    d = nulls.Draws(seed=0, draws=999, block=20)
    summary, (row, first, second) = hits.target_hit_rates(claims, "T", 20, fwd, pos_of, d)
    assert summary["claims"] == 136 and summary["sessions"] == 68
    assert summary["base_rate"] < 0.4 and row["value"] > 0.6
    assert sps.binomtest(summary["hits"], summary["claims"], 0.5).pvalue < 0.01
    assert row["reference"] == pytest.approx(1 - summary["base_rate"], abs=0.1)
    assert row["p_value"] > 0.05 and row["ci_low"] <= row["reference"] <= row["ci_high"]
    assert row["n_sessions"] == 68
    # and each half of the sessions is judged on its own, for a split-sample replication
    assert (first["statistic"], second["statistic"]) == ("hit_rate_first_half", "hit_rate_second_half")
    assert first["n_sessions"] == second["n_sessions"] == 34 and first["n"] + second["n"] == 136


def test_claims_piled_on_a_few_sessions_are_not_a_test():
    """22 claims on 4 sessions: counted, with an interval on sessions per group, but no p-value."""
    rng = np.random.default_rng(2)
    levels = np.cumsum(0.01 * rng.normal(size=200))
    fwd = forward_returns(levels, 5)
    pos_of = {s: i for i, s in enumerate(SESSIONS[:200])}
    claims = [(SESSIONS[t], 1, "feed", "Jane") for t in (20, 60, 100, 140) for _ in range(5)]
    claims += [(SESSIONS[20], 1, "other", None), (SESSIONS[60], 1, "other", None)]
    summary, rows = hits.target_hit_rates(claims, "T", 5, fwd, pos_of, nulls.Draws(draws=199))
    assert summary["claims"] == 22 and summary["sessions"] == 4 and rows == []
    (jane,) = hits.group_hit_rates(claims, "speaker", "T", 5, fwd, pos_of, 0.5)[1:]
    assert jane["name"] == "Jane" and jane["sessions"] == 4 and jane["claims"] == 20
    assert jane["ci_low"] <= jane["hit_rate"] <= jane["ci_high"] and jane["ci_high"] - jane["ci_low"] > 0.4
