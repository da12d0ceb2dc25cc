"""``compare()``: what each outlet reports on a topic, side by side, cited; points only one outlet
reports are flagged, and so are numbers or dates that differ between outlets on the same thing."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any

import numpy as np

from rag.answering import _ensure_index, _idf_for, _mode  # noqa: PLC2701 - same package
from rag.config import Settings, load_settings
from rag.corpus import select, sentence_vectors
from rag.dates import find_dates
from rag.errors import InputError
from rag.evidence import Evidence, gather
from rag.extractive import IdfTable
from rag.lexical import tokenize
from rag.numbering import Numbering
from rag.retrieval import Filters
from rag.summaries import fragment
from rag.types import Comparison, Difference, OutletView, Point, Statement

PER_OUTLET_CHUNKS = 8
GLOBAL_RATIO = 0.55  # and at least this share of the best score any outlet reached
RARE_IDF = 1.5  # words this rare in the index name the thing a point is about
MIN_RELEVANCE = 0.2  # below this (cosine + word share) a sentence is not about the topic
POINTS_PER_OUTLET = 3
RELEVANT_RATIO = 0.75  # a point must score at least this share of the best point's score
SAME_THING = 0.8  # cosine above which two outlets' sentences report the same thing
ONLY_HERE = 0.5  # below this cosine to every other outlet's relevant sentence: only this outlet
SAME_TOPIC = 0.4  # two sentences counting the same thing need only be on the same topic
# A number and the word it counts: "1,200 workers", "6 percent pay rise" (unit: the next word).
_AMOUNT = re.compile(r"(?<![\w.,])(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<pct>%|percent\b|per cent\b)?\s*"
                     r"(?:extra |more |additional |of )?(?P<unit>[A-Za-z]{3,})")


def _relevance(topic: str, evidence: list[Evidence], vectors: np.ndarray, topic_vector: np.ndarray,
               idf: IdfTable) -> np.ndarray:
    """Cosine to the topic, the IDF-weighted share of the topic's words the sentence carries and the
    rank of its chunk in the outlet's search; a quote fragment or lead-in scores less."""
    weights = {t: idf.idf(t) for t in set(tokenize(topic))}
    total = sum(weights.values()) or 1.0
    words = [set(tokenize(ev.text)) for ev in evidence]
    coverage = np.array([sum(w for t, w in weights.items() if t in found) / total for found in words])
    rank = np.array([1 / (1 + ev.chunk_rank) for ev in evidence])
    fragments = np.array([0.15 if fragment(ev.text) else 0.0 for ev in evidence])
    return 0.6 * (vectors @ topic_vector) + 0.4 * coverage + 0.1 * rank - fragments


def _amounts(text: str) -> dict[str, set[str]]:
    """Numbers a sentence states, keyed by the word they count ("1,200 workers" -> {"worker": {"1200"}})."""
    found: dict[str, set[str]] = defaultdict(set)
    for m in _AMOUNT.finditer(text):
        unit = tokenize(m.group("unit"))
        if unit:
            found[unit[0]].add(m.group("n").replace(",", "") + ("%" if m.group("pct") else ""))
    return found


def _day_dates(text: str, published: str | None) -> set[str]:
    return {m.value for m in find_dates(text, published) if m.precision == "day" and m.value}


def differences(points: dict[str, list[tuple[Evidence, np.ndarray]]]) -> list[Difference]:
    """Pairs of points from two outlets that count the same thing with different numbers, or date
    the same event (similar sentences) on different days."""
    found = []
    outlets = sorted(points)
    for n, first in enumerate(outlets):
        for second in outlets[n + 1 :]:
            for ev_a, v_a in points[first]:
                for ev_b, v_b in points[second]:
                    similarity = float(v_a @ v_b)
                    if similarity < SAME_TOPIC:
                        continue
                    amounts_a, amounts_b = _amounts(ev_a.text), _amounts(ev_b.text)
                    units = [u for u in amounts_a if u in amounts_b and amounts_a[u] != amounts_b[u]]
                    if units:
                        found.append(Difference("number", ev_a.citation(), ev_b.citation(),
                                                tuple(sorted(amounts_a[units[0]])), tuple(sorted(amounts_b[units[0]]))))
                        continue
                    dates_a, dates_b = _day_dates(ev_a.text, ev_a.published), _day_dates(ev_b.text, ev_b.published)
                    if similarity >= SAME_THING and dates_a and dates_b and not dates_a & dates_b:
                        found.append(Difference("date", ev_a.citation(), ev_b.citation(),
                                                tuple(sorted(dates_a)), tuple(sorted(dates_b))))
    return found


