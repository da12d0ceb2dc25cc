"""The Chroma collection that holds chunks and vectors, and what the index knows about itself.

Local ``PersistentClient`` under ``RAG_HOME`` by default, ``HttpClient`` when ``RAG_CHROMA_URL`` is
set. The collection records how it was built (embedding model, chunker, boilerplate rules); a
mismatch is refused, never mixed. Per-chunk metadata (source, file hash, chunk count) is the
manifest: it lives with the vectors, so a crash can never leave the two out of step.

The index is a library: articles from any number of folders. An article is identified by the
absolute path of its file (``path``); ``folder`` is the folder it was ingested from and
``source`` its name inside that folder, shown to users and used by filters.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

from rag.boilerplate import RULES_VERSION
from rag.chunking import ChunkerConfig
from rag.config import Settings
from rag.errors import IndexCorruptError, IndexMismatchError, RagError
from rag.types import Chunk, Document

SCHEMA_VERSION = "2"  # 2: articles keyed by absolute path, with folder and metadata hash
BUILD_KEYS = ("rag_schema", "rag_embedding", "rag_chunker", "rag_rules")
_PAGE = 5000


@dataclass
class SourceState:
    """What the index holds for one article file."""

    ids_by_sha: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    expected: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # metadata of its newest chunk (folder, title...)

    def complete(self, sha: str) -> bool:
        ids = self.ids_by_sha.get(sha, [])
        return bool(ids) and len(ids) == self.expected.get(sha, -1)

    @property
    def all_ids(self) -> list[str]:
        return [i for ids in self.ids_by_sha.values() for i in ids]


def published_ord(published: str | None) -> int:
    """YYYY-MM-DD as an int (20250905) for range filters; 0 when unknown."""
    return int(published.replace("-", "")) if published else 0


def doc_metadata(doc: Document) -> dict[str, Any]:
    """The article-level metadata every chunk of ``doc`` carries."""
    return {
        "path": doc.path,
        "folder": doc.folder,
        "source": doc.source,
        "outlet": doc.meta.outlet,
        "title": doc.meta.title,
        "published": doc.meta.published or "unknown",
        "published_ord": published_ord(doc.meta.published),
        "file_sha": doc.sha256,
        "meta_sha": doc.meta_sha,
        "encoding": doc.encoding,
    }


_OPEN_LOCK = threading.Lock()


def make_client(settings: Settings) -> Any:
    """A Chroma client for the settings, with telemetry off (no network)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises bare ValueError/ConnectionError variants here
            raise RagError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from None
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        # chromadb's first client for a path is not safe to create from several threads at once.
        with _OPEN_LOCK:
            try:
                return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
            except Exception:
                # chromadb keeps one client per path in the process: after another process rebuilt
                # the index in place, that client reads the old files. Open afresh once before giving up.
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
                return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as exc:  # the Rust bindings raise InternalError, sqlite3 its own: all mean "unreadable"
        raise IndexCorruptError(
            f"the index at {settings.chroma_path} cannot be opened ({_first_line(exc)}). Rebuild it with "
            "`rag ingest --rebuild PATH` (the damaged folder is kept aside), then `rag ingest` each other "
            "folder you had indexed; `rag check` tells what is wrong."
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def set_aside(settings: Settings) -> Path:
    """Move a damaged local index folder out of the way (kept for inspection); the new path."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # chromadb keeps one client per path in the process
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = settings.chroma_path.with_name(f"{settings.chroma_path.name}.broken-{stamp}")
    if settings.chroma_path.exists():
        settings.chroma_path.rename(aside)
    shutil.rmtree(settings.bm25_dir, ignore_errors=True)  # derived from the chunks: rebuilt
    return aside


@contextmanager
def _server_errors(settings: Settings) -> Iterator[None]:
    """A Chroma server that went away (or never came) is a clear error, not an httpx traceback;
    the next call tries again, so a server that comes back is used without a restart."""
    try:
        yield
    except (httpx.TransportError, ConnectionError):
        raise RagError(f"cannot reach the Chroma server at {settings.chroma_url}: is `chroma run` still running "
                       "there? (RAG_CHROMA_URL)") from None


class _Guarded:
    """A server collection whose calls raise ``_server_errors``' clear error when the server is gone."""

    def __init__(self, collection: Any, settings: Settings) -> None:
        self._collection, self._settings = collection, settings

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with _server_errors(self._settings):
                return attr(*args, **kwargs)

        return call


class Store:
    """One Chroma collection plus the build record that guards it."""

    def __init__(self, settings: Settings, embedding_id: str, client: Any = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.build = {
            "rag_schema": SCHEMA_VERSION,
            "rag_embedding": embedding_id,
            "rag_chunker": ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences).signature,
            "rag_rules": RULES_VERSION,
        }
        self._collection: Any = None

    def _embedding_function(self) -> Any:
        if self.build["rag_embedding"].startswith("all-MiniLM"):
            from rag.embeddings import ChromaMiniLM

            return ChromaMiniLM(self.settings.embed_batch_size, self.settings.onnx_threads)
        return None

    def exists(self) -> bool:
        with _server_errors(self.settings):
            return self.settings.collection in {c.name for c in self.client.list_collections()}

    def collection(self, create: bool = True) -> Any:
        """The collection, created with our build record if missing; refuses a mismatched one."""
        if self._collection is not None:
            return self._collection
        if not create and not self.exists():
            return None
        ef = self._embedding_function()
        kwargs: dict[str, Any] = {"configuration": {"hnsw": {"space": "cosine"}}}
        if ef is not None:
            kwargs["embedding_function"] = ef
        with _server_errors(self.settings):
            col = self.client.get_or_create_collection(self.settings.collection, metadata=dict(self.build), **kwargs)
        recorded = {k: (col.metadata or {}).get(k) for k in BUILD_KEYS}
        if recorded["rag_schema"] != self.build["rag_schema"]:
            raise IndexMismatchError(
                f"the index {self.settings.collection!r} was built by an older version of rag (index format "
                f"{recorded['rag_schema']!r}, this version reads {SCHEMA_VERSION!r}). Rebuild it with "
                "`rag ingest --rebuild PATH`, then `rag ingest` each other folder you had indexed."
            )
        if recorded != self.build:
            diffs = ", ".join(f"{k[4:]}: index has {recorded[k]!r}, settings give {self.build[k]!r}"
                              for k in BUILD_KEYS if recorded[k] != self.build[k])
            raise IndexMismatchError(
                f"the index {self.settings.collection!r} was built differently ({diffs}). "
                "Run `rag ingest --rebuild` to rebuild it, or restore the previous settings."
            )
        self._collection = _Guarded(col, self.settings) if self.settings.chroma_url else col
        return self._collection

    def reset(self) -> None:
        """Drop the collection (for --rebuild)."""
        if self.exists():
            self.client.delete_collection(self.settings.collection)
        self._collection = None

    def count(self) -> int:
        col = self.collection(create=False)
        return col.count() if col is not None else 0

    def iter_all(self, include: list[str], where: dict[str, Any] | None = None) -> Iterable[dict[str, Any]]:
        """Pages of ``collection.get`` over everything, or what ``where`` selects (ids always included)."""
        col = self.collection()
        offset = 0
        while True:
            page = col.get(include=include, limit=_PAGE, offset=offset, where=where)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def retag(self, ids: list[str], update: dict[str, Any]) -> None:
        """Change article-level metadata (outlet, title, date...) of chunks without re-embedding them."""
        col = self.collection()
        for at in range(0, len(ids), _PAGE):
            page = col.get(ids=ids[at : at + _PAGE], include=["metadatas"])
            col.update(ids=page["ids"], metadatas=[{**m, **update} for m in page["metadatas"]])

    def sources(self, where: dict[str, Any] | None = None) -> dict[str, SourceState]:
        """Per article path: chunk ids grouped by file hash, how many each hash should have, metadata."""
        state: dict[str, SourceState] = defaultdict(SourceState)
        for page in self.iter_all(["metadatas"], where):
            for chunk_id, meta in zip(page["ids"], page["metadatas"]):
                entry = state[meta["path"]]
                entry.ids_by_sha[meta["file_sha"]].append(chunk_id)
                entry.expected[meta["file_sha"]] = int(meta["n_chunks"])
                entry.meta = meta
        return dict(state)

    def upsert(self, doc: Document, chunks: list[Chunk], vectors: np.ndarray, n_chunks: int | None = None) -> None:
        """Write chunks of one document (all of them, or one batch of ``n_chunks`` in all)."""
        base = doc_metadata(doc)
        metas = [
            {
                **base,
                "start": c.start,
                "end": c.end,
                "n_chunks": len(chunks) if n_chunks is None else n_chunks,
                "seq": c.seq,
                "sentences": json.dumps(c.sentence_spans),
            }
            for c in chunks
        ]
        self.collection().upsert(
            ids=[c.chunk_id for c in chunks],
            documents=[c.text for c in chunks],
            embeddings=vectors,
            metadatas=metas,
        )

    def delete(self, ids: list[str]) -> None:
        for at in range(0, len(ids), _PAGE):
            self.collection().delete(ids=ids[at : at + _PAGE])
