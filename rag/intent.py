"""Requests typed into the chat that a summary feature answers better than a question search:
"summarise the Kyiv Post article", "how do the outlets differ on …", "in what order did …",
"who said what about …" — with the article or outlet they name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["summary", "compare", "timeline", "claims"]

_RULES: list[tuple[Kind, re.Pattern[str]]] = [
    ("timeline", re.compile(r"\b(time ?line|chronolog\w*|in (what|which) order|sequence of (the )?events|order of (the )?"
                            r"events|what happened when|when did each)\b", re.I)),
    ("compare", re.compile(r"\b(compare|comparison|contrast|differ|difference|differences|disagree|how do (the )?"
                           r"(outlets|sources|media|articles|papers) (say|report|describe|cover|see|portray|present)|"
                           r"each outlet|(the|different) outlets' (view|line|take)|side by side|"
                           r"what do (the )?(different |various |both |all (the )?|two |three )?(outlets|sources|media|papers)"
                           r" (say|report|write|claim))\b", re.I)),
    ("claims", re.compile(r"\b(who said what|(list|show|give)( me)?( all)? (the )?(quotes|statements|claims)|"
                          r"(all )?(the )?quotes (from|by|of))\b", re.I)),
    ("summary", re.compile(r"\b(summari[sz]e|summary|summarise|sum up|main points|key points|main threads|gist|"
                           r"overview|tl;?dr|brief me|"
                           r"what(’s|'s| is| are) (the|this|that) ([\w’'.-]+ ){0,4}(article|piece|story|report|"
                           r"articles|pieces|stories|coverage) (about|saying)\W*$|"
                           r"what does (the|this|that) ([\w’'.-]+ ){0,4}(article|piece|story|report) say\W*$)", re.I)),
]
_TOPIC = re.compile(r"\b(?:on|about|over|regarding|concerning|in their (?:coverage|reporting) of)\s+(.+)$", re.I)
_SPEAKER = re.compile(r"\b(?:quotes|statements|claims) (?:from|by|of)\s+([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*)")


@dataclass(frozen=True)
class Intent:
    """What the request asks for, and what it names: an outlet, an article, a topic, a speaker."""

    kind: Kind
    outlet: str | None = None
    source: str | None = None  # a library path, when one article is named
    topic: str | None = None
    speaker: str | None = None


def _named_outlet(question: str, outlets: list[str]) -> str | None:
    for outlet in sorted(outlets, key=len, reverse=True):
        name = re.sub(r"^the\s+", "", outlet, flags=re.I)
        if len(name) >= 2 and outlet.lower() != "unknown" and re.search(rf"\b{re.escape(name)}\b", question, re.I):
            return outlet
    return None


def kind_of(question: str) -> Kind | None:
    """The feature a request asks for, or None for an ordinary question (cheap: no library needed)."""
    return next((k for k, rule in _RULES if rule.search(question)), None)


def detect(question: str, outlets: list[str], articles_of: dict[str, list[str]]) -> Intent | None:
    """The request in ``question``, or None for an ordinary question.

    ``outlets``: the library's outlets; ``articles_of``: each outlet's article paths (a request
    that names an outlet with a single article is about that article)."""
    kind = kind_of(question)
    if kind is None:
        return None
    outlet = _named_outlet(question, outlets)
    source = None
    if outlet and kind == "summary" and len(articles_of.get(outlet, [])) == 1:
        source = articles_of[outlet][0]
    topic = None
    if kind == "compare":
        found = _TOPIC.search(question)
        topic = (found.group(1) if found else question).strip(" ?.!")
    speaker = None
    if kind == "claims":
        found = _SPEAKER.search(question)
        speaker = found.group(1) if found else None
        about = _TOPIC.search(question)
        topic = about.group(1).strip(" ?.!") if about else None
    return Intent(kind, outlet, source, topic, speaker)
