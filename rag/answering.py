"""``answer()``: retrieve, gather evidence, answer with the LLM or extractively, cite exact spans."""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.config import Settings, load_settings
from rag.embeddings import Embedder
from rag.lexical import LexicalIndex
from rag.errors import InputError, LLMError
from rag.evidence import gather
from rag.llm import UNGROUNDED
from rag.extractive import IdfTable, WindowVectors
from rag.plans import Draft, guard, plan_answer, search_filters
from rag.query import QuestionInfo, analyse
from rag.retrieval import Filters, Retriever, get_retriever
from rag.types import CANNOT_ANSWER, Answer, Citation, Hit  # noqa: F401 - CANNOT_ANSWER is re-exported

EVIDENCE_CHUNKS = 8
History = Sequence[Any]


# IDF belongs to one BM25 index (dropped with it); sentence vectors depend on the model only, so
# they survive re-ingests and new retrievers.
_idf_tables: weakref.WeakKeyDictionary[LexicalIndex, IdfTable] = weakref.WeakKeyDictionary()


def _idf_for(lexical: LexicalIndex) -> IdfTable:
    if lexical not in _idf_tables:
        _idf_tables[lexical] = IdfTable(lexical)
    return _idf_tables[lexical]


@functools.cache
def _vectors_for(embedder: Embedder) -> WindowVectors:
    return WindowVectors(embedder)


def _clean_question(question: Any, settings: Settings, notices: list[str]) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InputError("empty question: ask something about the articles, e.g. 'Where did Putin invite Zelensky?'")
    # A lone surrogate (a broken UTF-16 pair from a browser or JSON client, or bytes that are not
    # UTF-8 in `rag ask`'s arguments) would crash the tokenizer: it becomes "?".
    question = " ".join(question.encode("utf-8", "replace").decode("utf-8").split())
    if not any(ch.isalnum() for ch in question):
        raise InputError("the question has no words: ask something about the articles, e.g. 'Where did Putin "
                         "invite Zelensky?'")
    if len(question) > settings.max_question_chars:
        notices.append(f"question truncated to {settings.max_question_chars} characters (RAG_MAX_QUESTION_CHARS)")
        question = question[: settings.max_question_chars]
    return question


def _history_turns(history: History | None) -> list[tuple[str, str]]:
    """(role, text) pairs from dicts, tuples or Answer objects."""
    turns = []
    for item in history or []:
        if isinstance(item, Answer):
            turns += [("user", item.question), ("assistant", item.text)]
        elif isinstance(item, dict):
            turns.append((str(item.get("role", "user")), str(item.get("content", ""))))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            turns.append((str(item[0]), str(item[1])))
        else:
            raise InputError("history items must be Answer objects, {'role', 'content'} dicts or (role, text) pairs")
    return turns


def search_query(question: str, info: QuestionInfo, turns: list[tuple[str, str]]) -> str:
    """Without an LLM, a follow-up borrows the key terms of the previous question."""
    previous = next((text for role, text in reversed(turns) if role == "user"), None)
    if previous and info.is_follow_up_like:
        return f"{question} {previous}"
    return question


def _ensure_index(settings: Settings, notices: list[str]) -> Retriever:
    from rag.errors import IndexMissingError
    from rag.ingestion import ingest

    try:
        return get_retriever(settings)
    except IndexMissingError:
        report = ingest(settings=settings)
        notices.append(f"no index yet: ingested {len(report.added)} files from {settings.corpus} first")
        from rag.retrieval import forget_retrievers

        forget_retrievers()
        return get_retriever(settings)


def extractive_answer(
    question: str, query: str, info: QuestionInfo, filters: Filters | dict[str, Any] | None, retriever: Retriever,
    query_vector: Any, hits: list[Hit],
) -> Draft:
    """The answer from the evidence alone, shaped by what the question asks (``rag.plans``)."""
    return plan_answer(question, query, info, filters, retriever, _idf_for(retriever.lexical),
                       _vectors_for(retriever.embedder), hits, query_vector, EVIDENCE_CHUNKS)


def stale_sources(citations: list[Citation], settings: Settings) -> list[str]:
    """Notices for cited files that changed (or vanished) since they were indexed.

    Quotes come from the index; if the file on disk no longer has them at those offsets, the
    user must re-ingest before the citations can be checked against the file.
    """
    from rag.documents import original_text

    def where(c: Citation) -> str:
        return c.path or str(settings.corpus / c.source)  # path is empty only for old callers' citations

    notices = []
    for path in sorted({where(c) for c in citations}):
        try:
            text = original_text(Path(path))
        except OSError:
            notices.append(f"{path} is gone or unreadable since it was indexed: its quotes cannot be checked")
            continue
        if any(text[c.start : c.end] != c.quote for c in citations if where(c) == path):
            folder = str(Path(path).parent)
            notices.append(f"{path} changed since it was indexed: run `rag ingest {folder}` to refresh the quotes")
    return notices


