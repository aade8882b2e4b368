"""The whole pipeline on the 2023 archive (61,897 RSS items), stage by stage, in one run.

Each stage runs as its own `analyze` process (start-up included) on one fresh database:
import, score, stories, prices, align and compare (then align --count stories and compare
again: the study of the index that counts stories, not copies). For each stage:
seconds, items per second, the process's peak memory (ru_maxrss from wait4) and the database's
size after it (file plus WAL). The archive's items are written to one JSONL file per outlet in a
temporary folder (the text never enters the repository) so each article's source is its outlet.

    .venv/bin/python benchmarks/bench_archive.py [--limit N] [--engine local|ray] [--workers N] [--keep DB]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "data" / "news" / "rss_2023_news_feeds.jsonl.gz"
TARGET_S = 150
TARGET_MB = 2048


def write_outlets(folder: Path, limit: int | None) -> int:
    by_outlet: dict[str, list[str]] = defaultdict(list)
    n = 0
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and n >= limit:
                break
            r = json.loads(line)
            item = {"url": r["url"], "title": r["title"], "published": r["published"], "summary": r["description"]}
            by_outlet[r["outlet"]].append(json.dumps(item, ensure_ascii=False))
            n += 1
    for outlet, lines in by_outlet.items():
        (folder / f"{outlet}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return n


def run(argv: list[str]) -> tuple[float, float, dict]:
    """(seconds, peak RSS in MB, the --json summary) of one whole process."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, cwd=REPO)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(argv[1:3])} failed ({p.returncode}): {err.read().decode()[-2000:]}")
    lines = [x for x in out.decode().splitlines() if x.startswith("{")]
    return wall, usage.ru_maxrss / 1024, (json.loads(lines[-1]) if lines else {})


def db_size_mb(db: Path) -> float:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N archive items")
    ap.add_argument("--engine", default="local", choices=["local", "ray"])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", default=None, help="keep the database at this path")
    args = ap.parse_args()
    if not ARCHIVE.is_file():
        sys.exit(f"{ARCHIVE}: the 2023 archive is not there")
    analyze = str(Path(sys.executable).parent / "analyze")
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        items = write_outlets(tmp / "in", args.limit)
        db = tmp / "archive.db"
        score = [analyze, "score", "--db", str(db), "--json", "--engine", args.engine]
        if args.workers:
            score += ["--workers", str(args.workers)]
        compare = [analyze, "compare", "--db", str(db), "--theme", "rate_cuts", "--out", str(tmp / "reports"), "--json"]
        stages = [
            ("import", [analyze, "import", str(tmp / "in"), "--db", str(db), "--json"], lambda s: items),
            ("score", score, lambda s: s.get("articles", 0)),
            ("stories", [analyze, "stories", "--db", str(db), "--json"], lambda s: s.get("articles", 0)),
            ("prices", [analyze, "prices", "--db", str(db), "--json"], lambda s: 0),
            ("align", [analyze, "align", "--db", str(db), "--json"], lambda s: s.get("claims_total", 0)),
            ("compare", compare, lambda s: s.get("n_claims", 0)),
            (
                "align --count stories",
                [analyze, "align", "--db", str(db), "--json", "--count", "stories"],
                lambda s: s.get("claims_total", 0),
            ),
            ("compare (stories)", compare, lambda s: s.get("n_claims", 0)),
        ]
        print(f"{items:,} archive items; engine {args.engine}; each stage a whole `analyze` process")
        print(f"{'stage':24s} {'seconds':>8s} {'items':>8s} {'items/s':>9s} {'peak MB':>8s} {'DB MB':>7s}  summary")
        total, peak = 0.0, 0.0
        summaries = {}
        times: dict[str, float] = {}
        for name, argv, count in stages:
            wall, rss, summary = run(argv)
            summaries[name] = summary
            times[name] = wall
            n = count(summary)
            total += wall
            peak = max(peak, rss)
            rate = f"{n / wall:9.0f}" if n else f"{'':9s}"
            line = {k: summary.get(k) for k in ("articles_new", "claims", "stories", "index_rows", "n_results")}
            line = {k: v for k, v in line.items() if v is not None}
            print(f"{name:24s} {wall:8.1f} {n:8d} {rate} {rss:8.0f} {db_size_mb(db):7.0f}  {line}")
        four = sum(times[k] for k in ("import", "score", "align", "compare"))
        print(f"all stages {total:.1f}s ({items / total:.0f} items/s end to end), peak {peak:.0f} MB")
        print(
            f"import + score + align + compare: {four:.1f}s, peak {peak:.0f} MB; target < {TARGET_S}s and "
            f"< {TARGET_MB} MB -> {'met' if four < TARGET_S and peak < TARGET_MB else 'NOT met'}"
        )
        if args.keep:
            shutil.copy(db, args.keep)


if __name__ == "__main__":
    main()
