"""The finding of one `compare` run in plain words: what was detected (q < 0.05 across all the
run's tests), or "no detectable relation" with the interval, the minimum detectable effect and a
yardstick; "too little data" when no test could be run."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.study.results import significant

# Tetlock (2007, Journal of Finance): a 1-sd rise in the pessimism of a Wall Street Journal column
# was followed by a 8.1 bp lower Dow Jones return the next day.
TETLOCK_BP_PER_SD = -8.1
PRIMARY = {
    ("predictive", "beta"),
    ("lead_lag", "peak_beta"),
    ("event_study", "signed_car"),
    ("hit_rate", "hit_rate"),
}  # the run's q-value family


@dataclass(frozen=True)
class Finding:
    verdict: str  # detected | no detectable relation | too little data
    headline: str
    detail: tuple[str, ...] = ()


def fmt_p(p) -> str:
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def eq(name: str, p) -> str:
    """'p = 0.012', or 'p < 0.001' at the resolution of the draws."""
    text = fmt_p(p)
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def fmt_ci(r: dict, digits: int = 1) -> str:
    if r.get("ci_low") is None:
        return "[–]"
    return f"[{r['ci_low']:+.{digits}f}, {r['ci_high']:+.{digits}f}]"


def describe(r: dict, label: str) -> str:
    """One result as a sentence, with its interval, n, p and q."""
    unit = " sessions" if r["analysis"] in ("predictive", "lead_lag") else ""
    stats = f"n = {r['n']}{unit}, {eq('p', r['p_value'])}, {eq('q', r['q_value'])}"
    a, t, h = r["analysis"], r["target"], r["horizon"]
    if a == "predictive":
        return (
            f"a 1-sd more bullish {label} index was followed by {r['value']:+.1f} {_bp(r)} {fmt_ci(r)} in "
            f"{_target(r)} over the next {'session' if h == 1 else f'{h} sessions'} ({stats})"
        )
    if a == "lead_lag":
        when = "after" if h > 0 else "before" if h < 0 else "on the same day as"
        return (
            f"the strongest lead-lag: {_target(r)} {abs(h)} session{'' if abs(h) == 1 else 's'} {when} the index moved "
            f"{r['value']:+.1f} {_bp(r)} {fmt_ci(r)} per sd of the index ({stats}; adjusted for picking the lag)"
        )
    if a == "event_study":
        return (
            f"after {r['n']} narrative shocks, {_target(r)} moved {r['value']:+.1f} {_bp(r)} {fmt_ci(r)} in the shock's "
            f"direction over {h} sessions, abnormal to its usual drift ({stats})"
        )
    if a == "hit_rate":
        return (
            f"forward-looking claims were right {r['value']:.0%} {fmt_ci_pct(r)} of the time at {h} sessions on {t}, "
            f"against {r['reference']:.0%} by chance given the base rate ({r['n']} claims on {r['n_sessions']} "
            f"sessions, {eq('p', r['p_value'])}, {eq('q', r['q_value'])})"
        )
    return f"{a} {r['statistic']} = {r['value']:.4g} ({stats})"


def fmt_ci_pct(r: dict) -> str:
    return "[–]" if r.get("ci_low") is None else f"[{r['ci_low']:.0%}, {r['ci_high']:.0%}]"


def _target(r: dict) -> str:
    if r["unit"].startswith("bp of yield"):
        return f"{r['target']} (the 2-year yield's fall)" if r["target"] == "-DGS2" else f"{r['target']} (a yield)"
    return r["target"]


def _bp(r: dict) -> str:
    return "bp of yield" if r["unit"].startswith("bp of yield") else "bp"


def find(label: str, rows: list[dict], n_claim_sessions: int, min_sessions: int) -> Finding:
    primary = [r for r in rows if (r["analysis"], r["statistic"]) in PRIMARY and r.get("p_value") is not None]
    if not primary:
        return Finding(
            "too little data",
            f"Too little data for a test of the {label} narrative: {n_claim_sessions} sessions with claims "
            f"(a test needs at least {min_sessions} with returns).",
        )
    hits = sorted((r for r in primary if significant(r)), key=lambda r: (r["q_value"], r["p_value"]))
    if hits:
        best = hits[0]
        detail = [describe(r, label) for r in hits[1:]]
        replication = _replication(best, rows)
        if replication:
            detail.insert(0, replication)
        return Finding(
            "detected",
            f"Detected ({len(hits)} of {len(primary)} tests at q < 0.05): {describe(best, label)}.",
            tuple(detail),
        )
    effects = [r for r in primary if r["analysis"] == "predictive"]
    if effects:
        biggest = max(effects, key=lambda r: abs(r["value"]) / (r["mde"] or 1))
        h1 = sorted(
            (r for r in effects if r["horizon"] == min(e["horizon"] for e in effects) and r.get("mde")), key=_bp
        )
        scale = ""
        if h1:
            r = h1[0]
            when = "next-session" if r["horizon"] == 1 else f"{r['horizon']}-session"
            scale = (
                f" With {r['n']} sessions the study would detect a {when} effect of about "
                f"±{r['mde']:.1f} {_bp(r)} per sd on {r['target']} (80 % power)"
            )
            if r["horizon"] == 1 and _bp(r) == "bp":
                scale += (
                    f"; for scale, Tetlock (2007) found {TETLOCK_BP_PER_SD:+.1f} bp per sd of media pessimism "
                    "on the next day's Dow return"
                )
            scale += "."
        headline = (
            f"No detectable relation between the {label} narrative and later returns: no main test reaches "
            f"q < 0.05 ({len(primary)} tests). The largest effect: {describe(biggest, label)}.{scale}"
        )
    else:
        headline = (
            f"No detectable relation between the {label} narrative and later returns: no main test reaches "
            f"q < 0.05 ({len(primary)} tests)."
        )
    return Finding("no detectable relation", headline)


def _replication(best: dict, rows: list[dict]) -> str | None:
    """How the detected relation fares in the second half of the sample alone."""
    stat = {"predictive": "beta_second_half", "hit_rate": "hit_rate_second_half", "lead_lag": "peak_beta_second_half"}
    if best["analysis"] not in stat:
        return "Out of sample: no split-sample replication for an event study (too few events to halve)."
    second = [
        r
        for r in rows
        if r["analysis"] == "out_of_sample"
        and r["statistic"] == stat[best["analysis"]]
        and r["target"] == best["target"]
        and (r["horizon"] == best["horizon"] or best["analysis"] == "lead_lag")
    ]
    if not second:
        return "Out of sample: too few sessions to split the sample in halves."
    r = second[0]
    same = (r["value"] > r["reference"]) == (best["value"] > best["reference"])
    verdict = (
        "replicates"
        if same and r["p_value"] < 0.05
        else "same direction, not significant alone"
        if same
        else "does not replicate (opposite direction)"
    )
    if best["analysis"] == "hit_rate":
        value = f"{r['value']:.0%} {fmt_ci_pct(r)} against {r['reference']:.0%} by chance"
    elif best["analysis"] == "lead_lag":
        value = f"lag {r['horizon']} (picked on the first half) {r['value']:+.1f} {_bp(r)} {fmt_ci(r)} per sd"
    else:
        value = f"{r['value']:+.1f} {_bp(r)} {fmt_ci(r)} per sd"
    return (
        f"Out of sample, the second half of the sessions alone: {value} (n = {r['n']}, {eq('p', r['p_value'])}): "
        f"{verdict}."
    )
