"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, with metadata filters."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.config import Settings, load_settings
from rag.embeddings import Embedder, make_embedder
from rag.errors import IndexMissingError, InputError
from rag.lexical import LexicalIndex
from rag.metadata import check_date
from rag.store import Store, published_ord
from rag.types import Hit

FILTER_KEYS = ("source", "outlet", "date_from", "date_to")


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some sources, outlets, or a publication date range (inclusive)."""

    sources: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None

    @classmethod
    def parse(cls, raw: Filters | dict[str, Any] | None) -> Filters:
        """Accept a Filters or a dict with keys source, outlet, date_from, date_to."""
        if raw is None or isinstance(raw, Filters):
            return raw or cls()
        if not isinstance(raw, dict):
            raise InputError(f"filters must be a mapping of {', '.join(FILTER_KEYS)} to values, got {type(raw).__name__}")
        unknown = set(raw) - set(FILTER_KEYS)
        if unknown:
            raise InputError(f"unknown filter {sorted(unknown, key=str)}; allowed: {', '.join(FILTER_KEYS)}")

        def as_tuple(key: str, value: Any) -> tuple[str, ...]:
            if value in (None, "", []):
                return ()
            values = (value,) if isinstance(value, str) else value
            if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) and v for v in values):
                raise InputError(f"filter {key} must be a name or a list of names, got {value!r}")
            return tuple(values)

        for key in ("date_from", "date_to"):
            if raw.get(key) and not isinstance(raw[key], str):
                raise InputError(f"filter {key} must be a date YYYY-MM-DD, got {raw[key]!r}")
            if raw.get(key):
                check_date(raw[key], f"filter {key}")
        return cls(as_tuple("source", raw.get("source")), as_tuple("outlet", raw.get("outlet")), raw.get("date_from") or None,
                   raw.get("date_to") or None)

    @property
    def empty(self) -> bool:
        return not (self.sources or self.outlets or self.date_from or self.date_to)

    def describe(self) -> str:
        """The filters in words, for messages."""
        parts = [f"source {', '.join(self.sources)}" if self.sources else "",
                 f"outlet {', '.join(self.outlets)}" if self.outlets else "",
                 f"published from {self.date_from}" if self.date_from else "",
                 f"published to {self.date_to}" if self.date_to else ""]
        return "; ".join(p for p in parts if p) or "none"


def _rrf(ranked_lists: list[list[int]], k: int) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking in ranked_lists:
        for rank, row in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    return fused


class Retriever:
    """Dense + BM25 search over one index; reloads its BM25 side when the index changes."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, store: Store | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.store = store or Store(settings, self.embedder.model_id)
        self._lock = threading.Lock()
        # Derived from one BM25 index and kept with it: a search that began before a refresh() uses
        # the index it began with, never the old index's scores with the new index's metadata.
        self._arrays: tuple[LexicalIndex, dict[str, np.ndarray]] | None = None
        self._known: tuple[LexicalIndex, dict[str, list[str]]] | None = None
        self.lexical = self._load_lexical()

    def _load_lexical(self) -> LexicalIndex:
        if self.store.count() == 0:
            raise IndexMissingError(
                f"no index yet in {self.settings.chroma_url or self.settings.chroma_path}: run `rag ingest` first"
            )
        from rag.ingestion import current_lexical

        return current_lexical(self.store)

    def refresh(self) -> None:
        """Reload the BM25 side (after an ingest in this or another process)."""
        with self._lock:
            self.lexical = self._load_lexical()
            self._arrays, self._known = None, None  # derived from the old index (rebuilt lazily)

    def _meta_arrays(self, lexical: LexicalIndex | None = None) -> dict[str, np.ndarray]:
        lexical = self.lexical if lexical is None else lexical
        cached = self._arrays
        if cached is None or cached[0] is not lexical:
            metas = lexical.metas
            cached = self._arrays = (lexical, {
                "source": np.array([m["source"] for m in metas], dtype=object),
                "path": np.array([m["path"] for m in metas], dtype=object),
                "outlet": np.array([m["outlet"].lower() for m in metas], dtype=object),
                "published_ord": np.array([m["published_ord"] for m in metas], dtype=np.int64),
            })
        return cached[1]

    def known(self, lexical: LexicalIndex | None = None) -> dict[str, list[str]]:
        """Sources and outlets in the index (for help texts and filter checks)."""
        lexical = self.lexical if lexical is None else lexical
        cached = self._known
        if cached is None or cached[0] is not lexical:
            metas = lexical.metas
            cached = self._known = (lexical, {
                "source": sorted({m["source"] for m in metas}),
                "path": sorted({m["path"] for m in metas}),
                "outlet": sorted({m["outlet"] for m in metas}),
            })
        return cached[1]

    def _check(self, filters: Filters, lexical: LexicalIndex | None = None) -> Filters:
        """``filters`` with their values spelt as the index spells them; unknown values raise InputError."""
        if filters.empty:
            return filters
        lexical = self.lexical if lexical is None else lexical
        known = self.known(lexical)
        # A source is a file name inside its folder, or (unambiguous across folders) its path.
        spelling = {v.lower(): v for v in known["source"] + known["path"]}
        bad = [v for v in filters.sources if v.lower() not in spelling]
        if bad:
            raise InputError(f"unknown source {bad}; known: {', '.join(known['source'])}")
        outlets = {v.lower(): v for v in known["outlet"]}
        bad = [v for v in filters.outlets if v.lower() not in outlets]
        if bad:
            raise InputError(f"unknown outlet {bad}; known: {', '.join(known['outlet'])}")
        checked = Filters(tuple(spelling[v.lower()] for v in filters.sources),
                          tuple(outlets[v.lower()] for v in filters.outlets), filters.date_from, filters.date_to)
        mask = self._mask(checked, lexical)
        if mask is not None and not mask.any():
            raise InputError(f"no article matches the filters ({checked.describe()}): widen them, or see `rag list`")
        return checked

    def _where(self, f: Filters) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if f.sources:
            clauses.append({"$or": [{"source": {"$in": list(f.sources)}}, {"path": {"$in": list(f.sources)}}]})
        if f.outlets:
            clauses.append({"outlet": {"$in": list(f.outlets)}})
        if f.date_from:
            clauses.append({"published_ord": {"$gte": published_ord(f.date_from)}})
        if f.date_to:
            clauses.append({"published_ord": {"$lte": published_ord(f.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _mask(self, f: Filters, lexical: LexicalIndex | None = None) -> np.ndarray | None:
        """Rows of ``lexical`` (default: the current BM25 index) that the filters select."""
        if f.empty:
            return None
        lexical = self.lexical if lexical is None else lexical
        arrays = self._meta_arrays(lexical)
        mask = np.ones(len(lexical), dtype=bool)
        if f.sources:
            mask &= np.isin(arrays["source"], list(f.sources)) | np.isin(arrays["path"], list(f.sources))
        if f.outlets:
            mask &= np.isin(arrays["outlet"], [o.lower() for o in f.outlets])
        if f.date_from:
            mask &= arrays["published_ord"] >= published_ord(f.date_from)
        if f.date_to:
            mask &= arrays["published_ord"] <= published_ord(f.date_to)
        return mask

    def search(self, query: str, k: int | None = None, filters: Filters | dict[str, Any] | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query`` by reciprocal-rank fusion of dense and BM25 ranks."""
        if not query or not query.strip():
            raise InputError("empty query: type a question or some words to search for")
        k = self.settings.top_k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise InputError(f"k must be a whole number of at least 1, got {k!r}")
        lexical = self.lexical  # one BM25 index for the whole search, even if refresh() runs meanwhile
        f = self._check(Filters.parse(filters), lexical)
        n = max(self.settings.candidates, k)
        row_of = lexical.row_of

        vector = self.embedder.embed([query])[0]
        dense = self.store.collection().query(
            query_embeddings=[vector], n_results=min(n, len(lexical)), where=self._where(f), include=["distances"]
        )
        dense_rows = [row_of[i] for i in dense["ids"][0] if i in row_of]
        bm25_rows = [row for row, _ in lexical.top(query, n, self._mask(f, lexical))]
        fused = _rrf([dense_rows, bm25_rows], self.settings.rrf_k)
        dense_rank = {row: r for r, row in enumerate(dense_rows)}
        bm25_rank = {row: r for r, row in enumerate(bm25_rows)}
        # Equal fused scores: the one with the better single-list rank first (deterministic).
        best = sorted(fused.items(), key=lambda item: (-item[1], min(dense_rank.get(item[0], n), bm25_rank.get(item[0], n)), item[0]))[:k]
        hits = []
        for row, score in best:
            meta = lexical.metas[row]
            published = meta.get("published")
            hits.append(
                Hit(
                    source=meta["source"],
                    start=int(meta["start"]),
                    end=int(meta["end"]),
                    text=lexical.texts[row],
                    score=score,
                    chunk_id=lexical.ids[row],
                    outlet=meta["outlet"],
                    published=None if published in (None, "unknown") else published,
                    title=meta.get("title", ""),
                    sentence_spans=tuple(tuple(s) for s in json.loads(meta.get("sentences", "[]"))),
                    dense_rank=dense_rank.get(row),
                    bm25_rank=bm25_rank.get(row),
                    path=meta["path"],
                )
            )
        return hits


_cache: dict[tuple, Retriever] = {}
_cache_lock = threading.Lock()


def get_retriever(settings: Settings | None = None) -> Retriever:
    """A process-wide Retriever per index location (models and BM25 loaded once)."""
    settings = settings or load_settings()
    key = (str(settings.home.resolve()), settings.chroma_url, settings.collection, settings.embedding)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Retriever(settings)
        return _cache[key]


def forget_retrievers() -> None:
    """Drop cached retrievers (ingest calls this so the next search sees the new index)."""
    with _cache_lock:
        _cache.clear()


def retrieve(
    query: str, k: int | None = None, filters: Filters | dict[str, Any] | None = None, *, settings: Settings | None = None
) -> list[Hit]:
    """The ``k`` best chunks for ``query``: ``from rag import retrieve``."""
    return get_retriever(settings).search(query, k, filters)
