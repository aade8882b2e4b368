"""`analyze score`: claims for stored articles, resumable and idempotent.

An article's text is its title, a blank line, then its content (full text) or, without it, its
summary; claim spans index into that text. Each batch of articles is written in one
transaction: its old claims are deleted, the new ones inserted (ids are
article_id:sentence_index:theme) and `article_scores` records the model and theme versions.
A killed run loses at most the batch in flight; rerunning picks up the articles whose
`article_scores` row is missing or has other versions, so the claims table ends the same.
An article updated after it was scored (full text fetched later: `articles.updated_at`) is
scored again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from analyzer import store
from analyzer.errors import AnalyzerError
from analyzer.records import ScoreSummary

ENGINES = ("local", "ray")


def article_text(row: dict) -> str:
    title = (row.get("title") or "").strip()
    body = (row.get("content") or "").strip() or (row.get("summary") or "").strip()
    if title and body:
        return f"{title}\n\n{body}"
    return title or body


def score_articles(
    db,
    *,
    model: Any = None,
    rescore: bool = False,
    batch_size: int = 32,
    progress: bool = False,
    themes_path=None,
    theme_names: list[str] | None = None,
    limit: int | None = None,
    extractor=None,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
) -> ScoreSummary:
    """Score articles not yet scored with the current model + theme versions (all with rescore).

    engine="ray" extracts on Ray Data (a local Ray, or the cluster at `address`, with `workers`
    actors); the claims table comes out the same and only this process writes the database.
    The run is recorded in `runs`."""
    from analyzer.nlp.extract import ClaimExtractor

    if engine not in ENGINES:
        raise AnalyzerError(f"--engine {engine}: expected one of {', '.join(ENGINES)}")
    ex = extractor or ClaimExtractor(model, themes_path=themes_path, theme_names=theme_names)
    runner = None
    if engine == "ray":
        from analyzer.nlp.ray_engine import RayEngine

        runner = RayEngine(
            ex, model=model, themes_path=themes_path, theme_names=theme_names, address=address, workers=workers
        )
    args = {
        "model": model if isinstance(model, str) or model is None else getattr(model, "name", repr(model)),
        "themes": str(themes_path) if themes_path else None,
        "theme": theme_names,
        "rescore": rescore,
        "limit": limit,
        "batch_size": batch_size,
        **(runner.describe() if runner else {"engine": "local"}),
    }
    libraries = ("spacy", "torch", "transformers") + (("ray",) if runner else ())
    with store.record_run(db, "score", args, libraries=libraries) as run:
        summary = _score(db, ex, rescore=rescore, batch_size=batch_size, progress=progress, limit=limit, engine=runner)
        run.counts = {k: v for k, v in summary.items() if isinstance(v, int)}
        run.versions.update({"model": summary["model_version"], "themes": summary["theme_version"]})
        result = ScoreSummary(**summary, run_id=run.id)
    return result


def _pending_ids(db, model_version: str, theme_version: str, rescore: bool, limit: int | None) -> list[str]:
    """Ids to score, in id order: all with rescore, else those not scored with these versions."""
    if rescore:
        sql = "select id from articles order by id"
        params: list = []
    else:
        sql = (
            "select a.id from articles a left join article_scores s on s.article_id = a.id "
            "where s.article_id is null or s.model_version is not ? or s.theme_version is not ? "
            "or (a.updated_at is not null and a.updated_at > s.scored_at) order by a.id"
        )
        params = [model_version, theme_version]
    ids = [r[0] for r in db.execute(sql, params).fetchall()]
    return ids if limit is None else ids[: max(0, limit)]


def article_batches(db, ids: list[str], batch_size: int) -> Iterator[list[dict]]:
    """The articles of `ids` in batches of `batch_size`, each sorted by id (every engine cuts the same batches)."""
    cols = ("id", "title", "summary", "content")
    for s in range(0, len(ids), max(1, batch_size)):
        batch = ids[s : s + max(1, batch_size)]
        marks = ",".join("?" * len(batch))
        rows = [
            dict(zip(cols, r))
            for r in db.execute(f"select {', '.join(cols)} from articles where id in ({marks})", batch).fetchall()
        ]
        rows.sort(key=lambda r: r["id"])
        yield rows


def _field(claim: Any, name: str) -> Any:
    """A claim's field, whether the extractor hands back dicts or `Claim` records."""
    return claim[name] if isinstance(claim, dict) else getattr(claim, name)


