"""The API key never leaks, whatever goes wrong with the LLM.

The fault server (``_fault_llm.py``) echoes the key it receives in its 401 and 500 error bodies, as
careless servers and proxies do, so every path that repeats a server's words is tried with the key
in them. Looked at: the error (message, repr, the traceback Python would print, every exception
chained to it), the fallback answer and its notices, the settings (repr, str, dumps), every log
record at DEBUG level from every library, the CLI's output, and an eval run's output and files.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from _fault_llm import llm_url, no_cached_probe, running, shared_conftest  # noqa: F401 - an autouse fixture

import rag.llm
from rag import answer, answer_stream
from rag.cli import main as rag_main
from rag.config import Settings, load_settings
from rag.errors import LLMError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

SK_KEY = "sk-test-SECRET-123456"
PLAIN_KEY = "plain-SECRET-98765"  # not sk-shaped: only redaction of the exact key can hide it
QUESTION = "Where did Putin invite Zelensky?"
RAG = Path(sys.executable).with_name("rag")

# fault id -> (server mode or None for nothing listening, /v1/models answers 200)
FAULTS: dict[str, tuple[str | None, bool]] = {
    "401-probe": ("401", False), "401-chat": ("401", True), "500": ("500", True), "down": (None, True),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return shared_conftest().seed_index(tmp_path_factory.mktemp("key-index"))


@contextmanager
def llm_at(fault: str) -> Iterator[str]:
    """The base URL of a server with ``fault`` (for "down", a port nothing listens on)."""
    mode, probe_ok = FAULTS[fault]
    with llm_url(mode, probe_ok=probe_ok) as url:
        yield url


def assert_no_key(key: str, *texts: str) -> None:
    for text in texts:
        assert key not in text, f"the API key leaked into: {text[:2000]}"
        assert "SECRET" not in text, f"part of the API key leaked into: {text[:2000]}"


def chained(error: BaseException) -> list[BaseException]:
    """The error and every exception attached to it as cause or context, printed or not."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        item = todo.pop()
        if item is not None and all(item is not s for s in seen):
            seen.append(item)
            todo += [item.__cause__, item.__context__]
    return seen


def settings_views(settings: Settings) -> list[str]:
    return [repr(settings), str(settings), settings.model_dump_json(), json.dumps(settings.model_dump(mode="json")),
            repr(settings.model_dump()), repr(settings.llm_api_key)]


# --------------------------------------------------------------------------- in the library


@pytest.mark.parametrize(("source", "key"), [("settings", SK_KEY), ("OPENAI_API_KEY", PLAIN_KEY)])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_key_is_in_no_error_notice_log_or_settings_dump(
    fault: str, source: str, key: str, index: tuple[Path, Path], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch, tally: Any,
) -> None:
    home, corpus = index
    if source == "OPENAI_API_KEY":
        monkeypatch.setenv("OPENAI_API_KEY", key)
    caplog.set_level(logging.DEBUG)  # every logger: ours, openai, httpx, httpcore, langchain
    with llm_at(fault) as url:
        values: dict[str, Any] = {"home": home, "corpus": corpus, "llm_base_url": url, "llm_model": "fault",
                                  "llm_timeout_s": 3}
        if source == "settings":
            values["llm_api_key"] = key
        settings = load_settings(**values)
        assert settings.api_key() == key  # the key is really configured, and sent
        with pytest.raises(LLMError) as info:
            for _ in answer_stream(QUESTION, mode="llm", settings=settings):
                pass
        rag.llm._REACHABLE.clear()
        fallback = answer(QUESTION, mode="auto", settings=settings)
    tally.add("faults injected", 2)
    error = info.value
    printed = "".join(traceback.format_exception(error))
    assert "Traceback" in printed and "LLMError" in printed  # the traceback really was rendered
    assert_no_key(key, str(error), repr(error), printed, *[f"{e!s} {e!r} {vars(e)}" for e in chained(error)])
    assert fallback.mode == "extractive" and any("answered extractively" in n for n in fallback.notices)
    assert_no_key(key, *fallback.notices, fallback.text, repr(fallback), json.dumps(fallback.to_dict()))
    assert_no_key(key, *settings_views(settings))
    if fault in ("401-chat", "500"):  # the chat call was made: openai and httpx logged it at DEBUG
        assert any(r.name.startswith(("openai", "httpx")) for r in caplog.records), "no DEBUG records captured"
    assert_no_key(key, caplog.text, *[r.getMessage() for r in caplog.records],
                  *[logging.Formatter().format(r) for r in caplog.records])


