"""Figures (matplotlib, Agg) and the one self-contained HTML report of a `compare` run."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import numpy as np


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "target"


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {"figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "svg.hashsalt": "analyzer", "path.simplify": True}
    )
    return plt


def _save(fig, path: Path) -> Path:
    # no timestamps in the PNG metadata: same seed and data -> same bytes
    fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight")
    fig.clf()
    return path


def write_report(out_dir: Path, summary: dict, fig_data: dict, params: dict) -> tuple[list[Path], Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    theme = summary["theme"]
    figures: list[Path] = []
    for target, f in fig_data.items():
        slug = f"{theme}_{_slug(target)}"
        figures.append(_timeseries(plt, out_dir / f"{slug}_timeseries.png", target, summary["signal"], f))
        if f.get("lead_lag"):
            figures.append(_lead_lag(plt, out_dir / f"{slug}_lead_lag.png", target, f))
        figures.append(_scatter(plt, out_dir / f"{slug}_scatter.png", target, summary["signal"], f))
        if f.get("event"):
            figures.append(_event(plt, out_dir / f"{slug}_event_study.png", target, f["event"]))
    plt.close("all")
    report = out_dir / f"{theme}_report.html"
    report.write_text(_html(summary, figures, params), encoding="utf-8")
    return figures, report


def _timeseries(plt, path, target, signal, f):
    grid, x, levels, eligible = f["grid"], f["x"], f["levels"], f["eligible"]
    fig, ax = plt.subplots(figsize=(9, 3.2))
    pos = np.arange(len(grid))
    lv = levels - levels[~np.isnan(levels)][0] if np.any(~np.isnan(levels)) else levels
    ax.plot(pos, lv, color="tab:blue", lw=1.2, label=f"{target} (cumulative, from first session)")
    ax.set_ylabel(f"{target} cumulative")
    ax2 = ax.twinx()
    ax2.bar(pos[eligible], x[eligible], color="tab:orange", alpha=0.6, width=1.0, label=signal)
    ax2.set_ylabel(signal)
    ticks = pos[:: max(1, len(pos) // 8)]
    ax.set_xticks(ticks, [grid[i] for i in ticks], rotation=30, ha="right")
    ax.set_title(f"{target} and the theme index ({signal}, sessions with claims)")
    return _save(fig, path)


def _lead_lag(plt, path, target, f):
    real, placebo = f["lead_lag"], f.get("placebo_lead_lag") or {}
    ks = sorted(real)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(np.array(ks) - 0.2, [real[k] for k in ks], width=0.4, label="index", color="tab:blue")
    if placebo:
        pk = sorted(placebo)
        ax.bar(
            np.array(pk) + 0.2, [placebo[k] for k in pk], width=0.4, label="placebo (shuffled dates)", color="tab:gray"
        )
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("lag k (sessions): corr(index[t], daily return[t+k]); k > 0 = index leads")
    ax.set_ylabel("correlation")
    ax.set_title(f"Lead-lag, {target}")
    ax.legend(loc="best")
    return _save(fig, path)


def _scatter(plt, path, target, signal, f):
    hs = sorted(f["horizons"])
    fig, axes = plt.subplots(1, len(hs), figsize=(3.2 * len(hs), 3), squeeze=False)
    x = f["x"]
    for ax, h in zip(axes[0], hs):
        y = f["horizons"][h]
        ok = ~(np.isnan(x) | np.isnan(y)) & f["eligible"]
        ax.scatter(x[ok], y[ok], s=8, alpha=0.6)
        if ok.sum() >= 3 and np.std(x[ok]) > 0:
            b, a = np.polyfit(x[ok], y[ok], 1)
            xs = np.linspace(x[ok].min(), x[ok].max(), 2)
            ax.plot(xs, a + b * xs, color="tab:red", lw=1)
        ax.set_title(f"{h}-session forward")
        ax.set_xlabel(signal)
    axes[0][0].set_ylabel(f"{target} return")
    return _save(fig, path)


def _event(plt, path, target, ev):
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(ev["k"], ev["top"], label=f"top decile (n={ev['n_top']})", color="tab:green")
    ax.plot(ev["k"], ev["bottom"], label=f"bottom decile (n={ev['n_bottom']})", color="tab:red")
    ax.axvline(0, color="black", lw=0.6)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("sessions from the event session's close")
    ax.set_ylabel(f"mean cumulative {target} return")
    ax.set_title(f"Event study, {target}")
    ax.legend(loc="best")
    return _save(fig, path)


def _fmt(v, digits=4) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return html.escape(str(v))


def _html(summary: dict, figures: list[Path], params: dict) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(summary['theme'])}: narrative vs returns</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
        "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%}.note{color:#555}</style>",
        "</head><body>",
        f"<h1>{e(summary['theme'])}: narrative vs returns</h1>",
        f"<p>Signal <code>{e(summary['signal'])}</code>; {summary['n_sessions']} sessions in the index, "
        f"{summary['n_claim_sessions']} with claims ({summary['n_claims']} claims); horizons {e(str(summary['horizons']))}; "
        f"seed {summary['seed']}.</p>",
        "<p class='note'>Forward returns start at the close of each claim's event session (the first session "
        "closing after publication), so no price known before publication enters them. The placebo column "
        "repeats each statistic with the index shuffled across sessions. Pearson CIs use Fisher's z and ignore "
        "the overlap of multi-session returns; the OLS rows use Newey-West errors with lags &ge; horizon.</p>",
    ]
    for note in summary.get("skipped", []):
        parts.append(f"<p class='note'>Skipped: {e(note)}</p>")
    rows = summary.get("results", [])
    if rows:
        parts.append(
            "<h2>Results</h2><table><tr><th>analysis</th><th>target</th><th>horizon / lag</th><th>statistic</th>"
            "<th>value</th><th>95% CI</th><th>p</th><th>n</th><th>placebo</th><th>placebo p</th></tr>"
        )
        for r in rows:
            if r["analysis"] == "lead_lag" and r["statistic"] == "corr":
                continue  # shown in the figure
            ci = "–" if r.get("ci_low") is None else f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
            parts.append(
                f"<tr><td>{e(r['analysis'])}</td><td>{e(r['target'])}</td><td>{r['horizon']}</td><td>{e(r['statistic'])}</td>"
                f"<td>{_fmt(r['value'])}</td><td>{ci}</td><td>{_fmt(r.get('p_value'))}</td><td>{r['n']}</td>"
                f"<td>{_fmt(r.get('placebo_value'))}</td><td>{_fmt(r.get('placebo_p_value'))}</td></tr>"
            )
        parts.append("</table>")
    hit = summary.get("hit_rates") or {}
    for key, title in (
        ("by_theme", "Hit rates of forward-looking claims"),
        ("by_source", "Hit rates by source"),
        ("by_speaker", "Hit rates by speaker"),
    ):
        items = hit.get(key) or []
        if not items:
            continue
        name_col = "name" if key != "by_theme" else None
        parts.append(
            f"<h2>{e(title)}</h2><table><tr>{'<th>name</th>' if name_col else ''}<th>target</th><th>horizon</th>"
            "<th>claims</th><th>hits</th><th>hit rate</th></tr>"
        )
        for it in items:
            parts.append(
                f"<tr>{'<td>' + e(it['name']) + '</td>' if name_col else ''}<td>{e(it['target'])}</td>"
                f"<td>{it['horizon']}</td><td>{it['claims']}</td><td>{it['hits']}</td><td>{it['hit_rate']:.2f}</td></tr>"
            )
        parts.append("</table>")
    if figures:
        parts.append("<h2>Figures</h2>")
    for p in figures:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        parts.append(
            f"<figure><img alt='{e(p.stem)}' src='data:image/png;base64,{data}'><figcaption>{e(p.name)}</figcaption></figure>"
        )
    parts.append(f"<p class='note'>Parameters: <code>{e(str(params))}</code></p></body></html>")
    return "\n".join(parts)
