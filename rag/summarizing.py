"""``summarize()``: a cited summary of one article, or a brief of the corpus (or a filtered part)."""

from __future__ import annotations

import threading
from typing import Any

from rag.answering import _ensure_index, _idf_for, _mode  # noqa: PLC2701 - same package
from rag.config import Settings, load_settings
from rag.corpus import ArticleText, build_key, resolve_source, select, sentence_vectors
from rag.errors import InputError
from rag.numbering import Numbering
from rag.retrieval import Filters
from rag.summaries import article_sentences, brief_threads
from rag.types import Statement, Summary, Thread

_briefs: dict[tuple[Any, ...], tuple[list[Thread], list[str]]] = {}
_briefs_lock = threading.Lock()


def _article_summary(article: ArticleText, embed: Any) -> list[Statement]:
    return [Statement(ev.text, (ev.citation(),)) for ev in article_sentences(article, embed)]


def _brief_text(threads: list[Thread], numbering: Numbering) -> str:
    return "\n".join(f"- {t.label}: {numbering.prose(t.statements)}" for t in threads)


def summarize(
    source: str | None = None,
    *,
    filters: Filters | dict[str, Any] | None = None,
    mode: str | None = None,
    settings: Settings | None = None,
    llm: Any = None,
) -> Summary:
    """A readable 3–5 sentence summary of ``source`` (file name, path or title words), or — without
    a source — a brief of the main threads of the articles ``filters`` select, each thread drawing
    on every article that covers it. Every sentence cites the exact words it comes from."""
    settings = settings or load_settings()
    requested = _mode(mode, settings)
    notices: list[str] = []
    retriever = _ensure_index(settings, notices)
    embed = sentence_vectors(retriever)
    chosen: list[ArticleText] = []
    if source is None:
        chosen = select(retriever, filters)
    if source is not None or len(chosen) == 1:
        if source is not None and not str(source).strip():
            raise InputError("empty source: give a file name, a path or words of a title (see `rag list`)")
        article = resolve_source(retriever, str(source)) if source is not None else chosen[0]
        statements = _article_summary(article, embed)
        numbering = Numbering()
        text = numbering.prose(statements)
        summary = Summary("article", text, numbering.citations, statements, [], [article.article], "extractive",
                          notices)
    else:
        key = (build_key(retriever), repr(Filters.parse(filters)))
        with _briefs_lock:
            cached = _briefs.get(key)
        if cached is None:
            threads = brief_threads(chosen, embed, _idf_for(retriever.lexical))
            with _briefs_lock:
                _briefs.clear()  # one brief per index build and filter is what the app shows
                _briefs[key] = (threads, [])
        else:
            threads = cached[0]
        numbering = Numbering()
        text = _brief_text(threads, numbering)
        statements = [s for t in threads for s in t.statements]
        summary = Summary("corpus", text, numbering.citations, statements, threads, [a.article for a in chosen],
                          "extractive", notices)
    if requested == "llm" or (requested == "auto" and (llm is not None or settings.llm_configured())):
        from rag.llm_summaries import improve

        scope = [article] if summary.scope == "article" else chosen
        summary = improve(summary, scope, embed, settings, llm, strict=requested == "llm")
    return summary
