"""One writer at a time per index: ingest, remove and metadata edits take the index's lock.

A second writer waits (saying so once) up to ``Settings.lock_wait_s`` and then refuses; readers
never take the lock. The lock is an OS file lock (``filelock``), released when its process ends,
even by ``kill -9``, so a crashed ingest never leaves the index locked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from rag.config import Settings
from rag.errors import IndexBusyError

log = logging.getLogger("rag")


def lock_path(settings: Settings) -> Path:
    """The lock file of the index the settings point at (one per collection and Chroma location)."""
    return settings.bm25_dir.parent / f"{settings.bm25_dir.name}.lock"


@contextmanager
def index_lock(settings: Settings, action: str) -> Iterator[None]:
    """Hold the index's write lock for ``action`` ("ingest", "remove"…), waiting if another holds it."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One lock object per path (is_singleton): a thread that holds it may take it again (an eval
    # that rebuilds under the lock calls ingest, which takes it too); other threads and processes wait.
    lock = FileLock(str(path), is_singleton=True)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.warning("another process is writing to this index (lock %s); %s waits up to %.0f s",
                    path, action, settings.lock_wait_s)
        try:
            lock.acquire(timeout=settings.lock_wait_s)
        except Timeout:
            raise IndexBusyError(
                f"another process has been writing to this index for over {settings.lock_wait_s:.0f} s "
                f"(lock {path}); wait for it to finish and run the {action} again, or raise RAG_LOCK_WAIT_S"
            ) from None
    try:
        yield
    finally:
        lock.release()
