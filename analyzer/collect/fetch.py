"""`analyze fetch`: fetch feeds concurrently, parse, store articles, optionally fetch full text.

Library entry point: `fetch_feeds(db, feeds, *, full_text=False, progress=False, config=None)`.
Each feed's outcome (its fetch attempts, validators and articles) is written in one transaction,
so a process killed at any moment leaves every feed either done or untouched; the next run
completes the rest (conditional GET validators are stored together with the articles they
describe, never ahead of them).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sqlite3
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, fields
from functools import partial

import sqlite_utils

from analyzer import store
from analyzer.collect.articles import StoreCounts, store_articles
from analyzer.collect.feedlists import FeedSpec, spec
from analyzer.collect.http import Fetcher, HttpConfig, Response
from analyzer.collect.parse import parse_to_rows
from analyzer.errors import AnalyzerError
from analyzer.records import FeedFailure, FetchSummary, Rejected

PAGE_BATCH = 20


@dataclass
class Counts:
    """What a fetch run has done so far (mutable while the run goes on); `freeze()` gives the summary."""

    feeds: int = 0
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feeds_bozo: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_duplicate: int = 0
    fetches: int = 0
    errors: int = 0
    full_text_ok: int = 0
    full_text_failed: int = 0
    items_rejected: int = 0
    elapsed_s: float = 0.0
    failed: list[FeedFailure] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def add(self, c: StoreCounts) -> None:
        self.articles_new += c.new
        self.articles_updated += c.updated
        self.articles_duplicate += c.duplicate

    def freeze(self, run_id: int | None = None) -> FetchSummary:
        counts = {f.name: getattr(self, f.name) for f in fields(self)}
        return FetchSummary(**{**counts, "failed": tuple(self.failed), "rejected": tuple(self.rejected)}, run_id=run_id)


def _as_spec(f) -> FeedSpec:
    if isinstance(f, FeedSpec):
        return f
    if isinstance(f, str):
        return spec(f, where="feed")
    if isinstance(f, dict):
        return spec(f.get("url"), f.get("name"), tuple(f.get("tags") or ()), where="feed")
    raise AnalyzerError(f"not a feed: {f!r}")


def register_feeds(db: sqlite_utils.Database, specs: list[FeedSpec]) -> list[dict]:
    """Upsert the feeds by URL; return their rows (with stored validators)."""
    out = []
    with store.transaction(db):
        for s in specs:
            row = db.execute(
                "select id, etag, last_modified, name, tags, body_sha256 from feeds where url = ?", [s.url]
            ).fetchone()
            if row is None:
                fid = db.table("feeds").insert({"url": s.url, "name": s.name, "tags": json.dumps(list(s.tags))}).last_pk
                out.append({"id": fid, "url": s.url, "name": s.name, "etag": None, "last_modified": None})
            else:
                fid, etag, lm, name, tags, sha = row
                upd = {}
                if s.name and s.name != name:
                    upd["name"] = s.name
                if s.tags and json.dumps(list(s.tags)) != tags:
                    upd["tags"] = json.dumps(list(s.tags))
                if upd:
                    db.table("feeds").update(fid, upd)
                out.append(
                    {
                        "id": fid,
                        "url": s.url,
                        "name": s.name or name,
                        "etag": etag,
                        "last_modified": lm,
                        "body_sha256": sha,
                    }
                )
    return out


def _fetch_rows(resp: Response, run_id: int | None, kind: str, feed_id=None, article_id=None) -> list[dict]:
    return [
        {
            "run_id": run_id,
            "feed_id": feed_id,
            "article_id": article_id,
            "kind": kind,
            "url": a.url,
            "final_url": a.final_url,
            "attempt": a.attempt,
            "started_at": a.started_at,
            "status": a.status,
            "outcome": a.outcome,
            "bytes": a.bytes,
            "duration_ms": a.duration_ms,
            "error": a.error,
        }
        for a in resp.attempts
    ]


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def parse_response(feed: dict, resp: Response, now: str) -> dict | None:
    """Arguments for `parse_to_rows` for a response that has a body to parse, else None
    (an error, a 304, or a 200 whose body is the one parsed last time)."""
    if not resp.ok or resp.not_modified or resp.unchanged:
        return None
    return {
        "body": resp.body,
        "content_type": resp.headers.get("content-type"),
        "base_url": resp.headers.get("content-location") or resp.final_url or feed["url"],
        "feed_id": feed["id"],
        "source": feed.get("name") or feed["url"],
        "now": now,
        "origin": feed["url"],
    }


def write_feed_result(
    db, feed: dict, resp: Response, parsed: dict | None, now: str, run_id, summary: Counts
) -> list[str]:
    """Write everything about one feed (attempts, validators, articles) in one transaction.
    Returns the ids of new articles."""
    fetch_rows = _fetch_rows(resp, run_id, "feed", feed_id=feed["id"])
    feed_upd = {"last_fetched_at": now, "last_status": resp.status, "last_error": resp.error}
    rows: list[dict] = []
    rejected = []
    failed = not resp.ok
    if parsed is not None:
        if parsed["error"]:
            failed = True
            fetch_rows[-1].update(outcome="parse_error", error=parsed["error"])
            feed_upd["last_error"] = parsed["error"]
        else:
            rows, rejected = parsed["rows"], parsed["rejected"]
            feed_upd.update(
                title=parsed["title"],
                site_url=parsed["site_url"],
                bozo=int(parsed["bozo"]),
                bozo_reason=parsed["bozo_reason"],
                last_error=None,
                body_sha256=body_hash(resp.body),
                etag=resp.headers.get("etag"),
                last_modified=resp.headers.get("last-modified"),
            )
            if parsed["bozo"]:
                summary.feeds_bozo += 1
                fetch_rows[-1].update(outcome="bozo", error=f"kept {len(rows)} entries; {parsed['bozo_reason']}"[:500])
    elif resp.unchanged:
        fetch_rows[-1].update(outcome="unchanged")
        feed_upd.update(etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"))
    elif resp.not_modified:
        # A 304 may carry fresh validators; keep the old ones otherwise.
        if resp.headers.get("etag"):
            feed_upd["etag"] = resp.headers["etag"]
        if resp.headers.get("last-modified"):
            feed_upd["last_modified"] = resp.headers["last-modified"]
    with store.transaction(db):
        db["fetches"].insert_all(fetch_rows)
        db["feeds"].update(feed["id"], feed_upd)
        counts, new_ids = store_articles(db, rows, now) if rows else (StoreCounts(), [])
        store.record_rejected(db, run_id, rejected)
    summary.rejected.extend(rejected)
    summary.items_rejected += len(rejected)
    summary.fetches += len(fetch_rows)
    summary.errors += sum(1 for r in fetch_rows if r["outcome"] not in ("ok", "not_modified", "unchanged", "bozo"))
    summary.add(counts)
    if failed:
        summary.feeds_failed += 1
        summary.failed.append(FeedFailure(feed["url"], str(feed_upd["last_error"])))
    elif resp.not_modified or resp.unchanged:
        summary.feeds_not_modified += 1
    else:
        summary.feeds_ok += 1
    return new_ids


def _record_invalid(db, specs: list[FeedSpec], run_id, summary: Counts) -> None:
    """Feeds that cannot be fetched as given (a malformed URL): each is that feed's failure."""
    if not specs:
        return
    now = store.utcnow()
    rows = [
        {"run_id": run_id, "kind": "feed", "url": s.url, "started_at": now, "outcome": "invalid_url", "error": s.error}
        for s in specs
    ]
    with store.transaction(db):
        db["fetches"].insert_all(rows)
    summary.errors += len(specs)
    summary.feeds_failed += len(specs)
    summary.failed.extend(FeedFailure(s.url, s.error or "invalid") for s in specs)


