"""Ingest and retrieval against a real Chroma server (``chroma run`` on 127.0.0.1) with the real embedder.

One server per module. Every test uses its own collection (and its own copy of the seeds when it
changes them), so tests do not depend on each other's order.
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

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from conftest import SEEDS, free_port, stop_process

from rag.chunking import ChunkerConfig, chunk_document
from rag.config import Settings
from rag.documents import load_folder
from rag.embeddings import make_embedder
from rag.errors import IndexMismatchError, InputError
from rag.ingestion import ingest
from rag.retrieval import Retriever
from rag.store import Store
from rag.types import Document, Hit

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 10.0

KYIV_POST = "000_3a68910d6e622929.txt"
YERMAK = "001_490b98aef62dcad9.txt"
CHINA = "002_a1fdc86be33cb0dc.txt"
MOSCOW_TIMES = "003_74ddc438a967e230.txt"
RT = "004_af183c27f94023d1.txt"
ALL_SOURCES = sorted([KYIV_POST, YERMAK, CHINA, MOSCOW_TIMES, RT])


# --------------------------------------------------------------------------- server


def _wait_for_heartbeat(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"chroma exited with code {proc.returncode} before answering:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"chroma did not answer {url}/api/v2/heartbeat within {STARTUP_TIMEOUT_S:.0f} s:\n"
                f"{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server on a free local port, stopped (terminate, then kill) after the module."""
    exe = Path(sys.executable).parent / "chroma"
    assert exe.is_file(), f"chroma CLI not found next to the interpreter: {exe}"
    base = tmp_path_factory.mktemp("chroma-server")
    log = base / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "run", "--path", str(base / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )
    try:
        _wait_for_heartbeat(proc, url, log)
        yield url
    finally:
        stop_process(proc, SHUTDOWN_TIMEOUT_S)


# --------------------------------------------------------------------------- helpers


def copy_seeds(target: Path) -> Path:
    """A writable copy of the seeds (the originals are read-only, and so are plain copies)."""
    shutil.copytree(SEEDS, target)
    for path in target.iterdir():
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


def make_settings(home: Path, corpus: Path, url: str, **overrides: object) -> Settings:
    """Settings for one isolated index on the server: its own collection, its own home."""
    values: dict[str, object] = {
        "home": home,
        "corpus": corpus,
        "chroma_url": url,
        "collection": f"it_{uuid.uuid4().hex[:12]}",
        "embedding": "minilm-int8",
    }
    values.update(overrides)
    return Settings(**values)


def server_collection(url: str, name: str):  # noqa: ANN201 - chromadb's Collection type
    """The collection as seen by an independent client of the server (not through rag)."""
    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_collection(name)


def ids_of(url: str, name: str, source: str) -> list[str]:
    return server_collection(url, name).get(where={"source": source}, include=[])["ids"]


def original(corpus: Path, source: str) -> str:
    return (corpus / source).read_text(encoding="utf-8")


def assert_offsets_hold(hits: list[Hit], corpus: Path) -> None:
    for hit in hits:
        text = original(corpus, hit.source)
        assert hit.text == text[hit.start : hit.end], f"{hit.source}[{hit.start}:{hit.end}] differs from the file"
        for s, e in hit.sentence_spans:
            assert hit.start <= s < e <= hit.end


def load_doc(corpus: Path, source: str) -> Document:
    """The document exactly as ingest loads it (same metadata, so the same file hash)."""
    return next(d for d in load_folder(corpus, 10_000_000) if isinstance(d, Document) and d.source == source)


# --------------------------------------------------------------------------- a shared, read-only index


