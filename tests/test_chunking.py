"""Chunking: exact offsets, token limits, no chunk across boilerplate, stable ids."""

from __future__ import annotations

import random

from rag.chunking import ChunkerConfig, chunk_document
from rag.documents import build_document, load_folder
from rag.tokens import count_tokens
from rag.types import Document

from conftest import SEEDS


def _seed_docs() -> list[Document]:
    return [d for d in load_folder(SEEDS, 10**7) if isinstance(d, Document)]


def test_chunk_text_equals_original_at_offsets_for_several_sizes() -> None:
    for max_tokens in (40, 80, 160, 300):
        for doc in _seed_docs():
            chunks = chunk_document(doc, ChunkerConfig(max_tokens, 1))
            assert chunks
            for c in chunks:
                assert c.text == doc.text[c.start : c.end]
                for s, e in c.sentence_spans:
                    assert c.start <= s < e <= c.end


def test_chunks_respect_the_token_budget() -> None:
    for doc in _seed_docs():
        for c in chunk_document(doc, ChunkerConfig(120, 1)):
            # a chunk may only exceed the budget by the newline/space glue between sentences
            assert c.tokens <= 120 + len(c.sentence_spans) * 2


def test_no_chunk_contains_excluded_boilerplate() -> None:
    for doc in _seed_docs():
        for c in chunk_document(doc, ChunkerConfig()):
            for span in doc.excluded:
                assert span.end <= c.start or span.start >= c.end, (doc.source, span.reason)


def test_every_body_sentence_is_in_some_chunk() -> None:
    for doc in _seed_docs():
        chunks = chunk_document(doc, ChunkerConfig(100, 1))
        covered = {span for c in chunks for span in c.sentence_spans}
        for s in doc.sentences:
            if s.kind == "body":
                assert (s.start, s.end) in covered


def test_overlap_repeats_one_sentence_between_size_split_neighbours() -> None:
    doc = build_document("o.txt", " ".join(f"Sentence number {i} talks about topic {i}." for i in range(40)).encode(), None)
    chunks = chunk_document(doc, ChunkerConfig(40, 1))
    assert len(chunks) > 2
    for a, b in zip(chunks, chunks[1:]):
        assert a.sentence_spans[-1] == b.sentence_spans[0]


def test_ids_are_stable_and_unique() -> None:
    docs = _seed_docs()
    first = [c.chunk_id for d in docs for c in chunk_document(d, ChunkerConfig())]
    again = [c.chunk_id for d in _seed_docs() for c in chunk_document(d, ChunkerConfig())]
    assert first == again
    assert len(set(first)) == len(first)


def test_a_sentence_longer_than_the_budget_is_cut_into_pieces() -> None:
    rng = random.Random(1)
    words = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(2000))
    doc = build_document("long.txt", (words + ".").encode(), None)
    chunks = chunk_document(doc, ChunkerConfig(100, 1))
    assert len(chunks) > 5
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]
        assert count_tokens(c.text) <= 100
