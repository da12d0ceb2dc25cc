"""Extractive answers shaped by what the question asks: one answer, one line per article for a
question across the articles, or one answer per part of a two-part question (saying which part the
articles do not answer). Every window passes the answerability checks of ``rag.answerability``."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.answerability import LEFT_OPEN, Asked, Context, asked, failure, subject_names
from rag.speakers import FRAME_WORDS
from rag.chunking import normalise_space
from rag.evidence import Evidence, gather
from rag.lexical import tokenize
from rag.extractive import IdfTable, Scored, WindowVectors, answerable, compose, score_evidence, select
from rag.query import QuestionInfo, analyse
from rag.retrieval import Filters, Retriever
from rag.types import CANNOT_ANSWER, Citation, Hit

ACROSS_CHUNKS = 24  # chunks searched for a question across the articles (one line per article)
ACROSS_EVIDENCE = 160
MAX_ARTICLES = 6
ACROSS_RATIO = 0.7
RELATED_NOUNS = 0.4  # cosine of two nouns' embeddings above which a count may be of the asked thing
BEFORE_SENTENCES = 3  # sentences before a window that may name its speaker ("…," he said.)
ATTRIBUTED_COVERAGE = 0.25  # share of an outlet-attributed question's weighted key terms a window must hold
UNKNOWN_SHARE = 0.5  # IDF share of a question's terms the library never uses above which it may be about something else
OFF_TOPIC_COSINE = 0.45  # ... and is, when no window is closer in meaning than this
SUBJECT_ARTICLES = 0.5  # a name in at most this share of the articles is a subject of its own…
SUBJECT_PASSAGES = 0.25  # …and so is one in most articles but few of their passages ("Pellory", downstream)
SPECIFIC_SHARE = 0.3  # a question term in at most this share of passages says what the question is about
FALLBACK_RATIO = 0.7  # a window passing the checks must score at least this share of a stronger one failing them


@dataclass
class Draft:
    """An extractive answer before it becomes an ``Answer``."""

    text: str
    citations: list[Citation]
    answered: bool
    unanswered: list[str] = field(default_factory=list)  # parts of the question the articles do not answer


class Checks:
    """The answerability checks of one question, with the context each window needs."""

    def __init__(self, question: str, need: Asked, idf: IdfTable, retriever: Retriever, vectors: WindowVectors) -> None:
        self.question, self.need, self.idf, self.retriever, self.vectors = question, need, idf, retriever, vectors
        self.left_open: set[int] = set()  # ids of windows that say the asked thing is not known yet
        self._texts: dict[str, Any] | None = None
        info = analyse(question)
        self.terms = info.terms
        outlet = set(tokenize(need.outlet or ""))
        self._own_weights = {t: idf.idf(t) for t in info.terms if t not in outlet}  # see _own_coverage
        # What the question is about: its rarer words, not the source it cites nor words that frame it.
        framing = FRAME_WORDS | set(tokenize(need.source or ""))
        self.specific = frozenset(t for t in info.terms if 0 < idf.df.get(t, 0) <= SPECIFIC_SHARE * idf.n
                                  and t not in framing)
        self.weights = {t: idf.idf(t) for t in self.specific}
        # A name in most articles is what the whole library is about ("Drumlow"), not a subject
        # whose words must stand next to the answer.
        articles = idf.source_terms.values()
        self.names = tuple(name & self.specific for name in subject_names(question, need, retriever.known()["outlet"])
                           if name & self.specific
                           and (sum(bool(name & terms) for terms in articles) <= SUBJECT_ARTICLES * len(articles)
                                or all(idf.df.get(t, 0) <= SUBJECT_PASSAGES * idf.n for t in name & self.specific)))

    def before(self, ev: Evidence) -> str:
        """The sentences of the article just before ``ev`` (where a speaker may be named)."""
        if self._texts is None:
            from rag.corpus import library_texts

            self._texts = library_texts(self.retriever)
        article = self._texts.get(ev.path or ev.source)
        if article is None:
            return ""
        i = bisect.bisect_left(article.starts, ev.start)
        return " ".join(s.text for s in article.sentences[max(0, i - BEFORE_SENTENCES) : i])

    def context(self, window: Scored) -> Context:
        ev = window.window[0]
        before = self.before(ev) if self.need.source and not self.need.outlet else ""
        return Context(frozenset(self.idf.source_terms.get(ev.path or ev.source, ())), ev.outlet, ev.published, before,
                       self.specific, self.names, self.weights)

    def related(self, asked_noun: str, head: str) -> bool:
        """Whether a count's noun names the asked thing: the same stem, or close in meaning
        ("workers" for "miners", "people" for "mourners"), judged by the embedder."""
        a, b = tokenize(asked_noun), tokenize(head)
        if a and b and a[0] == b[0]:
            return True
        vectors = self.vectors.exact([asked_noun.lower(), head.lower()])  # cached across questions
        return float(vectors[0] @ vectors[1]) >= RELATED_NOUNS

    def keep(self, scored: list[Scored]) -> list[Scored]:
        """The windows that carry what the question asks. A search narrowed to one outlet returns
        that outlet's best sentences whatever they say: they must also share the question's words."""
        if scored and self.off_topic(scored[0].cosine):
            return []
        kept = []
        for s in scored:
            if self.need.outlet and self._own_coverage(s) < ATTRIBUTED_COVERAGE:
                continue
            reason = failure(self.need, s.text, self.question, self.context(s), self.related)
            if reason is None:
                kept.append(s)
            elif reason == LEFT_OPEN:
                self.left_open.add(id(s))
        return kept

    def choose(self, scored: list[Scored], info: QuestionInfo, kept: list[Scored] | None = None) -> list[Scored]:
        """The windows to answer from (``select`` over the ones that pass the checks), or none when
        they are a far weaker fallback: when the passage that best matches the question lacks what
        it asks (the count, the speaker, the event), a much weaker passage that happens to pass is
        an answer to another question, not a better answer to this one."""
        kept = self.keep(scored) if kept is None else kept
        chosen = select(kept, info, self.idf)
        if chosen:
            passed = {id(s) for s in kept}
            failing = [s for s in scored if id(s) not in passed and s.score > chosen[0].score]
            if failing and chosen[0].score < FALLBACK_RATIO * max(s.score for s in failing):
                return []
            if any(id(s) in self.left_open for s in failing):
                return []  # a closer passage says the asked thing is not known yet: a weaker one cannot know it
        return chosen

    def off_topic(self, cosine: float) -> bool:
        """Whether the question is about something the library does not cover: most of it (by IDF
        weight) is words the articles never use, and no window (best ``cosine``) is close in
        meaning. "What goes into a traditional borscht" shares only "Ukrainian" with war reporting
        (cosine 0.32); "what workforce figures are given" is a paraphrase (cosine 0.65)."""
        weights = {t: self.idf.idf(t) for t in self.terms if t not in FRAME_WORDS}
        unknown = sum(w for t, w in weights.items() if not self.idf.is_known(t))
        return unknown >= UNKNOWN_SHARE * (sum(weights.values()) or 1.0) and cosine < OFF_TOPIC_COSINE

    def _own_coverage(self, s: Scored) -> float:
        """The share of the question's weighted terms a window holds, the outlet's name left out:
        "told the Varnmoor Courier" is no sign that a sentence answers what the Courier reported."""
        weights = self._own_weights
        return sum(w for t, w in weights.items() if t in s.terms) / (sum(weights.values()) or 1.0)


def _focus(info: QuestionInfo, need: Asked) -> QuestionInfo:
    """Terms of an excluded thing ("besides Switzerland") do not make a window relevant."""
    if not need.excluded:
        return info
    return replace(info, terms=tuple(t for t in info.terms if t not in need.excluded))


def _one(question: str, info: QuestionInfo, need: Asked, evidence: list[Evidence], hits: list[Hit],
         query_vector: np.ndarray, retriever: Retriever, idf: IdfTable, vectors: WindowVectors) -> list[Scored]:
    info = _focus(info, need)
    scored = score_evidence(info, query_vector, evidence, idf, vectors, hits)
    return Checks(question, need, idf, retriever, vectors).choose(scored, info)


def _outlet_filters(filters: Filters | dict[str, Any] | None, need: Asked) -> Filters | dict[str, Any] | None:
    """A question attributed to an outlet of the library is searched in that outlet's articles."""
    f = Filters.parse(filters)
    if need.outlet and not f.outlets:
        return replace(f, outlets=(need.outlet,))
    return filters


