"""A Chroma server (``chroma run`` on 127.0.0.1) that stops and comes back while the process keeps running.

One server and one index of the seeds for the module; every test starts with the server up (it is
restarted on the same port and data path when a test left it down). In one process: an answer,
then the server stops, then it is restarted, and the same process answers again without being
restarted itself. While it is down, asking must fail with a clear ``RagError``.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _fault_llm import shared_conftest

from rag import answer, ingest
from rag.config import Settings
from rag.errors import RagError
from rag.types import Answer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

QUESTION = "Where did Putin invite Zelensky?"
STARTUP_S = 60.0


class ChromaServer:
    """``chroma run`` on a fixed port and data path, which the tests stop and start again."""

    def __init__(self, base: Path) -> None:
        self.base, self.port = base, shared_conftest().free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        exe = Path(sys.executable).with_name("chroma")
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1"}
        with (self.base / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [str(exe), "run", "--path", str(self.base / "data"), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma exited with {self.proc.returncode}:\n{(self.base / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        pytest.fail(f"chroma did not answer on {self.url} within {STARTUP_S:g} s")

    def stop(self) -> None:
        if self.proc is not None:
            shared_conftest().stop_process(self.proc, 10.0)
            self.proc = None

    @property
    def up(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("chroma-faults"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def indexed(chroma: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seeds ingested once into a collection of their own on the server."""
    base = tmp_path_factory.mktemp("chroma-faults-index")
    corpus = base / "corpus"
    shutil.copytree(shared_conftest().SEEDS, corpus)
    for path in corpus.iterdir():
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    settings = Settings(home=base / "home", corpus=corpus, chroma_url=chroma.url, embedding="minilm-int8",
                        collection=f"faults_{uuid.uuid4().hex[:10]}", llm_mode="extractive")
    assert len(ingest(settings=settings).added) == 5
    return settings


@pytest.fixture(autouse=True)
def _server_up(chroma: ChromaServer) -> None:
    if not chroma.up:
        chroma.start()


def assert_answered(result: Answer, corpus: Path) -> None:
    assert result.answered and result.citations, result
    for c in result.citations:
        assert c.quote == (corpus / c.source).read_text(encoding="utf-8")[c.start : c.end], c


def test_the_same_process_answers_again_after_the_server_restarts(chroma: ChromaServer, indexed: Settings,
                                                                    tally: Any) -> None:
    before = answer(QUESTION, settings=indexed)
    assert_answered(before, indexed.corpus)

    chroma.stop()
    tally.add("faults injected")
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - which type it is, is the next test's subject
        answer(QUESTION, settings=indexed)
    assert time.monotonic() - started < 10, "asking a stopped server hung"

    chroma.start()  # same port, same data path
    after = answer(QUESTION, settings=indexed)
    assert_answered(after, indexed.corpus)
    assert (after.text, after.citations) == (before.text, before.citations)


def test_a_stopped_server_is_a_clear_typed_error(chroma: ChromaServer, indexed: Settings, tally: Any) -> None:
    assert_answered(answer(QUESTION, settings=indexed), indexed.corpus)  # the retriever is cached and warm
    chroma.stop()
    tally.add("faults injected")
    with pytest.raises(RagError) as info:
        answer(QUESTION, settings=indexed)
    message = str(info.value)
    assert chroma.url in message and "Chroma server" in message, message
    assert "running" in message or "RAG_CHROMA_URL" in message, message  # what to do
    assert "\n" not in message and "[Errno" not in message and "httpx" not in message, message
