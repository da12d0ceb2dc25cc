"""Load articles from a folder: decode safely, find boilerplate, split sentences, attach metadata."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from rag.boilerplate import find_excluded
from rag.errors import InputError
from rag.metadata import METADATA_FILE, extract_published, load_metadata_file, metadata_fingerprint
from rag.sentences import sentences_and_instructions
from rag.types import DocMeta, Document, SkippedFile

TEXT_SUFFIXES = (".txt", ".md")
_SNIFF = 8192


class Skip(Exception):
    """Raised inside loading when a file must be skipped; the message is the reason."""


def _shown(rel: Path) -> str:
    """A file name as reports show it: names that are not valid UTF-8 get U+FFFD for the bad bytes."""
    return os.fsencode(rel.as_posix()).decode("utf-8", "replace")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _symlink_reason(path: Path, root: str) -> str:
    """Why the symbolic link ``path`` is not read (every link is skipped, see ``discover``)."""
    target = os.path.realpath(path)
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop: not followed"
        if not _inside(target, root):
            return "symbolic link pointing outside the folder: not followed"
        return f"cannot read: broken symbolic link (its target {os.path.relpath(target, root)!r} does not exist)"
    if not _inside(target, root):
        return (f"symbolic link pointing outside the folder (to {target}): not followed; "
                "copy the file into the folder to index it")
    where = os.path.relpath(target, root)
    if os.path.isdir(target):
        return f"symbolic link to the folder {where!r} inside this folder: not followed (its files are read there)"
    return f"symbolic link to {where!r} inside this folder: not read twice (the file itself is read where it is)"


def discover(folder: Path) -> tuple[list[Path], list[SkippedFile]]:
    """Article files under ``folder`` (sorted), and other files reported as skipped.

    Symbolic links are never followed, and each is reported as skipped with its reason: a link
    pointing outside the folder would put a file the user did not give into the index (and into
    quotes); a link to a file inside the folder would index that file twice under two names (the
    file itself is read where it is); a link to a folder is not descended; a broken link or a link
    loop cannot be read. Only regular files are read (a named pipe would block the read forever).
    Names starting with a dot (hidden files and folders) and the folder's ``metadata.json`` are
    not articles and are left out silently. A name that is not valid UTF-8 is skipped (the index
    stores names as UTF-8), shown with U+FFFD for its bad bytes.
    """
    if not folder.exists():
        raise InputError(f"corpus folder not found: {folder} (give an existing folder, e.g. `rag ingest seeds`)")
    if not folder.is_dir():
        raise InputError(f"not a folder: {folder}")
    root = os.path.realpath(folder)
    files, skipped = [], []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or rel.as_posix() == METADATA_FILE:
            continue
        if path.is_symlink():
            skipped.append(SkippedFile(_shown(rel), _symlink_reason(path, root)))
            continue
        if path.is_dir():
            continue
        try:
            rel.as_posix().encode("utf-8")
        except UnicodeEncodeError:
            skipped.append(SkippedFile(_shown(rel), "file name is not valid UTF-8: rename the file to index it"))
            continue
        if path.suffix.lower() not in TEXT_SUFFIXES:
            skipped.append(SkippedFile(rel.as_posix(), f"unsupported file type {path.suffix or '(none)'!r}; "
                                       f"only {', '.join(TEXT_SUFFIXES)} are read"))
        elif not _regular(path):
            skipped.append(SkippedFile(rel.as_posix(), "not a regular file (a named pipe, socket or device): not read"))
        else:
            files.append(path)
    return files, skipped


def _regular(path: Path) -> bool:
    """True for a regular file (or one that cannot be looked at now: the read reports why)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return True


def _utf16_codec(data: bytes) -> str | None:
    """The UTF-16 codec that ``data`` is written in, if it clearly is UTF-16: a byte-order mark,
    or (no mark) NUL bytes in most odd (little-endian) or even (big-endian) positions and almost no
    others, as in text of mostly Latin letters. None otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"
    head = data[:_SNIFF]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if odd_nul > 0.6 and even_nul < 0.02:
        return "utf-16-le"
    if even_nul > 0.6 and odd_nul < 0.02:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-16 when the bytes clearly are (byte-order mark, or the NUL
    pattern of BOM-less UTF-16), else UTF-8, else cp1252 / latin-1 (deterministic, so offsets hold)."""
    codec = _utf16_codec(data)
    if codec:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, or Skip with a reason a user can act on.

    A symbolic link is not followed (``O_NOFOLLOW``: a file swapped for a link after the folder was
    scanned is refused too), only a regular file is read, and never more than ``max_bytes``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):
            raise Skip("symbolic link: not followed") from None
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise Skip("cannot read: Is a directory")
            if not stat.S_ISREG(info.st_mode):
                raise Skip("not a regular file (a named pipe, socket or device): not read")
            size = info.st_size
            if size <= max_bytes:
                data = handle.read(max_bytes + 1)
                size = max(size, len(data))
    except OSError as exc:
        raise Skip(f"cannot read: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise Skip(f"too large: {size / 1e6:.1f} MB > limit {max_bytes / 1e6:.1f} MB (raise RAG_MAX_FILE_MB)")
    return check_bytes(data)


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}  # controls, format marks (BOM, zero-width), spaces


def check_bytes(data: bytes) -> bytes:
    """``data`` if it looks like text, or Skip: empty, or binary (a NUL byte anywhere, many control
    bytes). UTF-16 text is judged on its characters, not its bytes."""
    if not data.strip():
        raise Skip("empty file")
    codec = _utf16_codec(data)
    if codec:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise Skip("binary file (not text): it looks like UTF-16 but does not decode as UTF-16") from None
        if "\x00" in text or sum(ord(c) < 32 and c not in "\t\n\f\r" for c in text[:_SNIFF]) > len(text[:_SNIFF]) * 0.05:
            raise Skip("binary file (not text)")
        return data
    nul = data.find(b"\x00")
    if nul >= 0:
        raise Skip("binary file (not text)" if nul < _SNIFF else f"binary file (not text): a NUL byte at byte {nul}")
    head = data[:_SNIFF]
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) * 0.05 or \
            len(data) - len(data.translate(None, _CONTROL_BYTES)) > len(data) * 0.05:
        raise Skip("binary file (not text)")
    return data


def visible(text: str) -> bool:
    """True when ``text`` has a character that shows: not only whitespace, BOMs, zero-width marks."""
    return any(unicodedata.category(c) not in _INVISIBLE for c in text if not c.isspace())


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
    check_bytes(data)  # the bytes may come from a second read of a file that changed since the scan
    text, encoding = decode(data)
    if not visible(text):
        raise Skip("empty file: only whitespace or invisible characters")
    warnings = []
    if encoding != "utf-8":
        warnings.append(f"{source}: not valid UTF-8, decoded as {encoding}")
    declared = meta
    meta = DocMeta(**vars(meta)) if meta else DocMeta()
    if meta.published is None:
        meta.published = extract_published(text)
    title = meta.title if meta.title != "unknown" else None
    excluded = find_excluded(text, title)
    sents, told = sentences_and_instructions(text, excluded, title)
    if told:  # excluded too: a chunk never spans them, the reader greys them
        excluded = sorted(excluded + told, key=lambda span: (span.start, span.end))
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
