"""Incremental ingest of one folder into the library: add new files, update changed ones, retag
files whose metadata changed, and remove only this folder's files that are gone from it.

Every file is read and hashed first (cheap); only new or changed files are split, chunked and
embedded, in batches, so a 10 MB file moves the progress bar and never holds all its vectors.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rag.chunking import ChunkerConfig, chunk_document
from rag.config import Settings, load_settings
from rag.documents import Skip, build_document, content_sha, discover, meta_sha, read_bytes
from rag.embeddings import Embedder, embedding_id, make_embedder
from rag.lexical import LexicalIndex, fingerprint
from rag.manifest import plan
from rag.metadata import load_metadata_file
from rag.retrieval import forget_retrievers
from rag.errors import IndexCorruptError
from rag.locking import index_lock
from rag.store import Store, doc_metadata, set_aside
from rag.types import DocMeta, IngestReport, SkippedFile

# progress(message, done, total): done and total count bytes of the files being indexed, and
# advance inside a file as its chunks are embedded.
Progress = Callable[[str, int, int], None]
T = TypeVar("T")
STORE_BATCH = 256  # chunks embedded and written per call: bounds memory on huge files


@dataclass
class _File:
    path: Path
    source: str
    size: int
    sha: str
    declared: DocMeta | None


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

    Chunk ids hash path, offsets and text, so equal id sets mean equal texts: a cache written by
    another client of the same Chroma server is never trusted on its size alone.
    """
    cached = LexicalIndex.load(store.settings.bm25_dir)
    ids = [i for page in store.iter_all([]) for i in page["ids"]]
    if cached is not None and cached.fingerprint == fingerprint(ids):
        return cached
    return rebuild_lexical(store)


def _scan(folder: Path, max_bytes: int, report: IngestReport) -> dict[str, _File]:
    """Every readable article file of ``folder`` with its hashes, keyed by absolute path."""
    files, skipped = discover(folder)
    report.skipped += skipped
    metadata = load_metadata_file(folder)
    found: dict[str, _File] = {}
    for path in files:
        source = path.relative_to(folder).as_posix()
        try:
            data = read_bytes(path, max_bytes)
        except Skip as reason:
            report.skipped.append(SkippedFile(source, str(reason)))
            continue
        found[(folder / source).as_posix()] = _File(path, source, len(data), content_sha(data), metadata.get(source))
    return found


def _reread(item: _File, max_bytes: int) -> bytes:
    """The file's bytes again, by the same rules as the scan (no links, regular files, size limit),
    and only if they are the bytes the scan hashed: a file swapped or changed since is not indexed."""
    data = read_bytes(item.path, max_bytes)
    if content_sha(data) != item.sha:
        raise Skip("changed while the folder was being indexed: run `rag ingest` again")
    return data


