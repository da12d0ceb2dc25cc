"""``timeline()``: dated events across the articles, each date resolved from the text against its
article's publication date, with its precision, sorted by event date; unresolved dates are kept
and marked, never guessed."""

from __future__ import annotations

from typing import Any

from rag.answering import _ensure_index  # noqa: PLC2701 - same package
from rag.config import Settings, load_settings
from rag.corpus import ArticleText, select
from rag.dates import find_dates
from rag.lexical import tokenize
from rag.retrieval import Filters
from rag.types import Event


def article_events(article: ArticleText) -> list[Event]:
    """Every dated sentence of one article (a sentence with two dates is two events)."""
    events = []
    published = article.article.published
    for ev in article.sentences:
        seen: set[str | None] = set()
        for mention in find_dates(ev.text, published):
            if mention.value is not None and mention.value in seen:
                continue  # "14 March 2025 ... on Friday": one event, not two
            seen.add(mention.value)
            events.append(Event(mention.value, mention.precision, mention.sort_key, mention.phrase, mention.relative,
                                ev.citation(), article.article.outlet, published))
    return events


def _order(event: Event) -> tuple[Any, ...]:
    resolved = event.sort_key is not None
    return (not resolved, event.sort_key or "", event.published or "9999", event.citation.path, event.citation.start)


def events_of(articles: list[ArticleText], about: str | None = None) -> list[Event]:
    """The events of ``articles`` sorted by date (unresolved last); ``about``: only sentences that
    carry every rare word of it (a chat request names who or what it wants ordered)."""
    events = [e for art in articles for e in article_events(art)]
    if about:
        wanted = set(tokenize(about))
        if wanted:
            events = [e for e in events if wanted & set(tokenize(e.citation.quote))]
    return sorted(events, key=_order)


def timeline(
    filters: Filters | dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
) -> list[Event]:
    """Dated events across the articles ``filters`` select, oldest first; events whose date the
    text does not fix (a relative date in an undated article) come last, with ``date=None``."""
    settings = settings or load_settings()
    retriever = _ensure_index(settings, [])
    return events_of(select(retriever, filters))


def render(events: list[Event], numbering: Any) -> str:
    """One line per event: date (precision) · outlet: sentence [n]."""
    from rag.types import Statement

    lines = []
    for e in events:
        when = f"{e.date} ({e.precision})" if e.date else f"unresolved (“{e.phrase}”)"
        lines.append(f"- {when} · {e.outlet}: {numbering.sentence(Statement(e.citation.quote, (e.citation,)))}")
    return "\n".join(lines)