@pytest.fixture(scope="module")
def indexed(chroma_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The seeds ingested once into one collection; tests using it only read."""
    base = tmp_path_factory.mktemp("indexed")
    corpus = copy_seeds(base / "corpus")
    settings = make_settings(base / "home", corpus, chroma_url)
    first = ingest(settings=settings)
    return {"settings": settings, "corpus": corpus, "first": first, "retriever": Retriever(settings)}


def test_first_ingest_adds_every_article_on_the_server(indexed: dict, chroma_url: str) -> None:
    report, settings = indexed["first"], indexed["settings"]
    assert sorted(report.added) == ALL_SOURCES
    assert report.updated == report.removed == report.unchanged == []
    assert report.skipped == []
    assert report.chunks_total > len(ALL_SOURCES)
    # The chunks live on the server, not in a local PersistentClient under home.
    col = server_collection(chroma_url, settings.collection)
    assert col.count() == report.chunks_total
    assert not settings.chroma_path.exists()
    assert col.metadata["rag_embedding"] == "all-MiniLM-L6-v2-int8"
    assert col.metadata["rag_chunker"] == ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences).signature
    # Every file has exactly its complete set of chunks, numbered 0..n-1.
    metas = col.get(include=["metadatas"])["metadatas"]
    for source in ALL_SOURCES:
        mine = [m for m in metas if m["source"] == source]
        assert sorted(m["seq"] for m in mine) == list(range(len(mine)))
        assert {m["n_chunks"] for m in mine} == {len(mine)}


def test_reingest_without_changes_changes_nothing(indexed: dict, chroma_url: str) -> None:
    settings = indexed["settings"]
    before = sorted(server_collection(chroma_url, settings.collection).get(include=[])["ids"])
    again = ingest(settings=settings)
    assert sorted(again.unchanged) == ALL_SOURCES
    assert again.added == again.updated == again.removed == []
    assert not again.changed
    assert again.chunks_total == indexed["first"].chunks_total
    assert sorted(server_collection(chroma_url, settings.collection).get(include=[])["ids"]) == before


QUESTIONS = [
    ("In which city was the economic forum where Putin renewed his invitation to Zelensky held?", KYIV_POST),
    ("Which country said it would protect Putin from arrest if he came for a summit?", MOSCOW_TIMES),
    ("Will the Russian leader personally go to the Istanbul negotiations, according to his spokesman?", RT),
    ("What did the head of the Ukrainian presidential office demand from Russian troops?", YERMAK),
    ("How many days did Putin spend in China?", CHINA),
]


@pytest.mark.parametrize(("question", "expected"), QUESTIONS, ids=[q[1][:3] for q in QUESTIONS])
def test_top_hit_comes_from_the_article_that_answers(indexed: dict, question: str, expected: str) -> None:
    hits = indexed["retriever"].search(question, k=5)
    assert len(hits) == 5
    assert hits[0].source == expected, [(h.source, h.text[:60]) for h in hits]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert_offsets_hold(hits, indexed["corpus"])


def test_top_hits_hold_the_answer_words(indexed: dict) -> None:
    retriever = indexed["retriever"]
    assert "Vladivostok" in retriever.search(QUESTIONS[0][0], k=1)[0].text
    assert "immunity" in retriever.search(QUESTIONS[1][0], k=1)[0].text
    assert "four-day visit to China" in retriever.search(QUESTIONS[4][0], k=1)[0].text


def test_every_hit_is_the_exact_original_text(indexed: dict) -> None:
    retriever = indexed["retriever"]
    seen = set()
    for query in ["Putin", "Zelensky Moscow security guarantees", "referendum martial law", "Trump", "BRICS Kazan"]:
        hits = retriever.search(query, k=20)
        assert hits
        assert_offsets_hold(hits, indexed["corpus"])
        seen |= {h.source for h in hits}
    assert seen == set(ALL_SOURCES)


def test_hits_use_both_dense_and_lexical_ranks(indexed: dict) -> None:
    hits = indexed["retriever"].search("Switzerland immunity from arrest", k=5)
    assert hits[0].dense_rank is not None and hits[0].bm25_rank is not None


def test_outlet_filter_goes_through_the_server(indexed: dict) -> None:
    retriever = indexed["retriever"]
    unfiltered = retriever.search("Putin talks with Zelensky", k=10)
    assert {h.source for h in unfiltered} != {RT}  # the filter below really removes something
    for outlet in ("RT", "rt"):
        hits = retriever.search("Putin talks with Zelensky", k=10, filters={"outlet": outlet})
        assert hits
        assert {h.source for h in hits} == {RT}
        assert {h.outlet for h in hits} == {"RT"}
        assert any(h.dense_rank is not None for h in hits)  # the server's `where` returned results
        assert_offsets_hold(hits, indexed["corpus"])


def test_date_range_filter_goes_through_the_server(indexed: dict) -> None:
    retriever = indexed["retriever"]
    window = {"date_from": "2025-09-01", "date_to": "2025-09-30"}
    hits = retriever.search("Putin Zelensky meeting in Moscow", k=10, filters=window)
    assert hits
    assert {h.source for h in hits} == {KYIV_POST, CHINA}  # published 2025-09-05 and 2025-09-03
    assert all("2025-09-01" <= h.published <= "2025-09-30" for h in hits)
    assert any(h.dense_rank is not None for h in hits)
    # Inclusive bounds: a one-day window on RT's date keeps RT only.
    day = retriever.search("Istanbul talks", k=5, filters={"date_from": "2025-05-15", "date_to": "2025-05-15"})
    assert day and {h.source for h in day} == {RT}
    # Open-ended: everything up to 2024 is the November 2024 article only.
    old = retriever.search("negotiations", k=5, filters={"date_to": "2024-12-31"})
    assert old and {h.source for h in old} == {YERMAK}


def test_source_filter_goes_through_the_server(indexed: dict) -> None:
    hits = indexed["retriever"].search("Putin", k=10, filters={"source": [CHINA, RT]})
    assert hits and {h.source for h in hits} <= {CHINA, RT}
    assert any(h.dense_rank is not None for h in hits)


def test_unknown_outlet_is_refused_with_the_known_ones(indexed: dict) -> None:
    with pytest.raises(InputError) as info:
        indexed["retriever"].search("Putin", filters={"outlet": "BBC"})
    message = str(info.value)
    assert "BBC" in message
    for outlet in ("Kyiv Post", "RT", "The Moscow Times", "Ukrainian outlet"):
        assert outlet in message


def test_bad_filters_are_refused(indexed: dict) -> None:
    retriever = indexed["retriever"]
    with pytest.raises(InputError, match="date_from"):
        retriever.search("Putin", filters={"date_from": "5 May 2025"})
    with pytest.raises(InputError, match="allowed"):
        retriever.search("Putin", filters={"country": "Russia"})
    with pytest.raises(InputError, match="known"):
        retriever.search("Putin", filters={"source": "nope.txt"})
    with pytest.raises(InputError, match="empty query"):
        retriever.search("   ")


# --------------------------------------------------------------------------- changes to the corpus


@pytest.fixture
def fresh(chroma_url: str, tmp_path: Path) -> dict:
    """A writable corpus copy ingested into a collection of its own."""
    corpus = copy_seeds(tmp_path / "corpus")
    settings = make_settings(tmp_path / "home", corpus, chroma_url)
    report = ingest(settings=settings)
    assert sorted(report.added) == ALL_SOURCES
    return {"settings": settings, "corpus": corpus, "report": report}


NEW_SENTENCE = (
    "Later that evening, officials confirmed that the delegations would reconvene in the Faroe Islands "
    "to discuss a separate agreement on Arctic fishing quotas and lighthouse maintenance."
)


def test_modified_file_is_updated_and_its_new_text_is_found(fresh: dict, chroma_url: str) -> None:
    settings, corpus = fresh["settings"], fresh["corpus"]
    old_ids = set(ids_of(chroma_url, settings.collection, YERMAK))
    path = corpus / YERMAK
    path.write_text(original(corpus, YERMAK) + "\n\n" + NEW_SENTENCE + "\n", encoding="utf-8")

    report = ingest(settings=settings)
    assert report.updated == [YERMAK]
    assert report.added == report.removed == []
    assert sorted(report.unchanged) == sorted(set(ALL_SOURCES) - {YERMAK})
    assert report.chunks_total == server_collection(chroma_url, settings.collection).count()

    # The file's chunks are replaced by the new version's, with no leftovers of the old hash.
    metas = server_collection(chroma_url, settings.collection).get(
        where={"source": YERMAK}, include=["metadatas"])["metadatas"]
    assert len({m["file_sha"] for m in metas}) == 1
    assert len(metas) == metas[0]["n_chunks"]
    assert set(ids_of(chroma_url, settings.collection, YERMAK)) != old_ids

    hits = Retriever(settings).search("Faroe Islands Arctic fishing quotas lighthouse", k=3)
    # BM25 alone ranks the new chunk first; the dense side may rank unrelated chunks near it
    new = [h for h in hits if h.source == YERMAK and NEW_SENTENCE in h.text]
    assert new and new[0].bm25_rank == 0
    assert_offsets_hold(hits, corpus)


def test_deleted_file_is_removed_and_never_found(fresh: dict, chroma_url: str) -> None:
    settings, corpus = fresh["settings"], fresh["corpus"]
    assert ids_of(chroma_url, settings.collection, CHINA)
    (corpus / CHINA).unlink()

    report = ingest(settings=settings)
    assert report.removed == [CHINA]
    assert report.added == report.updated == []
    assert sorted(report.unchanged) == sorted(set(ALL_SOURCES) - {CHINA})
    assert ids_of(chroma_url, settings.collection, CHINA) == []
    assert report.chunks_total == server_collection(chroma_url, settings.collection).count()

    retriever = Retriever(settings)
    for query in ["Putin's four-day visit to China", "Xi Jinping Beijing honor guard", "Putin"]:
        hits = retriever.search(query, k=20)
        assert hits and CHINA not in {h.source for h in hits}
    with pytest.raises(InputError, match="unknown source"):
        retriever.search("Putin", filters={"source": CHINA})


def test_changed_chunk_size_is_refused_then_rebuilt(fresh: dict, chroma_url: str) -> None:
    settings = fresh["settings"]
    smaller = settings.model_copy(update={"chunk_tokens": 80})
    with pytest.raises(IndexMismatchError, match="chunker") as info:
        ingest(settings=smaller)
    assert "--rebuild" in str(info.value)
    # Refusing changed nothing: the old index is intact and still usable with the old settings.
    col = server_collection(chroma_url, settings.collection)
    assert col.count() == fresh["report"].chunks_total
    assert col.metadata["rag_chunker"] == f"sentences/cl100k/{settings.chunk_tokens}/overlap1"
    with pytest.raises(IndexMismatchError):
        Retriever(smaller)

    rebuilt = ingest(settings=smaller, rebuild=True)
    assert sorted(rebuilt.added) == ALL_SOURCES
    assert rebuilt.updated == rebuilt.removed == rebuilt.unchanged == []
    assert rebuilt.chunks_total > fresh["report"].chunks_total  # smaller chunks, more of them
    col = server_collection(chroma_url, settings.collection)
    assert col.count() == rebuilt.chunks_total
    assert col.metadata["rag_chunker"] == "sentences/cl100k/80/overlap1"
    assert all(m["n_chunks"] > 0 for m in col.get(include=["metadatas"])["metadatas"])

    hits = Retriever(smaller).search("Which country offered Putin immunity from arrest?", k=3)
    assert hits[0].source == MOSCOW_TIMES
    assert_offsets_hold(hits, fresh["corpus"])
    assert ingest(settings=smaller).unchanged == ALL_SOURCES
    with pytest.raises(IndexMismatchError):
        ingest(settings=settings)  # and now the old settings are the mismatched ones


# --------------------------------------------------------------------------- interrupted ingests


def test_half_written_new_file_is_completed(fresh: dict, chroma_url: str) -> None:
    """A run killed while writing a new file's chunks leaves some of them; the next run completes it."""
    settings, corpus = fresh["settings"], fresh["corpus"]
    new = "005_copy_of_moscow_times.txt"
    shutil.copyfile(SEEDS / MOSCOW_TIMES, corpus / new)
    (corpus / new).chmod(0o644)
    doc = load_doc(corpus, new)
    chunks = chunk_document(doc, ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences))
    assert len(chunks) >= 3

    embedder = make_embedder(settings)
    store = Store(settings, embedder.model_id)
    store.upsert(doc, chunks, embedder.embed([c.text for c in chunks]))
    store.delete([c.chunk_id for c in chunks[1:]])  # only the first chunk survived the "crash"
    metas = server_collection(chroma_url, settings.collection).get(
        where={"source": new}, include=["metadatas"])["metadatas"]
    assert len(metas) == 1
    assert metas[0]["file_sha"] == doc.sha256 and metas[0]["n_chunks"] == len(chunks)

    report = ingest(settings=settings)
    assert report.updated == [new]
    assert report.added == report.removed == []
    assert sorted(report.unchanged) == ALL_SOURCES
    assert sorted(ids_of(chroma_url, settings.collection, new)) == sorted(c.chunk_id for c in chunks)
    assert report.chunks_total == fresh["report"].chunks_total + len(chunks)
    assert report.chunks_total == server_collection(chroma_url, settings.collection).count()
    # Now complete: the next run leaves it alone.
    assert ingest(settings=settings).unchanged == sorted(ALL_SOURCES + [new])


