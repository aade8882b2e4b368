"""Certainty (factual / hedged / speculative) and time orientation (backward / forward) from
modal, hedge and tense cues."""

from __future__ import annotations

import re

_SPECULATIVE = re.compile(
    r"\b(?:could|might|may|possibly|perhaps|maybe|if|whether|conceivabl\w*|speculat\w*|rumou?r\w*"
    r"|potential(?:ly)?|what if|in theory|not out of the question|cannot be ruled out|can't be ruled out"
    r"|risk of|chance of|chances of|wild card|gamble)\b|\?\s*[\"'”’]?\s*$",
    re.I,
)
_HEDGED = re.compile(
    r"\b(?:likely|unlikely|probabl\w*|expect\w*|appear\w*|seem\w*|suggest\w*|believe\w*|think\w*|thought"
    r"|estimat\w*|forecast\w*|predict\w*|anticipat\w*|should|would|reportedly|arguably|apparently"
    r"|in our view|we see|projected|tend(?:s)? to|signal\w*|indicat\w*|bet(?:s|ting)? (?:on|that)"
    r"|price[sd]? in|pricing in|odds|looks? (?:like|set|poised)|poised|on track|set to|hint\w*"
    r"|somewhat|largely|relatively|roughly|around|about to|sees?\b|views?\b|argu\w*|warn\w*)\b",
    re.I,
)
_FORWARD = re.compile(
    r"\b(?:will|won't|would|could|might|may|should|shall|going to|gonna|expect\w*|likely|unlikely"
    r"|forecast\w*|outlook|next (?:week|month|year|quarter|meeting|session|decision|move)|coming (?:weeks|months|days|quarters|year)"
    r"|ahead|later (?:this|in the) (?:year|month|week|quarter)|by (?:year-end|the end of)|poised|set to"
    r"|on track|plan\w* to|predict\w*|anticipat\w*|project\w*|upcoming|future|bets? on|betting on|price[sd]? in"
    r"|pricing in|odds|potential\w*|prospects?|seen (?:cutting|hiking|rising|falling)|in (?:20[2-9]\d)|about to"
    r"|ripe for|primed|set up for|runway)\b",
    re.I,
)
_BACKWARD = re.compile(
    r"\b(?:yesterday|last (?:week|month|year|quarter|session|meeting|time)|earlier (?:this|in the) (?:year|month|week)"
    r"|so far this|year[- ]to[- ]date|since|ago|on (?:monday|tuesday|wednesday|thursday|friday)"
    r"|has been|have been|had been|was|were|did)\b",
    re.I,
)


# Comparisons with expectations report a fact ("rose more than expected"), they do not hedge it.
_VS_EXPECTATIONS = re.compile(
    r"\b(?:than|as|from)\s+(?:had\s+been\s+|was\s+|were\s+)?(?:\w+\s+)?(?:expected|forecast|anticipated|estimated|predicted|projected)\b"
    r"|\b(?:much|long|widely|hotly)-?\s?(?:anticipated|expected)\b"
    r"|\b(?:beat|beats|missed|misses|topped|above|below|exceeded|trailed)\s+(?:\w+\s+)?(?:expectations|estimates|forecasts)\b",
    re.I,
)


def _facts_only(sentence: str) -> str:
    return _VS_EXPECTATIONS.sub(" ", sentence)


def certainty(sentence: str) -> str:
    sentence = _facts_only(sentence)
    if _SPECULATIVE.search(sentence):
        return "speculative"
    if _HEDGED.search(sentence):
        return "hedged"
    return "factual"


def orientation(sentence: str, sdoc=None) -> str:
    fwd = _FORWARD.search(_facts_only(sentence))
    if sdoc is not None:
        # Tense from the parse: a future modal on the main verb, or a past main verb.
        root = next((t for t in sdoc if t.dep_ == "ROOT"), None)
        if root is not None:
            aux = [c for c in root.children if c.dep_ in ("aux", "auxpass")]
            if any(c.lower_ in ("will", "'ll", "wo", "would", "could", "might", "may", "shall") for c in aux):
                return "forward"
            if fwd is None and (root.tag_ in ("VBD", "VBN") or any(c.tag_ == "VBD" for c in aux)):
                return "backward"
    return "forward" if fwd else "backward"
