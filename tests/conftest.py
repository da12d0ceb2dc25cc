"""Shared fixtures: isolated settings per test, a copy of the seeds, a small deterministic embedder,
and the reliability suite's tally (tests/reliability): every test there counts what it tried (bad
inputs, faults injected, concurrent calls) and what went wrong (failures, data lost); the session
ends with the table, also written to ``eval/runs/reliability.json`` (or ``$RAG_RELIABILITY_REPORT``).
It lives here, not in a conftest of its own, so ``from conftest import …`` names one module."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.retrieval import forget_retrievers

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


class HashEmbedder:
    """Deterministic bag-of-words embedder for unit tests: no model, no network."""

    model_id = "test-hash-64"

    def __init__(self, dims: int = 64) -> None:
        self.dims = dims
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "RAG_HOME", "RAG_CORPUS", "RAG_CHROMA_URL", "RAG_COLLECTION", "RAG_EMBEDDING", "RAG_CHUNK_TOKENS",
        "RAG_LLM_MODE", "RAG_LLM_BASE_URL", "RAG_LLM_MODEL", "RAG_LLM_API_KEY", "RAG_LLM_TIMEOUT_S", "OPENAI_API_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    forget_retrievers()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the seed articles and their metadata."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(home=tmp_path / "home", corpus=corpus)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate a server started by a test; kill it if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def seed_index(base: Path) -> tuple[Path, Path]:
    """(home, corpus): a copy of the seeds under ``base``, indexed with the real ONNX embedder."""
    from rag import ingest

    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    report = ingest(settings=Settings(home=base / "home", corpus=corpus, embedding="minilm-int8"))
    assert sorted(report.added) == sorted(p.name for p in SEEDS.glob("*.txt"))
    return base / "home", corpus


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- reliability tally

KINDS = ("bad inputs tried", "faults injected", "concurrent calls", "failures", "data lost")
_ROOT = Path(__file__).resolve().parent.parent


class Tally:
    """Counts shared by the suite's tests (thread-safe: concurrency tests add from threads)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, kind: str, n: int = 1) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown tally kind {kind!r}; one of {KINDS}")
        with self._lock:
            self.counts[kind] += n


_TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Tally:
    return _TALLY


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/reliability is in the suite (`pytest -m reliability` runs all of it)."""
    for item in items:
        if item.nodeid.replace("\\", "/").startswith("tests/reliability/"):
            item.add_marker(pytest.mark.reliability)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TALLY.counts:
        return
    # Failures: what tests counted, plus every reliability test that failed or errored.
    failed = sum(1 for key in ("failed", "error") for report in terminalreporter.stats.get(key, [])
                 if "tests/reliability/" in getattr(report, "nodeid", "").replace("\\", "/")
                 or "reliability" in getattr(report, "keywords", {}))
    counts = {k: _TALLY.counts.get(k, 0) + (failed if k == "failures" else 0) for k in KINDS}
    terminalreporter.section("reliability suite")
    for kind in KINDS:
        terminalreporter.write_line(f"{kind:<18} {counts[kind]:>7}")
    target = Path(os.environ.get("RAG_RELIABILITY_REPORT", _ROOT / "eval" / "runs" / "reliability.json"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(counts, indent=1) + "\n")
    terminalreporter.write_line(f"written to {target}")