def test_run_killed_between_writing_new_and_deleting_old_chunks_is_cleaned(fresh: dict, chroma_url: str) -> None:
    """New version written, old version not yet deleted: the next run deletes the leftovers."""
    settings, corpus = fresh["settings"], fresh["corpus"]
    old_ids = set(ids_of(chroma_url, settings.collection, YERMAK))
    # Prepending shifts every offset, so every chunk id changes and old and new versions differ.
    (corpus / YERMAK).write_text(NEW_SENTENCE + "\n\n" + original(corpus, YERMAK), encoding="utf-8")
    doc = load_doc(corpus, YERMAK)
    chunks = chunk_document(doc, ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences))
    embedder = make_embedder(settings)
    Store(settings, embedder.model_id).upsert(doc, chunks, embedder.embed([c.text for c in chunks]))
    new_ids = {c.chunk_id for c in chunks}
    assert not old_ids & new_ids
    assert set(ids_of(chroma_url, settings.collection, YERMAK)) == old_ids | new_ids  # both versions present

    report = ingest(settings=settings)
    assert report.updated == [YERMAK]
    assert set(ids_of(chroma_url, settings.collection, YERMAK)) == new_ids
    assert report.chunks_total == server_collection(chroma_url, settings.collection).count()
    hits = Retriever(settings).search("Faroe Islands fishing quotas", k=3)
    new = [h for h in hits if h.source == YERMAK and NEW_SENTENCE in h.text]
    assert new and new[0].bm25_rank == 0