class _Stopwatch:
    """Seconds spent per stage, added up over files (IngestReport.stages)."""

    def __init__(self, stages: dict[str, float]) -> None:
        self.stages = stages

    def __call__(self, stage: str, fn: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return fn()
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started


def _index_file(
    item: _File, store: Store, embedder: Embedder, config: ChunkerConfig, folder: Path,
    step: Callable[[str, float], None], timed: _Stopwatch, max_bytes: int,
) -> set[str]:
    """Load, split, chunk, embed and store one file; the ids of its chunks."""
    data = timed("load", lambda: _reread(item, max_bytes))
    step(f"{item.source} (splitting)", 0.0)
    doc = timed("split", lambda: build_document(item.source, data, item.declared, folder=folder))
    chunks = timed("chunk", lambda: chunk_document(doc, config))
    for at in range(0, len(chunks), STORE_BATCH):
        batch = chunks[at : at + STORE_BATCH]
        vectors = timed("embed", lambda: embedder.embed([c.text for c in batch]))  # noqa: B023 - called at once
        timed("store", lambda: store.upsert(doc, batch, vectors, n_chunks=len(chunks)))  # noqa: B023
        step(item.source, batch[-1].end / max(len(doc.text), 1))
    return {c.chunk_id for c in chunks}


def _fresh_store(settings: Settings, model_id: str, report: IngestReport) -> Store:
    """An emptied store for a rebuild; a local index that cannot even be opened is moved aside
    (kept, never deleted) and a new one made in its place."""
    try:
        store = Store(settings, model_id)
        store.reset()
        return store
    except IndexCorruptError:
        if settings.chroma_url:
            raise
    aside = set_aside(settings)
    report.warnings.append(f"the damaged index was moved to {aside}; a new one is built in its place")
    return Store(settings, model_id)


def ingest(
    path: str | Path | None = None,
    *,
    rebuild: bool = False,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the library in line with the folder at ``path`` (default: ``settings.corpus``).

    New files are added, changed ones re-indexed, files whose declared metadata alone changed are
    retagged without re-embedding, and files that were ingested from this folder and are gone from
    it are removed. Articles of other folders are left as they are. ``rebuild`` empties the whole
    library first.
    """
    settings = settings or load_settings()
    with index_lock(settings, "ingest"):
        return _ingest(path, rebuild, settings, embedder, progress)


def _ingest(path: str | Path | None, rebuild: bool, settings: Settings, embedder: Embedder | None,
            progress: Progress | None) -> IngestReport:
    started = time.perf_counter()
    folder = Path(path if path is not None else settings.corpus).expanduser().resolve()
    report = IngestReport(folder=folder.as_posix())
    files = _scan(folder, int(settings.max_file_mb * 1e6), report)
    report.files_read = len(files)

    # The model loads only when a file needs embedding: a no-op re-ingest stays cheap.
    model_id = embedder.model_id if embedder else embedding_id(settings)
    if rebuild:
        store = _fresh_store(settings, model_id, report)
    else:
        store = Store(settings, model_id)
    prefix = folder.as_posix().rstrip("/") + "/"
    library = store.sources()
    # An ingest owns the articles ingested from exactly this folder. A file here that the library
    # holds from another folder (ingested through a subfolder, or a parent) stays with that one.
    index_state = {p: s for p, s in library.items() if s.meta.get("folder") == folder.as_posix()}
    foreign = sorted(p for p in files if p in library and p not in index_state)
    for p in foreign:
        report.warnings.append(f"{files.pop(p).source}: already in the library from {library[p].meta['folder']}; "
                               "left there (`rag remove` it first to index it from here)")
    skipped_paths = {prefix + s.source for s in report.skipped}
    todo = plan({p: f.sha for p, f in files.items()}, skipped_paths, index_state)
    name = {p: p[len(prefix):] for p in set(files) | set(index_state)}
    # A link out of the folder that an older version followed is dropped, not kept as a skipped file's chunks.
    links = {prefix + s.source for s in report.skipped if s.reason.startswith("symbolic link")}
    dropped = {p: index_state[p].all_ids for p in todo.kept_skipped if p in links}
    for p, ids in dropped.items():
        store.delete(ids)
        todo.kept_skipped.remove(p)
    report.warnings += [f"{name[p]}: skipped now, its previously indexed chunks are kept" for p in todo.kept_skipped]

    max_bytes = int(settings.max_file_mb * 1e6)
    retag = []
    for p in [p for p in todo.unchanged if index_state[p].meta.get("meta_sha") != meta_sha(files[p].declared)]:
        item = files[p]
        try:
            doc = build_document(item.source, _reread(item, max_bytes), item.declared, folder=folder)
        except Skip as reason:  # gone, swapped or emptied since the scan: its chunks are kept as they are
            report.skipped.append(SkippedFile(item.source, str(reason)))
            continue
        store.retag(index_state[p].all_ids, doc_metadata(doc))
        retag.append(p)

    config = ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences)
    timed = _Stopwatch(report.stages)
    work = todo.add + todo.update
    total = sum(files[p].size for p in work)
    done = 0
    failed: set[str] = set()
    if work and embedder is None:
        embedder = make_embedder(settings)
    for p in work:
        item = files[p]

        def step(message: str, share: float, before: int = done, size: int = item.size) -> None:
            if progress:
                progress(message, before + int(size * share), total)

        state = index_state.get(p)
        try:
            fresh = _index_file(item, store, embedder, config, folder, step, timed, max_bytes)  # type: ignore[arg-type]
        except (Skip, OSError) as exc:  # all boilerplate, or the file vanished since the scan
            reason = str(exc) if isinstance(exc, Skip) else f"cannot read: {exc.strerror or exc}"
            report.skipped.append(SkippedFile(item.source, reason))
            failed.add(p)
            if state:
                report.warnings.append(f"{item.source}: skipped now, its previously indexed chunks are kept")
            done += item.size
            continue
        # New chunks first, then the old ones go: a crash in between leaves extra chunks that the
        # next run sees and deletes, never a file with no chunks at all.
        if state:
            store.delete([i for i in state.all_ids if i not in fresh])
        done += item.size
        if progress:
            progress(item.source, done, total)
    for p, ids in todo.remove.items():
        store.delete(ids)

    report.files_read -= len(failed)
    report.added = sorted(name[p] for p in todo.add if p not in failed)
    report.updated = sorted(name[p] for p in todo.update if p not in failed)
    report.retagged = sorted(name[p] for p in retag)
    report.unchanged = sorted(name[p] for p in todo.unchanged if p not in retag)
    report.removed = sorted(name[p] for p in [*todo.remove, *dropped])
    lexical = timed("bm25", lambda: rebuild_lexical(store) if report.changed or rebuild else current_lexical(store))
    if report.changed or rebuild:
        forget_retrievers()  # searches in this process must see the new chunks
    report.chunks_total = len(lexical)
    report.seconds = time.perf_counter() - started
    return report
