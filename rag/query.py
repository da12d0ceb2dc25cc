"""Understand a question: its expected answer type and its key terms (stemmed, weighted later by IDF)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.lexical import tokenize

AnswerType = Literal[
    "date", "year", "day", "month", "when", "how_many", "name", "who", "where", "why", "how", "list", "yes_no", "what"
]

_PERSON_NOUNS = (
    r"person|people|official|officials|leader|leaders|minister|spokesman|spokesperson|president|chancellor|"
    r"outlet|agency|analyst|expert|adviser|advisor|politician|diplomat|newspaper|organi[sz]ation|institute|"
    r"think tank|fellow|envoy|negotiator|head"
)
_PLACE_NOUNS = r"city|cities|country|countries|place|places|venue|venues|location|locations|capital|region|regions"
_TYPE_RULES: list[tuple[AnswerType, re.Pattern[str]]] = [
    ("how_many", re.compile(r"\b(how (many|much|long|often|old)|what (number|share|percentage|proportion|fraction|part)|number of)\b", re.I)),
    ("date", re.compile(r"\b(exact date|(what|which) (exact )?date|on what date)\b", re.I)),
    ("year", re.compile(r"\b(what|which) year\b", re.I)),
    ("day", re.compile(r"\b(what|which) day\b", re.I)),
    ("month", re.compile(r"\b(what|which) month\b", re.I)),
    ("when", re.compile(r"\b(when|(what|which) (time|week)|how long ago|since when)\b", re.I)),
    ("name", re.compile(r"\b(what is the name|what was the name|what are the names|name of the|who is the \w+ named)\b", re.I)),
    ("who", re.compile(rf"\b(who|whom|whose|(which|what) (\w+ ){{0,2}}({_PERSON_NOUNS}))\b", re.I)),
    ("where", re.compile(rf"\b(where|(which|what) (\w+ ){{0,2}}({_PLACE_NOUNS}))\b", re.I)),
    ("why", re.compile(r"\b(why|for what reason|what reason)\b", re.I)),
    # "How did X react/describe...": a manner or a view, not a quantity.
    ("how", re.compile(r"\bhow\b(?! (many|much|long|often|old)\b)", re.I)),
    ("what", re.compile(r"\b(what|which)\b", re.I)),
    ("list", re.compile(r"\b(list|name (the|all))\b", re.I)),
    ("yes_no", re.compile(r"^\s*(is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b", re.I)),
]

# Question words and generic verbs that say what is asked, not what it is about.
_QUESTION_TERMS = set(
    tokenize(
        "what which who whom whose when where why how many much according article report reports say said "
        "says tell told describe described mention mentioned happen happened does did do name list give "
        "stated state claim claimed"
    )
)
_CALENDAR = set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_PLURAL_FOCUS = re.compile(
    r"\b(which|what)\s+(?:\w+\s+){0,2}?(?!news\b|is\b|was\b|has\b|does\b|this\b)([a-z]{3,}(?<!s)s)\b"
    r"|\b(list|name all|what are the)\b",
    re.I,
)
_PRONOUNS = re.compile(r"\b(he|she|they|him|her|them|his|their|it|its|that|this|those|these|there)\b", re.I)


@dataclass(frozen=True)
class QuestionInfo:
    """What a question asks for and which terms it is about."""

    text: str
    answer_type: AnswerType
    terms: tuple[str, ...]
    name_runs: tuple[tuple[str, ...], ...]  # adjacent capitalised words, one run per name

    @property
    def names(self) -> tuple[str, ...]:
        """Every capitalised word of the names, once."""
        return tuple(dict.fromkeys(word for run in self.name_runs for word in run))

    @property
    def wants_several(self) -> bool:
        """"Which countries...", "what issues...": the question asks for more than one thing."""
        return bool(_PLURAL_FOCUS.search(self.text))

    @property
    def is_follow_up_like(self) -> bool:
        """Short or pronoun-led questions that likely lean on earlier turns."""
        return len(self.terms) < 3 or bool(_PRONOUNS.search(self.text))


_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")


def strip_possessive(word: str) -> str:
    """ "Putin's" -> "Putin", "Peskov’s" -> "Peskov", "allies'" -> "allies"; "Swiss" stays "Swiss"."""
    return _POSSESSIVE.sub("", word)


def answer_type(question: str) -> AnswerType:
    """The kind of answer the question's own wh-phrase asks for.

    The earliest wh-phrase decides: in "At which event was Putin speaking when he..." the
    question asks for an event, and "when" only opens a clause. Ties go to the more specific rule.
    """
    found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_TYPE_RULES) if (m := pattern.search(question))]
    return min(found)[2] if found else "what"


_WORD_BETWEEN = re.compile(r"[\w’'.-]")


def analyse(question: str) -> QuestionInfo:
    """Answer type, key terms (stemmed, de-duplicated, question words removed) and capitalised names.

    Names are capitalised words not opening a sentence, grouped into runs when no other word stands
    between them ("Xi Jinping" is one name, "Xi" and "Jinping" two of its words).
    """
    terms = tuple(dict.fromkeys(t for t in tokenize(question) if t not in _QUESTION_TERMS))
    runs: list[list[str]] = []
    previous_end = -1
    for m in re.finditer(r"\b[A-Z][\w’'-]+", question):
        if m.start() == 0 or question[: m.start()].rstrip()[-1:] in ".?!" or m.group(0).lower() in _CALENDAR:
            continue
        word = strip_possessive(m.group(0))
        if runs and not _WORD_BETWEEN.search(question[previous_end : m.start()]):
            runs[-1].append(word)
        else:
            runs.append([word])
        previous_end = m.end()
    return QuestionInfo(question, answer_type(question), terms, tuple(tuple(run) for run in runs))
