"""Summaries, comparison, timeline and chat routing with the real offline pipeline, on small
articles written for the tests (tests/data/harbour): two outlets, a number they disagree on,
dated and undated articles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from rag import InputError, answer, compare, ingest, summarize, timeline
from rag.config import Settings

pytestmark = pytest.mark.integration
HARBOUR = ROOT / "tests" / "data" / "harbour"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("features")
    shutil.copytree(HARBOUR, base / "harbour")
    settings = Settings(home=base / "home", corpus=base / "harbour")
    ingest(settings.corpus, settings=settings)
    return settings


def _valid(citations) -> None:  # noqa: ANN001
    assert citations
    for c in citations:
        assert Path(c.path).read_text(encoding="utf-8")[c.start : c.end] == c.quote


def test_article_summary_is_cited_in_order_and_names_the_main_points(lib: Settings) -> None:
    s = summarize("a.txt", settings=lib)
    assert s.scope == "article" and [a.source for a in s.articles] == ["a.txt"]
    assert 3 <= len(s.statements) <= 5
    _valid(s.citations)
    assert all(c.path.endswith("a.txt") for c in s.citations)
    assert [c.start for c in s.citations] == sorted(c.start for c in s.citations)  # the article's order
    assert "nine-day strike" in s.text and "[1]" in s.text


def test_an_outlet_with_one_article_or_a_title_names_it(lib: Settings) -> None:
    assert summarize("Wexley harbour thrives", settings=lib).articles[0].source == "c.txt"
    assert summarize(filters={"outlet": "Business Daily"}, settings=lib).scope == "article"


def test_corpus_brief_covers_every_article(lib: Settings) -> None:
    brief = summarize(settings=lib)
    assert brief.scope == "corpus" and brief.threads
    _valid(brief.citations)
    assert {Path(c.path).name for c in brief.citations} == {"a.txt", "b.txt", "c.txt"}
    shared = [t for t in brief.threads if len({Path(p).name for p in t.paths}) > 1]
    assert shared, "a thread should draw on more than one article"
    assert summarize(settings=lib) .text == brief.text  # cached per index build


def test_comparison_shows_each_outlet_and_flags_the_count_they_disagree_on(lib: Settings) -> None:
    c = compare("how many workers went on strike", settings=lib)
    assert {v.outlet for v in c.outlets} == {"Coast Herald", "Business Daily"}
    assert all(v.points for v in c.outlets)
    _valid(c.citations)
    numbers = [d for d in c.differences if d.kind == "number"]
    assert numbers and {numbers[0].first_values, numbers[0].second_values} == {("900",), ("1200",)}


def test_timeline_resolves_relative_dates_and_keeps_unresolved_ones_last(lib: Settings) -> None:
    events = timeline(settings=lib)
    _valid([e.citation for e in events])
    by_phrase = {(e.phrase, e.citation.path.rsplit("/", 1)[1]): e for e in events}
    monday = by_phrase[("on Monday", "b.txt")]  # published Monday 2025-03-17
    assert (monday.date, monday.precision, monday.relative) == ("2025-03-17", "day", True)
    assert by_phrase[("on 5 March", "a.txt")].date == "2025-03-05"
    assert by_phrase[("Last year", "b.txt")].date == "2024" and by_phrase[("Last year", "b.txt")].precision == "year"
    undated = [e for e in events if e.citation.path.endswith("c.txt")]
    assert undated and all(e.date is None for e in undated)  # c.txt has no date: nothing is guessed
    keys = [e.sort_key for e in events if e.sort_key]
    assert keys == sorted(keys) and events[-1].date is None


def test_filters_and_bad_input_get_clear_messages(lib: Settings) -> None:
    with pytest.raises(InputError, match="known articles: a.txt, b.txt, c.txt"):
        summarize("nope.txt", settings=lib)
    with pytest.raises(InputError, match="unknown outlet"):
        timeline({"outlet": "Nobody"}, settings=lib)
    with pytest.raises(InputError, match="no article matches"):
        compare("strike", filters={"date_from": "2030-01-01"}, settings=lib)
    with pytest.raises(InputError, match="empty topic"):
        compare("  ", settings=lib)


@pytest.mark.parametrize(("question", "kind"), [
    ("Summarise the Business Daily article", "a summary of Business Daily"),
    ("What are the main points of the coverage?", "a brief of 3 articles"),
    ("How do the outlets differ on the number of strikers?", "a comparison of the outlets"),
    ("Give me a timeline of the strike", "a timeline"),
])
def test_chat_requests_are_answered_by_the_matching_feature(lib: Settings, question: str, kind: str) -> None:
    result = answer(question, settings=lib, mode="extractive")
    assert result.answered and any(kind in n for n in result.notices), result.notices
    _valid(result.citations)


def test_an_answer_resting_on_one_outlet_says_so(lib: Settings) -> None:
    result = answer("What did the Wexley mayor say about extra ships?", settings=lib, mode="extractive")
    assert result.answered
    assert any("one outlet (Coast Herald)" in n for n in result.notices)