def extractive_only(requested: str, settings: Settings) -> list[str]:
    """The notice that says an LLM was asked for (or configured) and the comparison is extractive."""
    if requested == "llm" or (requested == "auto" and settings.llm_configured()):
        return ["extractive: comparisons do not use the LLM yet"]
    return []


def compare(
    topic: str,
    *,
    filters: Filters | dict[str, Any] | None = None,
    mode: str | None = None,
    settings: Settings | None = None,
    llm: Any = None,
) -> Comparison:
    """For ``topic``, what each outlet reports, side by side, each point cited; points only one
    outlet reports are flagged, and numbers or dates that differ between outlets are listed."""
    if not isinstance(topic, str) or not topic.strip():
        raise InputError("empty topic: say what to compare, e.g. \"where the leaders should meet\"")
    settings = settings or load_settings()
    notices = extractive_only(_mode(mode, settings), settings)
    retriever = _ensure_index(settings, notices)
    in_scope = select(retriever, filters)
    outlet_articles: dict[str, int] = defaultdict(int)
    for art in in_scope:
        outlet_articles[art.article.outlet] += 1
    if len(outlet_articles) < 2:
        notices.append(f"only one outlet ({next(iter(outlet_articles))}) in scope: nothing to compare it with")
    base = Filters.parse(filters)
    embed = sentence_vectors(retriever)
    topic_vector = embed([topic])[0]
    # Each outlet is searched on its own: a loud outlet must not crowd out a quiet one's coverage.
    evidence: list[Evidence] = []
    for outlet in outlet_articles:
        hits = retriever.search(topic, PER_OUTLET_CHUNKS, replace(base, outlets=(outlet,)))
        evidence += gather(hits, limit=60)
    vectors = embed([ev.text for ev in evidence]) if evidence else np.zeros((0, 1))
    scores = _relevance(topic, evidence, vectors, topic_vector, _idf_for(retriever.lexical)) if evidence else np.zeros(0)
    by_outlet: dict[str, list[int]] = defaultdict(list)
    for i in np.argsort(-scores):
        by_outlet[evidence[i].outlet].append(int(i))
    chosen: dict[str, list[tuple[Evidence, np.ndarray]]] = {}
    relevant: dict[str, list[int]] = {}
    overall = float(scores.max()) if len(scores) else 0.0
    for outlet, idx in by_outlet.items():
        top = float(scores[idx[0]])
        # An outlet that barely touches the topic shows nothing rather than its least-bad sentence.
        floor = max(MIN_RELEVANCE, GLOBAL_RATIO * overall, RELEVANT_RATIO * top)
        relevant[outlet] = [i for i in idx if scores[i] >= floor]
        picked: list[int] = []
        for i in relevant[outlet]:  # best first, no near-repeats of a point already taken
            if all(float(vectors[i] @ vectors[j]) < 0.85 for j in picked):
                picked.append(i)
            if len(picked) == POINTS_PER_OUTLET:
                break
        chosen[outlet] = [(evidence[i], vectors[i]) for i in picked]
    idf = _idf_for(retriever.lexical)
    rare = {(ev.id, ev.path): {t for t in tokenize(ev.text) if idf.idf(t) >= RARE_IDF} for ev in evidence}
    views = []
    numbering = Numbering()
    lines = []
    for outlet in sorted(outlet_articles, key=lambda o: (-len(chosen.get(o, [])), o)):
        points = []
        # Everything the other outlets' searches found, not only their best points: a point is
        # "only here" when nothing they wrote is close to it in meaning or in its rare words.
        others = [j for o, idx in by_outlet.items() if o != outlet for j in idx]
        for ev, v in chosen.get(outlet, []):
            only = bool(others) and float((vectors[others] @ v).max()) < ONLY_HERE and \
                not any(len(rare[ev.id, ev.path] & rare[evidence[j].id, evidence[j].path]) >= 2 for j in others)
            points.append(Point(Statement(ev.text, (ev.citation(),)), only))
        views.append(OutletView(outlet, points, outlet_articles[outlet]))
        if points:
            body = " ".join(numbering.sentence(p.statement) + (" (only this outlet)" if p.only_here else "")
                            for p in points)
        else:
            body = "nothing on this topic in its articles."
        lines.append(f"- {outlet}: {body}")
    diffs = differences(chosen)
    for d in diffs:
        lines.append(f"- {d.kind}s differ: {', '.join(d.first_values)} [{numbering.mark(d.first)}] vs "
                     f"{', '.join(d.second_values)} [{numbering.mark(d.second)}]")
    return Comparison(topic, "\n".join(lines), numbering.citations, views, diffs, "extractive", notices)
