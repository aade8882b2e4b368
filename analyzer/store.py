"""The one module that knows the schema.

Every table, index, full-text index and view lives here. Other modules open the database with
`open_db()` and write through the helpers below (or sqlite-utils' table API on tables named
here); none of them issues DDL.

Migrations: `PRAGMA user_version` holds the schema version. `ensure_schema()` creates what is
missing, adds columns that a newer `TABLES` lists but an older file lacks (additive changes
need no migration step), then runs the numbered steps in `MIGRATIONS` above the file's version.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from analyzer import __version__
from analyzer.errors import AnalyzerError
from analyzer.records import Rejected

SCHEMA_VERSION = 1
DEFAULT_DB = "analyze.db"


def utcnow() -> str:
    """Current UTC time as ISO 8601 with seconds and a trailing Z (the format of every *_at column)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Table:
    columns: dict[str, type]
    pk: str | tuple[str, ...]
    not_null: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    unique_indexes: tuple[tuple[str, ...], ...] = ()
    fts: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    # Rebuilt by its stage from other tables: a file whose copy has columns this layout dropped
    # gets the table created anew (the stage fills it again) instead of a migration step.
    derived: bool = False


# --- tables -----------------------------------------------------------------------------------
# Timestamps are ISO 8601 UTC strings ending in Z; JSON columns hold JSON text.

