"""Text -> claims: segment, find theme candidates by rules, then one model pass over the
candidates for sentiment and the embedding the stance head reads.

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

CHUNK_CHARS = 50_000
MAX_SENTENCE_CHARS = 1_500  # longer "sentences" are tables, link lists or garbage: not claims
MIN_SENTENCE_CHARS = 12
RULES = "rules"  # --model rules: no transformer, no sentiment, stance from cues
_LETTER = re.compile(r"[A-Za-z]")


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


@dataclass
class _Cand:
    item: int
    sentence_index: int
    start: int
    end: int
    text: str
    triggers: dict[str, list[tuple[int, int]]]
    ents: list[dict]
    chunk: int
    sdoc: Any = None
    extra: dict = field(default_factory=dict)


class ClaimExtractor:
    """Reusable: loads spaCy, the themes and (lazily, on the first candidate) the model."""

    def __init__(
        self,
        model: Any = None,
        *,
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
        self._head = None
        self._head_loaded = False

    # --- model -----------------------------------------------------------------------------
    @property
    def uses_model(self) -> bool:
        return not (isinstance(self._model_spec, str) and self._model_spec == RULES)

    @property
    def model(self):
        if self._model is None and self.uses_model:
            from analyzer.nlp.model import load_model

            self._model = load_model(self._model_spec if isinstance(self._model_spec, str) else None)
        return self._model

    @property
    def head(self):
        if not self._head_loaded:
            from analyzer.nlp.stance import StanceHead

            self._head = StanceHead.load()
            self._head_loaded = True
        return self._head

    @property
    def model_version(self) -> str:
        """Sentiment model and stance head versions (loads the model)."""
        if not self.uses_model:
            return "rules+stance:rules"
        m = self.model
        head = self.head
        stance = "rules"
        if head is not None and head.meta.get("encoder_version") == getattr(m, "version", None):
            stance = head.version
        return f"{m.name}@{m.version}+stance:{stance}"

    # --- extraction ------------------------------------------------------------------------
    def extract(self, texts: list[str]) -> tuple[list[list[dict]], list[dict]]:
        """Claims for each text, and per-text stats (sentences, candidates, chunks, skipped)."""
        cands: list[_Cand] = []
        stats = [{"sentences": 0, "candidates": 0, "chunks": 0, "skipped_long": 0, "boilerplate": 0} for _ in texts]
        pieces: list[tuple[int, int, int, str]] = []  # (item, chunk no, offset, text)
        for i, text in enumerate(texts):
            text = text or ""
            for c, (a, b) in enumerate(chunk_spans(text)):
                pieces.append((i, c, a, text[a:b]))
            stats[i]["chunks"] = len(chunk_spans(text)) if text else 0
        sent_no = [0] * len(texts)
        for (i, c, offset, _piece), doc in zip(pieces, self.nlp.pipe((p[3] for p in pieces), batch_size=16)):
            self._candidates(doc, i, c, offset, sent_no, stats[i], cands)
        claims: list[list[dict]] = [[] for _ in texts]
        if not cands:
            return claims, stats
        from analyzer.nlp.pipeline import analyse_sentences

        sdocs = analyse_sentences([c.text for c in cands], self.kind)
        for c, sd in zip(cands, sdocs):
            c.sdoc = sd
        probs = emb = None
        model = self.model if self.uses_model else None
        if model is not None:
            pred = model.predict([c.text for c in cands], batch_size=self.batch_size)
            probs, emb = pred.probs, pred.embeddings
        self._judge(cands, probs, emb, model, claims, stats, texts)
        return claims, stats

    def _candidates(self, doc, item, chunk, offset, sent_no, stats, out):
        from analyzer.nlp.boilerplate import is_boilerplate, list_regions

        found = self.matcher.match_doc(doc)
        lists = list_regions(doc.text)
        for sent in doc.sents:
            raw = sent.text
            stripped = raw.strip()
            if not stripped:
                continue
            idx = sent_no[item]
            sent_no[item] += 1
            stats["sentences"] += 1
            if len(stripped) > MAX_SENTENCE_CHARS:
                stats["skipped_long"] += 1
                continue
            if len(stripped) < MIN_SENTENCE_CHARS or not _LETTER.search(stripped):
                continue
            hit = found.get(sent.start_char)
            if not hit:
                continue
            lead = len(raw) - len(raw.lstrip())
            s0 = sent.start_char + lead
            triggers = self.matcher.filter(stripped, s0, hit)
            if not triggers:
                continue
            if is_boilerplate(stripped) or any(a <= s0 < b for a, b in lists):
                stats["boilerplate"] += 1
                continue
            ents = [
                {"text": e.text, "label": e.label_, "start": e.start_char - s0, "end": e.end_char - s0}
                for e in doc.ents
                if e.start_char >= s0 and e.end_char <= s0 + len(stripped)
            ]
            stats["candidates"] += 1
            out.append(_Cand(item, idx, offset + s0, offset + s0 + len(stripped), stripped, triggers, ents, chunk))

    def _judge(self, cands, probs, emb, model, claims, stats, texts):
        from analyzer.nlp.attribution import attribute, resolve_surnames
        from analyzer.nlp.hedging import certainty, orientation
        from analyzer.nlp.stance import STANCES, THEME_VETO, cue_features
        from analyzer.nlp.themes_match import rule_stance

        head = self.head if model is not None else None
        use_head = head is not None and head.compatible(model, emb)
        model_version = self.model_version
        # per theme: rows and features, so each head runs once per batch
        rows: dict[str, list[tuple[int, np.ndarray, tuple[int, float]]]] = {}
        for k, c in enumerate(cands):
            for theme, spans in c.triggers.items():
                pos, neg, neu = self.matcher.cue_score(theme, c.text, c.triggers, c.sdoc)
                feats = cue_features(pos, neg, neu, len(spans), None if probs is None else probs[k])
                rows.setdefault(theme, []).append((k, feats, rule_stance(pos, neg, neu)))
        decided: dict[tuple[int, str], tuple[int, float]] = {}
        for theme, rs in rows.items():
            idx = [r[0] for r in rs]
            feats = np.vstack([r[1] for r in rs])
            sp = tp = None
            if use_head:
                sp = head.stance_probs(theme, emb[idx], feats)
                tp = head.theme_prob(theme, emb[idx], feats)
            for j, (k, _, rule) in enumerate(rs):
                if tp is not None and tp[j] < THEME_VETO:
                    continue  # the theme head says the rule candidate is not about the theme
                if sp is not None:
                    c = int(sp[j].argmax())
                    decided[(k, theme)] = (STANCES[c], float(sp[j][c]))
                else:
                    decided[(k, theme)] = rule
        for k, c in enumerate(cands):
            themes = [t for t in c.triggers if (k, t) in decided]
            if not themes:
                continue
            sd = c.sdoc
            speaker, org = attribute(c.text, sd)
            cert, orient = certainty(c.text), orientation(c.text, sd)
            ents = self._entities(c, sd)
            if probs is not None:
                p = probs[k]
                label = ("negative", "neutral", "positive")[int(np.argmax(p))]
                sentiment = float(p[2] - p[0])
                pd = {"negative": float(p[0]), "neutral": float(p[1]), "positive": float(p[2])}
            else:
                label, sentiment, pd = None, None, None
            for theme in themes:
                stance, sprob = decided[(k, theme)]
                ct = self.matcher.themes[theme]
                spans = c.triggers[theme]
                targets = {s for t in ct.theme.targets for s in t.symbols}
                ent_out = []
                for e in ents:
                    if any(e["start"] < b and a < e["end"] for a, b in spans):
                        rel = 1.0
                    elif e["label"] in ct.entity_labels or e["text"].lstrip("$") in targets:
                        rel = 0.7
                    else:
                        rel = 0.3
                    ent_out.append({**e, "start": c.start + e["start"], "end": c.start + e["end"], "relevance": rel})
                claims[c.item].append(
                    {
                        "sentence_index": c.sentence_index,
                        "sentence": c.text,
                        "start": c.start,
                        "end": c.end,
                        "chunk": c.chunk,
                        "theme": theme,
                        "stance": int(stance),
                        "stance_prob": round(float(sprob), 4),
                        "sentiment": None if sentiment is None else round(sentiment, 4),
                        "label": label,
                        "probs": None if pd is None else {k2: round(v, 4) for k2, v in pd.items()},
                        "certainty": cert,
                        "orientation": orient,
                        "speaker": speaker,
                        "organisation": org,
                        "entities": ent_out,
                        "triggers": [c.text[a:b] for a, b in spans],
                        "model_version": model_version,
                        "theme_version": self.theme_version,
                    }
                )
        for i, cl in enumerate(claims):
            cl.sort(key=lambda d: (d["start"], d["theme"]))
            resolve_surnames(cl, texts[i] or "")
            stats[i]["claims"] = len(cl)

    def _entities(self, c: _Cand, sd) -> list[dict]:
        if sd is None:
            return list(c.ents)
        keep = {
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
        return [
            {"text": e.text, "label": e.label_, "start": e.start_char, "end": e.end_char}
            for e in sd.ents
            if e.label_ in keep
        ]


def extract_text(text: str, **kwargs) -> list[dict]:
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
