"""Who says what: the source a question attributes its answer to ("according to Reuters", "what did
the chief constable say"), whether a window gives that source as speaking, and whether their own words
(quotations that run on included) are about the asked topic."""

from __future__ import annotations

import re
from collections.abc import Mapping

from rag.lexical import STOP_WORDS, shares_family, tokenize
from rag.sentences import window_sentences

# "the Institute for the Study of War": "of the", "for the" go on with the name
_NAME = r"(?:(?i:the)\s+)?(?P<x>[A-Z][\w’'.&-]*(?:\s+(?:(?:of|for)\s+(?:the\s+)?|and\s+)?[A-Z][\w’'.&-]*)*)"

_ATTRIBUTION = [  # lead words in any case; the source itself capitalised
    re.compile(rf"\b(?i:according to) {_NAME}"),
    re.compile(rf"\b(?i:(?:as\s+)?reported by) {_NAME}"),
    # "did transport minister Delia Marsh say": a title in lower case before the name
    re.compile(rf"\b(?i:did|does|do|has|have|had)\s+(?:(?:the\s+)?(?:(?!(?:of|for|at|the)\b)[a-z][\w’'-]+\s+){{1,3}}"
               rf"(?=[A-Z]))?{_NAME}\s+(?:(?:himself|herself|itself|themselves)\s+)?"
               rf"(?i:report|say|write|claim|state|publish|announce|tell|describe|quote|warn|complain|admit|deny|"
               rf"promise|criticise|criticize|explain)\b"),
    re.compile(rf"\b(?i:told|tell|tells)\s+{_NAME}"),
    re.compile(rf"\b(?i:in|by)\s+{_NAME}['’]s?\s+(?i:report|article|story|coverage|reporting|piece|account)\b"),
    # a body named in lower case: "what did the examinations board say about…"
    # …or a role held at a named body: "what did the chief constable of Harrowdale Police say"
    re.compile(r"\b(?i:did|does|has|have|had)\s+the\s+(?P<x>(?:[a-z][\w’'-]+\s+){0,2}[a-z][\w’'-]+"
               r"(?:\s+(?:of|at|for)\s+(?:the\s+)?[A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*)*)?)\s+"
               r"(?:report|say|write|claim|state|publish|announce|tell|describe)\b"),
    # "what was the environment minister's reaction", "Brannock's response": words are asked of a speaker (a
    # position or a view may be told by others, so those stay with the name-and-topic check)
    re.compile(r"\b(?i:what|how)\s+(?i:was|were|is|are|has been)\s+(?:(?i:the)\s+)?"
               r"(?P<x>[A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*)*|(?:[a-z][\w-]+\s+){0,2}[a-z][\w-]+)['’]s?\s+"
               r"(?i:reactions?|responses?|comments?|explanation|answer|message|statement)\b"),
]

# "When Celia Voss appeared on Radio Calder, what did she say…": the pronoun stands for the person
# the question named first (a capitalised name of two words or more, followed by what they did).
_PRONOUN_SOURCE = re.compile(r"\b(?i:did|does|has|have|had)\s+(?:he|she)\s+(?:(?:himself|herself)\s+)?"
                             r"(?i:report|say|write|claim|state|announce|tell|describe)\b")

_PERSON_RUN = re.compile(r"(?<!^)\b(?P<x>[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+)+)(?=\s+[a-z]|['’]s?\b)")

# Words that attribute what a sentence says to a source: the source must stand with one of them.
_SPEECH = frozenset(tokenize("said says say told tells tell according announced announces announcement stated states "
                             "statement reported reports report claimed claims added noted wrote writes warned warns "
                             "argued argues insisted insists confirmed confirms denied denies quoted quoting cited citing "
                             "estimated estimates estimate described describes called calls explained explains "
                             "acknowledged admitted urged promised pledged predicted published spokesman spokeswoman "
                             "spokesperson interview letter"))


# Words that frame a question about the coverage rather than say what it is about.
FRAME_WORDS = frozenset(tokenize("across all coverage articles article reports report reported reporting outlets outlet "
                                 "sources source different various figures figure given mention mentioned according "
                                 "between within among against toward towards"))

