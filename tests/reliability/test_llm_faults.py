"""The LLM path against a misbehaving OpenAI-compatible server (``_fault_llm.py``, one process per test).

For every fault — slow, 401 (at the reachability probe and at the chat call), 429, 500, malformed
JSON, a stream that never ends, and nothing listening at all — ``answer()``:

- in ``llm`` mode raises an ``LLMError`` (a ``RagError``) whose one-line message says what went
  wrong and what to do, within the configured timeout plus a margin;
- in ``auto`` mode answers extractively, says so in a notice naming the fault, and gives exactly
  the extractive answer, every quote equal to the file's text at its offsets.

The CLI turns such errors into one ``error:`` line and a non-zero exit, with no traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from _fault_llm import llm_url, no_cached_probe, running, shared_conftest  # noqa: F401 - an autouse fixture

from rag import answer, answer_stream, summarize
from rag.config import Settings
from rag.errors import LLMError, RagError
from rag.types import Answer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TIMEOUT_S = 2.0
MARGIN_S = 3.0  # retrieval, evidence, the reachability probe: well under this on 2 cores
QUESTION = "Where did Putin invite Zelensky?"
HISTORY = [("user", "Who invited Zelensky to Moscow?"), ("assistant", "Putin did [1].")]
KEY = "sk-test-SECRET-123456"
RAG = Path(sys.executable).with_name("rag")

# fault id -> (server mode or None for nothing listening, /v1/models answers 200, what the message
# must say went wrong, what it must say to do)
FAULTS: dict[str, tuple[str | None, bool, str, str]] = {
    "slow": ("slow", True, r"did not answer within 2 s", r"RAG_LLM_TIMEOUT_S"),
    "401-probe": ("401", False, r"rejected the API key \(HTTP 401\)", r"RAG_LLM_API_KEY"),
    "401-chat": ("401", True, r"rejected the API key \(401\)", r"RAG_LLM_API_KEY"),
    "429": ("429", True, r"rate limit.*\(HTTP 429\)", r"try again"),
    "500": ("500", True, r"answered HTTP 500", r"try again"),
    "malformed": ("malformed", True, r"not valid JSON", r"OpenAI-compatible"),
    "endless": ("endless", True, r"did not answer within 2 s", r"RAG_LLM_TIMEOUT_S"),
    "down": (None, True, r"cannot reach the LLM at http://127\.0\.0\.1:\d+/v1", r"is the server running"),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(home, corpus): the seeds indexed once with the real embedder; the tests only read it."""
    import langchain_openai  # noqa: F401 - imported here once, so the timed calls measure the LLM path only

    return shared_conftest().seed_index(tmp_path_factory.mktemp("fault-llm-index"))


@pytest.fixture(scope="module")
def extractive(index: tuple[Path, Path]) -> Answer:
    """What ``auto`` must fall back to: the extractive answer to QUESTION."""
    home, corpus = index
    result = answer(QUESTION, settings=Settings(home=home, corpus=corpus, llm_mode="extractive"))
    assert result.mode == "extractive" and result.answered and result.citations
    return result


@contextmanager
def llm_at(fault: str) -> Iterator[str]:
    """The base URL of a server with ``fault`` (for "down", a port nothing listens on)."""
    mode, probe_ok = FAULTS[fault][:2]
    with llm_url(mode, probe_ok=probe_ok) as url:
        yield url


def llm_settings(index: tuple[Path, Path], url: str, mode: str, **extra: Any) -> Settings:
    home, corpus = index
    return Settings(home=home, corpus=corpus, llm_mode=mode, llm_base_url=url, llm_model="fault",
                    llm_api_key=KEY, llm_timeout_s=TIMEOUT_S, **extra)


def assert_clear(message: str, fault: str) -> None:
    """One line that says what went wrong and what to do, with no internals and no key."""
    what, todo = FAULTS[fault][2:]
    assert re.search(what, message), message
    assert re.search(todo, message), message
    assert "\n" not in message and "Traceback" not in message, message
    assert KEY not in message and "SECRET" not in message, message


def assert_quotes_hold(result: Answer, corpus: Path) -> None:
    for c in result.citations:
        assert c.quote == (corpus / c.source).read_text(encoding="utf-8")[c.start : c.end], c


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except Exception as exc:  # returned, so the caller can assert on it and on the time it took
        return exc, time.monotonic() - started


# --------------------------------------------------------------------------- in the library


