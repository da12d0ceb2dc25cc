"""Article metadata: the corpus folder's ``metadata.json`` first, then what the text itself states."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from rag.errors import InputError
from rag.types import DocMeta

METADATA_FILE = "metadata.json"
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_ISO = re.compile(r"\b(20\d{2})-(\d{2})-(\d{2})\b")
_DMY = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(20\d{2})\b")
_MDY = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),\s+(20\d{2})\b")
HEADER_CHARS = 1500


def check_date(value: object, what: str = "date") -> str:
    """``value`` if it is a real calendar date written YYYY-MM-DD, else an InputError saying so.

    (``date.fromisoformat`` alone also takes "20250102" and "2025-W01-1", which nothing else here reads.)
    """
    text = str(value)
    try:
        if not _ISO.fullmatch(text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{what} must be a date YYYY-MM-DD, got {value!r}") from None
    return text


def _valid(y: int, m: int | None, d: int) -> str | None:
    if not m:
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def extract_published(text: str) -> str | None:
    """The first full date (with a year) in the article's header area, as YYYY-MM-DD."""
    head = text[:HEADER_CHARS]
    found: list[tuple[int, str]] = []
    for m in _ISO.finditer(head):
        iso = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append((m.start(), iso))
    for m in _DMY.finditer(head):
        iso = _valid(int(m.group(3)), _MONTHS.get(m.group(2).lower()), int(m.group(1)))
        if iso:
            found.append((m.start(), iso))
    for m in _MDY.finditer(head):
        iso = _valid(int(m.group(3)), _MONTHS.get(m.group(1).lower()), int(m.group(2)))
        if iso:
            found.append((m.start(), iso))
    return min(found)[1] if found else None


def load_metadata_file(folder: Path) -> dict[str, DocMeta]:
    """Per-file metadata from ``folder/metadata.json`` (missing file = no entries)."""
    path = folder / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read metadata ({exc}); fix or remove the file") from None
    files = raw.get("files", raw) if isinstance(raw, dict) else None
    if not isinstance(files, dict):
        raise InputError(f"{path}: expected an object mapping file names to metadata")
    result = {}
    for name, entry in files.items():
        if not isinstance(entry, dict):
            raise InputError(f"{path}: entry for {name!r} must be an object")
        published = entry.get("published")
        if published in ("", "unknown"):
            published = None
        if published is not None:
            try:
                check_date(published, f"{path}: {name}: published")
            except InputError as exc:
                raise InputError(f"{exc} (or 'unknown')") from None
        result[name] = DocMeta(
            outlet=str(entry.get("outlet") or "unknown"),
            title=str(entry.get("title") or "unknown"),
            published=published,
            url=str(entry.get("url") or "unknown"),
        )
    return result


def metadata_fingerprint(meta: DocMeta) -> str:
    """A stable string of the metadata, so that a metadata edit re-ingests the file."""
    return json.dumps([meta.outlet, meta.title, meta.published, meta.url], ensure_ascii=False)