def search_filters(question: str, filters: Filters | dict[str, Any] | None,
                   retriever: Retriever) -> Filters | dict[str, Any] | None:
    """The filters to search ``question`` with: narrowed to the outlet it is attributed to
    ("according to the Kyiv Post, …"), in LLM and extractive mode alike."""
    return _outlet_filters(filters, asked(question, retriever.known()["outlet"]))


def plan_answer(question: str, query: str, info: QuestionInfo, filters: Filters | dict[str, Any] | None,
                retriever: Retriever, idf: IdfTable, vectors: WindowVectors, hits: list[Hit],
                query_vector: np.ndarray, chunks: int) -> Draft:
    """The extractive answer to ``question`` (``hits``: its search results for ``query`` with
    ``search_filters``)."""
    outlets = retriever.known()["outlet"]
    need = asked(question, outlets)
    if need.parts:
        return _two_part(need.parts, filters, retriever, idf, vectors, chunks, outlets, hits)
    if need.across:
        return _across(question, query, info, need, filters, retriever, idf, vectors, query_vector)
    chosen = _one(question, info, need, gather(hits), hits, query_vector, retriever, idf, vectors)
    if not chosen:
        return Draft(CANNOT_ANSWER, [], False)
    text, cited = compose(chosen, info)
    return Draft(text, [ev.citation() for ev in cited], True)


