"""LLM summaries under the answer contract: the model sees numbered evidence sentences and cites
their ids; ids it was not shown are dropped, and quotes are cut by code. The corpus brief is
map-reduce: a cited summary per article, then threads written over those cited sentences."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from rag.config import Settings
from rag.corpus import ArticleText
from rag.errors import LLMError
from rag.evidence import Evidence
from rag.llm import UNGROUNDED, LLMClient, unavailable_reason
from rag.summaries import article_sentences
from rag.types import Citation, Statement, Summary

ARTICLE_TASK = ("Summarise this article in 3 to 5 readable sentences: what happened, who said what, and why it "
                "matters. Every sentence ends with its evidence numbers.")
BRIEF_TASK = ("These sentences come from several news articles. Write a brief of their main threads: one line per "
              "thread, starting with '- ', each naming the outlets that report it and ending with its evidence "
              "numbers. Say where outlets disagree.")
MAP_SENTENCES = 12  # per article: the salient sentences the model may cite
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘-])|\n+")
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def _numbered(sentences: list[Evidence]) -> list[Evidence]:
    return [replace(ev, id=n) for n, ev in enumerate(sentences, 1)]


def _statements(text: str, citations: list[Citation]) -> list[Statement]:
    """The reply cut into sentences, each with the citations its markers name."""
    out = []
    for part in _SENTENCE_END.split(text):
        part = part.strip()
        if not part:
            continue
        numbers = [int(n) for m in _MARKER.finditer(part) for n in m.group(1).split(",")]
        cited = tuple(citations[n - 1] for n in dict.fromkeys(numbers) if 0 < n <= len(citations))
        out.append(Statement(part, cited))
    return out


def _evidence_for(article: ArticleText, embed: Any) -> list[Evidence]:
    """The article's salient sentences, in its order: what the model may cite."""
    picked = {(ev.start, ev.end) for ev in article_sentences(article, embed)}
    rest = [ev for ev in article.sentences if (ev.start, ev.end) not in picked]
    chosen = [ev for ev in article.sentences if (ev.start, ev.end) in picked] + rest[: MAP_SENTENCES - len(picked)]
    return sorted(chosen, key=lambda ev: ev.start)


def improve(summary: Summary, articles: list[ArticleText], embed: Any, settings: Settings, llm: Any,
            strict: bool) -> Summary:
    """The summary written by the LLM from cited evidence, or ``summary`` (extractive) with a notice
    when no LLM is usable or its reply is not grounded (``strict``: raise instead)."""
    reason = None if llm is not None else unavailable_reason(settings)
    if reason is not None:
        if strict:
            raise LLMError(reason)
        return replace(summary, notices=[*summary.notices, f"summarised extractively: {reason}"])
    client = LLMClient(settings, llm)
    try:
        if summary.scope == "article":
            text, citations, ok, notes = client.cited(ARTICLE_TASK, _numbered(_evidence_for(articles[0], embed)))
        else:
            # Map: each article's own cited summary; reduce: threads over the sentences they cited.
            cited: list[Evidence] = []
            notes = []
            for article in articles:
                shown = _numbered(_evidence_for(article, embed))
                _, part, part_ok, part_notes = client.cited(ARTICLE_TASK, shown)
                notes += [n for n in part_notes if n != UNGROUNDED]
                by_span = {(ev.path, ev.start, ev.end): ev for ev in shown}
                cited += [by_span[(c.path, c.start, c.end)] for c in part if (c.path, c.start, c.end) in by_span]
            text, citations, ok, more = client.cited(BRIEF_TASK, _numbered(cited))
            notes += more
    except LLMError as exc:
        if strict:
            raise
        return replace(summary, notices=[*summary.notices, f"summarised extractively: {exc}"])
    if not ok:
        if strict:
            # A summary that cites nothing is no summary: say so rather than show the model's words.
            raise LLMError(f"the model's summary cites none of the evidence it was shown ({settings.llm_model}); "
                           "use --mode auto or extractive for the extractive summary")
        return replace(summary, notices=[*summary.notices, *notes, "summarised extractively: the LLM reply could "
                                         "not be grounded"])
    return replace(summary, text=text, citations=citations, statements=_statements(text, citations), mode="llm",
                   notices=[*summary.notices, *notes])
