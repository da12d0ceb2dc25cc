"""The `rag` command: argument routing, exit codes and messages (no model needed for these)."""

from __future__ import annotations

import pytest

from rag import cli


def test_eval_arguments_go_to_the_eval_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_eval(args):  # noqa: ANN001, ANN202
        seen["args"] = args.eval_args
        seen["home"] = args.home
        return 0

    monkeypatch.setattr(cli, "cmd_eval", fake_eval)
    assert cli.main(["--home", "x", "eval", "--mode", "extractive", "--out", "y"]) == 0
    assert seen == {"args": ["--mode", "extractive", "--out", "y"], "home": "x"}


def test_a_question_containing_eval_is_a_question(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_ask(args):  # noqa: ANN001, ANN202
        seen["q"] = args.question
        return 0

    monkeypatch.setattr(cli, "cmd_ask", fake_ask)
    assert cli.main(["--home", "x", "ask", "eval"]) == 0
    assert seen == {"q": "eval"}


def test_errors_exit_2_with_a_message(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert cli.main(["ingest", str(tmp_path / "missing")]) == 2
    assert "corpus folder not found" in capsys.readouterr().err


def test_bad_setting_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RAG_LLM_MODE", "magic")
    assert cli.main(["search", "x"]) == 2
    assert "'auto', 'llm' or 'extractive'" in capsys.readouterr().err


def test_ingest_warns_about_skipped_files_and_exits_0(tmp_path, capsys) -> None:  # noqa: ANN001
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("A real article about talks. It has two sentences.", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    home = str(tmp_path / "home")
    code = cli.main(["--home", home, "ingest", str(folder), "-q"])
    out = capsys.readouterr()
    assert code == 0
    assert "warning: skipped b.txt: empty file" in out.err and "added 1" in out.out
    assert cli.main(["--home", home, "ingest", str(folder), "-q", "--strict"]) == 1
    assert "--strict" in capsys.readouterr().err


def test_ingest_exits_1_when_nothing_is_readable(tmp_path, capsys) -> None:  # noqa: ANN001
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "b.txt").write_bytes(b"")
    assert cli.main(["--home", str(tmp_path / "home"), "ingest", str(folder), "-q"]) == 1
    assert "no article could be read" in capsys.readouterr().err


def test_k_below_one_is_refused(capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exit_:
        cli.main(["search", "talks", "-k", "0"])
    assert exit_.value.code == 2 and "at least 1" in capsys.readouterr().err
