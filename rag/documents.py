"""Load articles from a folder: decode safely, find boilerplate, split sentences, attach metadata."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from rag.boilerplate import find_excluded
from rag.errors import InputError
from rag.metadata import METADATA_FILE, extract_published, load_metadata_file, metadata_fingerprint
from rag.sentences import sentences
from rag.types import DocMeta, Document, SkippedFile

TEXT_SUFFIXES = (".txt", ".md")
_SNIFF = 8192


class Skip(Exception):
    """Raised inside loading when a file must be skipped; the message is the reason."""


def discover(folder: Path) -> tuple[list[Path], list[SkippedFile]]:
    """Article files under ``folder`` (sorted), and other files reported as skipped."""
    if not folder.exists():
        raise InputError(f"corpus folder not found: {folder} (give an existing folder, e.g. `rag ingest seeds`)")
    if not folder.is_dir():
        raise InputError(f"not a folder: {folder}")
    files, skipped = [], []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or rel.as_posix() == METADATA_FILE:
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        if path.suffix.lower() in TEXT_SUFFIXES:
            files.append(path)
        else:
            skipped.append(SkippedFile(rel.as_posix(), f"unsupported file type {path.suffix or '(none)'!r}; "
                                       f"only {', '.join(TEXT_SUFFIXES)} are read"))
    return files, skipped


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8, else cp1252 / latin-1 (deterministic, so offsets hold)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, or Skip with a reason a user can act on."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise Skip(f"too large: {size / 1e6:.1f} MB > limit {max_bytes / 1e6:.1f} MB (raise RAG_MAX_FILE_MB)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    return check_bytes(data)


def check_bytes(data: bytes) -> bytes:
    """``data`` if it looks like text, or Skip: empty, or binary (NUL bytes, many control bytes)."""
    if not data.strip():
        raise Skip("empty file")
    head = data[:_SNIFF]
    controls = sum(b < 32 and b not in (9, 10, 12, 13) for b in head)
    if b"\x00" in head or controls > len(head) * 0.05:
        raise Skip("binary file (not text)")
    return data


def original_text(path: Path) -> str:
    """The text that citation offsets point into (same decoding as at ingest)."""
    return decode(path.read_bytes())[0]


def content_sha(data: bytes) -> str:
    """The hash that says whether a file's text changed."""
    return hashlib.sha256(data).hexdigest()


def meta_sha(declared: DocMeta | None) -> str:
    """The hash that says whether the metadata declared for a file changed (none declared: "")."""
    return hashlib.sha256(metadata_fingerprint(declared).encode()).hexdigest()[:16] if declared else ""


def build_document(
    source: str, data: bytes, meta: DocMeta | None, *, folder: Path | None = None
) -> Document:
    """A Document from raw bytes: decoded text, excluded spans, sentences, metadata.

    Metadata not declared for the file is taken from the text where it states it: the title from
    a heading on the first line, the date from a dateline near the top; otherwise it stays unknown.
    """
    text, encoding = decode(data)
    warnings = []
    if encoding != "utf-8":
        warnings.append(f"{source}: not valid UTF-8, decoded as {encoding}")
    declared = meta
    meta = DocMeta(**vars(meta)) if meta else DocMeta()
    if meta.published is None:
        meta.published = extract_published(text)
    title = meta.title if meta.title != "unknown" else None
    excluded = find_excluded(text, title)
    sents = sentences(text, excluded, title)
    if title is None and sents and sents[0].kind == "heading":
        meta.title = sents[0].text
    if not any(s.kind == "body" for s in sents):
        raise Skip("no article text left after removing boilerplate")
    where = (folder or Path(".")).resolve()
    return Document(
        source, text, content_sha(data), encoding, meta, sents, excluded, warnings,
        folder=where.as_posix(), path=(where / source).as_posix(), meta_sha=meta_sha(declared),
    )


def load_folder(folder: Path, max_bytes: int) -> Iterator[Document | SkippedFile]:
    """Each article of ``folder`` as a Document, or as a SkippedFile with its reason."""
    files, skipped = discover(folder)
    yield from skipped
    metadata = load_metadata_file(folder)
    for path in files:
        source = path.relative_to(folder).as_posix()
        try:
            yield build_document(source, read_bytes(path, max_bytes), metadata.get(source), folder=folder)
        except Skip as reason:
            yield SkippedFile(source, str(reason))