# Words of a source phrase that name no one ("the articles", "the report").
NOT_SOURCES = frozenset(tokenize("articles article coverage reports report reporting story stories"))


def norm_name(name: str) -> str:
    return re.sub(r"^the\s+", "", name.strip(), flags=re.I).lower()


def source_of(question: str, outlets: list[str]) -> tuple[str | None, str | None]:
    pronoun = _PRONOUN_SOURCE.search(question)
    person = _PERSON_RUN.search(question[: pronoun.start()]) if pronoun else None
    if person:
        return person.group("x"), None
    for pattern in _ATTRIBUTION:
        m = pattern.search(question)
        if not m:
            continue
        name = m.group("x").strip(" .")
        for outlet in outlets:
            if norm_name(outlet) and (norm_name(name) == norm_name(outlet) or norm_name(name).startswith(norm_name(outlet) + " ")):
                return outlet, outlet
        return name, None
    return None, None


_SAID_ABOUT = re.compile(r"\b(?:say|says|said|tell|tells|told|write|wrote|claim|claimed|state|stated|think|thinks|"
                         r"report|reported|announce|announced|complain|complained|"
                         r"argue|argued|warn|warned|comment|commented|remark|remarked|add|added|explain|explained)\s+"
                         r"(?:[\w’'-]+\s+){0,3}?(?:about|regarding|concerning)\s+(?P<t>[^?]+)", re.I)


# "what was Yermak's reaction to Putin inviting Zelensky": what the reaction is to is the topic
_REACTION_TO = re.compile(r"\b(?:reactions?|responses?|replies|reply|answer|comments?)\s+(?:to|on)\s+(?P<t>[^?]+)", re.I)


def topic_of(question: str, source: str | None) -> frozenset[str]:
    """What a named source is asked to have said something about: "what did Vik say about the
    loading ramp" -> {load, ramp}, "Yermak's reaction to the invitation" -> {invit}; nothing
    without a source or an "about"."""
    m = (_SAID_ABOUT.search(question) or _REACTION_TO.search(question)) if source else None
    if m is None:
        return frozenset()
    return frozenset(tokenize(m.group("t"))) - set(tokenize(source or "")) - FRAME_WORDS


def said_about_phrase(question: str) -> str:
    """The words after "say about" ("…report about Russian advances in the Zaporizhzhia region")."""
    m = _SAID_ABOUT.search(question)
    return m.group("t") if m else ""


QUOTE_RUN = 4  # sentences a quotation may run on before or after the sentence that names its speaker


def quote_run(sentences: tuple[str, ...], i: int) -> set[int]:
    """The sentences of a quotation that goes on from the one named in sentence ``i``: '"This was one
    of the most dangerous incidents," said Idowu. "Ammonia can kill. The speed of the evacuation saved
    lives."' gives Idowu the last sentence too; likewise a quotation that opened sentences before."""
    run: set[int] = set()
    if i + 1 < len(sentences) and re.match(r"\s*[“\"]", sentences[i + 1]):
        for j in range(i + 1, min(len(sentences), i + 1 + QUOTE_RUN)):
            run.add(j)
            if re.search(r"[”\"]\s*$|[”]", sentences[j][1:]):
                break
    if _closes_quote(sentences[i]):
        for j in range(i - 1, max(-1, i - 1 - QUOTE_RUN), -1):
            run.add(j)
            if re.match(r"\s*[“\"]", sentences[j]):
                break
    return run


def _closes_quote(sentence: str) -> bool:
    """Whether the sentence opens inside a quotation: its first quotation mark closes one
    ('C is everywhere,” said Bob.'), not 'Bob called the plan “bad”.'."""
    curly = re.search(r"[“”]", sentence)
    if curly:
        return curly.group(0) == "”"
    return sentence.count('"') % 2 == 1 and _closing_mark(sentence, sentence.find('"'))


def attributed(text: str, source: frozenset[str]) -> bool:
    """Whether the text gives the source as saying something: named in a sentence that, or whose
    next sentence ("Varn Lines, the operator, … . The company said…"), holds a word of speech or a
    quotation. "An arrangement with the examinations board" is not the board saying anything."""
    return bool(_speaking(window_sentences(text), source))


