"""One batch of articles -> claim rows: what every scoring engine runs (analyzer.nlp.scoring
locally, analyzer.nlp.ray_engine on Ray actors), so both produce the same claims table."""

from __future__ import annotations

import json

from analyzer.records import Claim

MAX_CHARS = 100_000  # characters of one article scored: memory stays bounded (about 300 MB per MB of text)


def cap_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """`text`, or its first `max_chars` characters cut at a line break or space near the end."""
    if len(text) <= max_chars:
        return text
    floor = int(max_chars * 0.8)
    cut = text.rfind("\n", floor, max_chars)
    if cut < 0:
        cut = text.rfind(" ", floor, max_chars)
    return text[: cut if cut > 0 else max_chars]


def article_text(row: dict) -> str:
    title = (row.get("title") or "").strip()
    body = (row.get("content") or "").strip() or (row.get("summary") or "").strip()
    if title and body:
        return f"{title}\n\n{body}"
    return title or body


def claim_row(article_id: str, c: Claim) -> dict:
    """The claims table's row for one claim of an article (without created_at: the writer stamps it)."""
    probs = c.probs or {}
    return {
        "id": f"{article_id}:{c.sentence_index}:{c.theme}",
        "article_id": article_id,
        "sentence_index": c.sentence_index,
        "start": c.start,
        "end": c.end,
        "sentence": c.sentence,
        "theme": c.theme,
        "stance": c.stance,
        "stance_prob": c.stance_prob,
        "theme_prob": c.theme_prob,
        "sentiment": c.sentiment,
        "label": c.label,
        "prob_positive": probs.get("positive"),
        "prob_negative": probs.get("negative"),
        "prob_neutral": probs.get("neutral"),
        "certainty": c.certainty,
        "orientation": c.orientation,
        "speaker": c.speaker,
        "organisation": c.organisation,
        "entities": json.dumps([e.as_dict() for e in c.entities], ensure_ascii=False),
        "model_version": c.model_version,
        "theme_version": c.theme_version,
    }


def score_batch(ex, rows: list[dict], max_chars: int = MAX_CHARS) -> list[dict]:
    """Extract one batch of articles: per article its id, claim rows and stats (what engines return)."""
    texts = [article_text(r) for r in rows]
    capped = [cap_text(t, max_chars) for t in texts]
    claims, stats = ex.extract(capped)
    out = []
    for row, cl, st, text, scored in zip(rows, claims, stats, texts, capped):
        sents = [c.sentiment for c in cl if c.sentiment is not None]
        out.append(
            {
                "article_id": row["id"],
                "claims": [claim_row(row["id"], c) for c in cl],
                "sentences": st["sentences"],
                "repeats": st["repeats"],
                "candidates": st["candidates"],
                "chunks": st["chunks"],
                "mean_sentiment": (sum(sents) / len(sents)) if sents else None,
                "text_chars": len(text),
                "scored_chars": len(scored),
            }
        )
    return out