def _record_store_error(db, feed: dict, resp: Response, run_id, summary: Counts, exc: Exception) -> None:
    error = f"could not store: {type(exc).__name__}: {exc}"[:500]
    rows = _fetch_rows(resp, run_id, "feed", feed_id=feed["id"])
    rows[-1].update(outcome="store_error", error=error)
    with store.transaction(db):
        db["fetches"].insert_all(rows)
        db["feeds"].update(feed["id"], {"last_fetched_at": store.utcnow(), "last_error": error})
    summary.fetches += len(rows)
    summary.errors += 1
    summary.feeds_failed += 1
    summary.failed.append(FeedFailure(feed["url"], error))


def _parse_pool(workers: int):
    """Worker processes for feedparser, which is CPU-bound pure Python; spawned, so they share
    nothing with the event loop's threads or the open database."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from analyzer.collect.parse import worker_init

    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=worker_init
    )


def default_parse_workers(n_feeds: int) -> int:
    env = os.environ.get("ANALYZE_PARSE_WORKERS")
    if env is not None and env.strip().isdigit():
        return int(env)
    # Starting workers costs about a second; only worth it for a longer list.
    return min(os.cpu_count() or 1, 4) if n_feeds >= 24 else 0


async def _fetch_all(
    db, feeds: list[dict], config: HttpConfig, run_id, summary: Counts, bar, workers: int
) -> list[str]:
    new_ids: list[str] = []
    loop = asyncio.get_running_loop()
    pool = _parse_pool(workers) if workers > 0 else None
    pools = [pool] if pool is not None else []
    t0 = time.perf_counter()
    try:
        async with Fetcher(config) as fetcher:
            # Bounds how many fetched bodies wait for parsing at once.
            in_flight = asyncio.Semaphore(max(2 * config.concurrency, 2 * workers, 1))

            async def one(feed):
                async with in_flight:
                    await one_feed(feed)

            async def one_feed(feed):
                resp = await fetcher.get(feed["url"], etag=feed.get("etag"), last_modified=feed.get("last_modified"))
                if resp.ok and not resp.not_modified and feed.get("body_sha256") == body_hash(resp.body):
                    resp.unchanged = True
                now = store.utcnow()
                job = parse_response(feed, resp, now)
                parsed = None
                if job is not None:
                    try:
                        if pools:
                            try:
                                parsed = await loop.run_in_executor(pools[0], partial(parse_to_rows, **job))
                            except BrokenProcessPool:
                                # Workers could not start (say, a caller's script without a __main__ guard):
                                # parse here instead, slower but correct.
                                pools.clear()
                        if parsed is None:
                            parsed = parse_to_rows(**job)
                    except Exception as exc:  # never expected (entries are guarded), but one feed only
                        parsed = {"error": f"parse failed: {type(exc).__name__}: {exc}"[:500]}
                # No await between here and the commit: one feed's transaction never interleaves with another's.
                try:
                    new_ids.extend(write_feed_result(db, feed, resp, parsed, now, run_id, summary))
                except sqlite3.OperationalError:
                    raise  # database locked or disk full: every later feed would fail the same way
                except Exception as exc:
                    _record_store_error(db, feed, resp, run_id, summary, exc)
                if bar is not None:
                    bar.update(1)
                    elapsed = time.perf_counter() - t0
                    bar.set_postfix(
                        new=summary.articles_new,
                        upd=summary.articles_updated,
                        dup=summary.articles_duplicate,
                        err=summary.feeds_failed,
                        refresh=False,
                    )
                    bar.set_description(
                        f"feeds ({summary.articles_new / elapsed if elapsed else 0:.0f} new art/s)", refresh=False
                    )

            await asyncio.gather(*(one(f) for f in feeds))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return new_ids


async def _full_text(db, article_ids: list[str], config: HttpConfig, run_id, summary: Counts, bar) -> None:
    from analyzer.collect.fulltext import extract_page

    # Politeness: pages go at most two at a time per host.
    page_config = HttpConfig(**{**asdict(config), "per_host": min(config.per_host, 2)})
    targets, no_url = [], []
    for aid in article_ids:
        row = db.execute("select id, url, summary, timestamp_source from articles where id = ?", [aid]).fetchone()
        if row and row[1] and row[1].startswith(("http://", "https://")):
            targets.append(row)
        elif row:
            no_url.append(row[0])
    if no_url:
        with store.transaction(db):
            for aid in no_url:
                db["articles"].update(aid, {"full_text_status": "skipped", "full_text_error": "no http(s) URL"})
    pending: list[tuple] = []

    def flush():
        with store.transaction(db):
            for (aid, _url, _summ, ts_source), resp, page in pending:
                db["fetches"].insert_all(_fetch_rows(resp, run_id, "page", article_id=aid))
                upd = {"full_text_status": page.status, "full_text_error": page.error, "updated_at": store.utcnow()}
                if page.status in ("ok", "truncated") and page.text:
                    upd["content"] = page.text
                if page.language:
                    upd["language"] = page.language.lower()
                if ts_source == "fetched" and page.published_at:
                    upd.update(
                        published_at=page.published_at, published_raw=page.published_raw, timestamp_source="page"
                    )
                db["articles"].update(aid, upd)
                summary.fetches += len(resp.attempts)
                if page.status == "ok":
                    summary.full_text_ok += 1
                else:
                    summary.full_text_failed += 1
        pending.clear()

    async with Fetcher(page_config) as fetcher:

        async def one(t):
            return t, await fetcher.get(t[1])

        for fut in asyncio.as_completed([asyncio.create_task(one(t)) for t in targets]):
            t, resp = await fut
            from analyzer.collect.fulltext import PageText

            if resp.ok:
                page = extract_page(resp.body, resp.final_url or t[1], status=resp.status, summary=t[2])
            elif resp.status in (401, 402, 403):
                page = extract_page(b"", t[1], status=resp.status)
            else:
                page = PageText("failed", error=resp.error or "fetch failed")
            pending.append((t, resp, page))
            if bar is not None:
                bar.update(1)
            if len(pending) >= PAGE_BATCH:
                flush()
    if pending:
        flush()


def _run(coro):
    """asyncio.run, also from code that already runs an event loop (a notebook, say): there the
    coroutine gets its own loop in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_terminable(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as ex:
        return ex.submit(asyncio.run, coro).result()


def _run_terminable(coro):
    """asyncio.run where a Python SIGTERM handler (the CLI's) stops the run cleanly.

    Called straight from the signal, the handler raises wherever the main thread happens to be:
    inside a task's step, its exception is stored on that task ("Task exception was never
    retrieved", with a traceback) while the loop unwinds. Here the loop takes the signal, cancels
    the whole run, and the handler is called once the loop has closed, as asyncio.run does for Ctrl-C.
    """
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous) or threading.current_thread() is not threading.main_thread():
        return asyncio.run(coro)
    received: list[bool] = []

    async def main():
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def on_sigterm():
            received.append(True)
            task.cancel()

        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        try:
            return await coro
        finally:
            loop.remove_signal_handler(signal.SIGTERM)  # leaves SIG_DFL behind
            signal.signal(signal.SIGTERM, previous)

    try:
        result = asyncio.run(main())
    except asyncio.CancelledError:
        if received:
            previous(signal.SIGTERM, None)
        raise
    if received:  # the run finished before the cancellation landed
        previous(signal.SIGTERM, None)
    return result


