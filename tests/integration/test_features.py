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


def _fake(*replies: str):  # noqa: ANN202
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def test_llm_article_summary_keeps_only_shown_ids_and_exact_quotes(lib: Settings) -> None:
    reply = ('{"answer": "Dock workers went back after a nine-day strike [1]. The union says 1,200 took part [2, 99].",'
             ' "citations": [1, 2, 99], "answerable": true}')
    s = summarize("a.txt", mode="llm", settings=lib, llm=_fake(reply))
    assert s.mode == "llm" and len(s.citations) == 2
    _valid(s.citations)
    assert any("not shown" in n and "99" in n for n in s.notices)
    assert [len(st.citations) for st in s.statements] == [1, 1]


def test_llm_brief_is_map_reduce_over_cited_sentences(lib: Settings) -> None:
    per_article = '{"answer": "Summary [1] [2].", "citations": [1, 2], "answerable": true}'
    brief = '{"answer": "- Strike ends: both outlets report it [1] [3].\\n- Wexley gains [5].", "citations": [1, 3, 5]}'
    s = summarize(mode="llm", settings=lib, llm=_fake(per_article, per_article, per_article, brief))
    assert s.mode == "llm" and s.scope == "corpus"
    _valid(s.citations)
    assert len(s.statements) == 2 and all(st.citations for st in s.statements)


def test_an_ungrounded_llm_summary_falls_back_in_auto_mode(lib: Settings) -> None:
    s = summarize("a.txt", mode="auto", settings=lib, llm=_fake('{"answer": "It was fine.", "citations": []}'))
    assert s.mode == "extractive" and s.citations
    assert any("could not be grounded" in n for n in s.notices)


def test_an_ungrounded_llm_summary_is_an_error_in_llm_mode(lib: Settings) -> None:
    from rag import LLMError

    with pytest.raises(LLMError, match="cites none of the evidence"):
        summarize("a.txt", mode="llm", settings=lib, llm=_fake('{"answer": "It was fine.", "citations": []}'))


def test_llm_assisted_claims_keep_shown_ids_and_speakers_the_article_names(lib: Settings) -> None:
    from rag import claims

    # b.txt: the rules leave "Shipping companies said on Monday…" and "Port managers agreed…" unattributed.
    reply = ('{"claims": [{"id": 1, "speaker": "Shipping companies", "role": null},'
             ' {"id": 2, "speaker": "Vladimir Putin"}, {"id": 7, "speaker": "Priya Nair"}, {"id": 1, "speaker": "he"}]}')
    notes: list[str] = []
    found = claims({"source": "b.txt"}, mode="llm", settings=lib, llm=_fake(reply), notices=notes)
    extra = [c for c in found if c.verb == "attributed by the LLM"]
    assert [c.speaker for c in extra] == ["Shipping companies"]
    _valid([c.citation for c in found])
    assert notes == ["dropped 3 LLM attributions the article does not support"]
    starts = [c.citation.start for c in found]
    assert starts == sorted(starts)


def test_claims_without_a_usable_llm_say_they_are_rule_based(lib: Settings) -> None:
    from rag import claims

    notes: list[str] = []
    found = claims(mode="auto", settings=lib.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"}), notices=notes)
    assert found and any(n.startswith("claims found by rules only") for n in notes)
