"""The real-history case study: the whole pipeline on real news, no hand-picked items.

  2023      ../shared/data/news/rss_2023_news_feeds.jsonl.gz (61,897 RSS items: title and the feed's
            description) against the bundled 2023 prices, all three themes
  2018-2020 ../shared/data/news/reuters_headlines_2018-03_2020-07.csv.gz (headlines with a date and
            no time) against ../shared/data/prices/extra/, rate_cuts

Writes docs/case-study.md and its figures under docs/case-study/; the databases and converted files
go to build/case-study/ (not committed: the news text belongs to its publishers). Each run starts
from empty databases, so a re-run with a new claim model gives what a first run would; --reuse
keeps them (scoring resumes) when only the study changed. Run it with `make case-study`.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import shutil
import sys
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RSS_2023 = SHARED / "news" / "rss_2023_news_feeds.jsonl.gz"
REUTERS = SHARED / "news" / "reuters_headlines_2018-03_2020-07.csv.gz"
EXTRA_PRICES = SHARED / "prices" / "extra"
NEW_YORK = ZoneInfo("America/New_York")
DOCS = REPO / "docs"
FIGURES = DOCS / "case-study"


# --- converters: the shared files -> what `analyze import` / `analyze prices` read -----------------


def rss_2023_items(path: Path):
    """(outlet, JSONL record) per item: title, the feed's description as the text, time with offset."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            yield (
                item.get("outlet") or "unknown",
                {
                    "url": item.get("url"),
                    "title": item.get("title"),
                    "published": str(item["published"]).replace(" ", "T", 1),
                    "text": item.get("description") or "",
                },
            )


def respace(headline: str) -> str:
    """Undo the uploader's re-spacing of punctuation ("U . S . stocks , bonds" -> "U.S. stocks, bonds")."""
    s = re.sub(r"(\d) \. (?=\d)", r"\1.", headline)  # 1 . 5 -> 1.5
    s = re.sub(r"\b([A-Z]) \. (?=[A-Z]\b)", r"\1.", s)  # U . S . -> U.S .
    s = re.sub(r"\s+([.,;:!?%])", r"\1", s)
    s = re.sub(r"\s+'\s*s\b", "'s", s)
    s = re.sub(r"\$\s+(?=\d)", "$", s)
    return s.strip()


def end_of_day(day: str) -> str:
    """A date without a time, taken as published at 23:59 New York time that day: after the close,
    so its claims belong to the next session (no look-ahead, at the cost of a day's delay)."""
    d = date.fromisoformat(day)
    return datetime.combine(d, dtime(23, 59), tzinfo=NEW_YORK).isoformat()


def reuters_items(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) < 2 or not row[0][:4].isdigit():
                continue
            headline = respace(row[1])
            yield {"title": headline, "published": end_of_day(row[0]), "guid": f"reuters:{row[0]}:{headline}"}


