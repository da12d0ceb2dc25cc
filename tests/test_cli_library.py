"""`rag ingest` of two folders, `rag list`, `rag remove`, `rag meta` and `rag chat`, run through cli.main.

No model: RAG_EMBEDDING names the fake's id (``openai:test-hash-64``, a valid setting), so every
index check (``embedding_id(settings)``) agrees with the fake without being patched; only the two
places that build an embedder from the settings, ``make_embedder`` as imported by rag.ingestion and
rag.retrieval, are patched to return the HashEmbedder. Were a third place to build one, it would try
the OpenAI embedder and fail at once with a ConfigError (no key), not reach the network.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import rag.answering
from rag import cli
from rag.types import Answer

from conftest import SEEDS, HashEmbedder

FAKE_ID = "openai:test-hash-64"
SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))
KYIV_POST = "000_3a68910d6e622929.txt"

BEES = (
    "Beekeepers in Devon report a record honey harvest\n\n"
    "Beekeepers across Devon say this summer's honey harvest is the largest in a decade. "
    "Warm spring weather let the colonies grow early.\n"
)
LIGHTHOUSE = (
    "The old lighthouse on the northern cape will reopen to visitors after a long restoration. "
    "Volunteers repainted the tower and repaired the brass lantern.\n"
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> HashEmbedder:
    """The HashEmbedder, used wherever the CLI would load the embedding model."""
    embedder = HashEmbedder()
    embedder.model_id = FAKE_ID
    monkeypatch.setenv("RAG_EMBEDDING", FAKE_ID)
    monkeypatch.setattr("rag.ingestion.make_embedder", lambda settings: embedder)
    monkeypatch.setattr("rag.retrieval.make_embedder", lambda settings: embedder)
    monkeypatch.chdir(tmp_path)  # no rag.toml of the project's working directory
    return embedder


@pytest.fixture
def home(tmp_path: Path) -> str:
    return str(tmp_path / "home")


@pytest.fixture
def other(tmp_path: Path) -> Path:
    """A second folder: two short unrelated articles and a same-named, edited copy of one seed."""
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "bees.txt").write_text(BEES, encoding="utf-8")
    (folder / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    text = (SEEDS / KYIV_POST).read_text(encoding="utf-8")
    (folder / KYIV_POST).write_text(text.replace("in a third country", "in Geneva"), encoding="utf-8")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def listed(capsys: pytest.CaptureFixture[str], home: str) -> list[dict[str, Any]]:
    code, out, _ = run(capsys, "--home", home, "list", "--json")
    assert code == 0
    return json.loads(out)


def ingest_both(capsys: pytest.CaptureFixture[str], home: str, corpus: Path, other: Path) -> None:
    code, out, err = run(capsys, "--home", home, "ingest", str(corpus), "-q")
    assert code == 0 and "added 5," in out, err
    code, out, err = run(capsys, "--home", home, "ingest", str(other), "-q")
    assert code == 0 and "added 3," in out and "removed 0," in out, err


def test_ingest_two_folders_then_list(capsys: pytest.CaptureFixture[str], fake: HashEmbedder, home: str,
                                      corpus: Path, other: Path) -> None:
    code, _, err = run(capsys, "--home", home, "list")
    assert code == 2 and "rag ingest" in err  # no index yet

    ingest_both(capsys, home, corpus, other)
    assert fake.calls > 0  # the fake did the embedding

    code, out, err = run(capsys, "--home", home, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["folder", "file", "outlet", "title", "date", "chunks"]
    rows = [line for line in lines[1:] if line.strip() and not line.startswith("8 articles")]
    assert len(rows) == 8
    for name in SEED_NAMES + ["bees.txt", "lighthouse.txt"]:
        assert any(name in row for row in rows), name
    assert sum(KYIV_POST in row for row in rows) == 2
    assert any("Kyiv Post" in row and "2025-09-05" in row for row in rows)
    assert "8 articles from 2 folder(s)" in out

    found = listed(capsys, home)
    assert {(a["folder"], a["source"]) for a in found} == (
        {(corpus.resolve().as_posix(), n) for n in SEED_NAMES}
        | {(other.resolve().as_posix(), n) for n in ("bees.txt", "lighthouse.txt", KYIV_POST)}
    )
    assert all(a["path"] == f"{a['folder']}/{a['source']}" and a["chunks"] > 0 and a["complete"] for a in found)
    bees = next(a for a in found if a["source"] == "bees.txt")
    assert bees["title"] == "Beekeepers in Devon report a record honey harvest" and bees["published"] is None


def test_remove_a_file_and_a_folder(capsys: pytest.CaptureFixture[str], fake: HashEmbedder, home: str,
                                    corpus: Path, other: Path) -> None:
    ingest_both(capsys, home, corpus, other)
    path_a, path_b = (corpus / KYIV_POST).resolve().as_posix(), (other / KYIV_POST).resolve().as_posix()

    code, out, err = run(capsys, "--home", home, "remove", KYIV_POST)
    assert code == 2 and "names 2 articles" in err and path_a in err and path_b in err
    assert len(listed(capsys, home)) == 8

    code, out, _ = run(capsys, "--home", home, "remove", "bees.txt", str(other / KYIV_POST))
    assert code == 0
    assert f"removed {(other / 'bees.txt').resolve().as_posix()} (" in out and f"removed {path_b} (" in out
    assert "2 article(s) removed" in out
    paths = {a["path"] for a in listed(capsys, home)}
    assert path_a in paths and path_b not in paths and len(paths) == 6
    assert (other / "bees.txt").is_file() and (other / KYIV_POST).is_file()

    code, _, err = run(capsys, "--home", home, "remove", "bees.txt")
    assert code == 2 and "not in the library" in err

    code, out, _ = run(capsys, "--home", home, "remove", "--folder", str(corpus))
    assert code == 0 and "5 article(s) removed" in out
    assert [a["source"] for a in listed(capsys, home)] == ["lighthouse.txt"]
    assert sorted(p.name for p in corpus.glob("*.txt")) == SEED_NAMES
    code, out, _ = run(capsys, "--home", home, "search", "Putin Zelensky Moscow", "-k", "5", "--json")
    assert code == 0  # gone from the search indexes too
    assert {h["path"] for h in json.loads(out)} == {(other / "lighthouse.txt").resolve().as_posix()}


def test_meta_sets_outlet_and_date(capsys: pytest.CaptureFixture[str], fake: HashEmbedder, home: str,
                                   corpus: Path, other: Path) -> None:
    ingest_both(capsys, home, corpus, other)
    target = (other / "lighthouse.txt").resolve().as_posix()

    code, out, err = run(capsys, "--home", home, "meta", "lighthouse.txt", "--outlet", "Coast Gazette",
                         "--date", "2025-01-02")
    assert code == 0, err
    assert out.startswith(f"{target}: outlet 'Coast Gazette'") and "date 2025-01-02" in out
    written = json.loads((other / "metadata.json").read_text(encoding="utf-8"))
    assert written["files"]["lighthouse.txt"]["outlet"] == "Coast Gazette"
    assert written["files"]["lighthouse.txt"]["published"] == "2025-01-02"
    entry = next(a for a in listed(capsys, home) if a["path"] == target)
    assert (entry["outlet"], entry["published"]) == ("Coast Gazette", "2025-01-02")

    code, out, _ = run(capsys, "--home", home, "search", "lighthouse", "--outlet", "coast gazette", "--json")
    assert code == 0 and {h["path"] for h in json.loads(out)} == {target}

    code, out, _ = run(capsys, "--home", home, "ingest", str(other), "-q")
    assert code == 0 and "added 0, updated 0, removed 0, unchanged 3" in out

    code, _, err = run(capsys, "--home", home, "meta", "lighthouse.txt", "--date", "yesterday")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = run(capsys, "--home", home, "meta", "lighthouse.txt")
    assert code == 2 and "give at least one of" in err
    assert json.loads((other / "metadata.json").read_text(encoding="utf-8")) == written


def test_chat_passes_earlier_answers_as_history(capsys: pytest.CaptureFixture[str], fake: HashEmbedder, home: str,
                                                corpus: Path, other: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_both(capsys, home, corpus, other)
    real_stream = rag.answering.answer_stream
    calls: list[dict[str, Any]] = []

    def spy(question: str, **kwargs: Any):  # noqa: ANN202 - the real generator, recorded
        call = {"question": question, "history": list(kwargs.get("history") or []), "answer": None}
        calls.append(call)
        for item in real_stream(question, **kwargs):
            if isinstance(item, Answer):
                call["answer"] = item
            yield item

    monkeypatch.setattr(rag.answering, "answer_stream", spy)
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "Where did Putin invite Zelensky?\n\nWhat did he promise him there?\n/quit\nnever asked\n"
    ))
    code, out, err = run(capsys, "--home", home, "chat", "--mode", "extractive")
    assert code == 0, err

    assert [c["question"] for c in calls] == ["Where did Putin invite Zelensky?", "What did he promise him there?"]
    first, second = calls[0]["answer"], calls[1]["answer"]
    assert isinstance(first, Answer) and isinstance(second, Answer)
    assert calls[0]["history"] == [] and calls[1]["history"] == [first]
    assert calls[1]["history"][0] is first

    assert out.count("you> ") == 2 and "never asked" not in out
    assert first.answered and first.text in out and second.text in out
    assert out.index(first.text) < out.index("you> What did he promise") < out.rindex(second.text)
    for cite in first.citations:
        assert f"chars {cite.start}-{cite.end}" in out
    assert err.count("(extractive mode,") == 2


def test_chat_reset_forgets_history(capsys: pytest.CaptureFixture[str], fake: HashEmbedder, home: str,
                                    corpus: Path, other: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_both(capsys, home, corpus, other)
    histories: list[list[Any]] = []

    def fake_stream(question: str, **kwargs: Any):  # noqa: ANN202
        histories.append(list(kwargs.get("history") or []))
        yield Answer(question, f"reply to {question}", [], False, "extractive")

    monkeypatch.setattr(rag.answering, "answer_stream", fake_stream)
    monkeypatch.setattr("sys.stdin", io.StringIO("one\ntwo\n/reset\nthree\n"))  # ends at EOF, no /quit
    code, out, err = run(capsys, "--home", home, "chat", "--turns", "1")
    assert code == 0
    assert [len(h) for h in histories] == [0, 1, 0]
    assert histories[1][0].question == "one"
    assert "reply to three" in out and "(history cleared)" in err


def test_unknown_rag_variable_exits_2_with_did_you_mean(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_CHUNK_TOKEN", "100")
    code, out, err = run(capsys, "--home", str(tmp_path / "home"), "list")
    assert code == 2 and out == ""
    assert "unknown environment variable RAG_CHUNK_TOKEN; did you mean RAG_CHUNK_TOKENS" in err
    assert "Traceback" not in err
