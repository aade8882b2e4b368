"""The CLI end to end: exit codes, feed lists and tags, JSON summary, and a fetch killed with
SIGKILL mid-run that leaves a consistent database the next run completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from collect_testkit import TEST_ENV, http_config, make_items, rss

from analyzer.cli import main
from analyzer.collect.fetch import fetch_feeds


def children_of(pid: int) -> list[int]:
    """Live child processes of `pid` (Linux /proc; empty elsewhere)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def analyze(*args, env=None):
    return CliRunner().invoke(main, list(args), env={**TEST_ENV, **(env or {})}, catch_exceptions=False)


def feeds_fetched(proc, db_path: Path, at_least: int, within: float = 60.0) -> int:
    """Poll the database of a running `analyze fetch` (bounded) until `at_least` feeds are
    committed, the process ends or `within` seconds pass; the number of committed feeds."""
    deadline = time.monotonic() + within
    done = 0
    while time.monotonic() < deadline and proc.poll() is None and done < at_least:
        if db_path.exists():
            try:
                with sqlite3.connect(db_path, timeout=1) as c:
                    done = c.execute("select count(*) from feeds where last_fetched_at is not null").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
        time.sleep(0.02)
    return done


def test_interrupted_fetch_leaves_consistent_db_that_next_run_completes(server, tmp_path):
    n_feeds, n_items = 30, 150
    urls = [server.add(f"/f{i}", body=rss(make_items(f"k{i}", n_items)), validators=True) for i in range(n_feeds)]
    feed_list = tmp_path / "feeds.toml"
    feed_list.write_text(
        "".join(f'[[feed]]\nname = "feed {i}"\nurl = "{u}"\ntags = ["t"]\n\n' for i, u in enumerate(urls))
    )
    db_path = tmp_path / "killed.db"
    server.slow_after, server.slow_delay = 12, 30.0  # the rest hang, so the run cannot finish before the kill
    env = {
        **os.environ,
        **TEST_ENV,
        "ANALYZE_HTTP_CONCURRENCY": "4",
        "ANALYZE_HTTP_TIMEOUT": "60",
        "ANALYZE_HTTP_TOTAL_TIMEOUT": "60",
    }
    cmd = [
        sys.executable,
        "-c",
        "from analyzer.cli import main; main()",
        "fetch",
        "--feeds",
        str(feed_list),
        "--db",
        str(db_path),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        done = feeds_fetched(proc, db_path, at_least=2)
        assert proc.poll() is None, proc.stderr.read().decode()
        assert done >= 2, "the fetch made no progress within 60s"
        workers = children_of(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # Parse worker processes notice and exit; none lingers as an orphan.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if Path(f"/proc/{w}").exists()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    per_feed = dict(
        conn.execute(
            "select f.url, count(a.id) from feeds f left join articles a on a.feed_id = f.id group by f.url"
        ).fetchall()
    )
    with_validators = {r[0] for r in conn.execute("select url from feeds where etag is not null")}
    # Each feed is all or nothing, and validators are only stored with their articles.
    for url, n in per_feed.items():
        assert n in (0, n_items), (url, n)
        assert (n == n_items) == (url in with_validators), url
    assert 0 < len(with_validators) < n_feeds
    assert conn.execute("select status from runs where command = 'fetch'").fetchone()[0] == "running"
    fts = conn.execute("select count(*) from articles_fts").fetchone()[0]
    assert fts == conn.execute("select count(*) from articles").fetchone()[0]
    conn.close()

    server.slow_after = None
    from analyzer import store

    db = store.open_db(db_path)
    s = fetch_feeds(db, urls, config=http_config())
    assert db.execute("select count(*) from articles").fetchone()[0] == n_feeds * n_items
    assert s.articles_new == n_feeds * n_items - len(with_validators) * n_items
    assert s.feeds_not_modified == len(with_validators) and s.feeds_failed == 0
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_sigterm_is_handled_like_ctrl_c_and_the_run_says_interrupted(server, tmp_path):
    n_feeds, n_items = 10, 20
    urls = [server.add(f"/t{i}", body=rss(make_items(f"t{i}", n_items))) for i in range(n_feeds)]
    db_path = tmp_path / "term.db"
    server.slow_after, server.slow_delay = 4, 30.0  # the rest hang: the run is still going when SIGTERM comes
    env = {**os.environ, **TEST_ENV, "ANALYZE_HTTP_CONCURRENCY": "2", "ANALYZE_HTTP_TIMEOUT": "60"}
    env["ANALYZE_HTTP_TOTAL_TIMEOUT"] = "60"
    args = [a for u in urls for a in ("--url", u)]
    cmd = [sys.executable, "-c", "from analyzer.cli import main; main()", "fetch", *args, "--db", str(db_path)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        done = feeds_fetched(proc, db_path, at_least=2)
        assert proc.poll() is None and done >= 2, "the fetch did not get going"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()
    assert b"terminated (SIGTERM)" in err and b"Traceback" not in err
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select status, error from runs").fetchall() == [("interrupted", "terminated (SIGTERM)")]
    per_feed = conn.execute("select count(a.id) from feeds f left join articles a on a.feed_id = f.id group by f.id")
    assert {n for (n,) in per_feed} <= {0, n_items}


def test_cli_exit_codes_summary_and_json(server, tmp_path):
    good = server.add("/good", body=rss(make_items("g", 2)))
    missing = server.url("/missing")
    db = str(tmp_path / "cli.db")

    r = analyze("fetch", "--url", good, "--url", missing, "--db", db)
    assert r.exit_code == 0, r.output
    assert "fetch: 2 feeds (1 ok, 0 not modified, 1 failed), articles 2 new" in r.output
    assert f"failed: {missing}: HTTP 404" in r.output

    r = analyze("fetch", "--url", good, "--db", db, "--json")
    data = json.loads(r.stdout)
    assert data["articles_new"] == 0 and data["feeds_not_modified"] == 1 and data["feeds"] == 1

    r = analyze("fetch", "--url", missing, "--db", db)
    assert r.exit_code == 1 and "every feed failed" in r.output

    r = analyze("fetch", "--url", "not a url", "--db", db)
    assert r.exit_code == 1 and "'not a url' is not an http(s) URL" in r.output

    bad = tmp_path / "broken.toml"
    bad.write_text("[[feed]\nurl = ")
    r = analyze("fetch", "--feeds", str(bad), "--db", db)
    assert r.exit_code == 1 and "broken.toml: not valid TOML" in r.output

    r = analyze("fetch", "--feeds", str(tmp_path / "absent.opml"), "--db", db)
    assert r.exit_code == 2 and "absent.opml' does not exist" in r.output

    runs = sqlite3.connect(db).execute("select command, status, error from runs order by id").fetchall()
    assert runs[:2] == [("fetch", "ok", None), ("fetch", "ok", None)]
    assert runs[2] == ("fetch", "failed", "every feed failed (1)")  # exit 1, and the run says so too


def test_feed_lists_toml_opml_and_tags(server, tmp_path):
    a = server.add("/a", body=rss(make_items("a", 1)))
    b = server.add("/b", body=rss(make_items("b", 1)))
    toml = tmp_path / "list.toml"
    toml.write_text(
        f'[[feed]]\nname = "A"\nurl = "{a}"\ntags = ["fed"]\n\n[[feed]]\nname = "B"\nurl = "{b}"\ntags = ["small_caps"]\n'
    )
    db = str(tmp_path / "lists.db")
    r = analyze("fetch", "--feeds", str(toml), "--tag", "fed", "--db", db)
    assert r.exit_code == 0, r.output
    assert len(server.hits("/a")) == 1 and len(server.hits("/b")) == 0
    assert sqlite3.connect(db).execute("select name, tags from feeds").fetchall() == [("A", '["fed"]')]

    opml = tmp_path / "list.opml"
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="macro">'
        f'<outline text="B feed" xmlUrl="{b}"/></outline></body></opml>'
    )
    r = analyze("fetch", "--feeds", str(opml), "--tag", "macro", "--db", db)
    assert r.exit_code == 0, r.output
    assert len(server.hits("/b")) == 1

    r = analyze("fetch", "--feeds", str(toml), "--tag", "nothing", "--db", db)
    assert r.exit_code == 1 and "no feeds to fetch" in r.output


def test_shipped_default_feed_list_is_valid():
    from analyzer.collect.feedlists import DEFAULT_FEED_LIST, load_feed_list

    feeds = load_feed_list(DEFAULT_FEED_LIST)
    assert len(feeds) >= 10 and all(f.name and f.tags for f in feeds)
    assert all(f.url.startswith("https://") for f in feeds)
    opml = load_feed_list(Path(DEFAULT_FEED_LIST).with_suffix(".opml"))
    assert {f.url for f in opml} <= {f.url for f in feeds}


def test_sigterm_landing_inside_a_running_task_stops_the_fetch_loop_cleanly(caplog):
    """The signal usually lands while the loop waits on sockets; here it lands while a task runs
    Python code, where a handler raising straight away would leave its exception on the task."""
    import asyncio
    import gc
    import threading

    from analyzer.cli import _on_sigterm
    from analyzer.collect.fetch import _run
    from analyzer.errors import Terminated

    ran_out = []

    async def busy():
        async def spin():
            end = time.monotonic() + 60
            while time.monotonic() < end:
                sum(range(10_000))  # mostly Python code, with a rare await
                await asyncio.sleep(0)
            ran_out.append(True)

        await asyncio.gather(spin(), spin())

    previous = _on_sigterm()
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        with pytest.raises(Terminated):
            _run(busy())
        assert not ran_out, "the run went on after SIGTERM"
        gc.collect()
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert "never retrieved" not in caplog.text
