"""Sentences that are page furniture, not commentary: they never become claims."""

from __future__ import annotations

import re

_PATTERNS = [
    # disclaimers
    r"\bnot (?:intended as |to be construed as |)(?:investment|financial|tax|legal) advice\b",
    r"\bfor (?:informational|information|educational) purposes only\b",
    r"\bpast performance (?:is|does) (?:not|no)\b|\bno guarantee of future results\b",
    r"\bdisclosure\s*:",
    r"\bdisclaimer\b",
    r"\ball rights reserved\b",
    r"©|\(c\)\s*\d{4}|\bcopyright\b",
    r"\bthe views (?:and opinions )?expressed\b.*\b(?:author|do not)\b",
    r"\b(?:has|have) no (?:position|positions) in\b|\bno (?:stock|business) relationship\b",
    r"\bconsult (?:a|your) (?:financial|investment) (?:adviser|advisor|professional)\b",
    r"\bforward-looking statements\b.*\b(?:risks|uncertainties|safe harbor)\b|\bsafe harbor\b",
    # cookie banners and site chrome
    r"\b(?:we|this (?:site|website)) uses? cookies\b|\bcookie (?:policy|settings|preferences)\b|\baccept (?:all )?cookies\b",
    r"\bprivacy policy\b|\bterms of (?:use|service)\b",
    r"\b(?:sign up|subscribe) (?:for|to) (?:our|the)\b|\bnewsletter\b|\bcreate (?:a |your )?free account\b",
    r"\bclick here\b|\bread more\b|\bcontinue reading\b|\bsee also\s*:|\bfollow us on\b|\bshare this (?:article|story)\b",
    r"^\s*(?:related|related articles|related stories|related coverage|more from|recommended|trending|most read|also read|watch|listen)\b\s*[:|-]?",
    r"^\s*(?:read|read more|more|see)\s*:\s*\S",  # "Read: <another article's headline>"
    r"\bthe post\b.*\bappeared first on\b",
    # bylines and credits
    r"^\s*by\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*(?:[,|-]|and\b|$)",
    r"\b(?:reporting|editing|writing|additional reporting|compiled) by\b",
    r"\b(?:photo|photograph|image|illustration|video)(?: credit)?\s*:|\bcredit\s*:",
    r"\b(?:getty images|reuters/|ap photo|afp via getty|bloomberg via getty|shutterstock|istock)\b",
    r"\bstaff (?:writer|reporter)\b|\bcontributed to this (?:report|article)\b",
    r"^\s*(?:updated|published|posted)\s*(?:on|at)?\s*:?\s*(?:\w+\s+\d{1,2},?\s+\d{4}|\d{1,2}:\d{2})",
]
_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I | re.M)
_URLISH = re.compile(r"https?://\S+|www\.\S+")


def is_boilerplate(sentence: str) -> bool:
    if _RE.search(sentence):
        return True
    # mostly links
    links = sum(len(m) for m in _URLISH.findall(sentence))
    return links > 0 and links >= 0.5 * len(sentence.strip())


_LIST_HEADING = re.compile(
    r"^[ \t]*(?:related(?: articles| stories| coverage| content| links| reading)?|more (?:from|on|stories)[^\n]{0,40}"
    r"|read (?:more|next|also)|also read|see also|recommended(?: for you| reading)?|you (?:may|might) also like"
    r"|trending(?: now)?|most (?:read|popular)|popular (?:now|stories)|further reading)[ \t]*:?[ \t]*$",
    re.I | re.M,
)


def list_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges of link lists: a "Related articles:" style heading on its own line and
    the lines under it up to the next blank line. Their headlines are not the article's claims."""
    out = []
    for m in _LIST_HEADING.finditer(text):
        end = text.find("\n\n", m.end())
        out.append((m.start(), len(text) if end < 0 else end))
    return out
