"""``claims()``: who said what — speaker, role, the exact words, direct or reported, outlet and date.

Speech is found by rules over each article's text (``rag.speech``); the outlet's own voice is not
a claim. Articles are read from their files, as indexed (a file changed since is re-read as it is)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from rag.answering import _ensure_index, _mode  # noqa: PLC2701 - same package
from rag.config import Settings, load_settings
from rag.corpus import ArticleText, select
from rag.documents import Skip, build_document
from rag.errors import InputError, LLMError
from rag.retrieval import Filters
from rag.speech import extract_claims
from rag.types import Citation, Claim, DocMeta, Document

_cache: dict[tuple[str, int, int, str], tuple[Document | None, list[Claim]]] = {}
_lock = threading.Lock()


def article_claims(article: ArticleText) -> list[Claim]:
    """The attributed statements of one article (cached per file version)."""
    return _parsed(article)[1]


def _parsed(article: ArticleText) -> tuple[Document | None, list[Claim]]:
    """The article as read from its file, and its claims (cached per file version)."""
    art = article.article
    path = Path(art.path)
    try:
        stat = path.stat()
    except OSError:
        return None, []
    key = (art.path, stat.st_mtime_ns, stat.st_size, f"{art.outlet}|{art.title}|{art.published}")
    with _lock:
        if key in _cache:
            return _cache[key]
    try:
        meta = DocMeta(outlet=art.outlet, title=art.title, published=art.published)
        doc = build_document(art.source, path.read_bytes(), meta, folder=path.parent)
    except (OSError, Skip):
        return None, []
    found = []
    for c in extract_claims(doc):
        cite = Citation(art.source, c.start, c.end, c.text, art.outlet, art.published, art.title, art.path)
        sentence = Citation(art.source, c.sentence_start, c.sentence_end, doc.text[c.sentence_start:c.sentence_end],
                            art.outlet, art.published, art.title, art.path)
        found.append(Claim(c.speaker, c.role, c.kind, cite, sentence, art.outlet, art.published, c.verb))
    with _lock:
        if len(_cache) > 5000:
            _cache.clear()
        _cache[key] = (doc, found)
    return doc, found


def _assisted(doc: Document, found: list[Claim], settings: Settings, llm: Any, strict: bool,
              notes: list[str]) -> list[Claim]:
    """The LLM's attributions of the sentences the rules left out, in text order with the rest."""
    from rag.llm import unavailable_reason
    from rag.llm_claims import assisted_claims

    reason = None if llm is not None else unavailable_reason(settings)
    if reason is None:
        try:
            extra, more = assisted_claims(doc, found, settings, llm)
            notes += more
            return extra
        except LLMError as exc:
            reason = str(exc)
    if strict:
        raise LLMError(reason)
    if not any(n.startswith("claims found by rules only") for n in notes):
        notes.append(f"claims found by rules only: {reason}")
    return []


def canonical_names(names: list[str]) -> dict[str, str]:
    """One spelling per person across articles: a bare surname ("Trump") becomes the one full name
    that ends in it ("Donald Trump"), and transliterations of a first name ("Sergei"/"Sergey Lavrov")
    become the most frequent. Groups and institutions ("the Kremlin") are left as they are."""
    counts = Counter(names)
    people = [n for n in counts if " " in n and n[:1].isupper() and not n.lower().startswith("the ")]
    by_surname: dict[str, list[str]] = {}
    for name in people:
        by_surname.setdefault(name.split()[-1], []).append(name)
    mapping: dict[str, str] = {}
    for surname, full in by_surname.items():
        full.sort(key=lambda n: (-counts[n], n))
        groups: list[list[str]] = []
        for name in full:
            first = " ".join(name.split()[:-1])
            home = next((g for g in groups if first[:1] == g[0][:1]
                         and SequenceMatcher(None, first, " ".join(g[0].split()[:-1])).ratio() >= 0.75), None)
            (home.append(name) if home else groups.append([name]))
        for group in groups:
            for name in group[1:]:
                mapping[name] = group[0]
        if len(groups) == 1 and surname in counts:
            mapping[surname] = groups[0][0]
    return mapping


def _matches(speaker: str, wanted: str) -> bool:
    wanted = wanted.strip().lower()
    name = speaker.lower()
    return name == wanted or wanted in name.split() or (len(wanted) > 3 and wanted in name)


def claims(
    filters: Filters | dict[str, Any] | None = None,
    *,
    speaker: str | None = None,
    settings: Settings | None = None,
    mode: str | None = None,
    llm: Any = None,
    notices: list[str] | None = None,
) -> list[Claim]:
    """Attributed statements in the articles ``filters`` select, oldest article first, in text order;
    ``speaker``: only theirs (a name or surname; an unknown one raises InputError listing the known)."""
    settings = settings or load_settings()
    requested = _mode(mode, settings)
    notes = notices if notices is not None else []
    retriever = _ensure_index(settings, notes)
    use_llm = requested == "llm" or (requested == "auto" and (llm is not None or settings.llm_configured()))
    found = []
    for art in select(retriever, filters):
        doc, mine = _parsed(art)
        if use_llm and doc is not None:
            mine = sorted(mine + _assisted(doc, mine, settings, llm, requested == "llm", notes),
                          key=lambda c: c.citation.start)
        found += mine
    names = canonical_names([c.speaker for c in found])
    found = [replace(c, speaker=names.get(c.speaker, c.speaker)) for c in found]
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
