"""Token-aware chunking on sentence boundaries, with a small sentence overlap and stable ids.

A chunk never crosses excluded boilerplate, so ``chunk.text == document.text[start:end]`` always;
a heading opens a new chunk so sections stay together; a chunk always holds body text.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

from rag.tokens import count_tokens
from rag.types import Chunk, Document, Sentence

CHARS_PER_TOKEN = 4  # only to cut over-long sentences into pieces of roughly the right size


@dataclass(frozen=True)
class ChunkerConfig:
    """Chunker settings; ``signature`` is recorded in the index."""

    max_tokens: int = 160
    overlap_sentences: int = 1

    @property
    def signature(self) -> str:
        return f"sentences/cl100k/{self.max_tokens}/overlap{self.overlap_sentences}"


def chunk_id(source: str, start: int, end: int, text: str) -> str:
    """Stable id from source, offsets and text."""
    return hashlib.sha1(f"{source}\0{start}\0{end}\0{text}".encode()).hexdigest()[:20]


def _split_long(doc: Document, sent: Sentence, max_tokens: int) -> list[Sentence]:
    """Cut a sentence longer than ``max_tokens`` at whitespace into pieces that fit."""
    # A text of n characters has at most n tokens: short sentences skip the tokenizer, and a huge
    # unpunctuated "sentence" is never tokenized whole.
    if len(sent.text) <= max_tokens or (
        len(sent.text) <= 8 * max_tokens * CHARS_PER_TOKEN and count_tokens(sent.text) <= max_tokens
    ):
        return [sent]
    pieces, start, limit = [], sent.start, max_tokens * CHARS_PER_TOKEN
    while start < sent.end:
        end = min(sent.end, start + limit)
        if end < sent.end:
            space = doc.text.rfind(" ", start + limit // 2, end)
            end = space if space > start else end
        text = doc.text[start:end]
        while count_tokens(text) > max_tokens and len(text) > 1:
            end = start + len(text) * 3 // 4
            text = doc.text[start:end]
        stripped = text.strip()
        if stripped:
            lead = len(text) - len(text.lstrip())
            pieces.append(Sentence(start + lead, start + lead + len(stripped), stripped, sent.kind))
        start = end
    return pieces


def _joinable(doc: Document, starts: list[int], a: Sentence, b: Sentence) -> bool:
    """True when no excluded span lies between two sentences (``starts``: sorted span starts)."""
    i = bisect.bisect_left(starts, a.end)
    if i < len(starts) and starts[i] < b.start:
        return False  # a span starts in the gap
    # the span just before may end inside the gap
    return not (i > 0 and a.end < doc.excluded[i - 1].end <= b.start)


def chunk_document(doc: Document, config: ChunkerConfig) -> list[Chunk]:
    """The chunks of one document, in order."""
    sents = [piece for s in doc.sentences for piece in _split_long(doc, s, config.max_tokens)]
    tokens = [count_tokens(s.text) for s in sents]
    starts = [span.start for span in doc.excluded]
    groups: list[list[int]] = []
    current: list[int] = []

    def close(overlap: bool) -> list[int]:
        if current and any(sents[i].kind == "body" for i in current):
            groups.append(list(current))
        if not overlap or config.overlap_sentences == 0:
            return []
        tail = [i for i in current[-config.overlap_sentences:] if sents[i].kind == "body"]
        keep = sum(tokens[i] for i in tail) <= config.max_tokens // 2 and len(tail) < len(current)
        return tail if keep else []

    for i, sent in enumerate(sents):
        if current:
            prev = sents[current[-1]]
            has_body = any(sents[j].kind == "body" for j in current)
            if not _joinable(doc, starts, prev, sent):
                current = close(overlap=False)
            elif sent.kind != "body" and has_body:
                current = close(overlap=False)
            elif sum(tokens[j] for j in current) + tokens[i] > config.max_tokens and has_body:
                current = close(overlap=True)
        current.append(i)
    close(overlap=False)

    chunks = []
    for seq, group in enumerate(groups):
        start, end = sents[group[0]].start, sents[group[-1]].end
        text = doc.text[start:end]
        chunks.append(
            Chunk(
                chunk_id=chunk_id(doc.path or doc.source, start, end, text),
                source=doc.source,
                start=start,
                end=end,
                text=text,
                # Evidence is quoted from body sentences only; headings stay in the text for context.
                sentence_spans=tuple((sents[i].start, sents[i].end) for i in group if sents[i].kind == "body"),
                tokens=count_tokens(text),
                seq=seq,
            )
        )
    return chunks


def normalise_space(text: str) -> str:
    """Collapse whitespace (hard wraps) for display and embedding; offsets stay on the original."""
    return re.sub(r"\s+", " ", text).strip()
