"""The Streamlit app through streamlit.testing.AppTest, with the real offline pipeline (real ONNX
embedder, local Chroma) on a temporary copy of the seeds: ask, follow-up, filter, not answered,
open a citation, upload, duplicate upload, bad upload, remove, and the eval page."""

from __future__ import annotations

import json
import re
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


def _plain(markdown: str) -> str:
    """Markdown escaping undone: what the reader sees."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _texts(at: AppTest) -> str:
    """The Markdown shown, with the escaping of Markdown special characters undone."""
    return re.sub(r"\\(.)", r"\1", "\n".join(m.value for m in at.markdown))


def test_ask_answers_with_citations_and_highlights_the_quote(app: AppTest) -> None:
    _ask(app, "Where did Putin say he would guarantee Zelensky's safety?")
    assert "Vladivostok" in _texts(app)
    labels = [_plain(e.label) for e in app.expander]
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
    cited = [_plain(e.label) for e in app.expander if _plain(e.label).startswith("[")]
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


# Library page ---------------------------------------------------------------------------------

BRIDGE = (b"Millbrook opens its new footbridge\n\nMILLBROOK, 3 March 2025 - The town of Millbrook opened the "
          b"Kestrel footbridge over the River Alde on Monday, after eighteen months of building work.\n\n"
          b"The mayor, Ruth Okafor, said the bridge cost 4.2 million pounds.\n")


def _library(at: AppTest) -> AppTest:
    at.switch_page("screens/library.py").run()
    assert not at.exception, at.exception
    return at


def _submit_upload(at: AppTest, name: str, data: bytes, outlet: str = "") -> AppTest:
    at.file_uploader[0].set_value((name, data, "text/plain"))
    if outlet:
        at.text_input(key="upload_outlet").set_value(outlet)
    at.button[[b.label for b in at.button].index("Upload and index")].click().run()
    assert not at.exception, at.exception
    return at


def test_library_lists_every_article_and_reads_one(app: AppTest) -> None:
    _library(app)
    table = app.dataframe[0].value
    assert len(table) == 5 and set(table["outlet"]) >= {"Kyiv Post", "RT"}
    assert any(":gray[" in m.value for m in app.markdown)  # boilerplate shown greyed in the reader


def test_upload_is_indexed_with_its_metadata_and_answered(app: AppTest) -> None:
    _submit_upload(_library(app), "bridge.txt", BRIDGE, outlet="Alde Gazette")
    assert [_plain(s.value) for s in app.success] == ["bridge.txt: added as bridge.txt (1 chunk)."]
    assert "Alde Gazette" in set(app.dataframe[0].value["outlet"])
    app.switch_page("screens/ask.py").run()
    _ask(app, "What did the Kestrel footbridge cost?")
    assert "4.2 million pounds" in _texts(app)
    assert any("Alde Gazette" in _plain(e.label) and "bridge.txt" in _plain(e.label) for e in app.expander)


def test_duplicate_and_bad_uploads_are_reported_and_nothing_is_indexed(app: AppTest) -> None:
    _library(app)
    _submit_upload(app, "again.txt", (SEEDS / "002_a1fdc86be33cb0dc.txt").read_bytes())
    assert "already in the library as" in _plain(app.warning[0].value)
    for name, data in [("empty.txt", b""), ("binary.txt", bytes(range(256)) * 8)]:
        _submit_upload(app, name, data)
        assert len(app.error) == 1 and _plain(app.error[0].value).startswith(name), [e.value for e in app.error]
    assert len(app.dataframe[0].value) == 5


def test_remove_takes_an_article_out_of_both_indexes(app: AppTest) -> None:
    _library(app)
    gone = next(p for p in app.selectbox(key="remove_path").options if p.endswith("004_af183c27f94023d1.txt"))
    app.selectbox(key="remove_path").set_value(gone).run()
    app.button[[b.label for b in app.button].index("Remove")].click().run()
    assert not app.exception, app.exception
    assert len(app.dataframe[0].value) == 4
    import rag

    hits = rag.retrieve("Istanbul talks", k=50, settings=rag.load_settings())
    assert hits and all(not h.path.endswith("004_af183c27f94023d1.txt") for h in hits)


# Eval page ------------------------------------------------------------------------------------


def test_eval_page_runs_the_eval_and_shows_the_run(app: AppTest, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.views import evaluate

    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join((evaluate.EVAL_DIR / "cases.jsonl").read_text(encoding="utf-8").splitlines(True)[:4]),
                     encoding="utf-8")
    monkeypatch.setattr(evaluate, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(evaluate, "CASES", cases)
    app.switch_page("screens/evaluate.py").run()
    assert [i.value for i in app.info] == ["No eval run yet: press Run the eval."]
    app.button[[b.label for b in app.button].index("Run the eval")].click().run()
    assert not app.exception, app.exception
    assert {m.label for m in app.metric} >= {"fact recall", "quotes valid"}
    assert next(m.value for m in app.metric if m.label == "quotes valid") == "100.0 %"
    assert len(app.dataframe[0].value) == 4

    # A newer run of another question set (the CI's held-out sets, a features run) is listed, but
    # the page opens on its own set's newest run.
    own = next((tmp_path / "runs").iterdir())
    other = tmp_path / "runs" / "zz-other"
    other.mkdir()
    record = json.loads((own / "metrics.json").read_text(encoding="utf-8"))
    record["run"] |= {"cases": "eval/holdout9.jsonl", "n_cases": 1}
    (other / "metrics.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "runs" / "zz-features").mkdir()
    (tmp_path / "runs" / "zz-features" / "metrics.json").write_text('{"summary": {}}', encoding="utf-8")
    fresh = AppTest.from_file(APP, default_timeout=180)  # a new browser session: nothing picked yet
    fresh.run()
    fresh.switch_page("screens/evaluate.py").run()
    assert not fresh.exception, fresh.exception
    picker = fresh.selectbox(key="eval_run")
    assert picker.value == own and len(picker.options) == 2, picker.options
    assert any(f"{own.name} · cases.jsonl · mode extractive · 4 questions" in _plain(c.value) for c in fresh.caption)


# Summaries, Timeline, Who said what ---------------------------------------------------------------


def test_summaries_page_article_brief_and_comparison(app: AppTest) -> None:
    app.switch_page("screens/summaries.py").run()
    assert not app.exception, app.exception
    texts = _texts(app)
    assert "[1]" in texts and any(_plain(e.label).startswith("[1] ") for e in app.expander)
    assert "threads across 5 articles" in " ".join(c.value for c in app.caption)
    app.text_input(key="cmp_topic").set_value("where the leaders should meet")
    app.button[[b.label for b in app.button].index("Compare the outlets")].click().run()
    assert not app.exception, app.exception
    outlets = {_plain(h.value) for h in app.subheader}
    assert {"Kyiv Post", "RT", "The Moscow Times"} <= outlets


def test_timeline_page_lists_events_in_order_and_opens_one(app: AppTest) -> None:
    app.switch_page("screens/timeline.py").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    dated = [d for d in table["date"] if d != "unresolved"]
    assert len(dated) > 20 and "2025-09-05" in set(dated)


def test_who_said_what_filters_by_speaker(app: AppTest) -> None:
    app.switch_page("screens/claims.py").run()
    assert not app.exception, app.exception
    speakers = app.multiselect(key="cl_speaker").options
    peskov = next(s for s in speakers if "Peskov" in s)
    app.multiselect(key="cl_speaker").set_value([peskov]).run()
    table = app.dataframe[0].value
    assert len(table) >= 1 and set(table["speaker"]) == {peskov}


def test_an_llm_that_is_down_gets_a_message_and_auto_falls_back(app: AppTest) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.text_input(key="llm_base_url").set_value(f"http://127.0.0.1:{port}/v1")
    app.text_input(key="llm_api_key").set_value("sk-test-secret-key")
    _ask(app, "Where did Putin say he would guarantee Zelensky's safety?")
    assert "Vladivostok" in _texts(app)
    notices = [i.value for i in app.info]
    assert any("answered extractively" in n for n in notices), notices
    shown = _texts(app) + " ".join(notices) + " ".join(c.value for c in app.caption)
    assert "sk-test-secret-key" not in shown  # the key is never echoed
    app.radio(key="llm_mode").set_value("llm").run()
    _ask(app, "Which country offered Putin immunity?")
    assert app.error and "sk-test-secret-key" not in app.error[0].value
