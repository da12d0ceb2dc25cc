"""Verify the index against the articles on disk and against itself; repair what is wrong.

Checked: the index opens and was built with the current settings (the build record); every
article's chunks are all there for its current file (none missing, none left from an older
version); every chunk's text is its file's text at its offsets (the citation invariant); the BM25
side holds exactly Chroma's chunk ids. ``repair`` re-ingests the folders of what is wrong, and
rebuilds a library that cannot be opened or was built differently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import Settings, load_settings
from rag.documents import Skip, build_document, read_bytes
from rag.embeddings import embedding_id
from rag.errors import IndexCorruptError, IndexMismatchError
from rag.lexical import LexicalIndex, fingerprint
from rag.types import DocMeta


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the index: its kind, the article (or "index") and what was found."""

    kind: str  # unreadable, build, missing-file, changed-file, incomplete, text, bm25
    where: str
    detail: str


@dataclass
class CheckReport:
    """What ``check`` found."""

    articles: int = 0
    chunks: int = 0
    problems: list[Problem] = field(default_factory=list)
    folders: dict[str, list[str]] = field(default_factory=dict)  # folder -> its articles' paths

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def needs_rebuild(self) -> bool:
        return any(p.kind in ("unreadable", "build") for p in self.problems)


def check(settings: Settings | None = None) -> CheckReport:
    """Verify the index the settings point at; never changes anything."""
    from rag.store import Store

    settings = settings or load_settings()
    report = CheckReport()
    try:
        store = Store(settings, embedding_id(settings))
        collection = store.collection(create=False)
    except IndexCorruptError as exc:
        report.problems.append(Problem("unreadable", "index", str(exc)))
        return report
    except IndexMismatchError as exc:
        report.problems.append(Problem("build", "index", str(exc)))
        return report
    if collection is None:
        return report  # no index yet: nothing to be wrong

    chunks: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    ids: list[str] = []
    for page in store.iter_all(["documents", "metadatas"]):
        for chunk_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"]):
            chunks[meta["path"]].append((chunk_id, text, meta))
            ids.append(chunk_id)
    report.chunks, report.articles = len(ids), len(chunks)
    for path, rows in sorted(chunks.items()):
        report.folders.setdefault(rows[0][2]["folder"], []).append(path)
        _check_article(path, rows, settings, report)

    lexical = LexicalIndex.load(settings.bm25_dir)
    if lexical is None or lexical.fingerprint != fingerprint(ids):
        held = "missing" if lexical is None else f"holds {len(lexical)} chunks, Chroma {len(ids)}"
        report.problems.append(Problem("bm25", "index", f"the keyword index does not match the chunks ({held})"))
    return report


def _check_article(path: str, rows: list[tuple[str, str, dict]], settings: Settings, report: CheckReport) -> None:
    by_sha: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for row in rows:
        by_sha[row[2]["file_sha"]].append(row)
    newest = rows[0][2]
    try:
        data = read_bytes(Path(path), int(settings.max_file_mb * 1e6))
    except Skip as reason:
        report.problems.append(Problem("missing-file", path, f"cannot read the file: {reason}"))
        return
    meta = DocMeta(newest.get("outlet", "unknown"), newest.get("title", "unknown"))
    doc = build_document(newest["source"], data, meta, folder=Path(newest["folder"]))
    if doc.sha256 not in by_sha:
        report.problems.append(Problem("changed-file", path, "the file changed since it was indexed"))
        return
    current = by_sha[doc.sha256]
    if len(by_sha) > 1 or len(current) != int(current[0][2]["n_chunks"]):
        report.problems.append(Problem(
            "incomplete", path, f"{len(current)} of {current[0][2]['n_chunks']} chunks of the current file"
            + (f", plus {len(rows) - len(current)} of an older version" if len(by_sha) > 1 else "")))
    wrong = sum(doc.text[int(m["start"]):int(m["end"])] != text for _, text, m in current)
    if wrong:
        report.problems.append(Problem("text", path, f"{wrong} chunk(s) differ from the file at their offsets"))


def repair(settings: Settings | None = None, report: CheckReport | None = None) -> CheckReport:
    """Fix what ``check`` finds: rebuild an unreadable or differently built index from the corpus
    folder, re-ingest the folders of articles that are wrong, rebuild the keyword index; then check
    again and return that report."""
    from rag.ingestion import _ingest, rebuild_lexical
    from rag.locking import index_lock
    from rag.retrieval import forget_retrievers
    from rag.store import Store

    settings = settings or load_settings()
    report = report or check(settings)
    if report.ok:
        return report
    with index_lock(settings, "repair"):
        if report.needs_rebuild:
            _ingest(settings.corpus, True, settings, None, None)
            return check(settings)
        store = Store(settings, embedding_id(settings))
        bad = {p.where for p in report.problems if p.kind in ("text", "incomplete", "changed-file", "missing-file")}
        states = store.sources()
        # A chunk whose text is wrong looks complete to ingest: its article is dropped first, then redone.
        for path in {p.where for p in report.problems if p.kind in ("text", "incomplete")}:
            if path in states:
                store.delete(states[path].all_ids)
        folders = sorted({states[p].meta["folder"] for p in bad if p in states})
        for folder in folders:
            if Path(folder).is_dir():
                _ingest(folder, False, settings, None, None)
        if any(p.kind == "bm25" for p in report.problems) or not folders:
            rebuild_lexical(store)
        forget_retrievers()
    return check(settings)
