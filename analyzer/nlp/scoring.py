"""`analyze score`: claims for stored articles, resumable and idempotent.

An article's text is its title, a blank line, then its content (full text) or, without it, its
summary; claim spans index into that text. Each batch of articles is written in one
transaction: its old claims are deleted, the new ones inserted (ids are
article_id:sentence_index:theme) and `article_scores` records the model and theme versions.
A killed run loses at most the batch in flight; rerunning picks up the articles whose
`article_scores` row is missing or has other versions, so the claims table ends the same.
An article updated after it was scored (full text fetched later: `articles.updated_at`) is
scored again.

Extraction runs in this process (engine "local") or on Ray Data actors (engine "ray", see
analyzer.nlp.ray_engine); both score the same batches with `batch.score_batch`, and only this
process writes the database (`write_batch`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from analyzer import store
from analyzer.errors import AnalyzerError
from analyzer.nlp.batch import MAX_CHARS, article_text, cap_text, claim_row, score_batch
from analyzer.records import ScoreSummary

ENGINES = ("local", "ray")
__all__ = ["MAX_CHARS", "article_text", "cap_text", "claim_row", "score_articles", "score_batch", "write_batch"]


def score_articles(
    db,
    *,
    model: Any = None,
    claim_model: Any = None,
    rescore: bool = False,
    batch_size: int = 32,
    progress: bool = False,
    themes_path=None,
    theme_names: list[str] | None = None,
    limit: int | None = None,
    extractor=None,
    max_chars: int = MAX_CHARS,
    log: Callable[[str], Any] | None = None,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
) -> ScoreSummary:
    """Score articles not yet scored with the current model + theme versions (all with rescore).

    Only the first `max_chars` characters of an article are scored (`article_scores` records
    `text_chars` and `scored_chars`); an article cut short is scored again when `max_chars` is
    raised. `log(message)` hears what takes time (loading the model). engine="ray" extracts on
    Ray Data (a local Ray, or the cluster at `address`, with `workers` actors); the claims table
    comes out the same and only this process writes the database. The run is recorded in `runs`."""
    from analyzer.nlp.extract import ClaimExtractor

    if batch_size < 1:
        raise AnalyzerError(f"batch_size must be at least 1 (got {batch_size})")
    if limit is not None and limit < 1:
        raise AnalyzerError(f"limit must be at least 1 (got {limit})")
    if max_chars < 1:
        raise AnalyzerError(f"max_chars must be at least 1 (got {max_chars})")
    if engine not in ENGINES:
        raise AnalyzerError(f"--engine {engine}: expected one of {', '.join(ENGINES)}")
    if not db.execute("select exists (select 1 from articles)").fetchone()[0]:
        path = db.execute("pragma database_list").fetchone()[2]
        raise AnalyzerError(f"{path}: no articles to score; import or fetch first (analyze import, analyze fetch)")
    ex = extractor or ClaimExtractor(model, claim_model=claim_model, themes_path=themes_path, theme_names=theme_names)
    if log and extractor is None and ex.uses_model:
        log(f"score: loading the model ({model if isinstance(model, str) else 'default'}); this takes a few seconds")
    runner = None
    if engine == "ray":
        from analyzer.nlp.ray_engine import RayEngine

        runner = RayEngine(
            ex,
            model=model,
            claim_model=claim_model,
            themes_path=themes_path,
            theme_names=theme_names,
            address=address,
            workers=workers,
            max_chars=max_chars,
        )
    args = {
        "model": model if isinstance(model, str) or model is None else getattr(model, "name", repr(model)),
        "claim_model": claim_model if isinstance(claim_model, str) or claim_model is None else str(claim_model.path),
        "themes": str(themes_path) if themes_path else None,
        "theme": theme_names,
        "rescore": rescore,
        "limit": limit,
        "max_chars": max_chars,
        "batch_size": batch_size,
        **(runner.describe() if runner else {"engine": "local"}),
    }
    libraries = ("spacy", "torch", "transformers") + (("ray",) if runner else ())
    with store.record_run(db, "score", args, libraries=libraries) as run:
        summary = _score(
            db,
            ex,
            rescore=rescore,
            batch_size=batch_size,
            progress=progress,
            limit=limit,
            max_chars=max_chars,
            engine=runner,
        )
        run.counts = {k: v for k, v in summary.items() if isinstance(v, int)}
        run.versions.update({"model": summary["model_version"], "themes": summary["theme_version"]})
        result = ScoreSummary(**summary, run_id=run.id)
    return result


def _pending_ids(db, model_version: str, theme_version: str, rescore: bool, limit: int | None, max_chars: int):
    """Ids to score, in id order: all with rescore, else those not scored with these versions (or
    cut shorter than `max_chars` now allows)."""
    if rescore:
        sql = "select id from articles order by id"
        params: list = []
    else:
        sql = (
            "select a.id from articles a left join article_scores s on s.article_id = a.id "
            "where s.article_id is null or s.model_version is not ? or s.theme_version is not ? "
            "or (a.updated_at is not null and a.updated_at > s.scored_at) "
            "or (s.scored_chars < s.text_chars and s.max_chars < ?) order by a.id"
        )
        params = [model_version, theme_version, max_chars]
    ids = [r[0] for r in db.execute(sql, params).fetchall()]
    return ids if limit is None else ids[:limit]


def article_batches(db, ids: list[str], batch_size: int) -> Iterator[list[dict]]:
    """The articles of `ids` in batches of `batch_size`, each sorted by id (every engine cuts the same batches)."""
    cols = ("id", "title", "summary", "content")
    for s in range(0, len(ids), batch_size):
        batch = ids[s : s + batch_size]
        marks = ",".join("?" * len(batch))
        rows = [
            dict(zip(cols, r))
            for r in db.execute(f"select {', '.join(cols)} from articles where id in ({marks})", batch).fetchall()
        ]
        rows.sort(key=lambda r: r["id"])
        yield rows


def write_batch(db, results: list[dict], model_version: str, theme_version: str, max_chars: int) -> None:
    """One transaction: the articles' old claims out, the new ones in, their article_scores rows."""
    now = store.utcnow()
    claim_rows = [{**c, "created_at": now} for r in results for c in r["claims"]]
    score_rows = [
        {
            "article_id": r["article_id"],
            "model_version": model_version,
            "theme_version": theme_version,
            "scored_at": now,
            "sentences": r["sentences"],
            "repeats": r["repeats"],
            "candidates": r["candidates"],
            "claims": len(r["claims"]),
            "chunks": r["chunks"],
            "mean_sentiment": r["mean_sentiment"],
            "text_chars": r["text_chars"],
            "scored_chars": r["scored_chars"],
            "max_chars": max_chars,
        }
        for r in results
    ]
    with store.transaction(db):
        _delete_claims(db, [r["article_id"] for r in results])
        if claim_rows:
            db["claims"].insert_all(claim_rows, pk="id", replace=True)
        db["article_scores"].upsert_all(score_rows, pk="article_id")


