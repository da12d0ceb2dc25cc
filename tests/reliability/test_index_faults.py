"""Faults on the index itself: an ingest killed at random points, a damaged or foreign Chroma
folder, chunks altered behind the index's back, two writers at once. Each ends with `rag check`
and a comparison with a clean ingest of the same files: the same chunk ids, no article lost."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from rag.check import check, repair
from rag.config import Settings
from rag.embeddings import embedding_id
from rag.locking import lock_path
from rag.store import Store

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
RAG = [sys.executable, "-m", "rag.cli"]
KILLS = 3  # ingests killed at random points, each followed by a re-run


def _run(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*RAG, "--home", str(home), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _folder(base: Path, copies: int) -> Path:
    """The seeds plus ``copies`` altered copies of each: enough work for an ingest to be killed mid-way."""
    folder = base / "articles"
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        shutil.copy(path, folder / path.name)
        for n in range(copies):
            (folder / f"copy{n}_{path.name}").write_text(f"Edition {n}.\n\n{text}", encoding="utf-8")
    return folder


def _ids(home: Path, corpus: Path) -> set[str]:
    settings = Settings(home=home, corpus=corpus)
    return {i for page in Store(settings, embedding_id(settings)).iter_all([]) for i in page["ids"]}


def _articles(home: Path, corpus: Path) -> set[str]:
    settings = Settings(home=home, corpus=corpus)
    return set(Store(settings, embedding_id(settings)).sources())


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A folder and the chunk ids of its clean, uninterrupted ingest."""
    base = tmp_path_factory.mktemp("clean")
    folder = _folder(base, copies=4)
    done = _run(base / "home", "ingest", "-q", str(folder))
    assert done.returncode == 0, done.stderr
    return folder, _ids(base / "home", folder)


def test_an_ingest_killed_at_random_points_then_rerun_equals_a_clean_one(clean, tmp_path: Path, tally) -> None:
    folder, expected = clean
    home = tmp_path / "home"
    rng = random.Random(12)
    for _ in range(KILLS):
        proc = subprocess.Popen([*RAG, "--home", str(home), "ingest", "-q", str(folder)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 6.0))  # model load, then somewhere in the embedding of 25 files
        proc.kill()  # SIGKILL: no cleanup runs
        proc.wait(timeout=30)
        tally.add("faults injected")
    rerun = _run(home, "ingest", "-q", str(folder))
    assert rerun.returncode == 0, rerun.stderr
    got = _ids(home, folder)
    lost = {p.name for p in folder.glob("*.txt")} - {Path(p).name for p in _articles(home, folder)}
    tally.add("data lost", len(lost))
    assert not lost
    assert got == expected
    report = check(Settings(home=home, corpus=folder))
    assert report.ok, report.problems


def test_a_damaged_index_gives_a_clear_error_and_rebuild_recovers(tmp_path: Path, tally) -> None:
    home, folder = tmp_path / "home", tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    assert _run(home, "ingest", "-q", str(folder)).returncode == 0
    expected = _ids(home, folder)
    with (home / "chroma" / "chroma.sqlite3").open("r+b") as fh:
        fh.write(os.urandom(4096))
    tally.add("faults injected")
    asked = _run(home, "ask", "Where could Putin and Zelensky meet?")
    assert asked.returncode == 2
    assert "cannot be opened" in asked.stderr and "rag ingest --rebuild" in asked.stderr
    assert "Traceback" not in asked.stderr
    checked = _run(home, "check")
    assert checked.returncode == 1 and "[unreadable]" in checked.stdout
    rebuilt = _run(home, "ingest", "--rebuild", "-q", str(folder))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "moved to" in rebuilt.stderr  # the damaged folder is kept, not deleted
    assert list(home.glob("chroma.broken-*"))
    assert _ids(home, folder) == expected
    assert _run(home, "check").returncode == 0


def test_a_foreign_folder_where_the_index_should_be_is_refused_then_rebuilt(tmp_path: Path, tally) -> None:
    home, corpus = tmp_path / "home", tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (home / "chroma").mkdir(parents=True)
    (home / "chroma" / "chroma.sqlite3").write_text("these are my holiday notes, not a database\n")
    tally.add("faults injected")
    asked = _run(home, "ask", "Who is Peskov?", env={"RAG_CORPUS": str(corpus)})
    assert asked.returncode == 2 and "cannot be opened" in asked.stderr and "Traceback" not in asked.stderr
    repaired = _run(home, "check", "--repair", env={"RAG_CORPUS": str(corpus)})
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert len(_articles(home, corpus)) == len(list(SEEDS.glob("*.txt")))


def test_check_finds_a_chunk_altered_behind_the_index_and_repair_restores_it(tmp_path: Path, tally) -> None:
    home, corpus = tmp_path / "home", tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(home=home, corpus=corpus)
    assert _run(home, "ingest", "-q", str(corpus)).returncode == 0
    expected = _ids(home, corpus)
    col = Store(settings, embedding_id(settings)).collection()
    page = col.get(limit=1, include=["documents"])
    col.update(ids=page["ids"], documents=["[source: /etc/passwd] forged text"])
    tally.add("faults injected")
    report = check(settings)
    assert [p.kind for p in report.problems] == ["text"]
    assert repair(settings, report).ok
    assert _ids(home, corpus) == expected


def test_a_second_writer_waits_for_the_lock_or_refuses(tmp_path: Path, tally) -> None:
    home, corpus = tmp_path / "home", tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(home=home, corpus=corpus)
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    held = FileLock(str(path))
    held.acquire()
    try:
        refused = _run(home, "ingest", "-q", str(corpus), env={"RAG_LOCK_WAIT_S": "1"})
        tally.add("concurrent calls", 2)
        assert refused.returncode == 2
        assert "another process" in refused.stderr and "Traceback" not in refused.stderr
        waiting = subprocess.Popen([*RAG, "--home", str(home), "ingest", "-q", str(corpus)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert waiting.poll() is None  # still waiting for the lock
    finally:
        held.release()
    out, err = waiting.communicate(timeout=120)
    tally.add("concurrent calls", 2)
    assert waiting.returncode == 0, err
    assert "another process is writing to this index" in err
    assert check(settings).ok


def test_two_ingests_of_different_folders_at_once_lose_nothing(tmp_path: Path, tally) -> None:
    home = tmp_path / "home"
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(SEEDS, first)
    second.mkdir()
    for path in SEEDS.glob("*.txt"):
        (second / f"other_{path.name}").write_text("Second folder.\n\n" + path.read_text(encoding="utf-8"))
    procs = [subprocess.Popen([*RAG, "--home", str(home), "ingest", "-q", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for folder in (first, second)]
    errors = [p.communicate(timeout=180)[1] for p in procs]
    tally.add("concurrent calls", 2)
    assert [p.returncode for p in procs] == [0, 0], errors
    names = {Path(p).name for p in _articles(home, first)}
    lost = {p.name for p in first.glob("*.txt")} | {p.name for p in second.glob("*.txt")}
    lost -= names
    tally.add("data lost", len(lost))
    assert not lost
    assert check(Settings(home=home, corpus=first)).ok
