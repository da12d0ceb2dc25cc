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


def _scored(text: str, coverage: float, typed: bool, start: int = 0):
    from rag.evidence import Evidence
    from rag.extractive import Scored

    ev = Evidence(start, "a.txt", start, start + len(text), text, "Herald", None, "", 0, "a.txt")
    return Scored((ev,), coverage, 0.6, typed, 0.5 * coverage + 0.36 + 0.25 * typed, frozenset())


def test_a_dated_answer_must_be_about_as_much_of_the_question_as_the_best_window() -> None:
    from types import SimpleNamespace

    from rag.extractive import select

    idf = SimpleNamespace(source_terms={})  # the question names no one: no name to look up
    info = analyse("On what date was the decree banning the negotiations signed?")
    assert info.answer_type == "date"
    about = _scored("The decree banning negotiations was signed by the president.", 0.7, False)
    elsewhere = _scored("On October 18 he met reporters.", 0.05, True, 100)
    assert select([about, elsewhere], info, idf) == []  # type: ignore[arg-type]
    dated = _scored("The decree banning negotiations was signed on October 4.", 0.6, True, 200)
    assert select([about, dated, elsewhere], info, idf) == [dated]  # type: ignore[arg-type]


def test_the_asked_kind_must_stand_in_a_sentence_that_shares_a_word_with_the_question() -> None:
    from rag.evidence import Evidence
    from rag.extractive import _typed

    info = analyse("On which day did the Normandy summit in Paris take place?")
    weights = {t: 1.0 for t in info.terms}
    met = Evidence(0, "a.txt", 0, 40, "The leaders met at a summit in Paris in 2019.", "H", None, "", 0)
    other = Evidence(1, "a.txt", 41, 80, "Talks resumed on Monday in Istanbul.", "H", None, "", 0)
    assert not _typed(info, (met, other), weights)
    dated = Evidence(2, "a.txt", 81, 120, "The Paris summit was held on Monday, December 9.", "H", None, "", 0)
    assert _typed(info, (met, dated), weights)


def test_an_abbreviated_month_makes_a_date() -> None:
    from rag.extractive import novel_match

    assert novel_match("date", "The council will hold a public hearing on Nov. 4.", "On what date is the hearing?")
    assert novel_match("date", "Work resumed on 12 Sept. after the strike.", "On what date did work resume?")


def test_a_far_weaker_window_that_passes_the_checks_is_no_answer() -> None:
    """When the window that best matches the question fails the answerability checks, a window
    that passes but scores far lower answers another question: refuse rather than fall back."""
    from dataclasses import replace
    from types import SimpleNamespace

    from rag.plans import FALLBACK_RATIO, Checks

    checks = Checks.__new__(Checks)  # choose() needs only the IDF table here: the kept windows are given
    checks.idf, checks.left_open = SimpleNamespace(source_terms={}), set()
    info = analyse("How many police officers guarded the count?")
    best = replace(_scored("Police officers guarded the count at the civic centre.", 0.8, False), score=1.0)
    weak = replace(_scored("The city has 14 precincts.", 0.1, True, 100), score=0.6)
    assert weak.score < FALLBACK_RATIO * best.score
    assert checks.choose([best, weak], info, kept=[weak]) == []
    close = replace(_scored("Police guarded the count with 14 officers.", 0.7, True, 200), score=0.9)
    assert close.score >= FALLBACK_RATIO * best.score
    assert checks.choose([best, close, weak], info, kept=[close, weak]) == [close]
    assert checks.choose([weak], info, kept=[weak]) == [weak]  # nothing stronger failed


def test_a_closer_window_that_says_the_asked_thing_is_not_known_decides() -> None:
    """"At a location to be determined" in the best window: a weaker window that passes the checks
    (another place, another meeting) is no answer, however close its score."""
    from dataclasses import replace
    from types import SimpleNamespace

    from rag.plans import Checks

    checks = Checks.__new__(Checks)
    info = analyse("Which location did the mayor propose for the summit?")
    best = replace(_scored("The mayor wants a summit, at a location to be determined.", 0.8, True), score=1.0)
    other = replace(_scored("The mayor met the governor in Alaska last week.", 0.7, True, 100), score=0.95)
    checks.idf, checks.left_open = SimpleNamespace(source_terms={}), {id(best)}
    assert checks.choose([best, other], info, kept=[other]) == []
    checks.left_open = set()  # failing for another reason, and the passing window is close: it answers
    assert checks.choose([best, other], info, kept=[other]) == [other]
