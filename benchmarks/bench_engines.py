"""The local and the Ray scoring engine side by side on the 2023 archive (same machine, one run).

Imports the first `--n` archive items once, then scores a copy of that database with each
engine as a whole `analyze score` process (start-up, Ray's included): the local engine, and Ray
with 1 and with `--workers` actors. Prints items/s, items/s per worker, the ratio to the local
engine, and what that rate means for 10 million items.

    .venv/bin/python benchmarks/bench_engines.py [--n 20000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_archive import ARCHIVE, write_outlets  # noqa: E402


def run(argv: list[str]) -> tuple[float, dict]:
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, cwd=REPO)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv[1:4])} failed: {p.stderr.decode()[-2000:]}")
    return wall, json.loads(p.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="archive items (default 20000)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    if not ARCHIVE.is_file():
        sys.exit(f"{ARCHIVE}: the 2023 archive is not there")
    analyze = str(Path(sys.executable).parent / "analyze")
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        items = write_outlets(tmp / "in", args.n)
        base = tmp / "base.db"
        run([analyze, "import", str(tmp / "in"), "--db", str(base), "--json"])
        engines = [("local", 1, []), ("ray", 1, ["--engine", "ray", "--workers", "1"])]
        if args.workers > 1:
            engines.append(("ray", args.workers, ["--engine", "ray", "--workers", str(args.workers)]))
        print(
            f"{items:,} archive items, {os.cpu_count()} CPUs; each run a whole `analyze score` process "
            "(start-up included) on its own copy of the database"
        )
        print(f"{'engine':16s} {'seconds':>8s} {'articles':>9s} {'items/s':>8s} {'per worker':>10s} {'vs local':>9s}")
        local = None
        results = []
        for name, workers, extra in engines:
            db = tmp / f"{name}{workers}.db"
            shutil.copy(base, db)
            wall, summary = run([analyze, "score", "--db", str(db), "--json", *extra])
            rate = summary["articles"] / wall
            local = local or rate
            results.append((name, workers, rate))
            label = f"{name} x{workers}" if name == "ray" else name
            print(
                f"{label:16s} {wall:8.1f} {summary['articles']:9d} {rate:8.0f} {rate / workers:10.0f} "
                f"{rate / local:8.2f}x"
            )
        per = results[1][2]  # one actor on one CPU: the rate a cluster's worker adds (start-up included)
        print(
            f"per-worker rate {per:.0f} items/s (ray x1; more actors than free cores only share them): "
            "10 million items take about "
            + ", ".join(f"{1e7 / (per * w) / 3600:.1f} h on {w}" for w in (8, 32, 128))
            + " workers (items like these: title and summary; full texts cost more)"
        )


if __name__ == "__main__":
    main()
