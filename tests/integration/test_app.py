"""The Streamlit app through streamlit.testing.AppTest, with the real offline pipeline (real ONNX
embedder, local Chroma) on a temporary copy of the seeds: ask, follow-up, filter, not answered,
open a citation, upload, duplicate upload, bad upload, remove, and the eval page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, SEEDS

APP = str(ROOT / "ui" / "app.py")
pytestmark = pytest.mark.integration


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_CORPUS", str(corpus))
    from ui import common

    common.base_settings.clear()  # cached per process: each test has its own folders
    common.forget_status()
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    return at


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_ask_answers_with_citations_and_highlights_the_quote(app: AppTest) -> None:
    _ask(app, "Where did Putin say he would guarantee Zelensky's safety?")
    assert "Vladivostok" in _texts(app)
    labels = [e.label for e in app.expander]
    assert any(label.startswith("[1] Kyiv Post") for label in labels)
    assert any(m.value.startswith(":orange-background[") or ":orange-background[" in m.value for m in app.markdown)
    assert any("extractive mode" in c.value for c in app.caption)
    assert "Vladivostok" in next(c.value for c in app.code)  # copy as Markdown


def test_follow_up_and_not_answered(app: AppTest) -> None:
    _ask(app, "Which country said it would grant Putin immunity from arrest?")
    _ask(app, "Which team won the 2022 FIFA World Cup final?")
    assert [w.value for w in app.warning] == ["The articles do not hold the answer to this question."]
    assert len(app.chat_message) == 4  # two questions, two answers, in order


def test_an_outlet_filter_limits_the_citations(app: AppTest) -> None:
    app.multiselect(key="f_outlet").set_value(["RT"]).run()
    _ask(app, "Who ruled out Putin attending the talks in Istanbul?")
    cited = [e.label for e in app.expander if e.label.startswith("[")]
    assert cited and all(" RT · " in label for label in cited)


def test_open_a_citation_in_the_reader(app: AppTest) -> None:
    _ask(app, "Where did Putin say he would guarantee Zelensky's safety?")
    app.button(key="open-0-1").click().run()
    assert app.session_state["reader"]["path"].endswith("000_3a68910d6e622929.txt")


def test_an_article_added_while_the_app_runs_is_answered(app: AppTest) -> None:
    import rag

    settings = rag.load_settings()
    result = rag.add_upload("seals.txt", b"Wardens counted forty harbour seals on the estuary sandbanks this week.\n",
                            outlet="Coast News", settings=settings)
    assert result.article and result.article.outlet == "Coast News"
    assert rag.add_upload("copy.txt", (SEEDS / "000_3a68910d6e622929.txt").read_bytes(), settings=settings).duplicate_of
    _ask(app, "How many harbour seals did the wardens count?")
    assert "forty harbour seals" in _texts(app)
