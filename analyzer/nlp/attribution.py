"""Who says it: speaker and organisation when a sentence quotes or attributes.

Patterns: '"...," said Jane Doe, chief strategist at Acme Capital', 'Jane Doe, an economist at
Acme, said ...', 'according to Acme Research', 'Powell said ...'. With the statistical pipeline
the named-entity labels decide person vs organisation and the parse finds the subject of the
speech verb; without it, capitalisation and organisation words do.
"""

from __future__ import annotations

import re

# "added"/"adds" only as speech ("…, he added." / "added that"), not "Employers added 114,000 jobs"
_SAY = r"(?:said|says|say|told|tells|noted|notes|wrote|writes|(?:added|adds)(?=\s*(?:that\b|[,.;:\"“”]|$))|warned|warns|argued|argues|cautioned|cautions|explained|explains|predicted|predicts|stated|states|remarked|commented|observed|insisted|acknowledged|conceded|reckons|reckoned)"
_NAME = r"(?:[A-Z][\w.'’&-]*(?:\s+(?:[A-Z][\w.'’&-]*|de|van|von|di|da|del|of|and|&)){0,4})"
_ORG_TAIL = r"(?:the\s+)?(?P<org>[A-Z][\w.'’&-]*(?:\s+(?:[A-Z0-9][\w.'’&-]*|&|of|and|de)){0,5})"
# greedy: "head of U.S. equity strategy at RBC" backtracks to the last preposition
_TITLE = r"(?:a\s+|an\s+|the\s+)?[^,;\"“”]{2,80}"

_PATTERNS = [
    # "…," said Jane Doe, chief strategist at Acme Capital
    re.compile(rf"\b{_SAY}\s+(?P<sp>{_NAME})(?:,\s+{_TITLE}\s+(?:at|of|with|for|from)\s+{_ORG_TAIL})?"),
    # Jane Doe, chief strategist at Acme Capital, said
    re.compile(rf"(?P<sp>{_NAME}),\s+{_TITLE}\s+(?:at|of|with|for|from)\s+{_ORG_TAIL},?\s+(?:\w+\s+)?{_SAY}\b"),
    # Jane Doe of Acme said
    re.compile(rf"(?P<sp>{_NAME})\s+(?:of|at|from)\s+{_ORG_TAIL}\s+{_SAY}\b"),
    # according to Acme Research / according to Jane Doe
    re.compile(
        rf"\baccording to\s+(?:a\s+|an\s+|the\s+)?(?:note\s+from\s+|report\s+from\s+|analysts\s+at\s+|strategists\s+at\s+|economists\s+at\s+)?(?P<sp>{_NAME})"
    ),
    # analysts at Goldman Sachs said / strategists at BofA wrote
    re.compile(
        rf"\b(?:analysts|strategists|economists|traders|researchers)\s+(?:at|from|with)\s+{_ORG_TAIL}\s+{_SAY}\b"
    ),
    # Jane Doe said / Powell says
    re.compile(rf"(?P<sp>{_NAME})\s+(?:\w+ly\s+)?{_SAY}\b"),
]
_ORG_WORDS = re.compile(
    r"\b(?:Capital|Bank|Banks|Group|Securities|Research|Partners|Management|Advisors|Advisers|Asset|Assets|Investments?"
    r"|Inc|LLC|Ltd|Co|Corp|Corporation|Sachs|Stanley|Morgan|JPMorgan|Citi|Citigroup|BofA|UBS|Barclays|Nomura|HSBC"
    r"|Wells Fargo|BlackRock|Vanguard|Fidelity|Schwab|Reuters|Bloomberg|Fed|Federal Reserve|FOMC|Treasury|Reserve"
    r"|Fund|Funds|Trust|Associates|Strategies|Economics|Analytics|Markets|Financial|Exchange|Institute|Board|Committee"
    r"|Department|Office|Agency|Street|Holdings|Wealth|Advisory|Global|International|Insight|Insights|Deutsche|Jefferies"
    r"|Piper Sandler|Raymond James|Evercore|Oppenheimer|Bernstein|Macquarie|Natixis|ING|BNP Paribas|Societe Generale)\b"
)
_NOT_NAMES = {
    "The",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Analysts",
    "Investors",
    "Traders",
    "Strategists",
    "Economists",
    "Officials",
    "Some",
    "Many",
    "Most",
    "Others",
    "But",
    "And",
    "Still",
    "Meanwhile",
    "However",
    "Yet",
    "So",
    "Also",
    "Data",
    "Reports",
    "Report",
    "Markets",
    "Stocks",
    "A",
    "An",
    "In",
    "On",
    "As",
    "At",
    "For",
    "When",
    "While",
    "If",
    "Now",
    "Today",
    "Yesterday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Wall",
    "Bulls",
    "Bears",
    "Shorts",
    "Fund",
    "Funds",
    "Employers",
    "Companies",
    "Consumers",
    "Households",
    "Retailers",
    "Lenders",
    "Banks",
    "Policymakers",
}
# Titles in front of a name: "Fed Chair Jerome Powell" is the person Jerome Powell of the Federal Reserve.
_TITLE_PREFIX = re.compile(
    r"^(?:(?P<inst>Fed|Federal Reserve|U\.S\.|US|Treasury|ECB|BOJ)\s+)?"
    r"(?:Chair(?:man|woman)?|Vice\s+Chair(?:man|woman)?|Governor|President|Secretary|Treasury\s+Secretary)\s+"
    r"(?=[A-Z])"
)
_FED_PEOPLE = re.compile(
    r"\b(?:Powell|Waller|Goolsbee|Bostic|Kashkari|Musalem|Hammack|Bowman|Kugler|Miran|Jefferson|Logan|Daly|Williams|Barr|Cook)\b"
)