def fetch_feeds(
    db: sqlite_utils.Database,
    feeds: list,
    *,
    full_text: bool = False,
    progress: bool = False,
    config: HttpConfig | None = None,
    arguments: dict | None = None,
    parse_workers: int | None = None,
) -> FetchSummary:
    """Fetch `feeds` (FeedSpec, URL strings or {"url","name","tags"} dicts) into `db`.

    Records a `runs` row (command "fetch") and returns its FetchSummary.
    `parse_workers`: processes for feed parsing (default: the CPU count, up to 4, for 24 or more
    feeds, else parse in-process; env ANALYZE_PARSE_WORKERS).
    """
    specs = [_as_spec(f) for f in feeds]
    if not specs:
        raise AnalyzerError("no feeds to fetch (the feed list is empty or no feed has the given tag)")
    config = config or HttpConfig.from_env()
    args = arguments if arguments is not None else {"feeds": [s.url for s in specs], "full_text": full_text}
    summary = Counts(feeds=len(specs))
    t0 = time.perf_counter()
    with store.record_run(db, "fetch", args, libraries=("httpx", "feedparser", "trafilatura")) as run:
        _record_invalid(db, [s for s in specs if s.error], run.id, summary)
        rows = register_feeds(db, [s for s in specs if not s.error])
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(rows), unit="feed", desc="feeds", dynamic_ncols=True)
        try:
            workers = default_parse_workers(len(rows)) if parse_workers is None else parse_workers
            try:
                new_ids = _run(_fetch_all(db, rows, config, run.id, summary, bar, workers))
            except sqlite3.OperationalError as exc:
                path = db.execute("pragma database_list").fetchone()[2]
                raise AnalyzerError(f"{path}: {exc} (is another process writing to it?)") from None
        finally:
            if bar is not None:
                bar.close()
        if full_text:
            # Pages of this run's new articles plus any left over by an interrupted earlier run.
            feed_ids = [r["id"] for r in rows]
            marks = ",".join("?" * len(feed_ids))
            left = [
                r[0]
                for r in db.execute(
                    f"select id from articles where full_text_status is null and feed_id in ({marks})", feed_ids
                )
            ]
            ids = list(dict.fromkeys(new_ids + left))
            bar = None
            if progress and ids:
                from tqdm import tqdm

                bar = tqdm(total=len(ids), unit="page", desc="full text", dynamic_ncols=True)
            try:
                _run(_full_text(db, ids, config, run.id, summary, bar))
            finally:
                if bar is not None:
                    bar.close()
        summary.elapsed_s = round(time.perf_counter() - t0, 3)
        result = summary.freeze(run.id)
        run.counts = {k: v for k, v in result.as_dict().items() if k not in ("failed", "rejected", "run_id")}
        if result.feeds_failed == result.feeds:
            run.fail(f"every feed failed ({result.feeds})")
    return result
