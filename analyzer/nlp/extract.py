"""Text -> claims.

1. Segment (spaCy, blank pipeline) and find, per sentence, the themes it may be about: the
   theme file's `triggers`, and with the claim model also its wider `recall` net, in the
   sentence itself or in its context (the headline and the previous sentence).
2. The claim model reads each candidate sentence with its context and decides, per candidate
   theme, whether it is a claim and its stance; also the sentence's orientation and certainty.
   Without the model (`--model rules`), or for a theme the model has no head for, the rules
   decide: precise triggers make the claim and the theme's stance cues its stance.
3. Claims get their sentiment (the sentiment model, on the claims' sentences only), the
   speaker and organisation quoted, and the entities they name.

A text written "headline\\n\\nbody" has a headline: it is context for every body sentence, and a
body sentence that repeats it (or any sentence repeating an earlier one) is scored once.
Long texts are cut into chunks at line or sentence boundaries (never truncated); spans are
character offsets into the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.errors import AnalyzerError
from analyzer.nlp.claim_model import CERTAINTIES, ORIENTATIONS, STANCES, ClaimInput
from analyzer.records import Claim, Entity

CHUNK_CHARS = 50_000
MAX_SENTENCE_CHARS = 1_500  # longer "sentences" are tables, link lists or garbage: not claims
MIN_SENTENCE_CHARS = 12
RULES = "rules"  # --model rules: no models at all; triggers and cues decide
_LETTER = re.compile(r"[A-Za-z]")
_KEEP_ENTS = {
    "INDEX",
    "ETF",
    "SEGMENT",
    "CENTRAL_BANK",
    "FED_OFFICIAL",
    "DATA",
    "YIELD",
    "TICKER",
    "ORG",
    "PERSON",
    "GPE",
}


def chunk_spans(text: str, max_chars: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces covering all of `text`, cut at a line break, else a sentence end,
    else whitespace, never inside a word unless there is no whitespace at all."""
    spans, start, n = [], 0, len(text)
    while start < n:
        end = min(n, start + max_chars)
        if end < n:
            window = text[start:end]
            cut = window.rfind("\n", max_chars // 2)
            if cut < 0:
                m = None
                for m in re.finditer(r"[.!?][\"')\]]*\s", window[max_chars // 2 :]):  # noqa: B007 (the last one)
                    pass
                cut = (max_chars // 2 + m.end() - 1) if m else window.rfind(" ", max_chars // 2)
            if cut > 0:
                end = start + cut + 1
        spans.append((start, end))
        start = end
    return spans


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


@dataclass
class _Sentence:
    item: int
    index: int  # sentence number within its text
    start: int  # span in the whole text
    end: int
    text: str
    chunk: int
    triggers: dict[str, list[tuple[int, int]]]  # precise trigger spans per theme, relative to the sentence
    headline: str = ""
    prev: str = ""
    candidates: set[str] = field(default_factory=set)
    from_context: set[str] = field(default_factory=set)  # candidates only because the context names them
    doc: Any = None  # the sentence analysed: entities, and a parse with the statistical pipeline
    judged: dict[str, str] = field(default_factory=dict)  # the claim model's orientation and certainty


@dataclass
class _Decision:
    stance: int
    stance_prob: float
    theme_prob: float | None


class ClaimExtractor:
    """Reusable: loads spaCy and the themes now, the models on first use.

    `model` is the sentiment model ("default", "vader", a local directory, a loaded model, or
    "rules" for no models at all); `claim_model` the claim model ("default", a directory of a
    trained artifact, a loaded ClaimModel, or "rules": triggers and cues decide)."""

    def __init__(
        self,
        model: Any = None,
        *,
        claim_model: Any = None,
        themes_path: str | Path | None = None,
        theme_names: Iterable[str] | None = None,
        spacy_kind: str | None = None,
        batch_size: int = 64,
    ):
        from analyzer.nlp.pipeline import blank_nlp, pipeline_kind
        from analyzer.nlp.themes_match import ThemeMatcher
        from analyzer.themes import load_themes

        self.themes = load_themes(str(themes_path) if themes_path else None)
        names = list(theme_names) if theme_names else None
        self.kind = pipeline_kind(spacy_kind)
        self.nlp = blank_nlp()
        self.matcher = ThemeMatcher(self.nlp, self.themes, names)
        self.theme_version = self.themes.version
        self.batch_size = batch_size
        self._model_spec = model
        self._model = model if (model is not None and not isinstance(model, str)) else None
        if claim_model in (None, "default") and isinstance(model, str) and model == RULES:
            claim_model = RULES  # --model rules: no models at all
        self._claim_spec = claim_model
        self._claim = claim_model if (claim_model is not None and not isinstance(claim_model, str)) else None

    # --- models ----------------------------------------------------------------------------
    @property
    def uses_model(self) -> bool:
        return not (isinstance(self._model_spec, str) and self._model_spec == RULES)

    @property
    def uses_claim_model(self) -> bool:
        return not (isinstance(self._claim_spec, str) and self._claim_spec == RULES)

    @property
    def model(self):
        """The sentiment model (None with --model rules)."""
        if self._model is None and self.uses_model:
            from analyzer.nlp.model import load_model

            self._model = load_model(self._model_spec if isinstance(self._model_spec, str) else None)
        return self._model

    @property
    def claim_model(self):
        if self._claim is None and self.uses_claim_model:
            from analyzer.nlp.claim_model import ClaimModel

            spec = self._claim_spec
            self._claim = ClaimModel(None if spec in (None, "", "default") else spec)
        return self._claim

    @property
    def model_version(self) -> str:
        """Sentiment model and claim model versions (loads both)."""
        sentiment = f"{self.model.name}@{self.model.version}" if self.uses_model else "none"
        claims = self.claim_model.version if self.uses_claim_model else "rules"
        return f"{sentiment}+claims:{claims}"

    # --- extraction ------------------------------------------------------------------------
    def extract(self, texts: list[str]) -> tuple[list[list[Claim]], list[dict]]:
        """Claims for each text, and per-text stats (sentences, repeats, candidates, chunks, ...)."""
        stats = [
            {"sentences": 0, "repeats": 0, "candidates": 0, "chunks": 0, "skipped_long": 0, "boilerplate": 0}
            for _ in texts
        ]
        cands: list[_Sentence] = []  # the candidate sentences of every text
        pieces: list[tuple[int, int, int, str]] = []  # (item, chunk no, offset, text)
        for i, text in enumerate(texts):
            text = text or ""
            spans = chunk_spans(text)
            stats[i]["chunks"] = len(spans)
            pieces += [(i, c, a, text[a:b]) for c, (a, b) in enumerate(spans)]
        state: dict[int, dict] = {}  # per text: sentence counter, headline, previous sentence, texts seen
        for (i, c, offset, _), doc in zip(pieces, self.nlp.pipe((p[3] for p in pieces), batch_size=16)):
            st = state.setdefault(
                i, {"n": 0, "headline": _headline(texts[i] or ""), "prev": "", "seen": set(), "themes_of": {}}
            )
            self._segment(doc, i, c, offset, st, stats[i], cands)
        decisions = self._decide(cands)
        claims = self._claims(cands, decisions, texts)
        for i, cl in enumerate(claims):
            stats[i]["claims"] = len(cl)
        return claims, stats

    def _segment(self, doc, item, chunk, offset, st, stats, out) -> None:
        """Append the doc's candidate sentences to `out`; `st` carries the text's state across chunks."""
        from analyzer.nlp.boilerplate import is_boilerplate, list_regions

        found = self.matcher.match_doc(doc)
        lists = list_regions(doc.text)
        with_model = self.uses_claim_model
        for sent in doc.sents:
            raw = sent.text
            text = raw.strip()
            if not text:
                continue
            idx = st["n"]
            st["n"] += 1
            stats["sentences"] += 1
            s0 = sent.start_char + len(raw) - len(raw.lstrip())
            if any(a <= s0 < b for a, b in lists):  # a "Related articles" list: not the article's text
                stats["boilerplate"] += 1
                continue
            hit = found.get(sent.start_char) or {}
            triggers = self.matcher.filter(text, s0, hit) if hit else {}
            recall = self.matcher.recall(text) if with_model else set()
            is_headline = idx == 0 and st["headline"] and text == st["headline"]
            headline = "" if is_headline else st["headline"]
            prev = st["prev"] if st["prev"] != headline else ""
            own = set(triggers) | recall
            if own and is_boilerplate(text):
                stats["boilerplate"] += 1
                continue  # nor is it context for the next sentence
            context = set()
            if with_model:  # the theme named in the headline or the sentence before reaches this one
                for ctx in (headline, prev):
                    context |= st["themes_of"].get(ctx, set())
            st["themes_of"][text] = own
            st["prev"] = text
            key = _norm(text)
            if key in st["seen"]:
                stats["repeats"] += 1
                continue
            st["seen"].add(key)
            if len(text) > MAX_SENTENCE_CHARS:
                stats["skipped_long"] += 1
                continue
            if len(text) < MIN_SENTENCE_CHARS or not _LETTER.search(text):
                continue
            candidates = own | context if with_model else set(triggers)
            if not candidates:
                continue
            if not own and is_boilerplate(text):
                stats["boilerplate"] += 1
                continue
            stats["candidates"] += 1
            out.append(
                _Sentence(
                    item,
                    idx,
                    offset + s0,
                    offset + s0 + len(text),
                    text,
                    chunk,
                    triggers,
                    headline=headline,
                    prev=prev,
                    candidates=candidates,
                    from_context=candidates - own,
                )
            )

    def _decide(self, cands: list[_Sentence]) -> list[dict[str, _Decision]]:
        """Per candidate: {theme: decision} for the themes it is a claim about."""
        from analyzer.nlp.attribution import what_is_said
        from analyzer.nlp.pipeline import analyse_sentences
        from analyzer.nlp.themes_match import rule_stance

        out: list[dict[str, _Decision]] = [{} for _ in cands]
        model = self.claim_model if self.uses_claim_model else None
        judged = set(model.themes) if model is not None else set()
        if model is not None and cands:
            inputs = [ClaimInput(what_is_said(s.text), s.headline, s.prev) for s in cands]
            j = model.judge(inputs, batch_size=self.batch_size)
            for k, s in enumerate(cands):
                for theme in s.candidates & judged:
                    p = j.themes[theme][k]
                    if p[0] < model.threshold(theme, context_only=theme in s.from_context):
                        c = 1 + int(np.argmax(p[1:]))
                        out[k][theme] = _Decision(STANCES[c - 1], float(p[c] / max(1e-9, 1 - p[0])), float(1 - p[0]))
                s.judged = {
                    "orientation": ORIENTATIONS[int(j.orientation[k].argmax())],
                    "certainty": CERTAINTIES[int(j.certainty[k].argmax())],
                }
        # the rules decide where the model cannot: no model, or a theme it has no head for
        ruled = [k for k, s in enumerate(cands) if set(s.triggers) - judged]
        for k, doc in zip(ruled, analyse_sentences([cands[k].text for k in ruled], self.kind)):
            s = cands[k]
            s.doc = doc
            for theme in set(s.triggers) - judged:
                stance, prob = rule_stance(*self.matcher.cue_score(theme, s.text, s.triggers, self._parse(s)))
                out[k][theme] = _Decision(stance, prob, None)
        return out

    def _claims(self, cands: list[_Sentence], decisions: list[dict[str, _Decision]], texts) -> list[list[Claim]]:
        from analyzer.nlp.attribution import attribute, resolve_surnames
        from analyzer.nlp.hedging import certainty, orientation
        from analyzer.nlp.pipeline import analyse_sentences

        kept = [k for k, d in enumerate(decisions) if d]
        need = [k for k in kept if cands[k].doc is None]
        for k, doc in zip(need, analyse_sentences([cands[k].text for k in need], self.kind)):
            cands[k].doc = doc
        probs = None
        model = self.model if self.uses_model else None
        if model is not None and kept:
            probs = model.predict([cands[k].text for k in kept], batch_size=self.batch_size).probs
        version = self.model_version
        rows: list[list[dict]] = [[] for _ in texts]
        for n, k in enumerate(kept):
            s = cands[k]
            sd = self._parse(s)
            speaker, org = attribute(s.text, sd)
            cert = s.judged.get("certainty") or certainty(s.text)
            orient = s.judged.get("orientation") or orientation(s.text, sd)
            ents = [
                {"text": e.text, "label": e.label_, "start": e.start_char, "end": e.end_char}
                for e in s.doc.ents
                if e.label_ in _KEEP_ENTS
            ]
            if probs is not None:
                p = probs[n]
                label = ("negative", "neutral", "positive")[int(np.argmax(p))]
                sentiment = round(float(p[2] - p[0]), 4)
                pd = {
                    "negative": round(float(p[0]), 4),
                    "neutral": round(float(p[1]), 4),
                    "positive": round(float(p[2]), 4),
                }
            else:
                label, sentiment, pd = None, None, None
            for theme, d in sorted(decisions[k].items()):
                spans = s.triggers.get(theme) or []
                rows[s.item].append(
                    {
                        "sentence_index": s.index,
                        "sentence": s.text,
                        "start": s.start,
                        "end": s.end,
                        "chunk": s.chunk,
                        "theme": theme,
                        "stance": int(d.stance),
                        "stance_prob": round(d.stance_prob, 4),
                        "theme_prob": None if d.theme_prob is None else round(d.theme_prob, 4),
                        "sentiment": sentiment,
                        "label": label,
                        "probs": pd,
                        "certainty": cert,
                        "orientation": orient,
                        "speaker": speaker,
                        "organisation": org,
                        "entities": self._relevance(s, theme, spans, ents),
                        "triggers": tuple(s.text[a:b] for a, b in spans),
                        "model_version": version,
                        "theme_version": self.theme_version,
                    }
                )
        out: list[list[Claim]] = []
        for i, cl in enumerate(rows):
            cl.sort(key=lambda d: (d["start"], d["theme"]))
            resolve_surnames(cl, texts[i] or "")
            out.append([Claim(**d) for d in cl])
        return out

    def _relevance(self, s: _Sentence, theme: str, spans, ents: list[dict]) -> tuple[Entity, ...]:
        ct = self.matcher.themes[theme]
        targets = {sym for t in ct.theme.targets for sym in t.symbols}
        out = []
        for e in ents:
            if any(e["start"] < b and a < e["end"] for a, b in spans):
                rel = 1.0
            elif e["label"] in ct.entity_labels or e["text"].lstrip("$") in targets:
                rel = 0.7
            else:
                rel = 0.3
            out.append(Entity(e["text"], e["label"], s.start + e["start"], s.start + e["end"], rel))
        return tuple(out)

    def _parse(self, s: _Sentence):
        """The sentence's parse, with the statistical pipeline; None with the blank one."""
        return s.doc if self.kind == "statistical" else None

    # --- sentences given with their context (evaluation, callers with their own segmentation)
    def judge_inputs(self, inputs: list[ClaimInput]) -> list[dict]:
        """For each sentence with its context: {"themes": {theme: (stance, stance_prob)},
        "orientation", "certainty"}, decided exactly as `extract` decides for its sentences."""
        texts = [t for x in inputs for t in (x.sentence, x.headline, x.prev)]
        docs = list(self.nlp.pipe(texts, batch_size=64))
        with_model = self.uses_claim_model
        sentences = []
        for k, x in enumerate(inputs):
            themes = []
            trig: dict[str, list[tuple[int, int]]] = {}
            for j, doc in enumerate(docs[3 * k : 3 * k + 3]):
                found: dict[str, list[tuple[int, int]]] = {}
                for hit in self.matcher.match_doc(doc).values():
                    for t, sp in hit.items():
                        found.setdefault(t, []).extend(sp)
                precise = self.matcher.filter(doc.text, 0, found)
                recall = self.matcher.recall(doc.text) if with_model else set()
                themes.append(set(precise) | recall)
                if j == 0:
                    trig = precise
            wanted = (themes[0] | themes[1] | themes[2]) if with_model else set(trig)
            s = _Sentence(0, k, 0, len(x.sentence), x.sentence, 0, trig, x.headline, x.prev, wanted)
            s.from_context = wanted - themes[0] if with_model else set()
            sentences.append(s)
        judged = [s for s in sentences if s.candidates]
        decided = dict(zip((s.index for s in judged), self._decide(judged)))
        from analyzer.nlp.hedging import certainty, orientation

        out = []
        for s in sentences:
            d = decided.get(s.index, {})
            out.append(
                {
                    "themes": {t: (v.stance, v.stance_prob) for t, v in d.items()},
                    "candidates": s.candidates,
                    "orientation": s.judged.get("orientation") or orientation(s.text, self._parse(s)),
                    "certainty": s.judged.get("certainty") or certainty(s.text),
                }
            )
        return out


def _headline(text: str) -> str:
    """The first line of a "headline\\n\\nbody" text, else ""."""
    head, sep, _ = text.partition("\n\n")
    head = head.strip()
    return head if sep and head and "\n" not in head else ""


def extract_text(text: str, **kwargs) -> list[Claim]:
    """Claims of one text (convenience for callers and tests)."""
    claims, _ = ClaimExtractor(**kwargs).extract([text])
    return claims[0]


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control/undecodable characters: not text we can read."""
    if not data:
        return False
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    text = sample.decode("utf-8", errors="replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t\f"))
    return bad > 0.05 * max(1, len(text))


_EN_WORDS = {
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "and",
    "is",
    "are",
    "was",
    "were",
    "for",
    "on",
    "that",
    "with",
    "as",
    "by",
    "at",
    "from",
    "it",
    "be",
    "has",
    "have",
    "will",
    "not",
    "this",
}


def looks_english(text: str) -> bool:
    """Rough check on a sample: common English function words among the words."""
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    if len(words) < 8:
        return True  # too short to judge; the matchers decide
    return sum(w in _EN_WORDS for w in words) / len(words) >= 0.05


def validate_theme_names(names: Iterable[str] | None, themes_path=None) -> None:
    from analyzer.themes import load_themes

    ts = load_themes(str(themes_path) if themes_path else None)
    for n in names or ():
        ts.get(n)  # raises AnalyzerError naming the known themes


__all__ = ["AnalyzerError", "ClaimExtractor", "chunk_spans", "extract_text", "looks_binary", "looks_english"]
