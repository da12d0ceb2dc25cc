"""Index writes (first-start indexing, uploads) run in a worker thread, not in the script run.

Streamlit stops a script run whenever the user touches a widget or changes page; an ingest running
inside the run would be cut off half-way (a half-indexed article, an upload stored but never
indexed). A job outlives the run that started it: the next run finds it and follows its progress.
One job writes to the index at a time in this process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

import rag

log = logging.getLogger(__name__)

_WRITER = threading.Lock()  # the index has one writer per process
_jobs: dict[str, Job] = {}
_jobs_lock = threading.Lock()

Report = Callable[[str, int, int], None]


@dataclass
class Job:
    """A running or finished index write, with its last progress report."""

    label: str
    message: str = "waiting for another indexing job to finish…"
    done_units: int = 0
    total_units: int = 0
    result: Any = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def report(self, message: str, done: int, total: int) -> None:
        self.message, self.done_units, self.total_units = message, done, total

    @property
    def fraction(self) -> float:
        return min(self.done_units / self.total_units, 1.0) if self.total_units else 0.0


def start(key: str, label: str, work: Callable[[Report], Any]) -> Job:
    """The job under ``key`` (running or finished) if there is one, else a new one running ``work``:
    a key names one piece of work, done once per process."""
    with _jobs_lock:
        if (job := _jobs.get(key)) is not None:
            return job
        job = _jobs[key] = Job(label)

    def run() -> None:
        with _WRITER:
            job.message = "starting…"
            try:
                job.result = work(job.report)
            except rag.RagError as exc:
                job.error = str(exc)
            except Exception as exc:  # noqa: BLE001 - shown to the user; the app stays up
                log.exception("%s failed", label)
                job.error = f"{label} failed: {type(exc).__name__}: {exc}"
            finally:
                job.finished.set()

    threading.Thread(target=run, name=f"rag-job-{key}", daemon=True).start()
    return job


def get(key: str) -> Job | None:
    with _jobs_lock:
        return _jobs.get(key)


def follow(job: Job, text: str) -> None:
    """Show the job's progress until it ends. A rerun stops this loop, never the job."""
    bar = st.progress(job.fraction, text=f"{text}: {job.message}")
    while not job.finished.wait(0.2):
        bar.progress(job.fraction, text=f"{text}: {job.message}")
    bar.empty()
