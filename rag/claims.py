"""``claims()``: who said what — speaker, role, the exact words, direct or reported, outlet and date.

Speech is found by rules over each article's text (``rag.speech``); the outlet's own voice is not
a claim. Articles are read from their files, as indexed (a file changed since is re-read as it is)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from rag.answering import _ensure_index  # noqa: PLC2701 - same package
from rag.config import Settings, load_settings
from rag.corpus import ArticleText, select
from rag.documents import Skip, build_document
from rag.errors import InputError
from rag.retrieval import Filters
from rag.speech import extract_claims
from rag.types import Citation, Claim, DocMeta

_cache: dict[tuple[str, int, int, str], list[Claim]] = {}
_lock = threading.Lock()


def article_claims(article: ArticleText) -> list[Claim]:
    """The attributed statements of one article (cached per file version)."""
    art = article.article
    path = Path(art.path)
    try:
        stat = path.stat()
    except OSError:
        return []
    key = (art.path, stat.st_mtime_ns, stat.st_size, f"{art.outlet}|{art.title}|{art.published}")
    with _lock:
        if key in _cache:
            return _cache[key]
    try:
        meta = DocMeta(outlet=art.outlet, title=art.title, published=art.published)
        doc = build_document(art.source, path.read_bytes(), meta, folder=path.parent)
    except (OSError, Skip):
        return []
    found = []
    for c in extract_claims(doc):
        cite = Citation(art.source, c.start, c.end, c.text, art.outlet, art.published, art.title, art.path)
        sentence = Citation(art.source, c.sentence_start, c.sentence_end, doc.text[c.sentence_start:c.sentence_end],
                            art.outlet, art.published, art.title, art.path)
        found.append(Claim(c.speaker, c.role, c.kind, cite, sentence, art.outlet, art.published, c.verb))
    with _lock:
        if len(_cache) > 5000:
            _cache.clear()
        _cache[key] = found
    return found


def _matches(speaker: str, wanted: str) -> bool:
    wanted = wanted.strip().lower()
    name = speaker.lower()
    return name == wanted or wanted in name.split() or (len(wanted) > 3 and wanted in name)


def claims(
    filters: Filters | dict[str, Any] | None = None,
    *,
    speaker: str | None = None,
    settings: Settings | None = None,
) -> list[Claim]:
    """Attributed statements in the articles ``filters`` select, oldest article first, in text order;
    ``speaker``: only theirs (a name or surname; an unknown one raises InputError listing the known)."""
    settings = settings or load_settings()
    retriever = _ensure_index(settings, [])
    found = [c for art in select(retriever, filters) for c in article_claims(art)]
    if speaker is not None:
        if not speaker.strip():
            raise InputError("empty speaker: give a name or a surname")
        mine = [c for c in found if _matches(c.speaker, speaker)]
        if not mine:
            known = sorted({c.speaker for c in found})
            raise InputError(f"no statements by {speaker!r} in these articles; speakers: {', '.join(known) or 'none'}")
        found = mine
    return found


def render(found: list[Claim], numbering: Any) -> str:
    """One line per claim: speaker (role), direct/reported, outlet and date: the words [n]."""
    lines = []
    for c in found:
        who = f"{c.speaker} ({c.role})" if c.role else c.speaker
        words = f"“{c.citation.quote}”" if c.kind == "direct" else c.citation.quote
        mark = numbering.mark(c.citation)
        how = f"{c.kind}, {c.verb}" if c.verb and c.verb not in ("said", ":") else c.kind
        lines.append(f"- {who} ({how}), {c.outlet} {c.published or 'undated'}: {' '.join(words.split())} [{mark}]")
    return "\n".join(lines)