# --------------------------------------------------------------------------- regressions of fixed bugs


def test_second_client_does_not_serve_stale_chunks_after_an_update(fresh: dict, chroma_url: str,
                                                                    tmp_path: Path) -> None:
    settings, corpus = fresh["settings"], fresh["corpus"]
    other = settings.model_copy(update={"home": tmp_path / "other-home"})  # same server, same collection
    assert ingest(settings=other).unchanged == ALL_SOURCES
    Retriever(other)  # builds and saves the other client's BM25 cache

    path = corpus / YERMAK
    path.write_text(original(corpus, YERMAK).replace("Kherson regions", "Kherson provinces"), encoding="utf-8")
    report = ingest(settings=settings)
    assert report.updated == [YERMAK] and report.chunks_total == fresh["report"].chunks_total

    ingest(settings=other)
    hits = Retriever(other).search("withdrawal from Donetsk, Luhansk, Zaporizhzhia and Kherson provinces", k=10)
    assert any("Kherson provinces" in h.text for h in hits)
    assert_offsets_hold(hits, corpus)


def test_source_filter_is_case_insensitive_like_the_check(indexed: dict) -> None:
    hits = indexed["retriever"].search("Putin", k=5, filters={"source": RT.upper()})
    assert hits and {h.source for h in hits} == {RT}


def test_iso_week_date_is_refused_as_input_error(indexed: dict) -> None:
    with pytest.raises(InputError, match="date_from"):
        indexed["retriever"].search("Putin", filters={"date_from": "2025W201"})
