"""Question analysis: the answer type comes from the question's own wh-phrase; names group into runs."""

from __future__ import annotations

import pytest

from rag.query import analyse, answer_type


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The earliest wh-phrase decides; a later "when"/"whose" only opens a clause.
        ("At which summit was the deal signed when the leaders met?", "what"),
        ("What ceremony did the minister attend when he spoke about Crimea?", "what"),
        ("How did the envoy describe the countries whose leaders walked out?", "how"),
        ("How did Kyiv respond when Moscow proposed new talks?", "how"),
        ("When did the talks collapse?", "when"),
        ("How many delegates attended the talks?", "how_many"),
        ("How long did the meeting last?", "how_many"),
        ("Which country offered to host the summit?", "where"),
        ("Which spokesman denied the report?", "who"),
        ("What is the name of the negotiator?", "name"),
        ("In what year was the treaty drafted?", "year"),
        ("On which day did the envoy arrive?", "day"),
        ("Why were the talks postponed?", "why"),
        ("Did Putin rule out a meeting?", "yes_no"),
        ("Tell me about the summit.", "what"),
    ],
)
def test_answer_type_follows_the_leading_wh_phrase(question: str, expected: str) -> None:
    assert answer_type(question) == expected


def test_adjacent_capitalised_words_form_one_name() -> None:
    info = analyse("What did Xi Jinping tell Vladimir Putin about the Hero City title?")
    assert info.name_runs == (("Xi", "Jinping"), ("Vladimir", "Putin"), ("Hero", "City"))


def test_a_name_opening_the_question_is_not_taken_for_a_name() -> None:
    # Sentence-initial capitals are not evidence of a name.
    assert analyse("Where did Putin speak?").name_runs == (("Putin",),)


@pytest.mark.parametrize(("question", "names"), [
    ("Which Swiss official spoke?", ("Swiss",)),
    ("What did Peskov’s deputy say about Putin's trip?", ("Peskov", "Putin")),
    ("Where did the Allies' envoys meet?", ("Allies",)),
])
def test_possessives_are_stripped_but_a_final_s_is_kept(question: str, names: tuple[str, ...]) -> None:
    assert analyse(question).names == names


@pytest.mark.parametrize(
    ("kind", "sentence", "question", "novel"),
    [
        ("where", "Talks resumed in Istanbul on Friday.", "In which city did Russia-Ukraine talks resume?", True),
        ("where", "He spoke about peace in the Ukraine conflict.", "Where did Russia-Ukraine talks resume?", False),
        ("date", "They met on 5 September.", "What date in September did they meet?", True),
        ("year", "The treaty of 2022 failed.", "What year after 2022 was the treaty signed?", False),
        ("how_many", "Putin repeated it a fourth time.", "How many times did Putin repeat it?", True),
    ],
)
def test_a_typed_answer_must_add_something_the_question_lacks(kind: str, sentence: str, question: str, novel: bool) -> None:
    from rag.extractive import novel_match

    assert novel_match(kind, sentence, question) is novel
