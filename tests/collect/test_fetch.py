"""`fetch_feeds` against a real loopback HTTP server: saved real-world feeds and fault endpoints."""

from __future__ import annotations

import socket
import threading

import feedparser
import pytest
from collect_testkit import content_type_for, http_config, make_items, rss

from analyzer.collect.fetch import fetch_feeds


def outcomes(db, url):
    return [r[0] for r in db.execute("select outcome from fetches where url = ? order by id", [url])]


def test_saved_real_feeds_stored_once_and_second_run_gets_304(server, shared_feeds, db):
    urls = {}
    for f in sorted(shared_feeds.iterdir()):
        urls[f.name] = server.add(
            "/shared/" + f.name, body=f.read_bytes(), content_type=content_type_for(f.name), validators=True
        )
    s1 = fetch_feeds(db, list(urls.values()), config=http_config())
    assert s1.feeds == len(urls)
    assert s1.articles_new > 500

    # Every entry feedparser finds with an id or link is stored, exactly once.
    n_checked = 0
    for name, url in urls.items():
        d = feedparser.parse(
            (shared_feeds / name).read_bytes(),
            response_headers={"content-location": url, "content-type": content_type_for(name)},
        )
        for e in d.entries:
            guid = (e.get("id") or "").strip() or None
            if guid:
                hits = db.execute("select count(*) from articles where guid = ?", [guid]).fetchone()[0]
                assert hits == 1, (name, guid)
                n_checked += 1
    assert n_checked > 400
    total = db.execute("select count(*) from articles").fetchone()[0]
    assert total == s1.articles_new
    # Articles carry normalised fields.
    row = db.execute(
        "select published_at, published_raw, timestamp_source from articles where guid is not null "
        "and published_raw like '%-0400'"
    ).fetchone()
    assert row[0].endswith("Z") and row[2] == "feed"

    # Documents that are not feeds fail with their reason; bozo feeds keep their entries and say why.
    not_feeds = ["crawinsight_bloomberg.xml", "rssparser_unrecognized.rss", "feedparser_rss_empty_document.xml"]
    for name in not_feeds:
        rows = db.execute("select outcome, error from fetches where url = ?", [urls[name]]).fetchall()
        assert rows and rows[-1][0] == "parse_error" and "not a feed" in rows[-1][1], name
    saxerror = db.execute("select outcome, error from fetches where url = ?", [urls["nodefp_saxerror.xml"]]).fetchone()
    assert saxerror[0] == "bozo" and "kept 3 entries" in saxerror[1]
    assert (
        db.execute(
            "select count(*) from articles a join feeds f on f.id = a.feed_id where f.url = ?",
            [urls["nodefp_saxerror.xml"]],
        ).fetchone()[0]
        == 3
    )
    assert s1.feeds_failed >= len(not_feeds)

    s2 = fetch_feeds(db, list(urls.values()), config=http_config())
    assert s2.articles_new == 0 and s2.articles_updated == 0
    assert db.execute("select count(*) from articles").fetchone()[0] == total
    assert s2.feeds_not_modified == s1.feeds_ok
    cond = [r for r in server.requests[len(urls) :] if r["headers"].get("If-None-Match")]
    assert len(cond) == s1.feeds_ok


