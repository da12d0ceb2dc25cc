"""Concurrency: ``rag.answer()`` from many threads and many processes at once gives the answers a
lone caller gets, and questions asked while an ingest writes to the same library never cite words
that are not in their file.

Everything runs on the real ONNX embedder and the local Chroma index (``seed_index``), in
extractive mode; the tally counts every concurrent call made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEEDS, seed_index

import rag
from rag.check import check
from rag.config import Settings
from rag.documents import original_text
from rag.retrieval import forget_retrievers

pytestmark = pytest.mark.integration

WORKERS = 20
PROCESSES = 20
# A mix of what users ask: single facts, a refusal, and requests routed to the summary, timeline,
# comparison and who-said-what features (which read the corpus caches).
QUESTIONS = (
    "Where did Putin say he would guarantee Zelensky's safety?",
    "Which country said it would shield Putin from arrest if he came there for peace talks?",
    "In which city were direct Russia-Ukraine negotiations due to restart in mid-May 2025?",
    "What condition did Zelensky set before agreeing to sit down with the Russian president?",
    "On what grounds does the Kremlin call Zelensky an illegitimate president?",
    "Who is the mayor of Lisbon?",
    "What did Peskov say about Putin's invitation to Zelensky?",
    "Summarise the Kyiv Post article",
    "Give me a timeline of the events",
    "How do the outlets differ on where the leaders should meet?",
    "Who said what about security guarantees?",
)

Signature = tuple[Any, ...]


def signature(a: rag.Answer) -> Signature:
    """What must not depend on who else is asking: text, citations, whether and how it answered."""
    return (a.text, tuple(a.citations), a.answered, a.mode, tuple(a.notices), tuple(a.unanswered))


def _settings(home: Path, corpus: Path) -> Settings:
    return Settings(home=home, corpus=corpus, embedding="minilm-int8", llm_mode="extractive")


def _cold_caches() -> None:
    """A process as it starts: no retriever, no cached window vectors, no open Chroma client."""
    from chromadb.api.client import SharedSystemClient

    from rag import answering

    forget_retrievers()
    answering._vectors_for.cache_clear()
    SharedSystemClient.clear_system_cache()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Signature]]:
    """The seeds indexed once for the module, and each question's answer asked alone, in order."""
    home, corpus = seed_index(tmp_path_factory.mktemp("concurrency"))
    settings = _settings(home, corpus)
    forget_retrievers()
    expected = {q: signature(rag.answer(q, mode="extractive", settings=settings)) for q in QUESTIONS}
    # The mix is worth testing only if it holds real answers, a refusal and routed requests.
    assert sum(e[2] for e in expected.values()) >= len(QUESTIONS) - 1
    assert any(not e[2] for e in expected.values())
    assert all(e[1] for e in expected.values() if e[2])
    return settings, expected


def _diff(question: str, got: Signature, want: Signature) -> str:
    names = ("text", "citations", "answered", "mode", "notices", "unanswered")
    parts = [f"{n}: got {g!r:.300} want {w!r:.300}" for n, g, w in zip(names, got, want) if g != w]
    return f"{question!r}: " + "; ".join(parts)


def _threaded_round(settings: Settings, questions: list[str]) -> list[tuple[str, Signature | BaseException]]:
    """Every question asked at once, one thread each (all released together by a barrier)."""
    start = threading.Barrier(len(questions), timeout=60)

    def ask(question: str) -> tuple[str, Signature | BaseException]:
        start.wait()
        try:
            return question, signature(rag.answer(question, mode="extractive", settings=settings))
        except BaseException as exc:  # noqa: BLE001 - reported by the test, with the question
            return question, exc

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(ask, q) for q in questions]
        return [f.result(timeout=120) for f in futures]


@pytest.mark.timeout(180)
def test_parallel_answers_from_threads_equal_the_sequential_ones(seeded, tally) -> None:
    settings, expected = seeded
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(WORKERS)]
    # Twice: from cold caches (first retriever, first window vectors, first Chroma client are made
    # while 20 threads ask) and from warm ones.
    for label in ("cold", "warm"):
        if label == "cold":
            _cold_caches()
        results = _threaded_round(settings, questions)
        tally.add("concurrent calls", len(results))
        errors = [f"{q!r}: {type(r).__name__}: {r}" for q, r in results if isinstance(r, BaseException)]
        wrong = [_diff(q, r, expected[q]) for q, r in results  # type: ignore[arg-type]
                 if not isinstance(r, BaseException) and r != expected[q]]
        if errors or wrong:
            tally.add("failures", len(errors) + len(wrong))
        assert not errors, f"{label} round: " + "\n".join(errors)
        assert not wrong, f"{label} round: answers differ from the sequential ones:\n" + "\n".join(wrong)
        assert len(results) == WORKERS


