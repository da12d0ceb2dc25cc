"""Extractive answers that must refuse a near miss, end to end with the real offline pipeline, on
three short articles written for these tests (tests/data/refusals): a ferry that capsized on Lake
Varn, reported by two outlets (Lakeside Gazette: a.txt, c.txt; Northern Wire: b.txt).

Each question the articles answer has a near-miss twin on the same topic that they do not answer:
a count that is only a year or a count of something else, an outlet or a source that did not report
it, an event that did not happen, a role nobody is named in, half of a two-part question."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from rag import answer, ingest
from rag.config import Settings
from rag.types import CANNOT_ANSWER

pytestmark = pytest.mark.integration
REFUSALS = ROOT / "tests" / "data" / "refusals"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("refusals")
    shutil.copytree(REFUSALS, base / "refusals")
    settings = Settings(home=base / "home", corpus=base / "refusals")
    ingest(settings.corpus, settings=settings)
    return settings


def _ask(question: str, lib: Settings):
    return answer(question, mode="extractive", settings=lib)


def _answered(question: str, lib: Settings, *expected: str):
    """The answer, checked: answered, every expected phrase in its text, every citation exact."""
    result = _ask(question, lib)
    assert result.answered is True, (question, result.text)
    for words in expected:
        assert words in result.text, (question, words, result.text)
    assert result.citations
    for c in result.citations:
        assert Path(c.path).read_text(encoding="utf-8")[c.start : c.end] == c.quote
    return result


def _refused(question: str, lib: Settings) -> None:
    result = _ask(question, lib)
    assert result.answered is False, (question, result.text)
    assert result.citations == []
    assert result.text == CANNOT_ANSWER


def _files(result) -> set[str]:
    return {Path(c.path).name for c in result.citations}


# --- quantity -------------------------------------------------------------------------------------

def test_a_count_that_is_there_is_answered(lib: Settings) -> None:
    _answered("How many passengers did rescue boats pull from the water?", lib, "41 passengers")
    _answered("How many routes does Varn Lines run across the lake?", lib, "three routes")


def test_a_year_next_to_the_topic_is_no_count(lib: Settings) -> None:
    # a.txt: "The Astrid, which entered service in 1998, was also carrying cars and delivery vans…"
    _answered("What was the Astrid carrying on its lower deck?", lib, "cars and delivery vans")
    _refused("How many cars was the Astrid carrying?", lib)


def test_a_count_of_another_unit_is_no_count(lib: Settings) -> None:
    _answered("How deep was the wreck of the Astrid?", lib, "38 metres")
    _refused("How many tonnes of cargo did the Astrid carry?", lib)


def test_a_count_of_passengers_is_no_count_of_crew(lib: Settings) -> None:
    # "41 passengers" / "Two passengers are still missing": a near kind of person (cos 0.57), but
    # no sentence with the count says anything of crew or of being aboard
    _refused("How many crew members were aboard the Astrid?", lib)


# --- attribution ----------------------------------------------------------------------------------

def test_an_outlet_that_reported_it_is_answered_the_other_is_refused(lib: Settings) -> None:
    # Only the Northern Wire (b.txt) reports the sacking.
    result = _answered("According to the Northern Wire, who was sacked by Varn Lines after the capsizing?", lib,
                       "Erik Dahl")
    assert _files(result) == {"b.txt"}
    assert {c.outlet for c in result.citations} == {"Northern Wire"}
    _refused("According to the Lakeside Gazette, who was sacked by Varn Lines after the capsizing?", lib)


def test_a_source_named_in_the_sentences_before_is_answered_one_never_mentioned_is_refused(lib: Settings) -> None:
    # b.txt: "Varn Lines, the operator … sacked …. The company said the Astrid had passed its last safety
    # inspection in May." The source is named in the sentence before the one that answers.
    result = _answered("According to Varn Lines, when did the Astrid pass its last safety inspection?", lib, "May")
    assert _files(result) == {"b.txt"}
    _refused("According to the Red Cross, when did the Astrid pass its last safety inspection?", lib)
    _refused("According to the Red Cross, how many people were rescued from Lake Varn?", lib)


def test_an_outlet_that_never_reported_a_fact_is_refused(lib: Settings) -> None:
    _answered("According to the Northern Wire, when did the Astrid pass its last safety inspection?", lib, "May")
    _refused("According to the Lakeside Gazette, when did the Astrid pass its last safety inspection?", lib)


def test_what_someone_said_about_a_topic_is_answered_only_from_their_words_on_it(lib: Settings) -> None:
    # c.txt: Karin Vik speaks of the boat; the loading ramp is in a later sentence, not in her words.
    _answered("What did Karin Vik say about the people on the boat?", lib, "Everyone here knows someone")
    _refused("What did Karin Vik say about the loading ramp?", lib)
    # a.txt: "Varnholm mayor Anders Holm said … . He praised the fishermen …"
    _answered("What did Anders Holm say about the fishermen?", lib, "praised the fishermen")
    _refused("What did Anders Holm say about the divers?", lib)


# --- near miss: an event that did not happen ------------------------------------------------------

def test_an_event_the_articles_report_is_answered_one_they_do_not_is_refused(lib: Settings) -> None:
    result = _answered("Who was sacked after the Astrid capsized?", lib, "Erik Dahl")
    assert "b.txt" in _files(result)
    _refused("Who was arrested after the Astrid capsized?", lib)
    _refused("Was anyone detained by police over the sinking?", lib)


# --- role -----------------------------------------------------------------------------------------

def test_a_named_role_holder_is_answered(lib: Settings) -> None:
    result = _answered("What is the name of the mayor of Varnholm?", lib, "Anders Holm")
    assert "a.txt" in _files(result)


def test_a_role_mentioned_without_a_name_is_refused(lib: Settings) -> None:
    # b.txt: "The regional governor has ordered an inquiry into the sinking…": the role, no name.
    _answered("Who ordered an inquiry into the sinking?", lib, "regional governor")
    _refused("What is the name of the regional governor who ordered the inquiry?", lib)
    _refused("Who is the regional governor that ordered an inquiry into the sinking?", lib)


# --- two parts ------------------------------------------------------------------------------------

def test_both_parts_answered_in_one_sentence(lib: Settings) -> None:
    result = _answered("When and where did the Astrid capsize?", lib, "Wednesday", "Lake Varn")
    assert result.unanswered == []


def test_both_parts_answered_from_two_articles(lib: Settings) -> None:
    result = _answered("Who captained the Astrid, and how deep was the wreck?", lib, "Jonas Berg", "38 metres")
    assert result.unanswered == []
    assert {"b.txt", "c.txt"} <= _files(result)
    assert "do not answer" not in result.text


def test_a_part_whose_window_overlaps_the_first_is_still_answered(lib: Settings) -> None:
    result = _answered("Who captained the Astrid, and how many people did rescuers save?", lib, "Jonas Berg", "43")
    assert result.unanswered == []


def test_a_missing_part_is_named_and_the_other_answered(lib: Settings) -> None:
    result = _answered("Who captained the Astrid, and who was arrested after it capsized?", lib, "Jonas Berg")
    assert len(result.unanswered) == 1 and "arrested" in result.unanswered[0]
    assert "The articles do not answer this part" in result.text
    assert "arrested after it capsized" in result.text


# --- across the articles --------------------------------------------------------------------------

def _lines_by_file(result) -> list[set[str]]:
    """For each line of an across-the-articles answer, the files its [n] markers cite."""
    lines = result.text.split("\n")
    assert all(line.startswith("- ") for line in lines), result.text
    cited = []
    for line in lines:
        marks = [int(n) for n in re.findall(r"\[(\d+)\]", line)]
        assert marks, line
        cited.append({Path(result.citations[n - 1].path).name for n in marks})
    return cited


def test_across_the_articles_gives_one_line_per_article_that_reports_it(lib: Settings) -> None:
    # a.txt (Lakeside Gazette): 41 passengers; b.txt (Northern Wire): 43 people; c.txt reports no rescue.
    result = _answered("Across the articles, how many people were rescued from the lake?", lib, "41", "43")
    per_line = _lines_by_file(result)
    assert all(len(files) == 1 for files in per_line), per_line  # a line cites one article
    flat = [f for files in per_line for f in files]
    assert len(flat) == len(set(flat)), per_line  # a different article on each line
    assert set(flat) == {"a.txt", "b.txt"}


def test_which_outlets_lists_only_articles_that_report_it(lib: Settings) -> None:
    result = _answered("Which outlets reported how many people were rescued?", lib, "41", "43")
    per_line = _lines_by_file(result)
    assert per_line in ([{"a.txt"}, {"b.txt"}], [{"b.txt"}, {"a.txt"}])


# --- questions about something else, events that did not happen, a speaker on another topic --------

def test_a_question_about_something_the_articles_never_cover_is_refused(lib: Settings) -> None:
    # shares only "lake" with the ferry articles; the rest of its words never occur in them
    _refused("Which fish species are most common in the lake according to anglers?", lib)
    # a paraphrase with a few words the articles never use is still answered
    _answered("What figure did the coast guard give for those saved from the water?", lib, "43")


def test_an_event_only_ordered_or_due_is_not_reported_as_done(lib: Settings) -> None:
    # b.txt: "The regional governor has ordered an inquiry into the sinking, which is due to report in December."
    _refused("What were the findings of the inquiry into the sinking?", lib)