def test_fault_endpoints_are_recorded_and_never_stop_the_others(server, db):
    feed = lambda p, n=3: rss(make_items(p, n))  # noqa: E731
    u = {
        "good": server.add("/good", body=feed("good")),
        "slow": server.add("/slow", body=feed("slow"), delay=6),
        "flaky": server.add("/flaky", body=feed("flaky"), first=[(500, {}, b"oops")]),
        "missing": server.url("/missing"),
        "limited": server.add("/limited", body=feed("limited"), first=[(429, {"Retry-After": "1"}, b"")]),
        "etag": server.add("/etag", body=feed("etag"), validators=True),
        "loop": server.add("/loop", status=302, headers={"Location": "/loop2"}),
        "loop2": server.add("/loop2", status=302, headers={"Location": "/loop"}),
        "huge": server.add("/huge", body=rss(make_items("huge", 3)) + b"<!--" + b"x" * 600_000 + b"-->"),
        "charset": server.add(
            "/charset",
            content_type="application/rss+xml; charset=utf-8",
            body=rss(
                [{"title": "Caf\u00e9 stocks soar", "guid": "cs-1", "link": "http://example.test/cs"}],
                encoding="iso-8859-1",
            ),
        ),
        "malformed": server.add("/malformed", body=feed("malformed")[:-40]),
        "gzip": server.add("/gzip", body=feed("gzip", 5), gzip=True),
        # Small on the wire, huge once decompressed: the limit applies to the decoded body.
        "bomb": server.add("/bomb", body=rss(make_items("bomb", 2)) + b"<!--" + b"y" * 3_000_000 + b"-->", gzip=True),
        # One entry with an impossible date: that entry is rejected, the other two stored.
        "baddate": server.add(
            "/baddate",
            body=rss(
                make_items("baddate", 2)
                + [{"title": "t", "guid": "bd-x", "pubDate": "Fri, 31 Dec 9999 23:59:59 -1200"}]
            ),
        ),
        "badurl": "http://[::1",
    }
    del u["loop2"]
    s = fetch_feeds(db, list(u.values()), config=http_config())

    assert outcomes(db, u["good"]) == ["ok"]
    assert outcomes(db, u["slow"]) == ["timeout", "timeout"]  # one retry, then give up
    assert "timed out" in db.execute("select error from fetches where url = ?", [u["slow"]]).fetchone()[0]
    assert outcomes(db, u["flaky"]) == ["http_error", "ok"]
    assert db.execute("select status from fetches where url = ? order by id", [u["flaky"]]).fetchall() == [
        (500,),
        (200,),
    ]
    assert outcomes(db, u["missing"]) == ["http_error"]  # a 404 is not retried
    assert outcomes(db, u["limited"]) == ["rate_limited", "ok"]
    gap = server.hits("/limited")[1]["t"] - server.hits("/limited")[0]["t"]
    assert gap >= 0.9  # waited for Retry-After
    assert outcomes(db, u["loop"]) == ["too_many_redirects"]
    assert outcomes(db, u["huge"]) == ["too_large"]
    assert outcomes(db, u["bomb"]) == ["too_large"]
    assert outcomes(db, u["malformed"]) == ["bozo"]
    assert outcomes(db, u["gzip"]) == ["ok"]
    assert server.hits("/gzip")[0]["headers"]["Accept-Encoding"].startswith("gzip")
    assert "market-narrative-analyzer" in server.hits("/good")[0]["headers"]["User-Agent"]

    def stored(prefix):
        return db.execute("select count(*) from articles where guid like ?", [prefix + "-%"]).fetchone()[0]

    assert [stored(p) for p in ("good", "flaky", "limited", "etag", "gzip")] == [3, 3, 3, 3, 5]
    assert stored("slow") == 0 and stored("huge") == 0
    assert stored("malformed") >= 1  # what the broken document still yields is kept
    title = db.execute("select title from articles where guid = 'cs-1'").fetchone()[0]
    assert title == "Caf\u00e9 stocks soar"
    assert stored("baddate") == 2 and outcomes(db, u["baddate"]) == ["ok"]
    assert [(r.where, "more than a day in the future" in r.reason) for r in s.rejected] == [
        (f"{u['baddate']} item 3 (bd-x)", True)
    ]
    assert outcomes(db, u["badurl"]) == ["invalid_url"]
    assert s.feeds_failed == 6  # slow, missing, loop, huge, bomb, badurl
    failed_urls = {f.url for f in s.failed}
    assert failed_urls == {u["slow"], u["missing"], u["loop"], u["huge"], u["bomb"], u["badurl"]}
    # Every failure is in the fetch_errors view with its reason.
    errs = {r[0]: r[1] for r in db.execute("select url, error from fetch_errors where outcome != 'bozo'")}
    for key in ("slow", "missing", "loop", "huge", "bomb", "badurl"):
        assert errs.get(u[key]), key

    before = db.execute("select count(*) from articles").fetchone()[0]
    s2 = fetch_feeds(db, [u["good"], u["etag"], u["gzip"]], config=http_config())
    assert s2.articles_new == 0 and s2.feeds_not_modified == 3 and s2.errors == 0
    assert outcomes(db, u["etag"]) == ["ok", "not_modified"]
    # Without validators the body comes again, but an identical one is not parsed again.
    assert outcomes(db, u["good"]) == ["ok", "unchanged"]
    assert s2.articles_duplicate == 0
    assert server.hits("/etag")[1]["headers"].get("If-None-Match")
    assert db.execute("select count(*) from articles").fetchone()[0] == before


