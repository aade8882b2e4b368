"""Polite HTTP for feeds and pages: bounded concurrency overall and per host, timeouts, retries
with exponential backoff and jitter, 429/Retry-After, limited redirects, a maximum body size,
conditional GET. Every attempt is reported as an `Attempt` (one `fetches` row)."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from analyzer import __version__
from analyzer.errors import AnalyzerError
from analyzer.store import utcnow

USER_AGENT = (
    f"market-narrative-analyzer/{__version__} (+https://github.com/market-narrative-analyzer; "
    "feed collector; polite, conditional GET)"
)


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return float(value)
    except ValueError:
        raise AnalyzerError(f"{name}={value!r}: expected a number") from None


@dataclass(frozen=True)
class HttpConfig:
    concurrency: int = 16
    per_host: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # whole attempt, so a server trickling bytes cannot hold us forever
    retries: int = 2  # extra attempts after the first
    backoff: float = 1.0  # first backoff in seconds, doubled each retry, plus jitter
    max_retry_after: float = 60.0
    max_redirects: int = 5
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        # A zero limit would wait forever (Semaphore(0)); a negative one makes no sense either.
        at_least = {"concurrency": 1, "per_host": 1, "retries": 0, "max_redirects": 0, "max_bytes": 1}
        for name, low in at_least.items():
            if getattr(self, name) < low:
                raise AnalyzerError(f"{name} must be at least {low} (got {getattr(self, name)})")
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not getattr(self, name) > 0:
                raise AnalyzerError(f"{name} must be more than 0 seconds (got {getattr(self, name)})")
        for name in ("backoff", "max_retry_after"):
            if not getattr(self, name) >= 0:
                raise AnalyzerError(f"{name} must be 0 or more seconds (got {getattr(self, name)})")

    @classmethod
    def from_env(cls, **overrides) -> HttpConfig:
        """Defaults, then ANALYZE_HTTP_* environment variables, then explicit overrides."""
        base = cls()
        env: dict[str, Any] = {
            "connect_timeout": _env_float("ANALYZE_HTTP_CONNECT_TIMEOUT", base.connect_timeout),
            "read_timeout": _env_float("ANALYZE_HTTP_TIMEOUT", base.read_timeout),
            "total_timeout": _env_float("ANALYZE_HTTP_TOTAL_TIMEOUT", base.total_timeout),
            "retries": int(_env_float("ANALYZE_HTTP_RETRIES", base.retries)),
            "backoff": _env_float("ANALYZE_HTTP_BACKOFF", base.backoff),
            "max_retry_after": _env_float("ANALYZE_HTTP_MAX_RETRY_AFTER", base.max_retry_after),
            "max_bytes": int(_env_float("ANALYZE_HTTP_MAX_BYTES", base.max_bytes)),
            "concurrency": int(_env_float("ANALYZE_HTTP_CONCURRENCY", base.concurrency)),
            "per_host": int(_env_float("ANALYZE_HTTP_PER_HOST", base.per_host)),
        }
        env.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return replace(base, **env)
        except AnalyzerError as exc:
            raise AnalyzerError(f"{exc}: check the ANALYZE_HTTP_* environment variables") from None


@dataclass
class Attempt:
    url: str
    attempt: int
    started_at: str
    status: int | None = None
    final_url: str | None = None
    outcome: str = "ok"
    bytes: int = 0
    duration_ms: float = 0.0
    error: str | None = None


@dataclass
class Response:
    url: str
    ok: bool = False
    status: int | None = None
    final_url: str | None = None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    outcome: str = "ok"
    error: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    unchanged: bool = False  # a 200 whose body equals the one parsed last time

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class TooLarge(Exception):
    pass


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _name_not_resolved(exc: BaseException) -> bool:
    """Whether a connection failed because the host name did not resolve (socket.gaierror underneath)."""
    seen = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, socket.gaierror):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


class Fetcher:
    """One shared AsyncClient with an overall and a per-host limit. Use as `async with`."""

    def __init__(self, config: HttpConfig | None = None):
        self.config = config or HttpConfig.from_env()
        self._overall = asyncio.Semaphore(self.config.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        c = self.config
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=c.connect_timeout, read=c.read_timeout, write=c.read_timeout, pool=None),
            follow_redirects=True,
            max_redirects=c.max_redirects,
            headers={
                "User-Agent": c.user_agent,
                "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
                "Accept-Encoding": "gzip, deflate",
            },
            limits=httpx.Limits(max_connections=c.concurrency, max_keepalive_connections=c.concurrency),
            trust_env=False,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.config.per_host)
        return sem

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        c = self.config
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        resp = Response(url=url)
        for n in range(1, c.retries + 2):
            # Host slot first: requests queued for a busy host must not hold overall slots others could use.
            async with self._host_limit(url), self._overall:
                att, wait = await self._attempt(url, n, headers, resp)
            resp.attempts.append(att)
            if wait is None or n > c.retries:
                break
            await asyncio.sleep(wait)
        return resp

    def _backoff(self, n: int) -> float:
        base = self.config.backoff * (2 ** (n - 1))
        return base + random.uniform(0, base / 2)

    async def _attempt(self, url: str, n: int, headers: dict, resp: Response) -> tuple[Attempt, float | None]:
        """One request. Returns the attempt record and how long to wait before retrying (None: don't)."""
        c = self.config
        att = Attempt(url=url, attempt=n, started_at=utcnow())
        t0 = time.perf_counter()
        wait: float | None = None
        try:
            status, final_url, hdrs, body = await asyncio.wait_for(self._request(url, headers, att), c.total_timeout)
            att.status, att.final_url, att.bytes = status, final_url, len(body)
            resp.status, resp.final_url, resp.headers = status, final_url, hdrs
            if status == 304:
                att.outcome = resp.outcome = "not_modified"
                resp.ok, resp.error = True, None
            elif 200 <= status < 300:
                att.outcome = resp.outcome = "ok"
                resp.ok, resp.body, resp.error = True, body, None
            else:
                att.outcome = resp.outcome = "http_error"
                att.error = resp.error = f"HTTP {status}"
                resp.ok = False
                if status == 429 or (status == 503 and "retry-after" in hdrs):
                    after = retry_after_seconds(hdrs.get("retry-after"))
                    wait = min(after if after is not None else self._backoff(n), c.max_retry_after)
                    att.outcome = resp.outcome = "rate_limited" if status == 429 else "http_error"
                    att.error = resp.error = f"HTTP {status}, retry after {wait:.1f}s"
                elif status >= 500:
                    wait = self._backoff(n)
        except (TimeoutError, httpx.TimeoutException) as exc:
            kind = type(exc).__name__ if isinstance(exc, httpx.TimeoutException) else "total timeout"
            limit = (
                c.total_timeout
                if not isinstance(exc, httpx.TimeoutException)
                else (c.connect_timeout if isinstance(exc, httpx.ConnectTimeout) else c.read_timeout)
            )
            att.outcome = resp.outcome = "timeout"
            att.error = resp.error = f"timed out ({kind}, limit {limit:g}s)"
            resp.ok = False
            wait = self._backoff(n)
        except httpx.TooManyRedirects as exc:
            att.outcome = resp.outcome = "too_many_redirects"
            att.error = resp.error = f"too many redirects (more than {c.max_redirects}): {exc}"
            resp.ok = False
        except TooLarge as exc:
            att.outcome = resp.outcome = "too_large"
            att.error = resp.error = str(exc)
            resp.ok = False
        except (httpx.TransportError, httpx.DecodingError, httpx.InvalidURL, httpx.UnsupportedProtocol, OSError) as exc:
            resp.ok = False
            if _name_not_resolved(exc):
                # Asking again does not make a name resolve (and offline, every feed would wait for it).
                att.outcome = resp.outcome = "dns_error"
                att.error = resp.error = f"host name does not resolve: {urlsplit(url).hostname} ({exc})"[:500]
            else:
                att.outcome = resp.outcome = "network_error"
                att.error = resp.error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
                if isinstance(exc, (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):
                    wait = self._backoff(n)
        att.duration_ms = round((time.perf_counter() - t0) * 1000, 1)
        return att, wait

    async def _request(self, url: str, headers: dict, att: Attempt) -> tuple[int, str, dict, bytes]:
        c = self.config
        assert self._client is not None
        async with self._client.stream("GET", url, headers=headers) as r:
            hdrs = {k.lower(): v for k, v in r.headers.items()}
            att.status = r.status_code
            declared = hdrs.get("content-length")
            if declared and declared.isdigit() and int(declared) > c.max_bytes:
                raise TooLarge(f"body of {int(declared)} bytes declared, limit {c.max_bytes}")
            chunks, size = [], 0
            if r.status_code < 300:
                async for chunk in r.aiter_bytes():  # decompressed, so a gzip bomb is bounded too
                    size += len(chunk)
                    if size > c.max_bytes:
                        raise TooLarge(f"body larger than the limit of {c.max_bytes} bytes")
                    chunks.append(chunk)
            return r.status_code, str(r.url), hdrs, b"".join(chunks)