TABLES: dict[str, Table] = {
    # One row per command run: what ran, with which arguments and versions, and what it did.
    "runs": Table(
        columns={
            "id": int,
            "command": str,
            "arguments": str,  # JSON
            "started_at": str,
            "ended_at": str,
            "status": str,  # running | ok | failed | interrupted | killed
            "host": str,
            "pid": int,
            "counts": str,  # JSON
            "versions": str,  # JSON
            "error": str,
        },
        pk="id",
        indexes=(("command", "started_at"),),
    ),
    # Feeds we know about, with the validators for conditional GET.
    "feeds": Table(
        columns={
            "id": int,
            "url": str,
            "name": str,
            "tags": str,  # JSON list
            "title": str,
            "site_url": str,
            "etag": str,
            "last_modified": str,
            "last_fetched_at": str,
            "last_status": int,
            "last_error": str,
            "bozo": int,
            "bozo_reason": str,
            "body_sha256": str,  # of the last parsed body: an identical 200 answer is not parsed again
        },
        pk="id",
        unique_indexes=(("url",),),
    ),
    # Every HTTP attempt (feeds and article pages) is a row here.
    "fetches": Table(
        columns={
            "id": int,
            "run_id": int,
            "feed_id": int,
            "article_id": str,
            "kind": str,  # feed | page
            "url": str,
            "final_url": str,
            "attempt": int,
            "started_at": str,
            "status": int,  # HTTP status, null when no response
            "outcome": str,  # ok | not_modified | http_error | timeout | too_large | network_error | dns_error | invalid_url | parse_error | ...
            "bytes": int,
            "duration_ms": float,
            "error": str,
        },
        pk="id",
        foreign_keys=(("run_id", "runs", "id"), ("feed_id", "feeds", "id")),
        indexes=(("feed_id", "started_at"), ("run_id",), ("outcome",)),
    ),
    "articles": Table(
        columns={
            "id": str,  # stable: hash of guid, else canonical url, else content hash
            "feed_id": int,
            "source": str,  # feed name, "import:<file>", or "sample" for bundled demo data
            "url": str,
            "canonical_url": str,
            "guid": str,
            "title": str,
            "author": str,
            "summary": str,
            "content": str,
            "content_hash": str,
            "language": str,
            "published_at": str,  # UTC
            "published_raw": str,  # the timestamp string as the source gave it, offset included
            "timestamp_source": str,  # feed | page | fetched
            "timestamp_note": str,  # what was assumed to read published_at (no offset, date only); null: nothing
            "first_seen_at": str,
            "updated_at": str,
            "full_text_status": str,  # null | ok | failed | paywalled | truncated | skipped
            "full_text_error": str,
        },
        pk="id",
        foreign_keys=(("feed_id", "feeds", "id"),),
        # timestamp_source, full_text_status: the table page's default facets read these indexes, not the rows
        indexes=(
            ("published_at",),
            ("feed_id", "published_at"),
            ("source",),
            ("timestamp_source",),
            ("full_text_status",),
        ),
        unique_indexes=(("guid",), ("canonical_url",), ("content_hash",)),
        fts=("title", "summary", "content"),
    ),
    # Items (feed entries, JSONL/CSV lines) a fetch or import left out, and why.
    "rejected_items": Table(
        columns={
            "id": int,
            "run_id": int,
            "source": str,  # the feed URL or the file
            "location": str,  # "file:line", or the feed/file and the item
            "reason": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=(("run_id", "runs", "id"),),
        indexes=(("run_id",), ("source",)),
    ),
    # One row per sentence x theme.
    "claims": Table(
        columns={
            "id": str,  # article_id:sentence_index:theme
            "article_id": str,
            # copied from the article by `align` (copy_article_fields), so the table sorts and facets by them
            "published_at": str,
            "source": str,
            "sentence_index": int,
            "start": int,
            "end": int,
            "sentence": str,
            "theme": str,
            "stance": int,  # -1 | 0 | +1
            "stance_prob": float,
            "theme_prob": float,  # P(the sentence is a claim about the theme), from the claim model
            "sentiment": float,  # P(pos) - P(neg), in [-1, 1]
            "label": str,  # positive | negative | neutral
            "prob_positive": float,
            "prob_negative": float,
            "prob_neutral": float,
            "certainty": str,  # factual | hedged | speculative
            "orientation": str,  # backward | forward
            "speaker": str,
            "organisation": str,
            "entities": str,  # JSON list of {text, label, start, end, relevance}
            "model_version": str,
            "theme_version": str,
            "created_at": str,
        },
        pk="id",
        not_null=("article_id", "theme"),
        foreign_keys=(("article_id", "articles", "id"),),
        # theme, stance, certainty: the table page's default facets, read from indexes (alone, and
        # within one theme) so a facet at a million claims never reads the rows; the page lists the
        # newest claims first (published_at, copied from the article by align)
        indexes=(
            ("published_at",),
            ("theme", "published_at"),  # one theme's claims in page order
            ("theme", "id"),
            ("article_id",),
            ("speaker", "organisation", "stance", "theme"),  # covers the speakers query: no row reads
            ("stance",),
            ("certainty",),
            ("source",),
            ("theme", "stance"),
            ("theme", "certainty"),
            ("theme", "source"),
        ),
        fts=("sentence",),
    ),
    # Which articles were scored with which model and theme versions (drives resumable scoring).
    "article_scores": Table(
        columns={
            "article_id": str,
            "model_version": str,
            "theme_version": str,
            "scored_at": str,
            "sentences": int,
            "repeats": int,  # sentences that repeat an earlier one (a headline the body repeats): scored once
            "candidates": int,
            "claims": int,
            "chunks": int,
            "mean_sentiment": float,
            "text_chars": int,  # length of the article's text
            "scored_chars": int,  # how much of it was scored (less: cut at max_chars)
            "max_chars": int,  # the limit it was scored under (score --max-chars)
        },
        pk="article_id",
        foreign_keys=(("article_id", "articles", "id"),),
        indexes=(("model_version",),),
    ),
    # The story each article belongs to (analyze stories): copies of one story share a story_id,
    # the id of the story's earliest article. Kept apart from articles so regrouping never
    # touches the articles' full-text index.
    "article_stories": Table(
        columns={"article_id": str, "story_id": str},
        pk="article_id",
        foreign_keys=(("article_id", "articles", "id"),),
        indexes=(("story_id",),),
    ),
    # Each claim's novelty within its story (analyze stories): first mention of the story for the
    # claim's theme within the window, and how many such claims came in the previous 24 / 72 hours.
    "claim_novelty": Table(
        columns={"claim_id": str, "story_id": str, "first_mention": int, "prior_24h": int, "prior_72h": int},
        pk="claim_id",
        foreign_keys=(("claim_id", "claims", "id"),),
        indexes=(("story_id",),),
    ),
    "prices": Table(
        columns={
            "symbol": str,
            "date": str,  # session date, YYYY-MM-DD
            "open": float,
            "high": float,
            "low": float,
            "close": float,
            "adj_close": float,
            "volume": float,
            "source": str,
        },
        pk=("symbol", "date"),
        indexes=(("date",),),
    ),
    # A claim's event session and its returns, one row per claim x target x horizon.
    "claim_returns": Table(
        columns={
            "claim_id": str,
            "theme": str,
            "target": str,  # e.g. IWM-SPY, IWM, -DGS2
            "horizon": int,  # sessions; 0 = contemporaneous (event session itself)
            "published_at": str,
            "event_session": str,
            "start_session": str,
            "end_session": str,
            "return": float,
            "kind": str,  # forward | contemporaneous
        },
        pk=("claim_id", "target", "horizon"),
        foreign_keys=(("claim_id", "claims", "id"),),
        indexes=(("theme", "event_session"),),
    ),
    "daily_theme_index": Table(
        columns={
            "theme": str,
            "session": str,
            "claim_count": int,
            "headline_count": int,  # distinct headlines: each counts once in the index
            "story_count": int,  # first mentions of a story (claim_novelty); null before `analyze stories`
            "mean_stance": float,
            "mean_sentiment": float,
            "index_value": float,  # the index the last `align --count` chose: index_claims or index_stories
            "index_claims": float,  # the index over every claim
            "index_stories": float,  # over first mentions of a story only; null before `analyze stories`
            "index_z": float,
            "attention_share": float,
        },
        pk=("theme", "session"),
        indexes=(("session",),),
    ),
    # Summary tables rebuilt by `align` for the browser: at a million claims the dashboard and canned
    # queries read these few thousand rows instead of joining claims with articles.
    # Claims per publication day (UTC), theme, source and stance.
    "claim_daily_summary": Table(
        columns={
            "day": str,  # YYYY-MM-DD of articles.published_at (null: no publication time)
            "theme": str,
            "source": str,
            "stance": int,
            "claims": int,
            "sentiment_sum": float,
            "sentiment_n": int,  # claims with a sentiment
        },
        pk=("day", "theme", "source", "stance"),
        # covers the per-source queries (sources_by_stance, the stance-by-source chart): no row reads
        indexes=(("theme", "source", "stance", "claims", "sentiment_sum", "sentiment_n"),),
    ),
    # Forward returns per theme, target, event session and horizon (the same for every claim of a session).
    "session_returns": Table(
        columns={"theme": str, "target": str, "session": str, "horizon": int, "return": float},
        pk=("theme", "session", "target", "horizon"),
    ),
    # Forward-looking directional claims scored against the target's later return (market stage).
    "claim_resolution": Table(
        columns={
            "claim_id": str,
            "theme": str,
            "target": str,
            "horizon": int,  # sessions after the event session's close
            "event_session": str,
            "source": str,  # articles.source
            "speaker": str,
            "organisation": str,
            "stance": int,  # -1 | +1
            "forward_return": float,  # null until the horizon has passed
            "signed_return_bp": float,  # forward return x stance, in bp (of return; of yield for yields)
            "resolved": int,  # 1 once the forward return is known
            "hit": int,  # 1 when the return's sign matches the stance, 0 when not, null if unresolved or 0
        },
        pk=("claim_id", "target", "horizon"),
        foreign_keys=(("claim_id", "claims", "id"),),
        indexes=(
            ("theme", "horizon"),
            ("speaker", "horizon", "resolved", "hit", "forward_return", "stance"),
            # covers the speakers_hit_rates canned query (one horizon, per speaker, theme and target)
            ("horizon", "speaker", "theme", "target", "hit", "event_session", "organisation", "signed_return_bp"),
            ("source",),
        ),
    ),
    # One row per test of a `compare` run (analyzer.study): the statistic with its unit, n, 95 %
    # interval, null band, empirical p and Benjamini-Hochberg q across the run.
    "study_results": Table(
        columns={
            "id": int,
            "run_id": int,
            "theme": str,
            "analysis": str,  # predictive | out_of_sample | by_count | lead_lag | event_study | hit_rate
            "target": str,
            "horizon": int,  # sessions; the lag k for lead_lag rows
            "statistic": str,
            "unit": str,
            "value": float,
            "ci_low": float,
            "ci_high": float,
            "p_value": float,  # empirical, from the null draws
            "q_value": float,  # Benjamini-Hochberg across all tests of the run
            "null_low": float,  # the null's 5 % and 95 % quantiles
            "null_high": float,
            "reference": float,  # the statistic's value under no relation (0; the chance hit rate)
            "mde": float,  # minimum detectable effect (80 % power, 5 % two-sided)
            "n": int,
            "n_sessions": int,
            "draws": int,
            "note": str,
            "parameters": str,  # JSON
            "created_at": str,
        },
        pk="id",
        foreign_keys=(("run_id", "runs", "id"),),
        indexes=(("theme", "analysis"),),
        derived=True,
    ),
    # Curves behind the figures and the dashboard: lead-lag profiles, CAR paths, index vs target.
    "study_curves": Table(
        columns={
            "id": int,
            "run_id": int,
            "theme": str,
            "target": str,
            "curve": str,  # lead_lag | event_car | index_vs_target
            "series": str,
            "x": float,  # the lag, or sessions from the event
            "session": str,  # the date, for time series
            "value": float,
            "low": float,
            "high": float,
            "n": int,
            "unit": str,
        },
        pk="id",
        foreign_keys=(("run_id", "runs", "id"),),
        indexes=(("theme", "curve"),),
        derived=True,
    ),
    # The plain-words finding of each theme's latest `compare` run.
    "study_findings": Table(
        columns={
            "theme": str,
            "run_id": int,
            "verdict": str,  # detected | no detectable relation | too little data
            "headline": str,
            "detail": str,
            "created_at": str,
        },
        pk="theme",
        foreign_keys=(("run_id", "runs", "id"),),
        derived=True,
    ),
    # Hit rates by source and by speaker: net calls per session, exact binomial intervals on sessions.
    "study_hit_rates": Table(
        columns={
            "id": int,
            "run_id": int,
            "theme": str,
            "grouping": str,  # source | speaker
            "name": str,
            "target": str,
            "horizon": int,
            "claims": int,
            "sessions": int,
            "hits": int,  # sessions whose net call the return matched
            "hit_rate": float,
            "ci_low": float,
            "ci_high": float,
            "expected": float,  # what calls of this mix would hit by the base rate alone
        },
        pk="id",
        foreign_keys=(("run_id", "runs", "id"),),
        indexes=(("theme", "grouping"),),
        derived=True,
    ),
}

# --- views ------------------------------------------------------------------------------------

VIEWS: dict[str, str] = {
    # Hit rates of forward-looking claims, by source, by speaker and by theme (market stage).
    # Raw counts; intervals and the base rate are in study_hit_rates / study_results (compare).
    "hit_rates": """
        select 'source' as grouping, coalesce(source, '(unknown)') as name, theme, target, horizon,
               count(*) as claims, count(distinct event_session) as sessions, sum(hit) as hits,
               round(avg(hit), 3) as hit_rate
        from claim_resolution where hit is not null group by 2, theme, target, horizon
        union all
        select 'speaker', coalesce(speaker, '(unattributed)'), theme, target, horizon,
               count(*), count(distinct event_session), sum(hit), round(avg(hit), 3)
        from claim_resolution where hit is not null group by 2, theme, target, horizon
        union all
        select 'theme', theme, theme, target, horizon, count(*), count(distinct event_session), sum(hit),
               round(avg(hit), 3)
        from claim_resolution where hit is not null group by theme, target, horizon
    """,
    "speaker_hit_rates": """
        select speaker, max(organisation) as organisation, theme, target, horizon, count(*) as claims,
               count(distinct event_session) as sessions, sum(hit) as hits, round(avg(hit), 3) as hit_rate,
               round(avg(signed_return_bp), 1) as mean_signed_return_bp
        from claim_resolution where hit is not null and speaker is not null
        group by speaker, theme, target, horizon
        order by sessions desc, claims desc, speaker
    """,
    "fetch_errors": """
        select f.started_at, feeds.name as feed, f.url, f.status, f.outcome, f.error
        from fetches f left join feeds on feeds.id = f.feed_id
        where f.outcome not in ('ok', 'not_modified', 'unchanged')
        order by f.started_at desc
    """,
}

# Numbered, non-additive schema steps: {version: fn(db)}; run in order above the file's version.
MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {}


# --- connection -------------------------------------------------------------------------------


def open_db(path: str | os.PathLike | None = None, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) the database at `path`; WAL mode, foreign keys on."""
    path = Path(path or os.environ.get("ANALYZE_DB") or DEFAULT_DB)
    if not create and not path.exists():
        raise AnalyzerError(f"{path}: no such database (run `analyze fetch` or `analyze demo` first)")
    if path.parent and not path.parent.exists():
        raise AnalyzerError(f"{path}: folder {path.parent} does not exist")
    try:
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("pragma journal_mode = wal")
        db.execute("pragma foreign_keys = on")
        db.execute("pragma synchronous = normal")
        ensure_schema(db)
    except sqlite3.DatabaseError as exc:
        if cannot_write(exc):
            raise AnalyzerError(f"{path}: cannot write to the database ({exc}); is the disk full?") from None
        raise AnalyzerError(f"{path}: not a usable SQLite database ({exc})") from None
    return db


def cannot_write(exc: sqlite3.Error) -> bool:
    """Whether an SQLite error means the file could not be written (disk full, a file size limit)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR)
    return any(s in str(exc) for s in ("disk is full", "disk I/O error"))


