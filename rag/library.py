"""The library of indexed articles: list them, remove some, set their metadata.

Removal takes an article's chunks out of every index (Chroma, BM25; the per-chunk manifest lives in
Chroma) and never touches the file itself. Metadata set here is written to the ``metadata.json``
of the article's folder, the same file a later ``rag ingest`` of that folder reads, and the
article's chunks are retagged without re-embedding.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rag.config import Settings, load_settings
from rag.documents import Skip, build_document, read_bytes
from rag.embeddings import embedding_id
from rag.errors import IndexMissingError, InputError
from rag.metadata import METADATA_FILE, check_date, load_metadata_file
from rag.locking import index_lock
from rag.store import SourceState, Store, doc_metadata
from rag.types import Article, ArticleView, DocMeta, IndexStatus


def _store(settings: Settings | None, store: Store | None = None) -> Store:
    settings = settings or load_settings()
    store = store or Store(settings, embedding_id(settings))
    if not store.exists():
        raise IndexMissingError(
            f"no index yet in {settings.chroma_url or settings.chroma_path}: run `rag ingest` first"
        )
    return store


def _article(path: str, state: SourceState) -> Article:
    meta = state.meta
    sha = meta["file_sha"]
    published = meta.get("published")
    return Article(
        path=path, folder=meta["folder"], source=meta["source"], outlet=meta.get("outlet", "unknown"),
        title=meta.get("title", "unknown"), published=None if published in (None, "unknown") else published,
        chunks=len(state.ids_by_sha.get(sha, [])), complete=state.complete(sha) and len(state.ids_by_sha) == 1,
    )


def articles(settings: Settings | None = None, *, store: Store | None = None) -> list[Article]:
    """Every article in the library, sorted by folder and file name (``store``: an open index to use)."""
    states = _store(settings, store).sources()
    return sorted((_article(p, s) for p, s in states.items()), key=lambda a: (a.folder, a.source))


def _resolve(refs: list[str], states: dict[str, SourceState]) -> list[str]:
    """Library paths for what a user typed: a file path (absolute or relative), or a file name
    that only one folder holds."""
    found = []
    for ref in refs:
        as_path = Path(ref).expanduser().resolve().as_posix()
        if as_path in states:
            found.append(as_path)
            continue
        named = [p for p, s in states.items() if s.meta.get("source") == ref or p.endswith("/" + ref)]
        if len(named) == 1:
            found.append(named[0])
        elif named:
            raise InputError(f"{ref!r} names {len(named)} articles; give the path of one: " + ", ".join(sorted(named)))
        else:
            raise InputError(f"{ref!r} is not in the library (see `rag list`)")
    return list(dict.fromkeys(found))


def _lookup(store: Store, file: str) -> tuple[str, SourceState]:
    """The library path and state of one article. A path is fetched alone (a targeted query: the
    app asks this for every citation it shows); only a bare name needs every article's metadata."""
    as_path = Path(file).expanduser().resolve().as_posix()
    found = store.sources({"path": as_path})
    if as_path in found:
        return as_path, found[as_path]
    states = store.sources()
    path = _resolve([file], states)[0]
    return path, states[path]


def _after_change(store: Store) -> None:
    from rag.ingestion import rebuild_lexical
    from rag.retrieval import forget_retrievers

    rebuild_lexical(store)
    forget_retrievers()


def remove(files: list[str] | None = None, *, folder: str | Path | None = None,
           settings: Settings | None = None, store: Store | None = None) -> list[Article]:
    """Take articles out of the library: the given files, or every article ingested from ``folder``
    or a folder inside it.

    Returns what was removed. The files on disk are left alone (ingesting their folder again adds
    them back).
    """
    if not files and folder is None:
        raise InputError("say what to remove: one or more files, or a folder")
    store = _store(settings, store)
    with index_lock(store.settings, "remove"):
        states = store.sources()
        paths = _resolve(list(files or []), states)
        if folder is not None:
            prefix = Path(folder).expanduser().resolve().as_posix().rstrip("/") + "/"
            under = [p for p, s in states.items() if (s.meta["folder"].rstrip("/") + "/").startswith(prefix)]
            if not under:
                raise InputError(f"no article in the library was ingested from {prefix.rstrip('/')} (see `rag list`)")
            paths += [p for p in under if p not in paths]
        removed = [_article(p, states[p]) for p in paths]
        for p in paths:
            store.delete(states[p].all_ids)
        _after_change(store)
    return removed


