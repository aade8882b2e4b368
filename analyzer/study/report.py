"""The self-contained HTML report of a `compare` run: the finding in plain words first, then the
figures, then the tables (every number with its n, interval, null band, p and q)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from analyzer.study import figures as fig
from analyzer.study.findings import fmt_p


def default_reports_dir(db_path) -> Path:
    """Where a database's reports go unless told otherwise: reports/<db stem> beside the file
    (one folder per theme below it); `analyze serve` serves this folder."""
    path = Path(db_path)
    return path.parent / "reports" / path.stem


STATISTIC_NAMES = {
    "beta": "effect per sd of the index",
    "beta_first_half": "effect, first half only",
    "beta_second_half": "effect, second half only",
    "peak_beta": "effect at the strongest lag (adjusted)",
    "corr": "correlation",
    "signed_car": "mean signed CAR",
    "hit_rate": "hit rate",
    "hit_rate_first_half": "hit rate, first half only",
    "hit_rate_second_half": "hit rate, second half only",
    "peak_beta_second_half": "effect at the first half's strongest lag, second half only",
    "beta_claims": "effect, index over every claim",
    "beta_stories": "effect, index over each story once",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 6px;"
    "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}img{max-width:100%}.note{color:#555}"
    ".finding{font-size:1.1em;background:#f6f8fa;border-left:4px solid #1f77b4;padding:.6em 1em}"
    "figure{margin:1em 0}figcaption{color:#555;font-size:12px}"
)


def write_report(out_dir: Path, summary: dict, fig_data: dict, params: dict) -> tuple[list[Path], Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    plt = fig.pyplot()
    theme, label = summary["theme"], summary["label"]
    rows = summary.get("results", [])
    figures: list[Path] = []
    for target, f in fig_data.items():
        stem = out_dir / f"{theme}_{fig.slug(target)}"
        unit = f["unit"]
        if f.get("index_vs_target"):
            figures.append(
                fig.index_vs_target(plt, Path(f"{stem}_index_vs_target.png"), label, target, f["index_vs_target"])
            )
        eff = [r for r in rows if r["target"] == target and r["analysis"] == "predictive"]
        if eff:
            figures.append(fig.effects(plt, Path(f"{stem}_effects.png"), label, target, eff, unit))
            figures.append(
                fig.scatter(plt, Path(f"{stem}_scatter.png"), label, target, f["effects"], unit, summary["horizons"])
            )
        if f.get("lead_lag"):
            peak = next((r for r in rows if r["target"] == target and r["statistic"] == "peak_beta"), None)
            figures.append(fig.lead_lag(plt, Path(f"{stem}_lead_lag.png"), label, target, f["lead_lag"], peak))
        if (f.get("event") or {}).get("car"):
            figures.append(fig.event_study(plt, Path(f"{stem}_event_study.png"), label, target, f["event"], unit))
    plt.close("all")
    report = out_dir / f"{theme}_report.html"
    report.write_text(_html(summary, figures, params), encoding="utf-8")
    return figures, report


def _num(v, digits=3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if v != 0 and abs(v) < 0.01:
            return f"{v:.2g}"
        return f"{v:,.{digits}g}" if abs(v) >= 1000 else f"{v:.{digits}g}"
    return html.escape(str(v))


def _interval(lo, hi) -> str:
    return "–" if lo is None else f"[{_num(lo)}, {_num(hi)}]"


def _results_table(rows: list[dict], with_mde: bool = False) -> str:
    e = html.escape
    head = (
        "<table><tr><th class=l>target</th><th>horizon (sessions)</th><th class=l>statistic</th><th>value</th>"
        "<th class=l>unit</th><th>95 % interval</th><th>no relation</th><th>null 5-95 %</th><th>p</th><th>q</th><th>n</th>"
        + ("<th>detectable (80 % power)</th>" if with_mde else "")
        + "<th class=l>note</th></tr>"
    )
    out = [head]
    for r in rows:
        mde = f"<td>&plusmn;{_num(r['mde'])}</td>" if with_mde else ""
        n = f"{r['n']}" + (f" ({r['n_sessions']} sessions)" if r["n_sessions"] != r["n"] else "")
        out.append(
            f"<tr><td class=l>{e(r['target'])}</td><td>{r['horizon']}</td>"
            f"<td class=l>{e(STATISTIC_NAMES.get(r['statistic'], r['statistic']))}</td><td>{_num(r['value'])}</td>"
            f"<td class=l>{e(r['unit'])}</td><td>{_interval(r['ci_low'], r['ci_high'])}</td><td>{_num(r['reference'])}</td>"
            f"<td>{_interval(r['null_low'], r['null_high'])}</td><td>{fmt_p(r['p_value'])}</td>"
            f"<td>{fmt_p(r['q_value'])}</td><td>{n}</td>{mde}<td class=l>{e(r['note'])}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _hit_table(items: list[dict], title: str, named: bool) -> str:
    if not items:
        return ""
    e = html.escape
    out = [
        f"<h3>{e(title)}</h3><table><tr>{'<th class=l>name</th>' if named else ''}<th class=l>target</th>"
        "<th>horizon</th><th>claims</th><th>sessions</th><th>hits</th><th>hit rate</th><th>95 % interval</th>"
        f"<th>{'expected by the base rate' if named else 'chance'}</th></tr>"
    ]
    for it in items:
        ref = it.get("expected") if named else it.get("chance")
        out.append(
            f"<tr>{'<td class=l>' + e(it['name']) + '</td>' if named else ''}<td class=l>{e(it['target'])}</td>"
            f"<td>{it['horizon']}</td><td>{it['claims']}</td><td>{it['sessions']}</td><td>{it['hits']}</td>"
            f"<td>{it['hit_rate']:.2f}</td><td>{_interval(it.get('ci_low'), it.get('ci_high'))}</td>"
            f"<td>{_num(ref, 2)}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _html(summary: dict, figures: list[Path], params: dict) -> str:
    e = html.escape
    label = summary["label"]
    finding = summary.get("finding") or {}
    rows = summary.get("results", [])
    span = f"{summary['first_session']} to {summary['last_session']}" if summary.get("first_session") else "no sessions"
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(label)}: narrative vs returns</title><style>{STYLE}</style></head><body>",
        f"<h1>{e(label)}: does the narrative lead returns?</h1>",
        f"<p class='finding'><b>Finding.</b> {e(finding.get('headline', ''))}</p>",
    ]
    if finding.get("detail"):
        parts.append("<ul>" + "".join(f"<li>{e(d)}</li>" for d in finding["detail"]) + "</ul>")
    parts.append(
        f"<p>{summary['n_claim_sessions']} sessions with claims ({summary['n_claims']} claims"
        f"{'' if summary.get('n_stories') is None else ', ' + str(summary['n_stories']) + ' stories'}), {e(span)}; "
        f"the index of the main tests counts {e(summary.get('index_counts') or 'claims')}; "
        f"signal <code>{e(summary['signal'])}</code>; every p-value from {summary['draws']:,} null draws; "
        f"q-values (Benjamini-Hochberg) across the {sum(1 for r in rows if r['q_value'] is not None)} main tests of "
        "this run.</p>"
        "<p class='note'>How to read it. Forward returns start at the close of each claim's event session (the "
        "first session closing after publication), so no price known before publication enters them. Effects are "
        "basis points of the target per 1 standard deviation of the index (bp of yield for the 2-year yield, whose "
        "sign is flipped so that up means cuts priced in). The null moves the index, in blocks of "
        f"{summary.get('block') or '–'} sessions with claims, to other sessions with claims while the returns stay "
        "put, which keeps the autocorrelation of both; the 95 % interval inverts the same test, so it excludes zero "
        "exactly when p &lt; 0.05. 'Detectable' is the effect this n would find with 80 % power.</p>"
    )
    for note in summary.get("skipped", []):
        parts.append(f"<p class='note'>Not computed: {e(note)}</p>")
    if figures:
        parts.append("<h2>Figures</h2>")
    for p in figures:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        parts.append(
            f"<figure><img alt='{e(p.stem.replace('_', ' '))}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{e(p.name)}</figcaption></figure>"
        )
    main = [
        r for r in rows if r["analysis"] in ("predictive", "event_study", "hit_rate") or r["statistic"] == "peak_beta"
    ]
    if main:
        parts.append("<h2>Main tests</h2>" + _results_table(main, with_mde=True))
    oos = [r for r in rows if r["analysis"] == "out_of_sample"]
    if oos:
        parts.append("<h2>Out of sample: each half of the sample alone</h2>" + _results_table(oos))
    by_count = [r for r in rows if r["analysis"] == "by_count"]
    if by_count:
        parts.append(
            "<h2>Copies or stories: the effect with each count</h2><p class='note'>The same regression with the "
            "index over every claim and over each story's first mention only (`analyze stories` groups copies "
            "and updates of one story), each against its own null. An effect that only copies carry is an echo "
            "of how often a story is re-published, not of what it says.</p>" + _results_table(by_count)
        )
    elif summary.get("n_stories") is None:
        parts.append(
            "<p class='note'>Counted by claim only: run <code>analyze stories</code> and then <code>analyze align"
            "</code> to see the effect with each story counted once beside it.</p>"
        )
    ll = [r for r in rows if r["analysis"] == "lead_lag" and r["statistic"] == "corr"]
    if ll:
        parts.append(
            "<details><summary>Lead-lag correlations, lag by lag (p and interval adjusted across the lags)</summary>"
            + _results_table(ll)
            + "</details>"
        )
    hit = summary.get("hit_rates") or {}
    if any(hit.values()):
        parts.append("<h2>Hit rates of forward-looking claims</h2>")
        parts.append(
            "<p class='note'>Per target: claims scored at each horizon; chance accounts for the base rate and the "
            "mix of bullish and bearish calls. By source and speaker: each session's net call counts once, with an "
            "exact binomial interval on sessions.</p>"
        )
        parts.append(_hit_table(hit.get("by_theme") or [], "By target", named=False))
        parts.append(_hit_table(hit.get("by_source") or [], "By source", named=True))
        parts.append(_hit_table(hit.get("by_speaker") or [], "By speaker", named=True))
    parts.append("<h2>Parameters</h2><table>")
    for k, v in sorted(params.items()):
        parts.append(f"<tr><td class=l>{e(k.replace('_', ' '))}</td><td class=l>{e(_plain(v))}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _plain(v) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)
