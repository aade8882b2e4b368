"""Helpers for the collector tests (imported by name; conftest puts this folder on sys.path):
a real HTTP server on 127.0.0.1 (free port) serving registered routes and fault endpoints, and
small feed builders."""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
SHARED_FEEDS = REPO / ".." / "shared" / "data" / "feeds"

# Small limits so the fault tests take seconds, not minutes.
TEST_HTTP = {
    "connect_timeout": 2.0,
    "read_timeout": 1.5,
    "total_timeout": 4.0,
    "retries": 1,
    "backoff": 0.05,
    "max_retry_after": 1.5,
    "max_bytes": 400_000,
    "concurrency": 8,
    "per_host": 8,
}
TEST_ENV = {
    "ANALYZE_HTTP_TIMEOUT": "1.5",
    "ANALYZE_HTTP_CONNECT_TIMEOUT": "2",
    "ANALYZE_HTTP_TOTAL_TIMEOUT": "4",
    "ANALYZE_HTTP_RETRIES": "1",
    "ANALYZE_HTTP_BACKOFF": "0.05",
    "ANALYZE_HTTP_MAX_RETRY_AFTER": "1.5",
}


def http_config(**over):
    from analyzer.collect.http import HttpConfig

    return HttpConfig(**{**TEST_HTTP, **over})


def rss(items: list[dict], title: str = "Test feed", encoding: str = "utf-8") -> bytes:
    """A small RSS 2.0 document; items have title, link, guid, description, pubDate."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>{title}</title>'
        "<link>http://example.test/</link><description>d</description><language>en-us</language>"
    ]
    for it in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "pubDate"):
            if it.get(key) is not None:
                attr = ' isPermaLink="false"' if key == "guid" else ""
                parts.append(f"<{key}{attr}>{it[key]}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(encoding)


def make_items(prefix: str, n: int, base: str = "http://example.test") -> list[dict]:
    return [
        {
            "title": f"{prefix} headline {i}: small caps rally as rate cut bets grow",
            "link": f"{base}/{prefix}/{i}?utm_source=rss",
            "guid": f"{prefix}-{i}",
            "description": f"Story {i} of {prefix}. Investors rotated into smaller companies.",
            "pubDate": f"Thu, 11 Jul 2024 {9 + i % 10:02d}:{i % 60:02d}:00 -0400",
        }
        for i in range(n)
    ]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    validators: bool = False  # serve ETag/Last-Modified and answer 304 to a matching conditional GET
    gzip: bool = False
    delay: float = 0.0
    # (status, headers, body) answered to the first requests, in order, before the normal answer
    first: list = field(default_factory=list)


class Server:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.slow_after: int | None = None  # every request after this many sleeps `slow_delay`
        self.slow_delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # clients hanging up on purpose
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, **kw) -> str:
        self.routes[path] = Route(**kw)
        return self.url(path)

    def hits(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _sleep(self, seconds: float):
        self.stop.wait(seconds)  # bounded; wakes at shutdown

    def handle(self, h: BaseHTTPRequestHandler):
        path = urlsplit(h.path).path
        with self.lock:
            n = len(self.requests)
            self.requests.append({"path": path, "t": time.monotonic(), "headers": dict(h.headers)})
            seen = sum(1 for r in self.requests if r["path"] == path)
        if self.slow_after is not None and n >= self.slow_after:
            self._sleep(self.slow_delay)
        route = self.routes.get(path)
        if route is None:
            return self._send(h, 404, {"Content-Type": "text/plain"}, b"not found")
        if route.delay:
            self._sleep(route.delay)
        if seen <= len(route.first):
            status, headers, body = route.first[seen - 1]
            return self._send(h, status, headers, body)
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.validators:
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            lm = email.utils.formatdate(1_720_000_000, usegmt=True)
            headers.update({"ETag": etag, "Last-Modified": lm})
            if h.headers.get("If-None-Match") == etag or h.headers.get("If-Modified-Since") == lm:
                return self._send(h, 304, {"ETag": etag}, b"")
        body = route.body
        if route.gzip and "gzip" in (h.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return self._send(h, route.status, headers, body)

    def _send(self, h, status, headers, body):
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            if "Content-Length" not in headers:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if body and status != 304:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def content_type_for(name: str) -> str:
    return "application/atom+xml" if name.endswith(".atom") else "application/rss+xml"