def alphavantage_to_yahoo(src: Path) -> str:
    """`date,1. open,2. high,3. low,4. close,5. volume` (unadjusted) -> Date,...,Adj Close,Volume with
    Adj Close = Close: these closes are not adjusted for dividends."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"])
    with src.open(newline="") as fh:
        for row in csv.DictReader(fh):
            close = row["4. close"]
            w.writerow([row["date"], row["1. open"], row["2. high"], row["3. low"], close, close, row["5. volume"]])
    return out.getvalue()


def write_jsonl(path: Path, records) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


# --- the pipeline --------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, flush=True)


def build_2023(work: Path, draws: int) -> dict:
    import analyzer

    db_path = work / "rss_2023.db"
    db = analyzer.open_db(db_path)
    files = work / "rss_2023"
    files.mkdir(exist_ok=True)
    by_outlet = defaultdict(list)
    for outlet, rec in rss_2023_items(RSS_2023):
        by_outlet[outlet].append(rec)
    items = sum(len(v) for v in by_outlet.values())
    for outlet, recs in sorted(by_outlet.items()):
        path = files / f"{re.sub(r'[^a-z0-9]+', '_', outlet.lower())}.jsonl"
        write_jsonl(path, recs)
        analyzer.import_files(db, [path], source=f"rss2023:{outlet}")
    log(f"2023: {items} items from {len(by_outlet)} outlets imported")
    analyzer.load_prices(db, source="bundled")
    return _study(db, db_path, work, "2023", ("small_cap_rotation", "short_squeeze", "rate_cuts"), draws, items)


def build_reuters(work: Path, draws: int) -> dict:
    import analyzer

    db_path = work / "reuters_2018_2020.db"
    db = analyzer.open_db(db_path)
    path = work / "reuters_headlines.jsonl"
    items = write_jsonl(path, reuters_items(REUTERS))
    analyzer.import_files(db, [path], source="reuters-headlines")
    prices = work / "prices_extra"
    prices.mkdir(exist_ok=True)
    for sym in ("IWM", "SPY", "QQQ"):
        (prices / f"{sym}.csv").write_text(
            alphavantage_to_yahoo(EXTRA_PRICES / f"{sym}_daily_unadjusted_alphavantage.csv")
        )
    shutil.copy(EXTRA_PRICES / "DGS2_fred_1976-2021.csv", prices / "DGS2.csv")
    analyzer.load_prices(db, source=f"csv:{prices}", start="2017-06-01", end="2020-12-31")
    log(f"2018-2020: {items} headlines imported")
    return _study(db, db_path, work, "reuters", ("rate_cuts",), draws, items)


def _study(db, db_path: Path, work: Path, name: str, themes, draws: int, items: int) -> dict:
    import analyzer

    t0 = time.perf_counter()
    scored = analyzer.score(db, progress=sys.stderr.isatty())
    log(f"{name}: {scored.line()} ({time.perf_counter() - t0:.0f}s)")
    grouped = analyzer.group_stories(db)
    log(f"{name}: {grouped.line()}")
    analyzer.align(db, themes=list(themes))
    out: dict = {"name": name, "items": items, "themes": {}}
    out["articles"] = db["articles"].count
    out["model_version"] = (db.execute("select model_version from article_scores limit 1").fetchone() or [None])[0]
    out["claims"] = dict(db.execute("select theme, count(*) from claims group by theme").fetchall())
    for theme in themes:
        s = analyzer.compare(db, theme, out_dir=work / "reports" / name / theme, draws=draws)
        log(f"{name}: {s.line()}")
        out["themes"][theme] = s
    db.conn.close()
    return out


# --- the document ---------------------------------------------------------------------------------


def _fmt(v, digits=3) -> str:
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def _p(v) -> str:
    from analyzer.study.findings import fmt_p

    return fmt_p(v)


def _table(rows) -> list[str]:
    names = {
        "beta": "effect per sd",
        "peak_beta": "strongest lead-lag (adjusted)",
        "signed_car": "event study, mean signed CAR",
        "hit_rate": "hit rate of forward claims",
    }
    out = [
        "| target | horizon (sessions) | statistic | value | unit | 95 % interval | no relation | null 5-95 % | p | q | n | detectable (80 % power) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["q_value"] is None:
            continue
        n = f"{r['n']}" + (f" ({r['n_sessions']} sessions)" if r["n_sessions"] != r["n"] else "")
        mde = f"±{_fmt(r['mde'])}" if r.get("mde") else "–"
        out.append(
            f"| {r['target']} | {r['horizon']} | {names.get(r['statistic'], r['statistic'])} | {_fmt(r['value'])} | "
            f"{r['unit']} | [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}] | {_fmt(r['reference'])} | "
            f"[{_fmt(r['null_low'])}, {_fmt(r['null_high'])}] | "
            f"{_p(r['p_value'])} | {_p(r['q_value'])} | {n} | {mde} |"
        )
    return out


def _by_count_table(rows) -> list[str]:
    """The effect with the index over every claim beside the index over each story once."""
    pairs: dict = {}
    for r in rows:
        if r["analysis"] == "by_count":
            pairs.setdefault((r["target"], r["horizon"]), {})[r["statistic"]] = r
    if not pairs:
        return []
    out = [
        "Copies or stories: the same effect with the index over every claim and over each story once "
        "(`analyze stories`), each against its own null.",
        "",
        "| target | horizon (sessions) | every claim | 95 % interval | p | each story once | 95 % interval | p | unit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (target, h), by in pairs.items():
        cells = []
        for key in ("beta_claims", "beta_stories"):
            r = by.get(key)
            cells += (
                [_fmt(r["value"]), f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", _p(r["p_value"])]
                if r
                else ["–", "–", "–"]
            )
        unit = next(iter(by.values()))["unit"]
        out.append(f"| {target} | {h} | " + " | ".join(cells) + f" | {unit} |")
    return out + [""]


def _figures(summary, prefix: str) -> list[str]:
    """Copy the figures of one theme into docs/case-study/ and return their markdown."""
    out = []
    wanted = ("index_vs_target", "effects", "lead_lag", "event_study")
    for path in sorted(summary.figures, key=lambda p: (Path(p).stem.rsplit("_", 2)[0], _rank(p, wanted))):
        stem = Path(path).stem
        if not any(stem.endswith(w) for w in wanted):
            continue
        dest = FIGURES / f"{prefix}_{Path(path).name}"
        shutil.copy(path, dest)
        out.append(f"![{stem.replace('_', ' ')}](case-study/{dest.name})")
    return out


def _rank(path: str, wanted) -> int:
    return next((i for i, w in enumerate(wanted) if Path(path).stem.endswith(w)), len(wanted))


def write_doc(studies: list[dict]) -> Path:
    from analyzer import __version__
    from analyzer.study.multiple import holm

    if FIGURES.exists():
        shutil.rmtree(FIGURES)
    FIGURES.mkdir(parents=True)
    all_main = [
        (st["name"], theme, r)
        for st in studies
        for theme, s in st["themes"].items()
        for r in s.results
        if r["q_value"] is not None
    ]
    adjusted = holm([r["p_value"] for _, _, r in all_main])
    best = min(zip(adjusted, all_main), key=lambda t: t[0], default=(None, None))
    lines = [
        "# Case study: the narrative against real history",
        "",
        "Generated by `make case-study` (`scripts/case_study.py`); re-run it after changing the claim model and",
        "commit what it writes, whatever it shows. Nothing here was hand-picked: every item of both archives",
        "went through `import`, `score`, `align` and `compare` with their defaults.",
        "",
        f"Analyzer {__version__}; claim model `{studies[0].get('model_version')}`; "
        f"{studies[0]['themes'][next(iter(studies[0]['themes']))].draws:,} null draws per statistic.",
        "",
        "## Headline",
        "",
    ]
    for st in studies:
        for s in st["themes"].values():
            lines.append(f"- **{_study_title(st['name'])}, {s.label}.** {s.finding['headline']}")
    if best[0] is not None:
        name, theme, r = best[1]
        lines += [
            "",
            f"Across all {len(all_main)} main tests of the {sum(len(st['themes']) for st in studies)} theme studies, "
            f"the smallest family-wise (Holm) adjusted p is {_p(best[0])} ({_study_title(name)}, {theme}, "
            f"{r['target']}, {r['statistic']} at {r['horizon']} sessions): "
            + (
                "at least one relation survives a family-wise correction."
                if best[0] < 0.05
                else "no relation survives a family-wise correction over everything tested here."
            ),
        ]
    lines += ["", "## Data and method", ""]
    lines += [
        "- **2023 RSS archive**: `../shared/data/news/rss_2023_news_feeds.jsonl.gz`, every item "
        f"({studies[0]['items']:,} items, {studies[0]['articles']:,} articles after the importer's de-duplication). The "
        "text scored is the headline and the feed's description, not the full article. Most items are world and "
        "political news, so theme claims are sparse and false positives are a real risk. Prices: the bundled "
        "2023-2024 daily sample (adjusted closes; FRED DGS2).",
    ]
    if len(studies) > 1:
        lines.append(
            "- **Reuters headlines 2018-03 to 2020-07**: `../shared/data/news/reuters_headlines_2018-03_2020-07.csv.gz`, "
            f"every headline ({studies[1]['items']:,}; {studies[1]['articles']:,} after de-duplication), with the "
            "uploader's re-spaced punctuation re-joined. **The file has dates, no times: each headline is taken as "
            "published at 23:59 New York time on its date**, so it belongs to the next session's close; a headline "
            "that moved prices during its own day is therefore not credited with that move. Prices: "
            "`../shared/data/prices/extra/` (Alpha Vantage ETF closes, not adjusted for dividends; FRED DGS2). "
            "Theme: rate cuts (2019 was a cutting year), target minus the change in the 2-year yield."
        )
    lines += [
        "- **Claims per theme**: "
        + "; ".join(
            f"{_study_title(st['name'])}: " + ", ".join(f"{t} {n:,}" for t, n in sorted(st["claims"].items()))
            for st in studies
        )
        + ".",
        "- **Method** (`analyze compare`): the daily theme index (each headline counts once; sessions without "
        "claims have no value) against the targets' forward returns from the close of each claim's event session. "
        "Effects are in basis points per 1 sd of the index. Every p-value comes from block permutations of the "
        "index among its sessions (returns fixed, autocorrelation kept); each 95 % interval inverts the same test, "
        "so it excludes zero exactly when p < 0.05; q-values are Benjamini-Hochberg across the main tests of each "
        "theme's run; lead-lag is one family (max-statistic over lags). Event study: abnormal returns after "
        "narrative shocks (past-only robust |z| >= 2), events a window apart, at least 10. Hit rates: forward-looking "
        "claims against the base rate, clustered on sessions. Out of sample: each relation is re-estimated on the "
        "second half of the sessions alone (for lead-lag, at the lag picked on the first half).",
        "- **Copies or stories**: `analyze stories` groups copies and updates of one story; each theme's "
        "second table restates the effect with the index over each story's first mention only. The grouping "
        "links copies and close rewrites well and loosely related items poorly (`models/stories/README.md`), "
        "so read that column as copies removed, not as a count of distinct events.",
        "- **Reading a detected relation**: it is an association in time, not a mechanism. Where the target trends, "
        "claims that follow a move can 'predict' its continuation; the lead-lag profile (negative lags: the target "
        "moved first) and the split-sample replication are the checks to read next to it. The main table's q-values "
        "correct within each theme's run; the family-wise sentence above corrects across all of them.",
        "",
    ]
    for st in studies:
        for s in st["themes"].values():
            lines += [f"## {_study_title(st['name'])}: {s.label}", ""]
            stories = "" if s.n_stories is None else f", {s.n_stories:,} stories"
            lines.append(
                f"{s.n_claim_sessions} sessions with claims ({s.n_claims:,} claims{stories}), {s.first_session} to "
                f"{s.last_session}."
            )
            lines += ["", f"**Finding.** {s.finding['headline']}", ""]
            lines += [f"- {d}" for d in s.finding.get("detail", [])]
            if s.skipped:
                lines += ["", "Not computed: " + "; ".join(s.skipped) + "."]
            lines += [""] + _table(s.results) + [""]
            lines += _by_count_table(s.results)
            lines += _figures(s, st["name"]) + [""]
    path = DOCS / "case-study.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _study_title(name: str) -> str:
    return {"2023": "2023 RSS", "reuters": "Reuters 2018-2020"}.get(name, name)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=REPO / "build" / "case-study", help="folder for databases and files")
    # more draws than compare's default: the smallest p is 2 / (draws + 1), and the family-wise
    # statement across all studies must be able to clear a Holm correction over ~60 tests
    ap.add_argument("--draws", type=int, default=9999, help="null draws per statistic")
    ap.add_argument("--reuse", action="store_true", help="keep the databases of the last run (scoring resumes)")
    args = ap.parse_args(argv)
    for needed in (RSS_2023, REUTERS, EXTRA_PRICES):
        if not needed.exists():
            print(f"error: {needed}: not found (the shared data folder is needed)", file=sys.stderr)
            return 1
    if not args.reuse and args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    studies = [build_2023(args.work, args.draws), build_reuters(args.work, args.draws)]
    path = write_doc(studies)
    log(f"took {(time.perf_counter() - started) / 60:.1f} minutes")
    counts = Counter(s.finding["verdict"] for st in studies for s in st["themes"].values())
    log(f"wrote {path.relative_to(REPO)} and {len(list(FIGURES.iterdir()))} figures: {dict(counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