def _quote(window: tuple[Evidence, ...] | list[Evidence], cited: list[Evidence]) -> str:
    """The sentences, each followed by its citation number; they join ``cited``."""
    marks = []
    for e in window:
        cited.append(e)
        marks.append(f"{normalise_space(e.text)} [{len(cited)}]")
    return " ".join(marks)


def _across(question: str, query: str, info: QuestionInfo, need: Asked, filters: Filters | dict[str, Any] | None,
            retriever: Retriever, idf: IdfTable, vectors: WindowVectors, query_vector: np.ndarray) -> Draft:
    """One line per article that answers, best first: "Outlet, date: the sentences [n]"."""
    hits = retriever.search(query, ACROSS_CHUNKS, _outlet_filters(filters, need))
    evidence = gather(hits, limit=ACROSS_EVIDENCE)
    focused = _focus(info, need)
    checks = Checks(question, need, idf, retriever, vectors)
    every = score_evidence(focused, query_vector, evidence, idf, vectors, hits)
    scored = checks.keep(every)
    # The first window decides whether the question is answered at all, as for any question.
    if not checks.choose(every, focused, scored):
        return Draft(CANNOT_ANSWER, [], False)
    best: dict[str, Scored] = {}
    for s in scored:
        # An article joins with its best window when that window is nearly as good as the best
        # of all: a weak match from a third article is noise, not coverage.
        if s.source not in best and answerable(s) and s.score >= ACROSS_RATIO * scored[0].score:
            best[s.source] = s
    lines: list[str] = []
    cited: list[Evidence] = []
    for s in list(best.values())[:MAX_ARTICLES]:
        ev = s.window[0]
        lines.append(f"- {ev.outlet}{', ' + ev.published if ev.published else ''}: {_quote(s.window, cited)}")
    return Draft("\n".join(lines), [e.citation() for e in cited], True)


def _two_part(parts: tuple[str, ...], filters: Filters | dict[str, Any] | None, retriever: Retriever, idf: IdfTable,
              vectors: WindowVectors, chunks: int, outlets: list[str], hits: list[Hit]) -> Draft:
    """Each part answered on its own; a part the articles do not answer is said so."""
    texts: list[str] = []
    cited: list[Evidence] = []
    missing: list[str] = []
    whole = analyse(" ".join(parts))
    for part in parts:
        # The part's own kind of answer, with the whole question's topic ("where does Zelensky
        # want *it*" is about the meeting the first part names).
        info = analyse(part)
        info = replace(info, terms=tuple(dict.fromkeys([*info.terms, *whole.terms])))
        need = asked(part, outlets)
        part_hits = retriever.search(f"{part} {' '.join(whole.terms)}", chunks, _outlet_filters(filters, need))
        merged = list({h.chunk_id: h for h in [*part_hits, *hits]}.values())
        vector = retriever.embedder.embed([part])[0]
        chosen = _one(part, info, need, gather(merged), merged, vector, retriever, idf, vectors)
        if not chosen:
            missing.append(part)
            continue
        # Sentences an earlier part already quotes are not repeated; the rest of the window is.
        fresh = [e for e in chosen[0].window if not any(e.start == c.start and e.path == c.path for c in cited)]
        if fresh:
            texts.append(_quote(fresh, cited))
    if not cited:
        return Draft(CANNOT_ANSWER, [], False, unanswered=list(parts))
    for part in missing:
        texts.append(f"The articles do not answer this part: “{part.rstrip('?')}?”")
    return Draft(" ".join(texts), [e.citation() for e in cited], True, unanswered=missing)


def guard(question: str, citations: list[Citation], retriever: Retriever, idf: IdfTable,
          vectors: WindowVectors) -> str | None:
    """Why an LLM answer's cited sentences do not carry what the question asks, or None: the same
    checks as for extractive answers, so a fluent answer over the wrong sentences is not grounded."""
    if not citations:
        return None
    outlets = retriever.known()["outlet"]
    need = asked(question, outlets)
    if need.parts:
        return None  # each part may rest on other sentences; the model says which part it lacks
    text = " ".join(c.quote for c in citations)
    checks = Checks(question, need, idf, retriever, vectors)
    cosine = float(np.max(vectors.exact([c.quote for c in citations]) @ retriever.embedder.embed([question])[0]))
    if checks.off_topic(cosine):
        return "the question is about things the articles never mention"
    terms = frozenset().union(*(idf.source_terms.get(c.path or c.source, set()) for c in citations))
    reasons = []
    for c in citations:  # an outlet or a source must hold for one of the cited articles
        ev = Evidence(0, c.source, c.start, c.end, c.quote, c.outlet, c.published, c.title, 0, c.path)
        before = checks.before(ev) if need.source and not need.outlet else ""
        reason = failure(need, text, question, Context(terms, c.outlet, c.published, before, checks.specific, checks.names,
                                                                checks.weights),
                         checks.related)
        if reason is None:
            return None
        reasons.append(reason)
    return reasons[0]