def ensure_schema(db: sqlite_utils.Database) -> None:
    version = db.execute("pragma user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise AnalyzerError(
            f"database schema version {version} is newer than this analyzer ({SCHEMA_VERSION}); upgrade the analyzer"
        )
    with db.conn:
        for name, spec in TABLES.items():
            _ensure_table(db, name, spec)
        for step in range(version + 1, SCHEMA_VERSION + 1):
            if step in MIGRATIONS:
                MIGRATIONS[step](db)
        for name, sql in VIEWS.items():
            db.execute(f"drop view if exists [{name}]")
            db.execute(f"create view [{name}] as {sql}")
        db.execute(f"pragma user_version = {SCHEMA_VERSION}")


def _ensure_table(db: sqlite_utils.Database, name: str, spec: Table) -> None:
    table = db.table(name)
    if spec.derived and table.exists() and set(table.columns_dict) - set(spec.columns):
        table.drop()  # an older layout of a table its stage rebuilds
    if not table.exists():
        table.create(
            spec.columns,
            pk=spec.pk,
            not_null=set(spec.not_null),
            foreign_keys=list(spec.foreign_keys),
            defaults=spec.defaults or None,
        )
    else:
        have = set(table.columns_dict)
        for col, typ in spec.columns.items():
            if col not in have:
                table.add_column(col, typ)
    existing = {tuple(ix.columns) for ix in table.indexes}
    for cols in spec.indexes:
        if tuple(cols) not in existing:
            table.create_index(list(cols), if_not_exists=True)
    for cols in spec.unique_indexes:
        if tuple(cols) not in existing:
            table.create_index(list(cols), unique=True, if_not_exists=True)
    if spec.fts:
        _ensure_fts(db, name, spec.fts)