def _strip_title(name: str | None) -> tuple[str | None, bool]:
    """("Jerome Powell", True) for "Fed Chair Jerome Powell": the name, and whether a title went."""
    if not name:
        return name, False
    m = _TITLE_PREFIX.match(name)
    return (name[m.end() :], True) if m else (name, False)


def _clean(name: str | None) -> str | None:
    if not name:
        return None
    words = name.strip(" ,.'’").split()
    while words and words[0] in _NOT_NAMES:
        words = words[1:]
    while words and words[-1] in {"of", "and", "&", "de"}:
        words = words[:-1]
    return " ".join(words) or None


def attribute(sentence: str, sdoc=None) -> tuple[str | None, str | None]:
    """(speaker, organisation); either may be None."""
    speaker = org = None
    for rx in _PATTERNS:
        m = rx.search(sentence)
        if not m:
            continue
        gd = m.groupdict()
        sp, og = _clean(gd.get("sp")), _clean(gd.get("org"))
        sp, titled = _strip_title(sp)
        if sp is None and og is None:
            continue
        if sp and og is None and not titled and _is_org(sp, sdoc):
            sp, og = None, sp
        speaker, org = sp, og
        break
    if sdoc is not None:
        speaker, org = _refine_with_parse(sdoc, speaker, org)
    if speaker and org is None and _FED_PEOPLE.search(speaker):
        org = "Federal Reserve"
    return speaker, org


def _is_org(name: str, sdoc=None) -> bool:
    if sdoc is not None:
        for ent in sdoc.ents:
            if ent.text == name or name in ent.text:
                if ent.label_ in ("PERSON", "FED_OFFICIAL"):
                    return False
                if ent.label_ in ("ORG", "CENTRAL_BANK"):
                    return True
    return bool(_ORG_WORDS.search(name)) or (len(name.split()) == 1 and name.isupper())