@pytest.mark.timeout(120)
def test_searches_stay_whole_while_the_retriever_is_refreshed(seeded, tally) -> None:
    """``Retriever.refresh()`` (after an ingest elsewhere) swaps the BM25 index while other threads
    search with filters and select articles: each call works on one index from start to end. Before
    the fix, a search could mask the old index's scores with the new index's rows (ValueError:
    operands could not be broadcast together)."""
    from rag.corpus import select
    from rag.lexical import LexicalIndex
    from rag.retrieval import Retriever

    settings, _ = seeded
    retriever = Retriever(settings)
    whole = retriever.lexical
    # A smaller build of the same index (as after a removal): another length, other rows.
    keep = [row for row, meta in enumerate(whole.metas) if not meta["source"].startswith("003_")]
    smaller = LexicalIndex([whole.ids[r] for r in keep], [whole.texts[r] for r in keep], [whole.metas[r] for r in keep])
    builds = [smaller, whole]
    retriever._load_lexical = lambda: builds.append(builds.pop(0)) or builds[-1]  # type: ignore[method-assign]

    stop = threading.Event()
    errors: list[str] = []
    calls = [0]

    def search(n: int) -> None:
        filters = ({"outlet": "Kyiv Post"}, {"date_from": "2025-01-01"}, {"source": "000_3a68910d6e622929.txt"})[n % 3]
        while not stop.is_set():
            try:
                hits = retriever.search("Where did Putin invite Zelensky?", 5, filters)
                chosen = select(retriever, filters)
            except Exception as exc:  # noqa: BLE001 - collected, the test fails on any
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            calls[0] += 1
            if not hits or not chosen:
                errors.append(f"nothing found with {filters}: {len(hits)} hits, {len(chosen)} articles")
            # Each hit is its chunk's text and offsets, from whichever build the search used.
            errors.extend(f"hit {h.chunk_id} does not match its chunk" for h in hits
                          if h.text != whole.texts[whole.row_of[h.chunk_id]]
                          or (h.start, h.end) != (whole.metas[whole.row_of[h.chunk_id]]["start"],
                                                  whole.metas[whole.row_of[h.chunk_id]]["end"]))

    threads = [threading.Thread(target=search, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(300):
            retriever.refresh()
            time.sleep(0.002)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    tally.add("concurrent calls", calls[0] + 300)
    if errors:
        tally.add("failures", len(errors))
    assert not errors, f"{len(errors)} failed searches, e.g. {sorted(set(errors))[:3]}"
    assert calls[0] >= 30, calls[0]


# A fresh process, 20 threads released together; the errors they met, as JSON.
_FIRST_CALLS_SCRIPT = textwrap.dedent("""
    import json, sys, threading
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    home, corpus, question = sys.argv[1:4]
    import rag
    from rag.config import Settings

    s = Settings(home=Path(home), corpus=Path(corpus), embedding="minilm-int8", llm_mode="extractive", onnx_threads=1)
    calls = (lambda: rag.status(s).articles == 5, lambda: rag.status(s).chunks > 0, lambda: len(rag.articles(s)) == 5,
             lambda: bool(rag.retrieve("Swiss immunity", k=3, settings=s)),
             lambda: rag.answer(question, mode="extractive", settings=s).answered)
    start = threading.Barrier(20, timeout=60)
    errors = []

    def call(n):
        start.wait()
        try:
            if not calls[n % len(calls)]():
                errors.append(f"call {n % len(calls)}: a wrong result")
        except Exception as exc:
            errors.append(f"call {n % len(calls)}: {type(exc).__name__}: {str(exc)[:160]}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(call, range(20)))
    print(json.dumps(errors))
""")


@pytest.mark.timeout(120)
def test_first_calls_of_a_process_from_many_threads(seeded, tally, tmp_path: Path) -> None:
    """A fresh process whose first calls arrive together from many threads (a web service, a
    notebook with a thread pool): the sidebar's ``status``, ``articles``, ``retrieve`` and ``answer``
    each open the index; none may fail, and none may call a healthy index damaged. Three fresh
    processes at once, 20 threads each."""
    settings, _ = seeded
    script = tmp_path / "first_calls.py"
    script.write_text(_FIRST_CALLS_SCRIPT, encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(script), str(settings.home), str(settings.corpus), QUESTIONS[0]],
                              cwd=tmp_path, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    errors: list[str] = []
    try:
        for n, p in enumerate(procs):
            out, err = p.communicate(timeout=90)
            if p.returncode != 0:
                errors.append(f"process {n} exited {p.returncode}: {err.decode(errors='replace')[-1500:]}")
            else:
                errors += [f"process {n}, {e}" for e in json.loads(out.decode().strip().splitlines()[-1])]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    tally.add("concurrent calls", 3 * WORKERS)
    if errors:
        tally.add("failures", len(errors))
    assert not errors, f"{len(errors)} of {3 * WORKERS} first calls failed:\n" + "\n".join(sorted(set(errors)))


# One process per call. Each imports rag, says it is ready and waits for the go signal, so that the
# 20 calls (each opening the index, loading the model and BM25, answering) really overlap.
_PROCESS_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    from dataclasses import asdict
    from pathlib import Path

    ready, go, home, corpus, question = sys.argv[1:6]
    import rag
    from rag.config import Settings

    Path(ready).touch()
    deadline = time.monotonic() + 120
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("no go signal")
        time.sleep(0.01)
    settings = Settings(home=Path(home), corpus=Path(corpus), embedding="minilm-int8", llm_mode="extractive",
                        onnx_threads=1)  # 20 processes on a few cores: no spinning thread pools
    a = rag.answer(question, mode="extractive", settings=settings)
    print(json.dumps({"text": a.text, "citations": [asdict(c) for c in a.citations], "answered": a.answered,
                      "mode": a.mode, "notices": a.notices, "unanswered": a.unanswered}))
""")


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_") and k != "OPENAI_API_KEY"}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.timeout(240)
def test_parallel_answers_from_processes_equal_the_sequential_ones(seeded, tally, tmp_path: Path) -> None:
    settings, expected = seeded
    script = tmp_path / "ask_once.py"
    script.write_text(_PROCESS_SCRIPT, encoding="utf-8")
    go = tmp_path / "go"
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(PROCESSES)]
    procs: list[subprocess.Popen] = []
    t0 = time.monotonic()
    logs = []
    try:
        for n, question in enumerate(questions):
            log = (tmp_path / f"child{n}.err").open("wb")
            logs.append(log)
            procs.append(subprocess.Popen(
                [sys.executable, str(script), str(tmp_path / f"ready{n}"), str(go), str(settings.home),
                 str(settings.corpus), question],
                cwd=tmp_path, env=_child_env(), stdout=subprocess.PIPE, stderr=log))
        deadline = time.monotonic() + 150
        while not all((tmp_path / f"ready{n}").exists() for n in range(PROCESSES)):
            dead = [n for n, p in enumerate(procs) if p.poll() is not None]
            assert not dead, f"processes {dead} exited before the start: " + (
                tmp_path / f"child{dead[0]}.err").read_text()[-2000:]
            assert time.monotonic() < deadline, "the processes did not all start within 150 s"
            time.sleep(0.05)
        started = time.monotonic()
        go.touch()
        outputs = []
        for n, p in enumerate(procs):
            out, _ = p.communicate(timeout=max(deadline + 60 - time.monotonic(), 5))
            outputs.append((p.returncode, out.decode("utf-8", "replace")))
        print(f"ready after {started - t0:.1f} s, answered {time.monotonic() - started:.1f} s after go")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        for log in logs:
            log.close()
    tally.add("concurrent calls", len(procs))
    failed = [f"process {n} ({questions[n]!r}) exited {code}: "
              + (tmp_path / f"child{n}.err").read_text()[-1500:] for n, (code, _) in enumerate(outputs) if code != 0]
    if failed:
        tally.add("failures", len(failed))
    assert not failed, "\n".join(failed)
    wrong = []
    for n, (_, out) in enumerate(outputs):
        got = json.loads(out.strip().splitlines()[-1])
        sig = (got["text"], tuple(rag.Citation(**c) for c in got["citations"]), got["answered"], got["mode"],
               tuple(got["notices"]), tuple(got["unanswered"]))
        if sig != expected[questions[n]]:
            wrong.append(_diff(questions[n], sig, expected[questions[n]]))
    if wrong:
        tally.add("failures", len(wrong))
    assert not wrong, "answers from separate processes differ from the sequential ones:\n" + "\n".join(wrong)


# --- an ingest while questions are asked --------------------------------------------------------------

EXTRA_OUTLET = "Harbour Wire"
EXTRA_FACT = "Maren Dusk"
EXTRA_LEAD = (f"The harbour master of Port Ellery, {EXTRA_FACT}, said on Tuesday that the ferry crossings "
              "to the island of Tolleth would stay closed until the storm wall was repaired.")
EXTRA_QUESTION = "Who is the harbour master of Port Ellery?"


def _extra_folder(target: Path) -> list[str]:
    """A second folder: the seed articles renamed and altered (a new lead paragraph, other place
    names), with their own metadata; the file names it holds."""
    target.mkdir()
    names, files = [], {}
    for n, seed in enumerate(sorted(SEEDS.glob("*.txt"))[:4]):
        text = seed.read_text(encoding="utf-8")
        lines = text.split("\n", 1)
        altered = lines[0] + "\n\n" + (EXTRA_LEAD if n == 0 else f"Update {n}: the talks were discussed again.") \
            + "\n\n" + lines[1].replace("Moscow", "Tolleth").replace("Istanbul", "Port Ellery")
        name = f"wire_{n}_{seed.stem[-6:]}.txt"
        (target / name).write_text(altered, encoding="utf-8")
        files[name] = {"outlet": EXTRA_OUTLET, "title": f"Wire copy {n}", "published": f"2025-10-0{n + 1}"}
        names.append(name)
    (target / "metadata.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    return names


def _bad_quotes(a: rag.Answer) -> list[str]:
    """Citations whose quote is not the cited file's text at the cited offsets."""
    bad = []
    if a.answered and not a.citations:
        bad.append(f"{a.question!r}: answered without a citation")
    for c in a.citations:
        try:
            text = original_text(Path(c.path))
        except OSError as exc:
            bad.append(f"{a.question!r}: cited file {c.path!r} cannot be read: {exc}")
            continue
        if text[c.start : c.end] != c.quote:
            bad.append(f"{a.question!r}: {c.path}[{c.start}:{c.end}] is {text[c.start:c.end]!r:.120}, "
                       f"quote {c.quote!r:.120}")
    return bad


@pytest.mark.timeout(180)
def test_questions_during_an_ingest_cite_only_words_in_their_files(tmp_path: Path, tally) -> None:
    home, corpus = seed_index(tmp_path / "live")
    settings = _settings(home, corpus)
    seeds_before = {a.path for a in rag.articles(settings)}
    extra = tmp_path / "wire"
    extra_names = _extra_folder(extra)
    questions = [*QUESTIONS[:8], QUESTIONS[10], EXTRA_QUESTION]  # facts, a refusal, a summary, who said what
    readers = 4

    forget_retrievers()
    rag.answer(QUESTIONS[0], mode="extractive", settings=settings)  # the app is up: index open, model loaded

    stop = threading.Event()
    lock = threading.Lock()
    answers: list[tuple[float, float, rag.Answer]] = []  # (asked, answered, answer)
    errors: list[str] = []
    typed: list[str] = []
    window: dict[str, float] = {}

    def reader(n: int) -> None:
        i = n
        rounds_after = 0
        while rounds_after < len(questions):  # keep asking until the ingest ends, then one more round
            if stop.is_set():
                rounds_after += 1
            question = questions[i % len(questions)]
            i += 1
            asked = time.monotonic()
            try:
                a = rag.answer(question, mode="extractive", settings=settings)
            except rag.RagError as exc:  # a documented, typed error: allowed, counted
                with lock:
                    typed.append(f"{question!r}: {type(exc).__name__}: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - anything else is a failure of the test
                with lock:
                    errors.append(f"{question!r}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                answers.append((asked, time.monotonic(), a))

    def slow_progress(message: str, done: int, total: int) -> None:
        time.sleep(0.1)  # a progress bar that takes its time: a wider window for the readers

    report: list[rag.IngestReport] = []

    def writer() -> None:
        time.sleep(0.3)  # the readers are asking already
        window["start"] = time.monotonic()
        try:
            report.append(rag.ingest(extra, settings=settings, progress=slow_progress))
        except Exception as exc:  # noqa: BLE001 - collected, the test fails on any
            errors.append(f"ingest: {type(exc).__name__}: {exc}")
        finally:
            window["end"] = time.monotonic()
            stop.set()

    threads = [threading.Thread(target=reader, args=(n,), name=f"reader{n}") for n in range(readers)]
    threads.append(threading.Thread(target=writer, name="ingest"))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=150)
    stop.set()
    assert not any(t.is_alive() for t in threads), "a reader or the ingest did not finish within 150 s"
    tally.add("concurrent calls", len(answers) + len(typed) + len(errors) + 1)

    bad = [b for _, _, a in answers for b in _bad_quotes(a)]
    if errors or bad:
        tally.add("failures", len(errors) + len(bad))
    assert not errors, "\n".join(errors)
    assert report and sorted(report[0].added) == sorted(extra_names), report
    during = [a for _, t, a in answers if window["start"] <= t <= window["end"]]
    assert during, "no answer was given while the ingest ran: the test did not overlap them"
    assert not bad, "citations that are not their file's words:\n" + "\n".join(bad[:20])
    assert len(answers) >= 2 * len(questions) and len(typed) <= len(answers) // 10, typed[:5]

    # Nothing was lost, and the new articles are searchable from every thread once the ingest is done.
    after = {a.path: a for a in rag.articles(settings)}
    lost = sorted(seeds_before - set(after))
    if lost:
        tally.add("data lost", len(lost))
    assert not lost, f"articles gone from the library after the ingest: {lost}"
    wire = [a for p, a in after.items() if p.startswith(extra.resolve().as_posix() + "/")]
    assert sorted(a.source for a in wire) == sorted(extra_names) and all(a.complete for a in wire), wire
    assert all(after[p].complete for p in seeds_before)
    # Asked once the ingest had returned: the new articles must be found.
    last = [a for t, _, a in answers if t > window["end"] and a.question == EXTRA_QUESTION]
    assert last, "the new article was never asked about after the ingest"
    for a in last:
        assert a.answered and EXTRA_FACT in a.text, a.text
        assert any(c.outlet == EXTRA_OUTLET and EXTRA_FACT in c.quote for c in a.citations), a.citations



@pytest.mark.timeout(300)
def test_two_evals_at_once_on_an_index_built_with_other_settings(tally, tmp_path: Path) -> None:
    """Both find the index built differently; one rebuilds it under the lock, the other waits and
    uses the rebuilt index instead of dropping it while the first is answering (which failed before)."""
    home = tmp_path / "home"
    env = _child_env() | {"RAG_CORPUS": str(SEEDS)}
    rag_cli = Path(sys.executable).with_name("rag")
    built = subprocess.run([str(rag_cli), "--home", str(home), "ingest", str(SEEDS)], env=env | {"RAG_CHUNK_TOKENS": "100"},
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    procs = [subprocess.Popen([str(rag_cli), "--home", str(home), "eval", "--mode", "extractive", "--no-peer",
                               "--limit", "12", "--out", str(tmp_path / f"run{n}")],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(2)]
    outputs = [p.communicate(timeout=240) for p in procs]
    tally.add("concurrent calls", 2)
    failed = [f"exit {p.returncode}: {err[-1500:]}" for p, (_, err) in zip(procs, outputs) if p.returncode != 0]
    if failed:
        tally.add("failures", len(failed))
    assert not failed, "\n".join(failed)
    rebuilt = [err for _, err in outputs if "rebuilding the local index" in err]
    assert len(rebuilt) == 1, [err[-800:] for _, err in outputs]
    for n in range(2):
        result = json.loads((tmp_path / f"run{n}" / "metrics.json").read_text())
        assert result["run"]["n_cases"] == 12 and result["metrics"]["quote_validity"] == 1.0, result["metrics"]
    assert check(settings=_settings(home, SEEDS)).ok
