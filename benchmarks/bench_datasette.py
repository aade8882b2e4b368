"""Page latencies of the browser on a large database (make_synthetic_db.py builds one).

Starts `analyze serve` on the database (the project's metadata and settings), warms each page
once, then times it `--repeat` times over HTTP and prints the median and the slowest, against
the 200 ms target: the articles and claims table pages (HTML and JSON), a theme facet, a
full-text search, every canned query of datasette_metadata.json and every query of the
dashboard (as the dashboard's charts fetch them), and the dashboard page itself.

    .venv/bin/python benchmarks/make_synthetic_db.py --out synthetic.db
    .venv/bin/python benchmarks/bench_datasette.py synthetic.db [--repeat 7]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_MS = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pages(db: str, meta: dict, search: str) -> list[tuple[str, str]]:
    base = f"/{db}"
    out = [
        ("articles table", f"{base}/articles"),
        ("articles.json?_size=1", f"{base}/articles.json?_size=1"),
        ("claims table", f"{base}/claims"),
        ("claims.json", f"{base}/claims.json"),
        ("claims theme facet, one theme", f"{base}/claims?_facet=theme&theme=rate_cuts"),
        (f"claims search '{search}'", f"{base}/claims?_search={quote(search)}"),
        ("dashboard page", "/-/dashboards/narratives"),
    ]
    queries = meta["databases"]["analyzer"].get("queries", {})
    for name, q in queries.items():
        params = dict.fromkeys(re.findall(r"(?<!:):(\w+)", q["sql"]), "")
        if "q" in params:
            params["q"] = search
        out.append((f"canned {name}", f"{base}/{name}?{urlencode(params)}"))
    dash = meta["plugins"]["datasette-dashboards"]["narratives"]
    for kind, items in (("chart", dash.get("charts", {})), ("filter", dash.get("filters", {}))):
        for name, item in items.items():
            sql = item.get("query")
            if not sql:
                continue
            for label, text in (
                ("all", re.sub(r"\[\[.*?\]\]", "", sql)),
                ("theme", sql.replace("[[", "").replace("]]", "")),
            ):
                if label == "theme" and "[[" not in sql:
                    continue
                args = {"sql": text, "_shape": "array"}
                if ":theme" in text:
                    args["theme"] = "rate_cuts"
                out.append((f"dashboard {kind} {name} ({label})", f"{base}.json?{urlencode(args)}"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--search", default="cocoa", help="full-text query (a rarer word of the synthetic vocabulary)")
    args = ap.parse_args()
    import httpx

    from analyzer.browse.serve import database_name, load_metadata

    db_path = Path(args.db).resolve()
    con_count = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; c=sqlite3.connect('{db_path}'); "
            "print(*[c.execute(f'select count(*) from {t}').fetchone()[0] for t in ('articles','claims')])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    port = free_port()
    analyze = str(Path(sys.executable).parent / "analyze")
    server = subprocess.Popen(
        [analyze, "serve", "--db", str(db_path), "--port", str(port)],
        stdout=subprocess.DEVNULL,  # an unread pipe fills with the access log and stalls the server
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(600):
                try:
                    client.get("/-/versions.json")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            meta = load_metadata(database_name(db_path))
            meta["databases"]["analyzer"] = meta["databases"][database_name(db_path)]
            print(
                f"{db_path.name}: {int(con_count[0]):,} articles, {int(con_count[1]):,} claims; "
                f"median and slowest of {args.repeat} requests after one warm-up; target < {TARGET_MS} ms median"
            )
            print(f"{'page':58s} {'median ms':>9s} {'max ms':>8s} {'status':>6s}")
            slow = []
            for name, url in pages(database_name(db_path), meta, args.search):
                times = []
                try:
                    status = client.get(url).status_code
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        r = client.get(url)
                        times.append((time.perf_counter() - t0) * 1000)
                        status = r.status_code
                except httpx.TimeoutException:
                    slow.append(name)
                    print(f"{name:58s} {'timed out after 60 s':>26s}  <-- over")
                    continue
                med = statistics.median(times)
                flag = "" if med < TARGET_MS and status == 200 else "  <-- over"
                if flag:
                    slow.append(name)
                print(f"{name:58s} {med:9.0f} {max(times):8.0f} {status:6d}{flag}")
            print(f"{len(slow)} page(s) over target" + (f": {', '.join(slow)}" if slow else ""))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
