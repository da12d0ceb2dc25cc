"""Split an article into paragraphs and sentences with exact character offsets.

Hard-wrapped lines (PDF-style text) are joined into one paragraph; a line that ends a sentence or
is a heading starts a new one. Nothing is rewritten: every sentence is ``text[start:end]``.
"""

from __future__ import annotations

import bisect
import functools
import re

from rag.boilerplate import Line, is_heading_like, split_lines
from rag.types import Sentence, Span

SOFT_WRAP_MIN_CHARS = 60
_BOUNDARY = re.compile(r"[.!?]+[\"”’)\]»]*\s+(?=[\"“‘(«\[]?[A-Z0-9А-ЯЁ])")
_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "gen", "sen", "rep", "gov", "lt", "col", "jr", "sr", "vs", "etc",
    "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "prof",
    "inc", "corp", "ltd", "co", "approx", "est", "fig", "vol", "pres", "adm", "capt", "maj", "sgt",
}
_TERMINAL = tuple('.!?:;"”’)»')


def _open_ended(line: Line) -> bool:
    text = line.text.rstrip()
    return len(text) >= SOFT_WRAP_MIN_CHARS and not text.endswith(_TERMINAL)


def is_hard_wrapped(lines: list[Line]) -> bool:
    """True for PDF-style text, where many long lines stop mid-sentence."""
    filled = [line for line in lines if not line.blank]
    open_ended = sum(_open_ended(line) for line in filled)
    return open_ended >= max(3, len(filled) // 5)


def _is_soft_wrap(prev: Line, nxt: Line) -> bool:
    """True when ``nxt`` continues the paragraph of ``prev`` (a hard-wrapped line)."""
    return _open_ended(prev) and not is_heading_like(nxt.text, 3)


def _visible(line: Line, excluded: list[Span], starts: list[int]) -> tuple[int, int] | None:
    """The part of ``line`` not covered by excluded spans (whole lines or a prefix).

    ``starts`` are the sorted start offsets of ``excluded``: a bisect finds the one span that can
    cover the line's start, so the cost does not grow with the number of spans.
    """
    start, end = line.start, line.end
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    while i < len(excluded) and excluded[i].start <= start:
        span = excluded[i]
        if span.end >= end:
            return None
        if start < span.end:
            start = span.end
        i += 1
    while start < end and line.text[start - line.start].isspace():
        start += 1
    while end > start and line.text[end - 1 - line.start].isspace():
        end -= 1
    return (start, end) if end > start else None


def paragraphs(text: str, excluded: list[Span]) -> list[tuple[int, int]]:
    """Paragraph spans built from visible lines; excluded lines and blank lines end a paragraph."""
    paras: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    prev_line: Line | None = None
    lines = split_lines(text)
    starts = [span.start for span in excluded]
    visible = [None if line.blank else _visible(line, excluded, starts) for line in lines]
    wrapped = is_hard_wrapped([line for line, vis in zip(lines, visible) if vis])
    for line, vis in zip(lines, visible):
        if vis is None:
            if current:
                paras.append(current)
            current, prev_line = None, None
            continue
        if wrapped and current and prev_line and _is_soft_wrap(prev_line, line):
            current = (current[0], vis[1])
        else:
            if current:
                paras.append(current)
            current = vis
        prev_line = line
    if current:
        paras.append(current)
    return paras


ABBREV_LOOKBACK = 40  # characters: longer "words" before a period are not abbreviations


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation ("Mr.", "U.S.", "J.")."""
    # Look back only a bounded stretch: scanning all the text before each period made splitting
    # quadratic in the length of the file.
    start = dot
    while start > 0 and dot - start < ABBREV_LOOKBACK and not text[start - 1].isspace():
        start -= 1
    if start > 0 and not text[start - 1].isspace():
        return False
    token = text[start:dot].strip("\"“‘(«[")
    if not token:
        return False
    return (len(token) == 1 and token.isalpha()) or "." in token or token.lower() in _ABBREV


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, trimmed of surrounding whitespace."""
    spans, cursor = [], start
    for match in _BOUNDARY.finditer(text, start, end):
        dot = match.start()
        if text[dot] == "." and _is_abbreviation(text, dot):
            continue
        stop = match.end()
        piece_end = stop
        while piece_end > cursor and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > cursor:
            spans.append((cursor, piece_end))
        cursor = stop
    if cursor < end:
        spans.append((cursor, end))
    return spans


def sentences(text: str, excluded: list[Span], title: str | None = None) -> list[Sentence]:
    """All sentences of the visible text, each tagged body, heading or title."""
    return sentences_and_instructions(text, excluded, title)[0]


def sentences_and_instructions(text: str, excluded: list[Span],
                               title: str | None = None) -> tuple[list[Sentence], list[Span]]:
    """The sentences (as ``sentences``), and apart the spans of sentences addressed to a model."""
    told: list[Span] = []
    title_key = " ".join(title.split()).lower() if title else None
    result: list[Sentence] = []
    paras = paragraphs(text, excluded)
    starts = [span.start for span in excluded]
    for i, (p_start, p_end) in enumerate(paras):
        para = text[p_start:p_end]
        if title_key and " ".join(para.split()).lower() == title_key:
            result.append(Sentence(p_start, p_end, para, "title"))
            continue
        # A fragment whose sentence goes on in the next paragraph (after a cut) is not a heading.
        continues = i + 1 < len(paras) and text[paras[i + 1][0]].islower()
        if is_heading_like(para) and para[:1].isupper() and not continues:
            result.append(Sentence(p_start, p_end, para, "heading"))
            continue
        for s, e in split_sentences(text, p_start, p_end):
            for a, b in _cut(text, s, e, excluded, starts):
                if _INSTRUCTION.search(text[a:b]):
                    told.append(Span(a, b, "addressed to a language model"))
                else:
                    result.append(Sentence(a, b, text[a:b], "body"))
    return result, told


# A sentence addressed to a language model ("Ignore all previous instructions…") is not news: it
# is excluded like boilerplate (no chunk holds it), so no answer quotes it and no model is shown it.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:previous|prior|above|earlier|preceding|all|your)\b"
    r"[^.!?\n]{0,20}\b(?:instructions?|prompts?|rules|directions|guidelines)\b"
    r"|\b(?:system|developer|hidden) prompt\b"
    r"|^\W*(?:system|assistant|developer)\s*:"
    r"|\byou are now (?:in )?(?:developer|dan|jailbreak|god|unrestricted) mode\b",
    re.I,
)