def _speaking(sentences: tuple[str, ...], source: frozenset[str]) -> list[int]:
    """The sentences that give the source as speaking: named (not inside someone's quoted words:
    "…if Zelensky is ready, let him come,” Putin said is Putin speaking), with a word of speech or
    a quotation in it or in the next sentence."""
    said = [bool(set(tokenize(s)) & _SPEECH) or bool(re.search(r"[“”\"]", s)) for s in sentences]
    return [i for i, s in enumerate(sentences)
            if source <= set(tokenize(_unquoted(s))) and any(said[i : i + 2]) and _speaks(s, source)]


_GOES_ON = re.compile(r"\s*(?:He|She|They|His|Her|Their)\b")  # "He praised the fishermen…" after "Holm said…"

SAID_SHARE = 0.5  # share of the asked topic's weight the source's own words must hold

QUOTE_REACH = 2  # sentences before a speaker's sentence that may be their quotation going on


def said_about(text: str, source: frozenset[str], topic: frozenset[str], weights: Mapping[str, float],
               names: frozenset[str] = frozenset()) -> bool:
    """Whether the source's own words in the text are about the topic (most of its weight, rare
    words weighing most, and every name of the topic). Their own words: the sentence that gives
    them as speaking, the quoted sentences next to it, and the next one when it goes on about them
    as "he" or "she". "What did Vik say about the loading ramp" is not answered by Vik on the town
    next to a sentence on the ramp, nor "…about advances in Zaporizhzhia" by advances in Donetsk."""
    sentences = window_sentences(text)
    own: set[str] = set()
    for i in _speaking(sentences, source):
        for j in range(max(0, i - QUOTE_REACH), min(len(sentences), i + 2)):
            if j == i or re.search(r"[“”\"]", sentences[j]) or (j == i + 1 and _GOES_ON.match(sentences[j])):
                own |= set(tokenize(sentences[j]))
    weight = {t: weights.get(t, 1.0) for t in topic}
    held = sum(w for t, w in weight.items() if shares_family(frozenset({t}), list(own)))
    return held >= SAID_SHARE * (sum(weight.values()) or 1.0) and all(shares_family(frozenset({n}), list(own))
                                                                      for n in names)


_CURLY_QUOTE = re.compile(r"“[^”]*”")

_STRAIGHT_QUOTE = re.compile(r'"[^"]*"')


def _unquoted(sentence: str) -> str:
    """The sentence without the words inside quotation marks, also a quotation that began in the
    sentence before (text up to a closing mark) or goes on in the next (text after an opening one)."""
    text = _CURLY_QUOTE.sub(" ", sentence)
    if "”" in text:
        text = text[text.rindex("”") + 1 :]
    if "“" in text:
        text = text[: text.index("“")]
    text = _STRAIGHT_QUOTE.sub(" ", text) if text.count('"') % 2 == 0 else text
    if text.count('"') == 1:
        at = text.index('"')
        text = text[at + 1 :] if _closing_mark(text, at) else text[:at]
    return text


def _closing_mark(text: str, at: int) -> bool:
    """Whether the straight quotation mark at ``at`` closes a quotation ('…,"' after a comma or stop)."""
    return at > 0 and text[at - 1] in ",.!?;:—–-"


def _speaks(sentence: str, source: frozenset[str]) -> bool:
    """Whether the source may be who speaks in a sentence: not when it is first named after a word
    of speech that someone named before it speaks ("Putin said Zelensky should go" is not
    Zelensky speaking; "…, said Zelensky." and "Zelensky, in Kyiv, said" are)."""
    words = re.findall(r"[\w’'-]+|[^\w\s]", sentence)
    stems = [set(tokenize(w)) for w in words]
    first = next((i for i, st in enumerate(stems) if st & source), None)
    speech = next((i for i, st in enumerate(stems) if st & _SPEECH), None)
    if first is None or speech is None or speech > first:
        return True
    j = first + 1
    while j < len(words) and stems[j] & source:
        j += 1
    if j >= len(words) or not words[j][:1].islower():
        return True  # "…," said Zelensky.
    return not any(w[:1].isupper() and w.lower() not in STOP_WORDS for w in words[1:speech])
