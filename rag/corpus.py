"""The articles a summary feature works on: each article's body sentences with exact spans, read
from the index (the same chunks and sentence spans that answers cite), selected by filters.

Built once per index build (the BM25 side's fingerprint) and shared by summaries, comparisons and
the timeline; sentence vectors are cached by sentence text, so a warm call embeds nothing new.
"""

from __future__ import annotations

import functools

import json
import threading
import weakref
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.boilerplate import is_heading_like
from rag.embeddings import Embedder
from rag.errors import InputError
from rag.evidence import Evidence
from rag.lexical import LexicalIndex
from rag.retrieval import Filters, Retriever
from rag.types import Article

MIN_WORDS = 5  # shorter "sentences" are captions, bylines and fragments, not statements


@dataclass(frozen=True)
class ArticleText:
    """One article of the library and its body sentences in text order (exact spans)."""

    article: Article
    sentences: tuple[Evidence, ...]

    @property
    def path(self) -> str:
        return self.article.path

    @functools.cached_property
    def starts(self) -> list[int]:
        """Where each sentence starts, for finding a sentence by offset (bisect)."""
        return [s.start for s in self.sentences]


def _build(lexical: LexicalIndex) -> dict[str, ArticleText]:
    rows: dict[str, list[int]] = defaultdict(list)
    for row, meta in enumerate(lexical.metas):
        rows[meta["path"]].append(row)
    library: dict[str, ArticleText] = {}
    for path, chunk_rows in rows.items():
        meta = lexical.metas[chunk_rows[0]]
        published = meta.get("published")
        published = None if published in (None, "unknown") else published
        article = Article(path=path, folder=meta["folder"], source=meta["source"], outlet=meta["outlet"],
                          title=meta.get("title", "unknown"), published=published, chunks=len(chunk_rows))
        spans: dict[tuple[int, int], str] = {}
        for row in chunk_rows:
            start = int(lexical.metas[row]["start"])
            text = lexical.texts[row]
            for a, b in json.loads(lexical.metas[row].get("sentences", "[]")):
                if (a, b) not in spans:
                    spans[(a, b)] = text[a - start : b - start]
        sentences = []
        for (a, b), text in sorted(spans.items()):
            if is_heading_like(text) or len(text.split()) < MIN_WORDS:
                continue
            sentences.append(Evidence(len(sentences) + 1, article.source, a, b, text, article.outlet, published,
                                      article.title, 0, path))
        library[path] = ArticleText(article, tuple(sentences))
    return library


# Per BM25 index object: a retriever dropped after an ingest (or refreshed) takes its library with it.
_built: weakref.WeakKeyDictionary[LexicalIndex, dict[str, ArticleText]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()  # guards _built; one build at a time (concurrent first calls wait for it)
_vectors_lock = threading.Lock()


def library_texts(retriever: Retriever, lexical: LexicalIndex | None = None) -> dict[str, ArticleText]:
    """Every article of the index with its sentences, built once per index build.

    ``lexical``: the BM25 index the caller is working with (default: the retriever's current one),
    so that the library and the rows a filter selects come from the same build.
    """
    lexical = retriever.lexical if lexical is None else lexical
    with _lock:
        library = _built.get(lexical)
        if library is None:
            library = _built[lexical] = _build(lexical)
        return library


def build_key(retriever: Retriever) -> str:
    """Changes whenever the index content changes (chunk ids hash path, offsets and text)."""
    return str(getattr(retriever.lexical, "fingerprint", id(retriever.lexical)))


def select(retriever: Retriever, filters: Filters | dict[str, Any] | None = None) -> list[ArticleText]:
    """The articles the filters select, oldest first; a filter matching nothing raises InputError."""
    lexical = retriever.lexical  # one build throughout, even if the retriever is refreshed meanwhile
    library = library_texts(retriever, lexical)
    if not library:
        raise InputError("the library is empty: add articles with `rag ingest PATH` first")
    checked = retriever._check(Filters.parse(filters), lexical)  # noqa: SLF001 - same package: one filter rule
    mask = retriever._mask(checked, lexical)  # noqa: SLF001
    if mask is None:
        paths = set(library)
    else:
        metas = lexical.metas
        paths = {metas[row]["path"] for row in np.flatnonzero(mask)}
    chosen = [library[p] for p in paths if library[p].sentences]
    return sorted(chosen, key=lambda a: (a.article.published or "9999", a.article.folder, a.article.source))


def resolve_source(retriever: Retriever, ref: str) -> ArticleText:
    """The article a user named: its file name, its path, or an unambiguous part of its title."""
    library = library_texts(retriever)
    as_path = Path(ref).expanduser().resolve().as_posix()
    if as_path in library:
        return library[as_path]
    wanted = ref.strip().lower()
    named = [a for a in library.values() if a.article.source.lower() == wanted]
    if not named:
        named = [a for a in library.values() if wanted and wanted in a.article.title.lower()]
    if not named:  # "the RT article": an outlet with a single article names it
        named = [a for a in library.values() if a.article.outlet.lower() in (wanted, wanted.removeprefix("the "))]
    if len(named) == 1:
        return named[0]
    known = sorted(a.article.source for a in library.values())
    if named:
        raise InputError(f"{ref!r} names {len(named)} articles; give one of: "
                         + ", ".join(sorted(a.path for a in named)))
    shown = ", ".join(known[:20]) + (f" … ({len(known)} in all, see `rag list`)" if len(known) > 20 else "")
    outlets = ", ".join(sorted({a.article.outlet for a in library.values()}))
    raise InputError(f"{ref!r} is not in the library; known articles: {shown} (outlets: {outlets})")


class SentenceVectors:
    """Unit vectors of sentences, cached by text (bounded): warm calls embed nothing new."""

    def __init__(self, embedder: Embedder, size: int = 50_000) -> None:
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self._embed(missing)
            with self._lock:
                for text, vector in zip(missing, vectors):
                    self._cache[text] = vector
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        with self._lock:
            found = [self._cache.get(t) for t in texts]
        if any(v is None for v in found):  # evicted by a concurrent call: embed again, don't fail
            return self._embed(texts)
        return np.stack(found)


_vectors: weakref.WeakKeyDictionary[Any, SentenceVectors] = weakref.WeakKeyDictionary()


def sentence_vectors(retriever: Retriever) -> SentenceVectors:
    """The process-wide sentence vector cache for this retriever's embedder."""
    with _vectors_lock:
        if retriever.embedder not in _vectors:
            _vectors[retriever.embedder] = SentenceVectors(retriever.embedder)
        return _vectors[retriever.embedder]
