"""The figures of a `compare` run (matplotlib, Agg): each titled with the theme and target, axes in
units, n stated, intervals and null bands drawn. Same data and seed -> same bytes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from analyzer.study.findings import TETLOCK_BP_PER_SD

BLUE, ORANGE, GREY, GREEN, RED = "#1f77b4", "#e67e22", "#9e9e9e", "#2e7d32", "#c62828"


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "target"


def pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "font.size": 9,
            "axes.titlesize": 10,
            "svg.hashsalt": "analyzer",
            "path.simplify": True,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def save(fig, path: Path) -> Path:
    """Write the PNG with its titles and axis labels as text chunks (readable without OCR) and no
    timestamp or software version (same seed and data -> same bytes)."""
    titles = [fig.get_suptitle()] if fig.get_suptitle() else []
    titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    labels = [f"x: {ax.get_xlabel()}; y: {ax.get_ylabel()}" for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel()]
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    metadata = {
        "Software": None,
        "Title": " | ".join(titles),
        "Description": " | ".join(labels),
        "Comment": "legend: " + " | ".join(legend) if legend else None,
    }
    fig.savefig(path, format="png", metadata=metadata, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _date_axis(ax, dates) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def index_vs_target(plt, path, label, target, d) -> Path:
    import pandas as pd

    dates = pd.to_datetime(d["sessions"])
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    ax.plot(dates, d["index"], color=ORANGE, lw=1.6, label=f"{label} index (sessions with claims)")
    ax.plot(dates, d["target"], color=BLUE, lw=1.2, label=f"{target} daily {d.get('move', 'return')}")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel("standard deviations")
    ax.set_xlabel("trading session")
    _date_axis(ax, dates)
    ax.set_title(
        f"{label}: narrative index vs {target}, 10-session trailing means, each in sd units (n = {d['n']} sessions)"
    )
    ax.legend(loc="upper left", frameon=False, ncols=2)
    return save(fig, path)


def effects(plt, path, label, target, rows, unit) -> Path:
    rows = sorted(rows, key=lambda r: r["horizon"])
    fig, ax = plt.subplots(figsize=(6.5, 3.4), layout="constrained")
    xs = np.arange(len(rows))
    for i, r in enumerate(rows):
        ax.fill_between([i - 0.3, i + 0.3], r["null_low"], r["null_high"], color=GREY, alpha=0.3, lw=0)
        lo, hi = r["ci_low"], r["ci_high"]
        err = None if lo is None else [[r["value"] - lo], [hi - r["value"]]]
        ax.errorbar(i, r["value"], yerr=err, fmt="o", color=BLUE, capsize=4)
        q = "" if r["q_value"] is None else f"\nq={r['q_value']:.2f}"
        ax.annotate(f"n={r['n']}{q}", (i + 0.08, r["value"]), fontsize=7, va="center")
    if rows and rows[0]["horizon"] == 1 and not unit.startswith("bp of yield"):
        ax.plot(
            [0],
            [-TETLOCK_BP_PER_SD],
            marker="_",
            ms=18,
            color=RED,
            lw=0,
            label="Tetlock (2007): 8.1 bp per sd, next day",
        )
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(xs, [f"{r['horizon']} session{'s' if r['horizon'] != 1 else ''}" for r in rows])
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("forward horizon from the event session's close")
    ax.set_ylabel(f"{unit} per sd of the index")
    n = max(r["n"] for r in rows)
    ax.set_title(
        f"{label}: effect on {target} per 1 sd of the index (n = {n} sessions)\n"
        "dots: estimate with 95 % interval; grey: null 5-95 %"
    )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", frameon=False, fontsize=7)
    return save(fig, path)


def lead_lag(plt, path, label, target, ll, peak_row) -> Path:
    prof = ll["profile"]
    ks = sorted(prof)
    fig, ax = plt.subplots(figsize=(7.5, 3.4), layout="constrained")
    lo = [prof[k]["null_low"] for k in ks]
    hi = [prof[k]["null_high"] for k in ks]
    ax.fill_between(
        ks, lo, hi, color=GREY, alpha=0.35, lw=0, step="mid", label="null 5-95 % (index permuted in blocks)"
    )
    colors = [BLUE if k != ll["peak"] else ORANGE for k in ks]
    ax.bar(ks, [prof[k]["corr"] for k in ks], width=0.6, color=colors, label="correlation")
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.4, ls=":")
    ax.set_xticks(ks)
    ax.set_xlabel("lag k in sessions: corr(index on day t, return on day t+k); k > 0: the index leads")
    ax.set_ylabel("correlation")
    n = max(prof[k]["n"] for k in ks)
    peak = f"peak at k = {ll['peak']}"
    if peak_row:
        peak += f", adjusted p = {peak_row['p_value']:.3f}"
    ax.set_title(f"{label}: lead-lag of the index and {target} daily returns (n = {n} sessions; {peak})")
    ax.legend(loc="upper left", frameon=False, fontsize=7)
    return save(fig, path)


def scatter(plt, path, label, target, effects_data, unit, horizons) -> Path:
    fig, axes = plt.subplots(1, len(horizons), figsize=(3.3 * len(horizons), 3.2), squeeze=False, layout="constrained")
    for ax, h in zip(axes[0], horizons):
        d = effects_data.get(h)
        ax.set_xlabel("index (sd from its mean)")
        if d is None:
            ax.text(0.5, 0.5, "too little data", ha="center", va="center", transform=ax.transAxes, color=GREY)
            ax.set_title(f"{h}-session forward return")
            continue
        x, y = d["x"], d["y"]
        ax.scatter(x, y, s=8, alpha=0.5, color=BLUE, lw=0)
        xs = np.linspace(x.min(), x.max(), 50)
        ym = y.mean()
        ax.plot(xs, ym + d["beta"] * xs, color=ORANGE, lw=1.3, label="fit")
        if d["ci"][0] is not None:
            a, b = ym + d["ci"][0] * xs, ym + d["ci"][1] * xs
            ax.fill_between(
                xs,
                np.minimum(a, b),
                np.maximum(a, b),
                color=ORANGE,
                alpha=0.2,
                lw=0,
                label="95 % interval of the slope",
            )
        ax.axhline(0, color="black", lw=0.4)
        ax.set_title(f"{h}-session forward return (n = {len(x)})")
    axes[0][0].set_ylabel(f"{target}, {unit}")
    axes[0][0].legend(loc="best", frameon=False, fontsize=7)
    fig.suptitle(f"{label}: the index and {target}'s later return")
    return save(fig, path)


def event_study(plt, path, label, target, ev, unit) -> Path:
    k = ev["k"]
    fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
    ax.fill_between(
        k, ev["null_low"], ev["null_high"], color=GREY, alpha=0.3, lw=0, label="null 5-95 % (random sessions)"
    )
    ax.fill_between(k, ev["ci_low"], ev["ci_high"], color=BLUE, alpha=0.2, lw=0, label="95 % interval")
    ax.plot(k, ev["car"], color=BLUE, lw=1.8, label=f"mean, signed by the shock (n = {ev['n_events']} events)")
    if ev.get("bullish"):
        ax.plot(k, ev["bullish"], color=GREEN, lw=1, ls="--", label=f"bullish shocks, unsigned (n = {ev['n_bullish']})")
    if ev.get("bearish"):
        ax.plot(k, ev["bearish"], color=RED, lw=1, ls="--", label=f"bearish shocks, unsigned (n = {ev['n_bearish']})")
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.4, ls=":")
    ax.set_xlabel(f"sessions from the event session's close (abnormal to {ev['model']})")
    ax.set_ylabel(f"cumulative abnormal {target}, {unit}")
    ax.set_title(f"{label}: {target} around narrative shocks (index |z| >= {ev['z']:g}, {ev['n_events']} events)")
    ax.legend(loc="upper left", frameon=False, fontsize=7)
    return save(fig, path)
