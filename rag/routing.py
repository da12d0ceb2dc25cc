"""Chat requests for a summary, a comparison, a timeline or who-said-what, answered by the matching
feature as an ``Answer`` with citations (nobody needs to know the commands)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from rag.config import Settings
from rag.corpus import library_texts
from rag.intent import Intent, detect, kind_of
from rag.numbering import Numbering
from rag.retrieval import Filters, Retriever
from rag.types import Answer


def request_of(question: str, retriever: Retriever) -> Intent | None:
    """The feature request in ``question``, with the outlet or article it names, or None."""
    if kind_of(question) is None:  # most questions: no pass over the library on the answer path
        return None
    articles_of: dict[str, list[str]] = {}
    for path, art in library_texts(retriever).items():
        articles_of.setdefault(art.article.outlet, []).append(path)
    return detect(question, list(articles_of), articles_of)


def routed_answer(question: str, intent: Intent, filters: Filters | dict[str, Any] | None, mode: str,
                  settings: Settings, llm: Any = None) -> Answer:
    """Answer ``question`` with the feature ``intent`` names; the outlet it names narrows the filters."""
    f = Filters.parse(filters)
    if intent.outlet and not intent.source and not f.outlets:
        f = replace(f, outlets=(intent.outlet,))
    numbering = Numbering()
    notices: list[str] = []
    if intent.kind == "summary":
        from rag.summarizing import summarize

        result = summarize(intent.source, filters=None if intent.source else f, mode=mode, settings=settings, llm=llm)
        what = (f"a summary of {result.articles[0].outlet}'s “{result.articles[0].title}”" if result.scope == "article"
                else f"a brief of {len(result.articles)} articles")
        text, citations, used, notices = result.text, result.citations, result.mode, result.notices
    elif intent.kind == "compare":
        from rag.comparing import compare

        result_c = compare(intent.topic or question, filters=f, mode=mode, settings=settings, llm=llm)
        what = f"a comparison of the outlets on “{result_c.topic}”"
        text, citations, used, notices = result_c.text, result_c.citations, result_c.mode, result_c.notices
    elif intent.kind == "timeline":
        from rag.corpus import select
        from rag.retrieval import get_retriever
        from rag.timeline import events_of, render

        retriever = get_retriever(settings)
        events = events_of(select(retriever, f), about=_names(question))
        what = "a timeline of the dated events"
        text, citations, used = render(events, numbering), numbering.citations, "extractive"
    else:
        from rag.claims import claims, render as render_claims

        found = claims(f, speaker=intent.speaker, settings=settings)
        if intent.topic:
            from rag.lexical import tokenize

            wanted = set(tokenize(intent.topic))
            found = [c for c in found if wanted & set(tokenize(c.sentence.quote))] or found
        what = "who said what" + (f" ({intent.speaker})" if intent.speaker else "")
        text, citations, used = render_claims(found, numbering), numbering.citations, "extractive"
    answered = bool(citations)
    if not answered:
        from rag.types import CANNOT_ANSWER

        text = CANNOT_ANSWER
    scope = f" ({f.describe()})" if not f.empty else ""
    return Answer(question, text, citations, answered, used, [f"answered with {what}{scope}", *notices])  # type: ignore[arg-type]


def _names(question: str) -> str | None:
    """The capitalised names a timeline request mentions ("in what order did Putin…" -> "Putin")."""
    words = [m.group(0) for m in re.finditer(r"\b[A-Z][\w'’-]+", question) if m.start() > 0]
    return " ".join(words) or None
