"""Understand a question: its expected answer type and its key terms (stemmed, weighted later by IDF)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.lexical import tokenize

AnswerType = Literal["when", "how_many", "who", "where", "why", "list", "yes_no", "what"]

_TYPE_RULES: list[tuple[AnswerType, re.Pattern[str]]] = [
    ("how_many", re.compile(r"\b(how (many|much|long|often|old)|what (number|share|percentage|proportion)|number of)\b", re.I)),
    ("when", re.compile(r"\b(when|what (date|day|year|month|time)|which (date|day|year|month)|how long ago|since when)\b", re.I)),
    ("who", re.compile(r"\b(who|whom|whose|which (person|official|leader|minister|spokesman|president|chancellor|outlet|agency|analyst|expert))\b", re.I)),
    ("where", re.compile(r"\b(where|which (city|cities|country|countries|place|venue|location|capital)|what (city|country|place|venue))\b", re.I)),
    ("why", re.compile(r"\b(why|for what reason|what reason)\b", re.I)),
    ("list", re.compile(r"\b(list|name (the|all)|which (\w+ )?(countries|cities|regions|options|conditions|leaders))\b", re.I)),
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
_PRONOUNS = re.compile(r"\b(he|she|they|him|her|them|his|their|it|its|that|this|those|these|there)\b", re.I)


@dataclass(frozen=True)
class QuestionInfo:
    """What a question asks for and which terms it is about."""

    text: str
    answer_type: AnswerType
    terms: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def is_follow_up_like(self) -> bool:
        """Short or pronoun-led questions that likely lean on earlier turns."""
        return len(self.terms) < 3 or bool(_PRONOUNS.search(self.text))


def answer_type(question: str) -> AnswerType:
    for kind, pattern in _TYPE_RULES:
        if pattern.search(question):
            return kind
    return "what"


def analyse(question: str) -> QuestionInfo:
    """Answer type, key terms (stemmed, de-duplicated, question words removed) and capitalised names."""
    terms = tuple(dict.fromkeys(t for t in tokenize(question) if t not in _QUESTION_TERMS))
    words = re.findall(r"\b[A-Z][\w’'-]+", question)
    names = tuple(dict.fromkeys(w for i, w in enumerate(words) if not (i == 0 and question.startswith(w))))
    return QuestionInfo(question, answer_type(question), terms, names)