def test_changed_entries_are_updated_in_place_and_tracking_params_dropped(server, db):
    items = make_items("upd", 3)
    url = server.add("/feed", body=rss(items))
    fetch_feeds(db, [url], config=http_config())
    first = dict(db.execute("select guid, first_seen_at from articles").fetchall())
    row = db.execute("select url, canonical_url from articles where guid = 'upd-0'").fetchone()
    assert row == ("http://example.test/upd/0?utm_source=rss", "http://example.test/upd/0")

    items[1]["title"] = "Corrected: small caps slump"
    items.append({"title": "A new one", "guid": "upd-new", "link": "http://example.test/new#comments"})
    server.add("/feed", body=rss(items))
    s = fetch_feeds(db, [url], config=http_config())
    assert (s.articles_new, s.articles_updated, s.articles_duplicate) == (1, 1, 2)
    assert db.execute("select title from articles where guid = 'upd-1'").fetchone()[0] == "Corrected: small caps slump"
    assert dict(db.execute("select guid, first_seen_at from articles where guid != 'upd-new'").fetchall()) == first
    assert (
        db.execute("select canonical_url from articles where guid = 'upd-new'").fetchone()[0]
        == "http://example.test/new"
    )
    # FTS follows the update.
    hits = db.execute("select count(*) from articles_fts where articles_fts match 'slump'").fetchone()[0]
    assert hits == 1


def test_full_text_pages_ok_paywalled_and_failed(server, db):
    para = "".join(
        f"<p>Paragraph {i}: small-cap stocks extended their rally on Thursday as investors bet the Federal "
        f"Reserve will cut rates in September, analyst number {i} said.</p>"
        for i in range(6)
    )
    server.add(
        "/a/ok",
        content_type="text/html; charset=utf-8",
        body=f"<html lang='en'><head><title>Rally</title><meta property='article:published_time' content='2024-07-11T14:05:00-04:00'></head><body><article><h1>Rally</h1>{para}</article></body></html>".encode(),
    )
    server.add(
        "/a/paywall",
        content_type="text/html",
        body=b"<html><body><article><p>Markets moved.</p><p>Subscribe to continue reading.</p></article></body></html>",
    )
    server.add("/a/forbidden", status=403, content_type="text/html", body=b"no")
    items = [
        {"title": "Rally", "guid": "ft-ok", "link": server.url("/a/ok")},
        {
            "title": "Paywalled",
            "guid": "ft-pw",
            "link": server.url("/a/paywall"),
            "pubDate": "Thu, 11 Jul 2024 10:00:00 GMT",
        },
        {"title": "Forbidden", "guid": "ft-403", "link": server.url("/a/forbidden")},
        {"title": "Gone", "guid": "ft-404", "link": server.url("/a/gone")},
    ]
    url = server.add("/ftfeed", body=rss(items))
    s = fetch_feeds(db, [url], full_text=True, config=http_config())
    st = dict(db.execute("select guid, full_text_status from articles").fetchall())
    assert st == {"ft-ok": "ok", "ft-pw": "paywalled", "ft-403": "paywalled", "ft-404": "failed"}
    ok = db.execute(
        "select content, published_at, published_raw, timestamp_source from articles where guid='ft-ok'"
    ).fetchone()
    assert "extended their rally" in ok[0]
    assert ok[1:] == ("2024-07-11T18:05:00Z", "2024-07-11T14:05:00-04:00", "page")
    assert db.execute("select full_text_error from articles where guid='ft-404'").fetchone()[0] == "HTTP 404"
    assert db.execute("select count(*) from fetches where kind = 'page'").fetchone()[0] == 4
    assert s.full_text_ok == 1 and s.full_text_failed == 3
    # A second run fetches no page again.
    fetch_feeds(db, [url], full_text=True, config=http_config())
    assert len(server.hits("/a/ok")) == 1


def _resolver_says_no(host: str, within: float = 3.0) -> bool:
    """Whether this machine's resolver promptly answers that `host` does not exist."""
    answer: list = []

    def ask():
        try:
            socket.getaddrinfo(host, 80)
            answer.append("resolved")
        except socket.gaierror:
            answer.append("no")
        except OSError:
            answer.append("error")

    t = threading.Thread(target=ask, daemon=True)
    t.start()
    t.join(within)
    return answer == ["no"]


def test_a_host_name_that_does_not_resolve_is_not_retried(server, db):
    host = "feeds.analyzer-test.invalid"  # RFC 6761: .invalid never resolves
    if not _resolver_says_no(host):
        pytest.skip("this machine's resolver does not promptly refuse .invalid names")
    good = server.add("/good", body=rss(make_items("good", 1)))
    s = fetch_feeds(db, [f"http://{host}/rss", good], config=http_config(retries=2))
    rows = db.execute("select outcome, error from fetches where url like ?", [f"%{host}%"]).fetchall()
    assert len(rows) == 1 and rows[0][0] == "dns_error"  # one attempt, not three
    assert f"host name does not resolve: {host}" in rows[0][1]
    assert s.feeds_failed == 1 and s.feeds_ok == 1
