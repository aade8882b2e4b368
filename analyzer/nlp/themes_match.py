"""Candidate sentences from the themes' trigger patterns (models/themes.yml), and rule stance cues.

Everything a theme matches on is data in the theme file; this module only compiles it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from analyzer.errors import AnalyzerError
from analyzer.themes import Theme, ThemeSet

NEGATION = re.compile(
    r"(?:\b(?:not|no|never|without|hardly|barely|neither|nor|cannot|none)\b|n't\b|\bno longer\b"
    r"|\bfail(?:s|ed|ing)? to\b|\bunlikely to\b|\bless likely to\b|\brul(?:e|ed|es|ing) out\b"
    r"|\blittle sign of\b|\bstopped\b|\bceased?\b)[^,;:.!?]{0,25}$",
    re.I,
)


@dataclass
class Cue:
    regex: re.Pattern
    polarity: int  # +1 / -1
    weight: float = 1.0
    negatable: bool = True


@dataclass
class CompiledTheme:
    theme: Theme
    regexes: list[re.Pattern] = field(default_factory=list)
    excludes: list[re.Pattern] = field(default_factory=list)
    veto: list[re.Pattern] = field(default_factory=list)
    veto_unless: list[re.Pattern] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    neutral: list[re.Pattern] = field(default_factory=list)
    recall: list[re.Pattern] = field(default_factory=list)
    entity_labels: frozenset[str] = frozenset()


def _compile(theme: str, pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern, re.I)
    except re.error as exc:
        raise AnalyzerError(f"themes file: theme {theme}: bad regex {pattern!r} ({exc})") from None


class ThemeMatcher:
    """Finds, per sentence, which themes it is a candidate for and where the triggers are."""

    def __init__(self, nlp, themes: ThemeSet, names: list[str] | None = None):
        from spacy.matcher import Matcher, PhraseMatcher

        self.version = themes.version
        selected = [themes.get(n) for n in names] if names else list(themes.themes.values())
        self.themes: dict[str, CompiledTheme] = {}
        self.phrase_lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.phrase_exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.matcher = Matcher(nlp.vocab)
        for th in selected:
            spec = th.spec or {}
            trig = spec.get("triggers") or {}
            ct = CompiledTheme(theme=th, entity_labels=frozenset(spec.get("entity_labels") or ()))
            lower, exact = [], []
            for phrase in trig.get("phrases") or []:
                doc = nlp.make_doc(str(phrase))
                # Short tokens with capitals are acronyms or names ("Fed", "CPI", "IWM"): exact case.
                if any(len(t.text) <= 4 and any(c.isupper() for c in t.text) for t in doc):
                    exact.append(doc)
                else:
                    lower.append(nlp.make_doc(str(phrase).lower()))
            if lower:
                self.phrase_lower.add(th.name, lower)
            if exact:
                self.phrase_exact.add(th.name, exact)
            pats = trig.get("patterns") or []
            if pats:
                try:
                    self.matcher.add(th.name, pats)
                except Exception as exc:  # spaCy raises its own errors for malformed patterns
                    raise AnalyzerError(
                        f"themes file: theme {th.name}: bad token pattern ({str(exc).splitlines()[0]})"
                    ) from None
            ct.regexes = [_compile(th.name, p) for p in trig.get("regex") or []]
            ct.excludes = [_compile(th.name, p) for p in spec.get("exclude") or []]
            veto = spec.get("veto") or {}
            ct.veto = [_compile(th.name, p) for p in veto.get("regex") or []]
            ct.veto_unless = [_compile(th.name, p) for p in veto.get("unless") or []]
            cues = spec.get("stance_cues") or {}
            for key, pol in (("positive", 1), ("negative", -1)):
                for c in cues.get(key) or []:
                    if isinstance(c, dict):
                        ct.cues.append(
                            Cue(
                                _compile(th.name, c["regex"]),
                                pol,
                                float(c.get("weight", 1.0)),
                                bool(c.get("negate", True)),
                            )
                        )
                    else:
                        ct.cues.append(Cue(_compile(th.name, str(c)), pol))
            ct.neutral = [_compile(th.name, p) for p in cues.get("neutral") or []]
            ct.recall = [_compile(th.name, p) for p in spec.get("recall") or []]
            if not (lower or exact or pats or ct.regexes):
                raise AnalyzerError(f"themes file: theme {th.name} has no triggers (phrases, patterns or regex)")
            self.themes[th.name] = ct

    def match_doc(self, doc) -> dict[int, dict[str, list[tuple[int, int]]]]:
        """{sentence start char (within doc): {theme: [(start, end) char spans of triggers]}}."""
        spans: list[tuple[str, int, int]] = []
        vocab = doc.vocab
        for m in (self.phrase_lower, self.phrase_exact, self.matcher):
            if len(m) == 0:
                continue
            for match_id, s, e in m(doc):
                spans.append((vocab.strings[match_id], doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)))
        out: dict[int, dict[str, list[tuple[int, int]]]] = {}
        sent_starts = [(s.start_char, s.end_char) for s in doc.sents]
        starts = [a for a, _ in sent_starts]
        for theme, a, b in spans:
            i = bisect.bisect_right(starts, a) - 1
            if i < 0:
                continue
            out.setdefault(starts[i], {}).setdefault(theme, []).append((a, b))
        if any(ct.regexes for ct in self.themes.values()):
            text = doc.text
            for s0, s1 in sent_starts:
                sent = text[s0:s1]
                for name, ct in self.themes.items():
                    for rx in ct.regexes:
                        for m in rx.finditer(sent):
                            out.setdefault(s0, {}).setdefault(name, []).append((s0 + m.start(), s0 + m.end()))
        return out

    def filter(
        self, sentence: str, offset: int, found: dict[str, list[tuple[int, int]]]
    ) -> dict[str, list[tuple[int, int]]]:
        """Drop trigger spans inside exclusions and themes vetoed for this sentence.

        Returned spans are relative to the sentence."""
        kept: dict[str, list[tuple[int, int]]] = {}
        for name, spans in found.items():
            ct = self.themes[name]
            rel = sorted({(a - offset, b - offset) for a, b in spans})
            if ct.excludes:
                bad = [(m.start(), m.end()) for rx in ct.excludes for m in rx.finditer(sentence)]
                rel = [(a, b) for a, b in rel if not any(a < y and x < b for x, y in bad)]
            vetoed = ct.veto and any(rx.search(sentence) for rx in ct.veto)
            if rel and vetoed and not any(rx.search(sentence) for rx in ct.veto_unless):
                rel = []
            if rel:
                kept[name] = rel
        return kept

    def recall(self, sentence: str) -> set[str]:
        """Themes whose wider net (`recall` in the theme file) catches the sentence."""
        return {name for name, ct in self.themes.items() if any(rx.search(sentence) for rx in ct.recall)}

    def cue_score(
        self, theme: str, sentence: str, triggers: dict[str, list[tuple[int, int]]], sdoc=None
    ) -> tuple[float, float, float]:
        """(positive, negative, neutral) weighted cue evidence for `theme` in the sentence.

        A cue nearer to another theme's trigger than to this theme's counts less ("small caps
        rallied as yields fell": "fell" belongs to yields). A negated cue counts the other way."""
        ct = self.themes[theme]
        own = triggers.get(theme) or []
        other = [sp for t, sps in triggers.items() if t != theme for sp in sps]
        pos = neg = 0.0
        best: dict[tuple[int, int], tuple[Cue, int, int]] = {}  # one cue per span: the weightiest
        for cue in ct.cues:
            for m in cue.regex.finditer(sentence):
                key = (m.start(), m.end())
                if key not in best or cue.weight > best[key][0].weight:
                    best[key] = (cue, m.start(), m.end())
        for cue, a, b in best.values():
            d_own = _dist(a, b, own)
            w = cue.weight * (1.0 if d_own <= 60 else 0.6)
            if other and _dist(a, b, other) < d_own:
                w *= 0.3
            pol = cue.polarity
            if cue.negatable and _negated(sentence, a, b, sdoc):
                pol = -pol
            if pol > 0:
                pos += w
            else:
                neg += w
        neutral = float(sum(1 for rx in ct.neutral if rx.search(sentence)))
        return pos, neg, neutral


def _dist(a: int, b: int, spans: list[tuple[int, int]]) -> float:
    if not spans:
        return 1e9
    return min(0 if (a < y and x < b) else (x - b if x >= b else a - y) for x, y in spans)


def _negated(sentence: str, a: int, b: int, sdoc=None) -> bool:
    if NEGATION.search(sentence[max(0, a - 40) : a]):
        return True
    if sdoc is not None:  # dependency parse: a "neg" child on the cue word or the verb it hangs on
        for tok in sdoc:
            if tok.idx >= a and tok.idx < b:
                for t in (tok, tok.head):
                    if any(c.dep_ == "neg" for c in t.children):
                        return True
                break
    return False


def rule_stance(pos: float, neg: float, neutral: float = 0.0) -> tuple[int, float]:
    """Stance and a rough probability from cue evidence alone (neutral cues damp it)."""
    net = (pos - neg) * (0.3 if neutral else 1.0)
    if abs(net) < 0.5:
        return 0, 0.55
    return (1 if net > 0 else -1), min(0.95, 0.6 + 0.1 * abs(net))