def _score(db, ex, *, rescore, batch_size, progress, limit, max_chars, engine=None) -> dict:
    model_version, theme_version = ex.model_version, ex.theme_version
    total = db.execute("select count(*) from articles").fetchone()[0]
    ids = _pending_ids(db, model_version, theme_version, rescore, limit, max_chars)
    summary = {
        "articles": 0,
        "skipped": total - len(ids),
        "sentences": 0,
        "repeats": 0,
        "candidates": 0,
        "claims": 0,
        "chunks": 0,
        "truncated": 0,
        "claims_missing": 0 if rescore else _claims_missing(db, ids, model_version, theme_version),
        "model_version": model_version,
        "theme_version": theme_version,
    }
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(ids), unit="article", desc="score")
    batches = article_batches(db, ids, batch_size)
    if engine is None:
        scored: Iterable[list[dict]] = (score_batch(ex, rows, max_chars) for rows in batches)
    else:
        scored = engine.score(batches)
    for results in scored:
        write_batch(db, results, model_version, theme_version, max_chars)
        for r in results:
            for key in ("sentences", "repeats", "candidates", "chunks"):
                summary[key] += r[key]
            summary["claims"] += len(r["claims"])
            summary["truncated"] += r["scored_chars"] < r["text_chars"]
        summary["articles"] += len(results)
        if bar is not None:
            bar.update(len(results))
    if bar is not None:
        bar.close()
    return summary


def _claims_missing(db, to_score: list[str], model_version: str, theme_version: str) -> int:
    """Articles marked scored with these versions that had claims, but have none now (deleted)."""
    rows = db.execute(
        "select s.article_id from article_scores s where s.claims > 0 and s.model_version = ? "
        "and s.theme_version = ? and not exists (select 1 from claims c where c.article_id = s.article_id)",
        [model_version, theme_version],
    ).fetchall()
    pending = set(to_score)
    return sum(1 for (aid,) in rows if aid not in pending)


def _delete_claims(db, article_ids: list[str]) -> None:
    """Old claims of these articles, and rows that reference them (claim_returns)."""
    marks = ",".join("?" * len(article_ids))
    sub = f"select id from claims where article_id in ({marks})"
    for table, col in _referencing_tables(db):
        db.execute(f"delete from [{table}] where [{col}] in ({sub})", article_ids)
    db.execute(f"delete from claims where article_id in ({marks})", article_ids)


def _referencing_tables(db) -> list[tuple[str, str]]:
    out = []
    for name in db.table_names():
        if name == "claims" or name.startswith("claims_fts"):
            continue
        for fk in db[name].foreign_keys:
            if fk.other_table == "claims":
                out.append((name, fk.column))
    return out
