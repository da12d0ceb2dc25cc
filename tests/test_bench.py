"""The bench's inputs: fixed never-seen questions and synthetic articles (no timing is asserted here)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from rag.bench import load_questions, synthetic_article
from rag.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def test_bench_questions_are_many_and_not_from_the_eval_sets() -> None:
    questions = load_questions()
    assert len(questions) >= 20 and len(set(questions)) == len(questions)
    eval_questions = {
        _norm(json.loads(line)["question"])
        for name in ("cases.jsonl", "holdout.jsonl")
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()
    }
    assert not {_norm(q) for q in questions} & eval_questions


def test_synthetic_article_has_the_asked_size_and_real_sentences() -> None:
    sentences = ["Putin spoke in Vladivostok.", "Zelensky declined the invitation."]
    text = synthetic_article(50_000, sentences, random.Random(0))
    assert 50_000 <= len(text) <= 51_000
    assert text.splitlines()[0] and "Putin spoke in Vladivostok." in text


def test_abbreviations_still_hold_sentences_together() -> None:
    text = "Mr. Smith met U.S. officials. They left at 5 p.m. on Friday. " + "x" * 60 + ". Next one."
    spans = [text[a:b] for a, b in split_sentences(text, 0, len(text))]
    assert spans[0] == "Mr. Smith met U.S. officials."
    assert spans[1].startswith("They left") and spans[-1] == "Next one."
