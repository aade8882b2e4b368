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
from typing import Any

from analyzer import store
from analyzer.errors import AnalyzerError
from analyzer.records import ScoreSummary


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
) -> ScoreSummary:
    """Score articles not yet scored with the current model + theme versions (all with rescore).

    The run is recorded in `runs`."""
    from analyzer.nlp.extract import ClaimExtractor

    if batch_size < 1:
        raise AnalyzerError(f"batch_size must be at least 1 (got {batch_size})")
    if limit is not None and limit < 1:
        raise AnalyzerError(f"limit must be at least 1 (got {limit})")
    ex = extractor or ClaimExtractor(model, themes_path=themes_path, theme_names=theme_names)
    args = {
        "model": model if isinstance(model, str) or model is None else getattr(model, "name", repr(model)),
        "themes": str(themes_path) if themes_path else None,
        "theme": theme_names,
        "rescore": rescore,
        "limit": limit,
    }
    with store.record_run(db, "score", args, libraries=("spacy", "torch", "transformers")) as run:
        summary = _score(db, ex, rescore=rescore, batch_size=batch_size, progress=progress, limit=limit)
        run.counts = {k: v for k, v in summary.items() if isinstance(v, int)}
        run.versions.update({"model": summary["model_version"], "themes": summary["theme_version"]})
        result = ScoreSummary(**summary, run_id=run.id)
    return result


def _score(db, ex, *, rescore: bool, batch_size: int, progress: bool, limit: int | None) -> dict:
    model_version, theme_version = ex.model_version, ex.theme_version
    total = db.execute("select count(*) from articles").fetchone()[0]
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
    if limit is not None:
        ids = ids[:limit]
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
    cols = "id, title, summary, content"
    for s in range(0, len(ids), batch_size):
        batch = ids[s : s + batch_size]
        marks = ",".join("?" * len(batch))
        rows = [
            dict(zip(("id", "title", "summary", "content"), r))
            for r in db.execute(f"select {cols} from articles where id in ({marks})", batch).fetchall()
        ]
        rows.sort(key=lambda r: r["id"])
        claims, stats = ex.extract([article_text(r) for r in rows])
        now = store.utcnow()
        claim_rows, score_rows = [], []
        for row, cl, st in zip(rows, claims, stats):
            for c in cl:
                claim_rows.append(
                    {
                        "id": f"{row['id']}:{c['sentence_index']}:{c['theme']}",
                        "article_id": row["id"],
                        "sentence_index": c["sentence_index"],
                        "start": c["start"],
                        "end": c["end"],
                        "sentence": c["sentence"],
                        "theme": c["theme"],
                        "stance": c["stance"],
                        "stance_prob": c["stance_prob"],
                        "sentiment": c["sentiment"],
                        "label": c["label"],
                        "prob_positive": c["probs"]["positive"] if c["probs"] else None,
                        "prob_negative": c["probs"]["negative"] if c["probs"] else None,
                        "prob_neutral": c["probs"]["neutral"] if c["probs"] else None,
                        "certainty": c["certainty"],
                        "orientation": c["orientation"],
                        "speaker": c["speaker"],
                        "organisation": c["organisation"],
                        "entities": json.dumps(c["entities"], ensure_ascii=False),
                        "model_version": c["model_version"],
                        "theme_version": c["theme_version"],
                        "created_at": now,
                    }
                )
            sents = [c["sentiment"] for c in cl if c["sentiment"] is not None]
            score_rows.append(
                {
                    "article_id": row["id"],
                    "model_version": model_version,
                    "theme_version": theme_version,
                    "scored_at": now,
                    "sentences": st["sentences"],
                    "candidates": st["candidates"],
                    "claims": len(cl),
                    "chunks": st["chunks"],
                    "mean_sentiment": (sum(sents) / len(sents)) if sents else None,
                }
            )
            summary["sentences"] += st["sentences"]
            summary["candidates"] += st["candidates"]
            summary["chunks"] += st["chunks"]
            summary["claims"] += len(cl)
        with store.transaction(db):
            _delete_claims(db, [r["id"] for r in rows])
            if claim_rows:
                db["claims"].insert_all(claim_rows, pk="id", replace=True)
            db["article_scores"].upsert_all(score_rows, pk="article_id")
        summary["articles"] += len(rows)
        if bar is not None:
            bar.update(len(rows))
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