def _ensure_fts(db: sqlite_utils.Database, name: str, columns: tuple[str, ...]) -> None:
    """The full-text index of `name` and the triggers that keep it current. One half without the
    other (someone dropped `claims_fts`, or a trigger) is rebuilt from the table, rather than left
    to fail every later write."""
    fts = db[f"{name}_fts"]
    triggers = {f"{name}_{suffix}" for suffix in ("ai", "ad", "au")}
    have = {t.name for t in db.table(name).triggers} & triggers
    if fts.exists() and have == triggers:
        return
    for trigger in have:
        db.execute(f"drop trigger [{trigger}]")
    if fts.exists():
        fts.drop()
    db.table(name).enable_fts(list(columns), create_triggers=True, tokenize="porter")


# --- runs -------------------------------------------------------------------------------------


def library_versions(*names: str) -> dict[str, str]:
    from importlib import metadata

    out = {"analyzer": __version__, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            pass
    return out


@dataclass
class Run:
    id: int
    counts: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    failure: str | None = None  # set by `fail()`: the run ends 'failed' though no exception was raised

    def fail(self, reason: str) -> None:
        """Mark the run failed (every feed failed, nothing could be imported) while still returning its summary."""
        self.failure = reason


def _mark_killed_runs(db: sqlite_utils.Database) -> None:
    """Runs still 'running' whose process on this host is gone were killed (SIGKILL, power cut)."""
    for row in db.execute(
        "select id, pid from runs where status = 'running' and host = ?", [platform.node()]
    ).fetchall():
        if row[1] is None or _pid_alive(row[1]):
            continue
        db.table("runs").update(row[0], {"status": "killed", "error": "process ended without finishing the run"})


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def record_run(
    db: sqlite_utils.Database, command: str, arguments: dict[str, Any], libraries: tuple[str, ...] = ()
) -> Iterator[Run]:
    """Record one command run in `runs`; the caller fills `run.counts` (and `run.versions`)."""
    versions = library_versions(*libraries)
    with db.conn:
        _mark_killed_runs(db)
        last_pk = (
            db.table("runs")
            .insert(
                {
                    "command": command,
                    "arguments": json.dumps(arguments, default=str, sort_keys=True),
                    "started_at": utcnow(),
                    "status": "running",
                    "host": platform.node(),
                    "pid": os.getpid(),
                    "versions": json.dumps(versions, sort_keys=True),
                    "counts": "{}",
                }
            )
            .last_pk
        )
    run_id = int(last_pk)  # type: ignore[arg-type]  # an integer primary key; sqlite-utils types it loosely
    run = Run(id=run_id, versions=versions)
    status, error = "ok", None
    try:
        yield run
        if run.failure:
            status, error = "failed", run.failure
    except KeyboardInterrupt as exc:
        status, error = "interrupted", str(exc) or "interrupted by user"
        raise
    except BaseException as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        try:
            with db.conn:
                db.table("runs").update(
                    run_id,
                    {
                        "ended_at": utcnow(),
                        "status": status,
                        "error": error,
                        "counts": json.dumps(run.counts, default=str, sort_keys=True),
                        "versions": json.dumps(run.versions, sort_keys=True),
                    },
                )
        except sqlite3.Error:
            if status == "ok":
                raise
            # The disk that failed the run fails this write too: the error already on its way says why.


def record_rejected(db: sqlite_utils.Database, run_id: int | None, rejected: Iterable[Rejected]) -> None:
    """Store items a run left out (call inside the transaction that stores the rest)."""
    now = utcnow()
    rows = [
        {"run_id": run_id, "source": r.source, "location": r.where, "reason": r.reason, "created_at": now}
        for r in rejected
    ]
    if rows:
        db.table("rejected_items").insert_all(rows)


def copy_article_fields(db: sqlite_utils.Database) -> int:
    """Copy each claim's article publication time and source onto the claim where they differ."""
    cur = db.execute(
        """
        update claims set published_at = a.published_at, source = a.source
        from articles a
        where a.id = claims.article_id
          and (claims.published_at is not a.published_at or claims.source is not a.source)
        """
    )
    return cur.rowcount


def refresh_statistics(db: sqlite_utils.Database) -> None:
    """Index statistics for SQLite's query planner (ANALYZE, sampling at most 1,000 rows per
    index: 0.04 s at a million claims). Without them the planner guesses, and at that size
    some browser queries (latest_claims) scan every claim instead of walking the newest articles:
    seconds instead of a tenth of one."""
    db.execute("pragma analysis_limit = 1000")
    db.execute("analyze")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction for a batch: all of it lands or none of it does.

    BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of failing
    half-way; readers (Datasette) keep reading the last committed state under WAL.
    """
    if db.conn.in_transaction:
        db.conn.commit()
    db.execute("begin immediate")
    with db.conn:  # commits on success, rolls back on any exception
        yield db


__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TABLES",
    "VIEWS",
    "Run",
    "Table",
    "copy_article_fields",
    "ensure_schema",
    "library_versions",
    "open_db",
    "record_rejected",
    "record_run",
    "refresh_statistics",
    "transaction",
    "utcnow",
]
