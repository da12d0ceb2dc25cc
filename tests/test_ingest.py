"""Incremental ingest and hybrid retrieval against a local Chroma store, with a fake embedder."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import IndexMismatchError, IndexMissingError, InputError
from rag.ingestion import ingest
from rag.retrieval import Retriever
from rag.store import Store

from conftest import HashEmbedder


def test_first_ingest_then_nothing_to_do(settings: Settings, hash_embedder: HashEmbedder) -> None:
    first = ingest(settings=settings, embedder=hash_embedder)
    assert len(first.added) == 5 and not first.skipped and first.chunks_total > 20
    calls = hash_embedder.calls
    second = ingest(settings=settings, embedder=hash_embedder)
    assert second.unchanged == first.added and not second.changed
    assert second.chunks_total == first.chunks_total
    assert hash_embedder.calls == calls  # nothing re-embedded


def test_changed_and_deleted_files(settings: Settings, corpus: Path, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    target = corpus / "004_af183c27f94023d1.txt"
    text = target.read_text(encoding="utf-8").replace("backed by the West.", "backed by the West. The zeppelin landed in Ankara today.")
    target.write_text(text, encoding="utf-8")
    (corpus / "000_3a68910d6e622929.txt").unlink()
    report = ingest(settings=settings, embedder=hash_embedder)
    assert report.updated == ["004_af183c27f94023d1.txt"]
    assert report.removed == ["000_3a68910d6e622929.txt"]
    retriever = Retriever(settings, embedder=hash_embedder)
    hits = retriever.search("zeppelin Ankara", k=3)
    assert hits[0].source == "004_af183c27f94023d1.txt" and "zeppelin" in hits[0].text
    assert "000_3a68910d6e622929.txt" not in retriever.known()["source"]
    assert sum(1 for s in Store(settings, hash_embedder.model_id).sources()) == 4


def test_metadata_edit_updates_the_file(settings: Settings, corpus: Path, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    meta = corpus / "metadata.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"RT"', '"RT (Russia Today)"'), encoding="utf-8")
    calls = hash_embedder.calls
    report = ingest(settings=settings, embedder=hash_embedder)
    assert report.retagged == ["004_af183c27f94023d1.txt"] and not report.updated
    assert hash_embedder.calls == calls  # metadata alone: no re-embedding
    assert "RT (Russia Today)" in Retriever(settings, embedder=hash_embedder).known()["outlet"]
    assert not ingest(settings=settings, embedder=hash_embedder).changed


def test_bad_file_is_reported_and_index_stays(settings: Settings, corpus: Path, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    (corpus / "003_74ddc438a967e230.txt").write_bytes(b"\x00\x01\x02binary junk")
    (corpus / "new_empty.txt").write_bytes(b"")
    report = ingest(settings=settings, embedder=hash_embedder)
    reasons = {s.source: s.reason for s in report.skipped}
    assert "binary" in reasons["003_74ddc438a967e230.txt"] and reasons["new_empty.txt"] == "empty file"
    assert not report.removed  # the old chunks of the now-broken file are kept
    assert any("kept" in w for w in report.warnings)
    assert "003_74ddc438a967e230.txt" in Retriever(settings, embedder=hash_embedder).known()["source"]


def test_interrupted_ingest_is_repaired(settings: Settings, hash_embedder: HashEmbedder, monkeypatch) -> None:
    ingest_module = importlib.import_module("rag.ingestion")

    real_upsert = Store.upsert
    calls = {"n": 0}

    def crash_on_third(self, doc, chunks, vectors, n_chunks=None):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] == 3:
            real_upsert(self, doc, chunks, vectors, n_chunks)
            self.delete([chunks[-1].chunk_id])  # as if only part of the chunks reached the store
            raise KeyboardInterrupt  # and the process dies
        return real_upsert(self, doc, chunks, vectors, n_chunks)

    monkeypatch.setattr(ingest_module.Store, "upsert", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        ingest(settings=settings, embedder=hash_embedder)
    monkeypatch.setattr(ingest_module.Store, "upsert", real_upsert)
    report = ingest(settings=settings, embedder=hash_embedder)
    assert len(report.unchanged) == 2 and len(report.updated) == 1 and len(report.added) == 2
    again = ingest(settings=settings, embedder=hash_embedder)
    assert not again.changed and again.chunks_total == report.chunks_total


def test_changed_chunker_settings_are_refused_then_rebuilt(settings: Settings, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    other = settings.model_copy(update={"chunk_tokens": 80})
    with pytest.raises(IndexMismatchError, match="rebuild"):
        ingest(settings=other, embedder=hash_embedder)
    rebuilt = ingest(settings=other, embedder=hash_embedder, rebuild=True)
    assert len(rebuilt.added) == 5


def test_other_embedder_is_refused(settings: Settings, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    other = HashEmbedder(dims=32)
    other.model_id = "another-model"
    with pytest.raises(IndexMismatchError, match="embedding"):
        Retriever(settings, embedder=other).search("talks")


def test_search_before_ingest_says_what_to_do(settings: Settings, hash_embedder: HashEmbedder) -> None:
    with pytest.raises(IndexMissingError, match="rag ingest"):
        Retriever(settings, embedder=hash_embedder)


def test_filters(settings: Settings, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    r = Retriever(settings, embedder=hash_embedder)
    assert {h.source for h in r.search("Putin talks", k=10, filters={"outlet": "rt"})} == {"004_af183c27f94023d1.txt"}
    hits = r.search("Putin talks", k=10, filters={"date_from": "2025-08-01", "date_to": "2025-09-04"})
    assert hits and all("2025-08-01" <= h.published <= "2025-09-04" for h in hits)
    only = r.search("Putin", k=10, filters={"source": ["001_490b98aef62dcad9.txt"]})
    assert {h.source for h in only} == {"001_490b98aef62dcad9.txt"}
    with pytest.raises(InputError, match="known: Kyiv Post"):
        r.search("x", filters={"outlet": "BBC"})
    with pytest.raises(InputError, match="allowed: source, outlet"):
        r.search("x", filters={"author": "me"})
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        r.search("x", filters={"date_from": "last week"})
    with pytest.raises(InputError, match="empty query"):
        r.search("   ")


def test_hits_carry_exact_offsets(settings: Settings, corpus: Path, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    for hit in Retriever(settings, embedder=hash_embedder).search("security guarantees referendum", k=8):
        original = (corpus / hit.source).read_text(encoding="utf-8")
        assert original[hit.start : hit.end] == hit.text
        assert hit.outlet != "unknown" and hit.published


def test_bm25_finds_exact_rare_terms(settings: Settings, hash_embedder: HashEmbedder) -> None:
    ingest(settings=settings, embedder=hash_embedder)
    hits = Retriever(settings, embedder=hash_embedder).search("Snegovaya", k=1)
    assert hits[0].source == "003_74ddc438a967e230.txt" and hits[0].bm25_rank == 0


def test_progress_moves_inside_a_large_file(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    import random

    from rag.bench import synthetic_article
    from rag.ingestion import STORE_BATCH

    sentences = [f"Sentence {i} says the delegation met in Geneva on day {i}." for i in range(200)]
    folder = tmp_path / "big"
    folder.mkdir()
    text = synthetic_article(300_000, sentences, random.Random(1))
    (folder / "big.txt").write_text(text, encoding="utf-8")
    calls: list[tuple[str, int, int]] = []
    report = ingest(folder, settings=Settings(home=tmp_path / "home"), embedder=hash_embedder,
                    progress=lambda message, done, total: calls.append((message, done, total)))
    assert report.chunks_total > 2 * STORE_BATCH  # several batches
    total = len(text.encode())
    done = [d for _, d, t in calls if t == total]
    assert len(done) == len(calls) and done == sorted(done) and done[-1] == total
    assert len([d for d in done if 0 < d < total]) >= 2  # the bar moves before the file is finished
    assert any("splitting" in message for message, _, _ in calls)
    assert set(report.stages) >= {"load", "split", "chunk", "embed", "store"}


def test_a_file_that_is_all_boilerplate_is_skipped_not_fatal(settings: Settings, corpus: Path,
                                                             hash_embedder: HashEmbedder) -> None:
    (corpus / "promo.txt").write_text("Download our app on the App Store\nGet the app on Google Play\n", encoding="utf-8")
    report = ingest(settings=settings, embedder=hash_embedder)
    assert len(report.added) == 5 and "promo.txt" not in report.added
    assert {s.source: s.reason for s in report.skipped}["promo.txt"].startswith("no article text")
    assert report.files_read == 5
