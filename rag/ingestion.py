"""Incremental ingest: load, chunk, embed and store changed files; remove deleted ones."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rag.chunking import ChunkerConfig, chunk_document
from rag.config import Settings, load_settings
from rag.documents import load_folder
from rag.embeddings import Embedder, embedding_id, make_embedder
from rag.lexical import LexicalIndex, fingerprint
from rag.manifest import plan
from rag.store import Store
from rag.types import Document, IngestReport, SkippedFile

Progress = Callable[[str, int, int], None]


def rebuild_lexical(store: Store) -> LexicalIndex:
    """Rebuild the BM25 index from the store's chunks and save it next to the index."""
    ids, texts, metas = [], [], []
    for page in store.iter_all(["documents", "metadatas"]):
        ids += page["ids"]
        texts += page["documents"]
        metas += page["metadatas"]
    index = LexicalIndex(ids, texts, metas)
    index.save(store.settings.bm25_dir)
    return index


def current_lexical(store: Store) -> LexicalIndex:
    """The saved BM25 index if it holds exactly the store's chunks, else a fresh rebuild.

    Chunk ids hash source, offsets and text, so equal id sets mean equal texts: a cache written by
    another client of the same Chroma server is never trusted on its size alone.
    """
    cached = LexicalIndex.load(store.settings.bm25_dir)
    ids = [i for page in store.iter_all([]) for i in page["ids"]]
    if cached is not None and cached.fingerprint == fingerprint(ids):
        return cached
    return rebuild_lexical(store)


def ingest(
    path: str | Path | None = None,
    *,
    rebuild: bool = False,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the folder at ``path`` (default: ``settings.corpus``)."""
    started = time.perf_counter()
    settings = settings or load_settings()
    folder = Path(path) if path is not None else settings.corpus
    report = IngestReport()
    docs: dict[str, Document] = {}
    for item in load_folder(folder, int(settings.max_file_mb * 1e6)):
        if isinstance(item, SkippedFile):
            report.skipped.append(item)
        else:
            docs[item.source] = item
            report.warnings += item.warnings

    # The model loads only when a file needs embedding: a no-op re-ingest stays cheap.
    store = Store(settings, embedder.model_id if embedder else embedding_id(settings))
    if rebuild:
        store.reset()
    index_state = store.sources()
    todo = plan({s: d.sha256 for s, d in docs.items()}, {s.source for s in report.skipped}, index_state)
    report.warnings += [f"{s}: skipped now, its previously indexed chunks are kept" for s in todo.kept_skipped]

    config = ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences)
    work = todo.add + todo.update
    if work and embedder is None:
        embedder = make_embedder(settings)
    for n, source in enumerate(work, 1):
        doc = docs[source]
        chunks = chunk_document(doc, config)
        store.upsert(doc, chunks, embedder.embed([c.text for c in chunks]))  # type: ignore[union-attr]
        # New chunks first, then the old ones go: a crash in between leaves extra chunks that the
        # next run sees and deletes, never a file with no chunks at all.
        fresh = {c.chunk_id for c in chunks}
        state = index_state.get(source)
        if state:
            store.delete([i for i in state.all_ids if i not in fresh])
        if progress:
            progress(source, n, len(work))
    for source, ids in todo.remove.items():
        store.delete(ids)

    report.added, report.updated, report.unchanged = todo.add, todo.update, todo.unchanged
    report.removed = sorted(todo.remove)
    lexical = rebuild_lexical(store) if report.changed or rebuild else current_lexical(store)
    report.chunks_total = len(lexical)
    report.seconds = time.perf_counter() - started
    return report