def test_the_echoed_key_is_really_in_what_the_server_sends(tmp_path: Path) -> None:
    """The control of the test above: the 500 body does carry the key, so redaction is what hides it."""
    import urllib.error
    import urllib.request

    with running("500") as url:
        request = urllib.request.Request(f"{url}/chat/completions", data=b"{}", method="POST",
                                         headers={"Authorization": f"Bearer {SK_KEY}"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)
        assert SK_KEY in info.value.read().decode()


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(("fault", "mode"), [("500", "auto"), ("401-chat", "llm")])
def test_the_key_is_not_in_the_cli_output(fault: str, mode: str, index: tuple[Path, Path], tally: Any) -> None:
    home, corpus = index
    with llm_at(fault) as url:
        env = {**os.environ, "RAG_CORPUS": str(corpus), "RAG_LLM_BASE_URL": url, "RAG_LLM_MODEL": "fault",
               "RAG_LLM_MODE": mode, "OPENAI_API_KEY": SK_KEY, "RAG_LLM_TIMEOUT_S": "3"}
        run = subprocess.run([str(RAG), "--home", str(home), "ask", QUESTION], env=env, capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
    tally.add("faults injected")
    assert_no_key(SK_KEY, run.stdout, run.stderr)
    if mode == "auto":  # answered from the articles; the notice repeats the server's (redacted) words
        assert run.returncode == 0, run.stderr
        assert "note: answered extractively: the LLM at" in run.stderr and "HTTP 500" in run.stderr, run.stderr
        assert "Bearer ***" in run.stderr, run.stderr
    else:
        assert run.returncode != 0 and "rejected the API key" in run.stderr, run.stderr


@pytest.mark.parametrize("mode", ["llm", "auto"])
def test_the_key_is_not_in_an_eval_run(mode: str, index: tuple[Path, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                       tally: Any) -> None:
    """``rag eval --limit 2 --mode MODE`` (the CLI's own entry point, in this process) against a server
    that fails with the key in its error body: neither the output nor any file of the run holds it."""
    home, corpus = index
    out = tmp_path / "run"
    with running("500", probe_ok=True) as url:
        for name, value in {"RAG_CORPUS": str(corpus), "RAG_LLM_BASE_URL": url, "RAG_LLM_MODEL": "fault",
                            "RAG_LLM_API_KEY": SK_KEY, "RAG_LLM_TIMEOUT_S": "3"}.items():
            monkeypatch.setenv(name, value)
        code = rag_main(["--home", str(home), "eval", "--limit", "2", "--mode", mode, "--no-peer", "--out", str(out)])
    tally.add("faults injected")
    captured = capsys.readouterr()
    assert_no_key(SK_KEY, captured.out, captured.err)
    files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    for path in files:
        assert SK_KEY.encode() not in path.read_bytes() and b"SECRET" not in path.read_bytes(), path
    if mode == "llm":  # the run stops at its first answer, with the reason
        assert code == 2 and "HTTP 500" in captured.err, (code, captured.err)
    else:  # every case answered extractively, the (redacted) server words in its notices
        assert code in (0, 1), captured.err
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        notices = [n for case in metrics["cases"] for n in case["notices"]]
        assert len(metrics["cases"]) == 2 and any("HTTP 500" in n and "Bearer ***" in n for n in notices), notices