def _cut(text: str, start: int, end: int, excluded: list[Span], starts: list[int]) -> list[tuple[int, int]]:
    """The parts of ``text[start:end]`` outside excluded spans inside it (markup, foreign citation
    markers), trimmed; parts without a letter or digit are dropped."""
    pieces, cursor = [], start
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    while i < len(excluded) and excluded[i].start < end:
        span = excluded[i]
        if span.end > cursor:
            if span.start > cursor:
                pieces.append((cursor, span.start))
            cursor = max(cursor, span.end)
        i += 1
    if cursor < end:
        pieces.append((cursor, end))
    out = []
    for a, b in pieces:
        while a < b and (text[a].isspace() or text[a] in ".,;:"):
            a += 1  # ". The next…" left behind a cut marker
        while b > a and text[b - 1].isspace():
            b -= 1
        if any(ch.isalnum() for ch in text[a:b]):
            out.append((a, b))
    return out


@functools.lru_cache(maxsize=4096)
def window_sentences(text: str) -> tuple[str, ...]:
    """The sentences of a window ("U.S. President Donald Trump…" stays one); several checks split
    the same window, so the split is cached."""
    # Windows join sentences with spaces: a list item after a full stop ("… a day. - Hollin High
    # School's…") starts a sentence of its own.
    return tuple(piece for part in _ITEM_START.split(text) for a, b in split_sentences(part, 0, len(part))
                 for piece in [part[a:b]])


_ITEM_START = re.compile(r"(?<=[.!?”\"’:])\s+(?=[-•*–]\s)")