def one_outlet(citations: list[Citation], retriever: Retriever) -> list[str]:
    """A note when every citation comes from one outlet of a library that holds several."""
    outlets = {c.outlet for c in citations}
    if len(outlets) != 1 or len(retriever.known()["outlet"]) < 2:
        return []
    return [f"every citation comes from one outlet ({outlets.pop()}): other outlets may report this differently"]


def _mode(requested: str | None, settings: Settings) -> str:
    mode = requested or settings.llm_mode
    if mode not in ("auto", "llm", "extractive"):
        raise InputError(f"unknown mode {mode!r}; allowed: auto, llm, extractive")
    return mode


def answer(
    question: str,
    *,
    history: History | None = None,
    filters: Filters | dict[str, Any] | None = None,
    mode: str | None = None,
    settings: Settings | None = None,
    llm: Any = None,
) -> Answer:
    """Answer ``question`` from the articles, citing exact spans: ``from rag import answer``.

    ``llm`` is an optional langchain chat model used instead of the configured endpoint (tests,
    or callers who build their own).
    """
    final: Answer | None = None
    for item in answer_stream(question, history=history, filters=filters, mode=mode, settings=settings, llm=llm):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


def answer_stream(
    question: str,
    *,
    history: History | None = None,
    filters: Filters | dict[str, Any] | None = None,
    mode: str | None = None,
    settings: Settings | None = None,
    llm: Any = None,
) -> Iterator[str | Answer]:
    """Yield answer text as it is produced (LLM mode), then the full ``Answer``."""
    t0 = time.perf_counter()
    settings = settings or load_settings()
    notices: list[str] = []
    question = _clean_question(question, settings, notices)
    mode = _mode(mode, settings)
    turns = _history_turns(history)
    retriever = _ensure_index(settings, notices)
    timings: dict[str, float] = {}

    from rag.routing import request_of, routed_answer

    intent = request_of(question, retriever)
    if intent is not None:
        routed = routed_answer(question, intent, filters, mode, settings, llm)
        routed.notices[:0] = notices
        routed.timings["total_s"] = time.perf_counter() - t0
        yield routed
        return

    chat_model, llm = llm, None
    if mode in ("llm", "auto"):
        from rag.llm import LLMClient, unavailable_reason

        reason = None if chat_model is not None else unavailable_reason(settings)
        if reason is None:
            llm = LLMClient(settings, chat_model)
        elif mode == "llm":
            raise LLMError(reason)
        else:
            notices.append(f"answered extractively: {reason}")

    standalone = question
    if llm is not None and turns:
        try:
            standalone = llm.condense(question, turns)
        except LLMError as exc:
            if mode == "llm":
                raise
            notices.append(f"answered extractively: {exc}")
            llm = None
    info = analyse(standalone)
    query = standalone if llm is not None else search_query(question, info, turns)

    t1 = time.perf_counter()
    hits = retriever.search(query, EVIDENCE_CHUNKS, search_filters(standalone, filters, retriever))
    query_vector = retriever.embedder.embed([standalone])[0]
    evidence = gather(hits)
    timings["retrieve_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    used = "extractive"
    if llm is not None:
        try:
            stream = llm.answer_stream(standalone, evidence)
            while True:
                try:
                    yield next(stream)
                except StopIteration as done:
                    text, citations, answered, llm_notices = done.value
                    break
            reason = (guard(standalone, citations, retriever, _idf_for(retriever.lexical), _vectors_for(retriever.embedder))
                      if answered else None)
            if reason is not None:
                llm_notices = [*llm_notices, f"the model's answer is not presented as grounded: the sentences it "
                               f"cites do not carry what was asked ({reason})"]
            notices += llm_notices
            used = "llm"
            if mode == "auto" and (UNGROUNDED in llm_notices or reason is not None):
                # auto mode promises grounded answers: fall back to the evidence itself
                notices.append("answered extractively: the LLM reply could not be grounded")
                used = "extractive"
        except LLMError as exc:
            if mode == "llm":
                raise
            notices.append(f"answered extractively: {exc}")
    unanswered: list[str] = []
    if used == "extractive":
        draft = extractive_answer(standalone, query, info, filters, retriever, query_vector, hits)
        text, citations, answered, unanswered = draft.text, draft.citations, draft.answered, draft.unanswered
    timings["answer_s"] = time.perf_counter() - t2
    notices += stale_sources(citations, settings)
    notices += one_outlet(citations, retriever) if answered else []
    timings["total_s"] = time.perf_counter() - t0
    yield Answer(question, text, citations, answered, used, notices, timings, hits, unanswered)  # type: ignore[arg-type]