@pytest.mark.parametrize("fault", list(FAULTS))
def test_llm_mode_raises_a_clear_typed_error_in_time(fault: str, index: tuple[Path, Path], tally: Any) -> None:
    with llm_at(fault) as url:
        error, elapsed = timed(lambda: answer(QUESTION, settings=llm_settings(index, url, "llm")))
    tally.add("faults injected")
    assert isinstance(error, LLMError) and isinstance(error, RagError), repr(error)
    assert_clear(str(error), fault)
    assert elapsed < TIMEOUT_S + MARGIN_S, f"{fault}: the error took {elapsed:.1f} s"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_auto_mode_falls_back_to_the_extractive_answer(
    fault: str, index: tuple[Path, Path], extractive: Answer, tally: Any
) -> None:
    with llm_at(fault) as url:
        result, elapsed = timed(lambda: answer(QUESTION, settings=llm_settings(index, url, "auto")))
    tally.add("faults injected")
    assert isinstance(result, Answer), repr(result)
    assert elapsed < TIMEOUT_S + MARGIN_S, f"{fault}: the fallback took {elapsed:.1f} s"
    assert result.mode == "extractive"
    said = [n for n in result.notices if n.startswith("answered extractively: ")]
    assert len(said) == 1, result.notices
    assert_clear(said[0], fault)
    # exactly what extractive mode answers: same text, same citations, every quote cut from the file
    assert (result.text, result.citations, result.answered) == (extractive.text, extractive.citations, True)
    assert_quotes_hold(result, index[1])


@pytest.mark.parametrize("fault", ["endless", "malformed", "500"])
def test_a_follow_up_fails_clearly_in_time_at_the_condense_call(fault: str, index: tuple[Path, Path],
                                                                 extractive: Answer, tally: Any) -> None:
    """A follow-up is first rewritten by a plain (not streamed) request: the same faults, the same
    bounds; in auto mode the follow-up is still answered from the articles."""
    with llm_at(fault) as url:
        error, elapsed = timed(lambda: answer(QUESTION, history=HISTORY, settings=llm_settings(index, url, "llm")))
        assert isinstance(error, LLMError), repr(error)
        assert_clear(str(error), fault)
        assert elapsed < TIMEOUT_S + MARGIN_S, f"{fault}: the error took {elapsed:.1f} s"
        result, elapsed = timed(lambda: answer(QUESTION, history=HISTORY, settings=llm_settings(index, url, "auto")))
    tally.add("faults injected", 2)
    assert isinstance(result, Answer), repr(result)
    assert elapsed < TIMEOUT_S + MARGIN_S, f"{fault}: the fallback took {elapsed:.1f} s"
    assert result.mode == "extractive" and result.answered and result.citations
    assert any(n.startswith("answered extractively: ") for n in result.notices), result.notices
    assert_quotes_hold(result, index[1])


def test_an_endless_stream_ends_at_the_deadline_after_streaming(index: tuple[Path, Path], tally: Any) -> None:
    deltas: list[str] = []

    def consume() -> None:
        for item in answer_stream(QUESTION, settings=llm_settings(index, url, "llm")):
            assert isinstance(item, str), "an endless stream produced a final answer"
            deltas.append(item)

    with running("endless") as url:
        error, elapsed = timed(consume)
    tally.add("faults injected")
    assert isinstance(error, LLMError), repr(error)
    assert_clear(str(error), "endless")
    assert len(deltas) >= 5 and set("".join(deltas).split()) == {"and", "so", "on"}, deltas[:5]
    assert TIMEOUT_S - 0.2 < elapsed < TIMEOUT_S + MARGIN_S, f"the stream ended after {elapsed:.1f} s"


def test_an_endless_summary_request_ends_at_the_deadline(index: tuple[Path, Path], tally: Any) -> None:
    """Summaries use a plain request whose body never ends: the timeout bounds the whole reply."""
    with running("endless") as url:
        error, elapsed = timed(lambda: summarize("000_3a68910d6e622929.txt",
                                                 settings=llm_settings(index, url, "llm")))
    tally.add("faults injected")
    assert isinstance(error, LLMError), repr(error)
    assert_clear(str(error), "endless")
    assert elapsed < TIMEOUT_S + MARGIN_S, f"the summary call ended after {elapsed:.1f} s"


def test_a_healthy_server_answers_in_both_modes(index: tuple[Path, Path]) -> None:
    """The control: the same server code without a fault gives a grounded LLM answer, streamed."""
    with running("ok") as url:
        for mode in ("llm", "auto"):
            items = list(answer_stream(QUESTION, settings=llm_settings(index, url, mode)))
            *deltas, result = items
            assert isinstance(result, Answer) and result.mode == "llm", (mode, result)
            assert result.answered and len(result.citations) == 1 and result.text.endswith("[1]"), result
            assert "".join(deltas) == result.text
            assert result.citations[0].quote in result.text
            assert_quotes_hold(result, index[1])


# --------------------------------------------------------------------------- on the command line


@pytest.mark.parametrize("fault", ["401-probe", "down"])
def test_cli_prints_one_clear_line_and_exits_non_zero(fault: str, index: tuple[Path, Path], tally: Any) -> None:
    home, corpus = index
    with llm_at(fault) as url:
        env = {**os.environ, "RAG_CORPUS": str(corpus), "RAG_LLM_BASE_URL": url, "RAG_LLM_MODEL": "fault",
               "RAG_LLM_MODE": "llm", "RAG_LLM_API_KEY": KEY, "RAG_LLM_TIMEOUT_S": str(TIMEOUT_S)}
        run = subprocess.run([str(RAG), "--home", str(home), "ask", QUESTION], env=env, capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
    tally.add("faults injected")
    assert run.returncode not in (0, None), (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert "SECRET" not in run.stdout + run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    assert_clear(lines[0], fault)
    assert run.stdout.strip() == "", run.stdout
