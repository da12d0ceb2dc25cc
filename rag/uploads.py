"""Articles uploaded through the app: a safe file name, HTML turned into article text, duplicates
refused, then stored in the library's uploads folder and ingested like any other folder.

The stored file is what citations point into: for an HTML upload that is the extracted text
(``.txt``), so ``quote == stored_text[start:end]`` holds as for every article.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.config import Settings, load_settings
from rag.documents import Skip, check_bytes, content_sha, decode
from rag.errors import InputError
from rag.types import Article, DocMeta, IngestReport

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm")
_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass
class UploadResult:
    """What became of one upload: the article it added, or the article it duplicates."""

    name: str
    article: Article | None = None
    duplicate_of: str | None = None
    report: IngestReport | None = None


def uploads_folder(settings: Settings) -> Path:
    """Where uploads are stored: a folder of the library under the data folder."""
    return (settings.home / "uploads").resolve()


def safe_name(filename: str, suffix: str) -> str:
    """A file name with no path, no leading dot or dash, only word characters, '.', '-' and spaces."""
    base = Path(filename.replace("\\", "/")).name
    stem = unicodedata.normalize("NFKC", Path(base).stem)
    stem = _UNSAFE.sub("_", stem).strip(" ._-")[:100] or "article"
    return f"{stem}{suffix}"


def html_to_text(data: bytes) -> str:
    """The article text of an HTML page (trafilatura), or InputError when it holds none."""
    import trafilatura

    html = decode(data)[0]
    text = trafilatura.extract(html, include_comments=False, include_tables=False)
    if not text or not text.strip():
        raise InputError("no article text found in this HTML page")
    heading = getattr(trafilatura.extract_metadata(html), "title", None)
    return f"{heading}\n\n{text}\n" if heading and not text.startswith(heading) else f"{text}\n"


def _free_name(folder: Path, name: str) -> str:
    """``name``, or ``name-2``, ``name-3``... so no other upload is overwritten."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 1
    while (folder / candidate).exists():
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    return candidate


def add_upload(
    filename: str, data: bytes, *, outlet: str | None = None, title: str | None = None,
    published: str | None = None, settings: Settings | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> UploadResult:
    """Store one uploaded file in the uploads folder and ingest it; a file whose text is already in
    the library is reported as a duplicate and not stored. Bad files raise InputError."""
    from rag.ingestion import ingest
    from rag.library import _write_metadata, articles
    from rag.metadata import check_date
    from rag.store import Store
    from rag.embeddings import embedding_id

    settings = settings or load_settings()
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError(f"{filename}: unsupported file type {suffix or '(none)'!r}; upload {', '.join(UPLOAD_SUFFIXES)}")
    if len(data) > settings.max_file_mb * 1e6:
        raise InputError(f"{filename}: too large ({len(data) / 1e6:.1f} MB > {settings.max_file_mb:g} MB, RAG_MAX_FILE_MB)")
    if published not in (None, "", "unknown"):
        check_date(published)
    try:
        check_bytes(data)
    except Skip as reason:
        raise InputError(f"{filename}: {reason}") from None
    if suffix in (".html", ".htm"):
        data, suffix = html_to_text(data).encode("utf-8"), ".txt"
    name = safe_name(filename, suffix)
    store = Store(settings, embedding_id(settings))
    if store.exists():
        sha = content_sha(data)
        for path, state in store.sources().items():
            if state.meta.get("file_sha") == sha:
                return UploadResult(name, duplicate_of=path)
    folder = uploads_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = _free_name(folder, name)
    (folder / name).write_bytes(data)
    if any(v not in (None, "") for v in (outlet, title, published)):
        _write_metadata(folder, name, DocMeta(outlet or "unknown", title or "unknown",
                                              published if published not in (None, "", "unknown") else None))
    report = ingest(folder, settings=settings, progress=progress)
    if name not in report.added:
        reason = next((s.reason for s in report.skipped if s.source == name), "it could not be indexed")
        (folder / name).unlink(missing_ok=True)
        raise InputError(f"{filename}: {reason}")
    article = next(a for a in articles(settings) if a.path == (folder / name).as_posix())
    return UploadResult(name, article=article, report=report)
