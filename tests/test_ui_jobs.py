"""The app's index-writing jobs (ui/jobs.py): a job outlives the script run that started it, one
key is one piece of work, failures become messages, and one job writes at a time."""

from __future__ import annotations

import threading
import uuid

import rag
from ui import jobs


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


def test_a_job_runs_to_the_end_without_anyone_following_it() -> None:
    release = threading.Event()

    def work(report: jobs.Report) -> str:
        report("half-way", 1, 2)
        release.wait(5)
        report("done", 2, 2)
        return "indexed"

    job = jobs.start(_key(), "test", work)
    # Nobody follows it (the run that started it was stopped): it goes on regardless.
    assert not job.finished.wait(0.1)
    release.set()
    assert job.finished.wait(5)
    assert job.result == "indexed" and job.error is None and job.fraction == 1.0


def test_one_key_is_one_piece_of_work() -> None:
    key, calls = _key(), []
    first = jobs.start(key, "test", lambda report: calls.append(1))
    assert first.finished.wait(5)
    again = jobs.start(key, "test", lambda report: calls.append(2))
    assert again is first and calls == [1] and jobs.get(key) is first


def test_failures_become_messages() -> None:
    def bad_input(report: jobs.Report) -> None:
        raise rag.InputError("empty.txt: the file is empty")

    def crash(report: jobs.Report) -> None:
        raise OSError("disk full")

    known = jobs.start(_key(), "upload", bad_input)
    unknown = jobs.start(_key(), "upload", crash)
    assert known.finished.wait(5) and unknown.finished.wait(5)
    assert known.error == "empty.txt: the file is empty" and known.result is None
    assert unknown.error == "upload failed: OSError: disk full"


def test_one_job_writes_at_a_time() -> None:
    inside, overlap, lock = [0], [], threading.Lock()

    def work(report: jobs.Report) -> None:
        with lock:
            inside[0] += 1
            overlap.append(inside[0])
        threading.Event().wait(0.05)
        with lock:
            inside[0] -= 1

    started = [jobs.start(_key(), "test", work) for _ in range(4)]
    assert all(job.finished.wait(5) for job in started)
    assert overlap == [1, 1, 1, 1]