def _refine_with_parse(sdoc, speaker, org):
    """Use the statistical NER: a PERSON subject of a speech verb, an ORG near it."""
    persons = [e for e in sdoc.ents if e.label_ in ("PERSON", "FED_OFFICIAL")]
    orgs = [e for e in sdoc.ents if e.label_ in ("ORG", "CENTRAL_BANK")]
    if speaker is None:
        for tok in sdoc:
            if re.fullmatch(_SAY, tok.text):
                subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
                for s in subj:
                    span = next((e for e in persons if e.start <= s.i < e.end), None)
                    if span is not None:
                        speaker = span.text
                        break
                    span = next((e for e in orgs if e.start <= s.i < e.end), None)
                    if span is not None and org is None:
                        org = span.text
                if speaker:
                    break
    elif not any(speaker in p.text or p.text in speaker for p in persons) and any(speaker == o.text for o in orgs):
        org, speaker = org or speaker, None
    speaker = _strip_title(speaker)[0]
    if speaker and (org is None or not (_ORG_WORDS.search(org) or any(org == o.text for o in orgs))):
        # "…, chief strategist at Acme Capital": the ORG right after the speaker's title, not
        # any ORG later in the sentence ("Raman said … until the Fed starts easing")
        sp_end = sdoc.text.find(speaker)
        for o in orgs:
            if sp_end >= 0 and 0 < o.start_char - sp_end - len(speaker) < 90:
                between = sdoc.text[sp_end + len(speaker) : o.start_char]
                if _APPOSITIVE_ORG.fullmatch(between) and not re.search(rf"\b{_SAY}", between):
                    org = o.text
                    break
    return speaker, org


_APPOSITIVE_ORG = re.compile(r",\s+[^.;\"“”]*\b(?:at|of|with|from)\s+(?:the\s+)?")


def resolve_surnames(claims: list[dict], text: str) -> None:
    """A later "Whitaker said" is the "Dan Whitaker, ... at Ironwood" named earlier in the text.

    The full name may sit in a sentence that made no claim, so the whole text is searched; the
    person's organisation is the one given where they were introduced.
    """
    known: dict[str, tuple[str | None, str | None]] = {}
    for c in claims:
        if c["speaker"] and " " in c["speaker"]:
            known.setdefault(c["speaker"].split()[-1], (c["speaker"], c["organisation"]))
    for c in claims:
        # a bare surname may have been read as an organisation ("Raman said …" with no NER person)
        for field in ("speaker", "organisation"):
            bare = c[field]
            if not bare or " " in bare or not bare[:1].isupper() or _ORG_WORDS.search(bare):
                continue
            if field == "organisation" and c["speaker"]:
                continue
            if bare not in known:
                known[bare] = _introduction(bare, text)
            name, org = known[bare]
            if name:
                c["speaker"] = name
                c["organisation"] = org or (c["organisation"] if field == "speaker" else None)
                break


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"“])")
_INTRO_ORG = re.compile(rf",\s+{_TITLE}\s+(?:at|of|with|for|from)\s+{_ORG_TAIL}")


def _introduction(surname: str, text: str) -> tuple[str | None, str | None]:
    rx = re.compile(rf"\b([A-Z][a-z]+)\s+(?:[A-Z]\.\s+)?{re.escape(surname)}\b")
    m = next(
        (m for m in rx.finditer(text) if m.group(1) not in _NOT_NAMES and not _TITLE_PREFIX.match(m.group(0))), None
    )
    if m is None:
        return None, None
    end = _SENTENCE_END.search(text, m.end())  # the introduction's own sentence
    appositive = _INTRO_ORG.match(text, m.end(), end.start() if end else len(text))  # "X, strategist at Y"
    return m.group(0), _clean(appositive.group("org")) if appositive else None


_QUOTE_THEN_SPEAKER = re.compile(
    rf"^\s*[\"“‘']\s*(?P<said>.{{20,}}?)[,.!?]?\s*[\"”’']\s*,?\s*(?:[A-Z][\w.'’-]*\s+){{0,4}}?{_SAY}\b[^\"“”]*$"
)
_ACCORDING_TO = re.compile(r"^(?P<said>.{20,}?),?\s+according to\b[^\"“”]*$")


def what_is_said(sentence: str) -> str:
    """The claim a sentence makes without its speech frame: the quoted words of '"...," said X, a
    strategist at Y' and the clause before ', according to Y'; else the sentence itself. Who said
    it is `attribute`'s business; what the claim is about is read from this."""
    m = _QUOTE_THEN_SPEAKER.match(sentence) or _ACCORDING_TO.match(sentence)
    return m.group("said").strip() if m else sentence
