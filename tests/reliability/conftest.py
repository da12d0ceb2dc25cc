"""The reliability suite's tally: every test counts what it tried (bad inputs, faults injected,
concurrent calls) and what went wrong (failures, data lost); the session ends with the table,
also written to ``eval/runs/reliability.json`` (or ``$RAG_RELIABILITY_REPORT``)."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path

import pytest

KINDS = ("bad inputs tried", "faults injected", "concurrent calls", "failures", "data lost")
_ROOT = Path(__file__).resolve().parents[2]


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TALLY.counts:
        return
    terminalreporter.section("reliability suite")
    for kind in KINDS:
        terminalreporter.write_line(f"{kind:<18} {_TALLY.counts.get(kind, 0):>7}")
    target = Path(os.environ.get("RAG_RELIABILITY_REPORT", _ROOT / "eval" / "runs" / "reliability.json"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({k: _TALLY.counts.get(k, 0) for k in KINDS}, indent=1) + "\n")
    terminalreporter.write_line(f"written to {target}")
