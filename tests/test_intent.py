"""Which chat requests a summary feature answers, and which stay ordinary questions."""

from __future__ import annotations

import pytest

from rag.intent import detect, kind_of

OUTLETS = ["Kyiv Post", "RT", "The Moscow Times", "Ukrainian outlet"]
ARTICLES = {"Kyiv Post": ["k.txt"], "RT": ["r.txt"], "The Moscow Times": ["m.txt"], "Ukrainian outlet": ["u1.txt", "u2.txt"]}


@pytest.mark.parametrize(("question", "kind"), [
    ("summarise the Kyiv Post article", "summary"),
    ("Can you summarize what RT wrote?", "summary"),
    ("what are the main points of the RT piece", "summary"),
    ("briefly, what is the Moscow Times piece about?", "summary"),
    ("What's this story about", "summary"),
    ("What does the Kyiv Post article say?", "summary"),
    ("tl;dr of the coverage", "summary"),
    ("how do the outlets differ on why the 2022 talks failed", "compare"),
    ("what do the different outlets say about whether Putin will attend", "compare"),
    ("Compare RT and Kyiv Post on the venue", "compare"),
    ("in what order did Putin make these statements", "timeline"),
    ("list the events in chronological order", "timeline"),
    ("who said what about a meeting in Moscow", "claims"),
    ("show me all the quotes from Peskov", "claims"),
])
def test_requests_are_recognised(question: str, kind: str) -> None:
    assert kind_of(question) == kind


@pytest.mark.parametrize("question", [
    "What did Peskov say about the talks?",
    "What does the Kyiv Post article say about Peskov?",
    "What is the article about the Istanbul talks saying about Peskov",
    "Who was the article about?",
    "Where should the leaders meet?",
    "When did the Istanbul talks resume?",
    "How many regions did Putin demand?",
])
def test_ordinary_questions_stay_questions(question: str) -> None:
    assert kind_of(question) is None


def test_an_outlet_with_one_article_names_that_article() -> None:
    intent = detect("summarise the Kyiv Post article", OUTLETS, ARTICLES)
    assert intent is not None and intent.outlet == "Kyiv Post" and intent.source == "k.txt"
    several = detect("summarise the Ukrainian outlet coverage", OUTLETS, ARTICLES)
    assert several is not None and several.outlet == "Ukrainian outlet" and several.source is None


def test_comparison_topic_and_claims_speaker_are_taken_from_the_request() -> None:
    compare = detect("how do the outlets differ on where the leaders should meet?", OUTLETS, ARTICLES)
    assert compare is not None and compare.topic == "where the leaders should meet"
    claims = detect("list the quotes from Dmitry Peskov about Istanbul", OUTLETS, ARTICLES)
    assert claims is not None and claims.speaker == "Dmitry Peskov" and claims.topic == "Istanbul"
