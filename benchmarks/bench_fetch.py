"""Fetch throughput: the analyzer's concurrent fetch path against a sequential loop.

Starts a threaded HTTP server on 127.0.0.1 serving N feeds x M items, then in the same process
1. a sequential loop: one request after another (httpx), feedparser, plain sqlite inserts;
2. `analyzer.collect.fetch.fetch_feeds` into a fresh database.
and prints articles/s for both and the ratio. `--latency` (default 0.2 s) adds a per-response
delay at the server, standing in for the DNS, TCP/TLS set-up and server time a real feed host
costs (loopback has none). With no latency both sides are bound by feedparser's CPU time, so on
a small machine the ratio is near 1x; concurrency pays off where requests wait on the network.

    .venv/bin/python benchmarks/bench_fetch.py [--feeds 200] [--items 50] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_feed(f: int, items: int) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Bench feed {f}</title><link>http://bench.test/{f}/</link><description>Bench</description>"
    ]
    for i in range(items):
        parts.append(
            f"<item><title>Feed {f} story {i}: small caps rally as traders price a September rate cut</title>"
            f"<link>http://bench.test/{f}/story/{i}?utm_source=rss&amp;utm_medium=feed</link>"
            f'<guid isPermaLink="false">bench-{f}-{i}</guid><dc:creator>Reporter {i % 7}</dc:creator>'
            f"<pubDate>Thu, 11 Jul 2024 {i % 24:02d}:{i % 60:02d}:00 -0400</pubDate>"
            f"<description>&lt;p&gt;The Russell 2000 jumped {i % 5}.{f % 10}% on Thursday as investors rotated out of "
            f"mega-cap technology into smaller companies after a cooler-than-expected inflation report.&lt;/p&gt;"
            f"&lt;p&gt;Short sellers scrambled to cover positions in feed {f}, item {i}.&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(n_feeds: int, items: int, latency: float, port_queue) -> None:
    feeds = {f"/feed/{f}.xml": make_feed(f, items) for f in range(n_feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            body = feeds.get(self.path)
            if latency:
                time.sleep(latency)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    httpd = Server(("127.0.0.1", 0), Handler)
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


def start_server(n_feeds: int, items: int, latency: float):
    """The server runs in its own process, so its threads do not compete with the measured
    loops for this process's interpreter lock."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=serve, args=(n_feeds, items, latency, q), daemon=True)
    proc.start()
    return proc, q.get(timeout=60)


def sequential(urls: list[str], db_path: Path) -> int:
    import feedparser
    import httpx

    conn = sqlite3.connect(db_path)
    conn.execute("create table articles (guid text primary key, url text, title text, summary text, published text)")
    n = 0
    with httpx.Client(timeout=30) as client:
        for url in urls:
            r = client.get(url)
            d = feedparser.parse(r.content)
            for e in d.entries:
                conn.execute(
                    "insert or ignore into articles values (?, ?, ?, ?, ?)",
                    (e.get("id"), e.get("link"), e.get("title"), e.get("summary"), e.get("published")),
                )
                n += 1
            conn.commit()
    conn.close()
    return n


def analyzer_fetch(urls: list[str], db_path: Path, concurrency: int, workers: int | None) -> tuple[int, dict]:
    from analyzer import store
    from analyzer.collect.fetch import fetch_feeds
    from analyzer.collect.http import HttpConfig

    db = store.open_db(db_path)
    # Every loopback feed is on one host, so the per-host limit is lifted to the overall one here.
    cfg = HttpConfig(concurrency=concurrency, per_host=concurrency, retries=0, read_timeout=60, total_timeout=120)
    s = fetch_feeds(db, urls, config=cfg, parse_workers=workers)
    n = db.execute("select count(*) from articles").fetchone()[0]
    db.conn.close()
    return n, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.2, help="seconds the server waits before each answer")
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight (the analyzer's default)")
    ap.add_argument("--workers", type=int, default=None, help="parse worker processes (default: the analyzer's choice)")
    args = ap.parse_args()

    server, port = start_server(args.feeds, args.items, args.latency)
    base = f"http://127.0.0.1:{port}"
    urls = [f"{base}/feed/{f}.xml" for f in range(args.feeds)]
    total = args.feeds * args.items
    print(
        f"bench_fetch: {args.feeds} feeds x {args.items} items = {total} articles on {base}, "
        f"server latency {args.latency * 1000:.0f} ms, analyzer concurrency {args.concurrency}"
    )
    # Imports happen before the clocks start, for both sides: this measures throughput.
    import feedparser  # noqa: F401
    import httpx  # noqa: F401

    import analyzer.collect.fetch
    import analyzer.store  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        n_seq = sequential(urls, Path(tmp) / "seq.db")
        t_seq = time.perf_counter() - t0

        t0 = time.perf_counter()
        n_an, summary = analyzer_fetch(urls, Path(tmp) / "analyzer.db", args.concurrency, args.workers)
        t_an = time.perf_counter() - t0
    server.terminate()
    server.join()
    rate_seq, rate_an = n_seq / t_seq, n_an / t_an
    print(f"sequential loop  : {n_seq:6d} articles in {t_seq:7.2f} s = {rate_seq:8.1f} articles/s")
    print(
        f"analyze fetch    : {n_an:6d} articles in {t_an:7.2f} s = {rate_an:8.1f} articles/s "
        f"({summary.feeds_ok} ok, {summary.feeds_failed} failed)"
    )
    print(f"ratio            : {rate_an / rate_seq:.2f}x (target >= 5x)")


if __name__ == "__main__":
    main()