def claim_row(article_id: str, claim: Any) -> dict:
    """One claim as its `claims` row (without created_at, which the writer stamps)."""
    probs = _field(claim, "probs")
    entities = [e if isinstance(e, dict) else e.as_dict() for e in _field(claim, "entities")]
    return {
        "id": f"{article_id}:{_field(claim, 'sentence_index')}:{_field(claim, 'theme')}",
        "article_id": article_id,
        "sentence_index": _field(claim, "sentence_index"),
        "start": _field(claim, "start"),
        "end": _field(claim, "end"),
        "sentence": _field(claim, "sentence"),
        "theme": _field(claim, "theme"),
        "stance": _field(claim, "stance"),
        "stance_prob": _field(claim, "stance_prob"),
        "sentiment": _field(claim, "sentiment"),
        "label": _field(claim, "label"),
        "prob_positive": probs["positive"] if probs else None,
        "prob_negative": probs["negative"] if probs else None,
        "prob_neutral": probs["neutral"] if probs else None,
        "certainty": _field(claim, "certainty"),
        "orientation": _field(claim, "orientation"),
        "speaker": _field(claim, "speaker"),
        "organisation": _field(claim, "organisation"),
        "entities": json.dumps(entities, ensure_ascii=False),
        "model_version": _field(claim, "model_version"),
        "theme_version": _field(claim, "theme_version"),
    }


def score_batch(ex, rows: list[dict]) -> list[dict]:
    """Extract one batch of articles: per article its id, claim rows and stats (what engines return)."""
    claims, stats = ex.extract([article_text(r) for r in rows])
    out = []
    for row, cl, st in zip(rows, claims, stats):
        crows = [claim_row(row["id"], c) for c in cl]
        sents = [c["sentiment"] for c in crows if c["sentiment"] is not None]
        out.append(
            {
                "article_id": row["id"],
                "claims": crows,
                "sentences": st["sentences"],
                "candidates": st["candidates"],
                "chunks": st["chunks"],
                "mean_sentiment": (sum(sents) / len(sents)) if sents else None,
            }
        )
    return out


def write_batch(db, results: list[dict], model_version: str, theme_version: str) -> None:
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
            "candidates": r["candidates"],
            "claims": len(r["claims"]),
            "chunks": r["chunks"],
            "mean_sentiment": r["mean_sentiment"],
        }
        for r in results
    ]
    with store.transaction(db):
        _delete_claims(db, [r["article_id"] for r in results])
        if claim_rows:
            db["claims"].insert_all(claim_rows, pk="id", replace=True)
        db["article_scores"].upsert_all(score_rows, pk="article_id")


def _score(db, ex, *, rescore: bool, batch_size: int, progress: bool, limit: int | None, engine=None) -> dict:
    model_version, theme_version = ex.model_version, ex.theme_version
    total = db.execute("select count(*) from articles").fetchone()[0]
    ids = _pending_ids(db, model_version, theme_version, rescore, limit)
    summary = {
        "articles": 0,
        "skipped": total - len(ids),
        "sentences": 0,
        "candidates": 0,
        "claims": 0,
        "chunks": 0,
        "model_version": model_version,
        "theme_version": theme_version,
    }
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(ids), unit="article", desc="score")
    batches = article_batches(db, ids, batch_size)
    if engine is None:
        scored: Iterable[list[dict]] = (score_batch(ex, rows) for rows in batches)
    else:
        scored = engine.score(batches)
    for results in scored:
        write_batch(db, results, model_version, theme_version)
        for r in results:
            summary["sentences"] += r["sentences"]
            summary["candidates"] += r["candidates"]
            summary["chunks"] += r["chunks"]
            summary["claims"] += len(r["claims"])
        summary["articles"] += len(results)
        if bar is not None:
            bar.update(len(results))
    if bar is not None:
        bar.close()
    return summary


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