def _write_metadata(folder: Path, source: str, meta: DocMeta) -> None:
    """Record ``meta`` for ``source`` in the folder's metadata.json, keeping everything else in it."""
    target = folder / METADATA_FILE
    raw: dict[str, Any] = {}
    if target.is_file():
        load_metadata_file(folder)  # refuses a malformed file before we rewrite it
        raw = json.loads(target.read_text(encoding="utf-8"))
    files = raw.setdefault("files", {}) if "files" in raw or not raw else raw
    files[source] = {"outlet": meta.outlet, "title": meta.title, "published": meta.published or "unknown",
                     "url": meta.url}
    tmp = target.with_name(f".{METADATA_FILE}.tmp{os.getpid()}")
    try:
        tmp.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None


def set_metadata(file: str, *, outlet: str | None = None, title: str | None = None, published: str | None = None,
                 url: str | None = None, settings: Settings | None = None, store: Store | None = None) -> Article:
    """Set an indexed article's outlet, title, publication date (YYYY-MM-DD) or URL.

    Fields left as None keep their value; "unknown" (or "") falls back to what the article's text
    states, if anything. The change is written to the folder's metadata.json and applied to the index
    at once, without re-embedding.
    """
    if published is not None and published not in ("", "unknown"):
        check_date(published)
    settings = settings or load_settings()
    store = _store(settings, store)
    with index_lock(settings, "metadata change"):
        return _set_metadata(store, settings, file, outlet, title, published, url)


def _set_metadata(store: Store, settings: Settings, file: str, outlet: str | None, title: str | None,
                  published: str | None, url: str | None) -> Article:
    path, state = _lookup(store, file)
    folder, source = Path(state.meta["folder"]), state.meta["source"]
    declared = load_metadata_file(folder).get(source)
    current = declared or DocMeta(state.meta.get("outlet", "unknown"), state.meta.get("title", "unknown"),
                                  None if state.meta.get("published") in (None, "unknown") else state.meta["published"])
    new = DocMeta(
        outlet=current.outlet if outlet is None else (outlet.strip() or "unknown"),
        title=current.title if title is None else (title.strip() or "unknown"),
        published=current.published if published is None else (published if published not in ("", "unknown") else None),
        url=current.url if url is None else (url.strip() or "unknown"),
    )
    try:
        data = read_bytes(Path(path), int(settings.max_file_mb * 1e6))
    except Skip as reason:
        raise InputError(f"{path}: {reason}; fix the file, then set its metadata") from None
    doc = build_document(source, data, new, folder=folder)
    if doc.sha256 != state.meta["file_sha"]:
        raise InputError(f"{path} changed since it was indexed: run `rag ingest {folder}` first")
    _write_metadata(folder, source, new)
    store.retag(state.all_ids, doc_metadata(doc))
    _after_change(store)
    return _article(path, store.sources({"path": path})[path])


def article_view(file: str, *, settings: Settings | None = None, store: Store | None = None) -> ArticleView:
    """An indexed article as the reader shows it: its original text (what citation offsets point
    into) and the boilerplate spans excluded from the index."""
    settings = settings or load_settings()
    store = _store(settings, store)
    path, state = _lookup(store, file)
    try:
        data = read_bytes(Path(path), int(settings.max_file_mb * 1e6))
    except Skip as reason:
        raise InputError(f"{path}: {reason}") from None
    meta = DocMeta(state.meta.get("outlet", "unknown"), state.meta.get("title", "unknown"))
    doc = build_document(state.meta["source"], data, meta, folder=Path(state.meta["folder"]))
    changed = doc.sha256 != state.meta["file_sha"]
    return ArticleView(_article(path, state), doc.text, doc.excluded, changed)


def status(settings: Settings | None = None) -> IndexStatus:
    """What the index holds and how it was built (for the app's sidebar and `rag list`)."""
    settings = settings or load_settings()
    store = Store(settings, embedding_id(settings))
    where = settings.chroma_url or str(settings.chroma_path)
    if not store.exists():
        return IndexStatus(where, str(settings.corpus), 0, 0, 0, embedding_id(settings))
    found = articles(settings, store=store)
    return IndexStatus(where, str(settings.corpus), len(found), len({a.folder for a in found}),
                       sum(a.chunks for a in found), embedding_id(settings))
