"""The library of several folders: ingest keeps other folders' articles, list / remove / set metadata,
same-named files in two folders, metadata read from the text, and an index of an older format.

Fast tier: a local Chroma store under tmp_path and the HashEmbedder fake, no model, no network.

The library functions (``articles``, ``remove``, ``set_metadata``) open the store with
``embedding_id(settings)`` and take no embedder, so the settings here name the fake's id
(``openai:test-hash-64``: a valid ``RAG_EMBEDDING`` value) and the fake carries the same id. Nothing
is patched for that; anything that tried to build the OpenAI embedder from these settings would
fail at once with a ConfigError (conftest clears OPENAI_API_KEY), never reach the network.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag.answering import answer
from rag.config import Settings
from rag.errors import IndexMismatchError, InputError
from rag.evidence import gather
from rag.ingestion import current_lexical, ingest
from rag.lexical import LexicalIndex
from rag.library import articles, remove, set_metadata
from rag.retrieval import Retriever
from rag.store import Store

from conftest import SEEDS, HashEmbedder

FAKE_ID = "openai:test-hash-64"
SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))
KYIV_POST = "000_3a68910d6e622929.txt"
MOSCOW_TIMES = "003_74ddc438a967e230.txt"

BEES = (
    "Beekeepers in Devon report a record honey harvest\n\n"
    "5 June 2025\n\n"
    "Beekeepers across Devon say this summer's honey harvest is the largest in a decade. "
    "Warm spring weather let the colonies grow early. "
    "Local co-operatives expect prices for heather honey to fall.\n"
)
LIGHTHOUSE = (
    "The old lighthouse on the northern cape will reopen to visitors after a long restoration. "
    "Volunteers repainted the tower and repaired the brass lantern. "
    "The keeper's cottage now houses a small museum about shipwrecks on the coast.\n"
)
OTHER_NAMES = ["bees.txt", "lighthouse.txt"]


@pytest.fixture
def embedder() -> HashEmbedder:
    fake = HashEmbedder()
    fake.model_id = FAKE_ID
    return fake


@pytest.fixture
def lib(settings: Settings) -> Settings:
    """The test settings, naming the fake embedder's id so library calls open the same store."""
    return Settings(home=settings.home, corpus=settings.corpus, embedding=FAKE_ID)


@pytest.fixture
def other(tmp_path: Path) -> Path:
    """A second folder: two short articles on topics the seeds never mention, no metadata.json."""
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "bees.txt").write_text(BEES, encoding="utf-8")
    (folder / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    return folder


def file_text(path: str) -> str:
    """The file as citation offsets see it (UTF-8, no newline translation)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def in_library(settings: Settings) -> set[tuple[str, str]]:
    return {(a.folder, a.source) for a in articles(settings=settings)}


def posix(folder: Path) -> str:
    return folder.resolve().as_posix()


# --------------------------------------------------------------------------- several folders


def test_ingesting_a_second_folder_keeps_the_first(lib: Settings, corpus: Path, other: Path, embedder: HashEmbedder) -> None:
    assert sorted(ingest(corpus, settings=lib, embedder=embedder).added) == SEED_NAMES
    second = ingest(other, settings=lib, embedder=embedder)
    assert second.added == OTHER_NAMES and second.removed == []

    expected = {(posix(corpus), n) for n in SEED_NAMES} | {(posix(other), n) for n in OTHER_NAMES}
    assert in_library(lib) == expected
    # and the other way round: re-ingesting the seeds leaves the second folder alone
    again = ingest(corpus, settings=lib, embedder=embedder)
    assert not again.changed and again.removed == []
    assert in_library(lib) == expected

    retriever = Retriever(lib, embedder=embedder)
    bees = retriever.search("beekeepers honey harvest Devon", k=1)[0]
    assert bees.path == posix(other) + "/bees.txt" and "honey" in bees.text
    seed = retriever.search("Snegovaya", k=1)[0]
    assert seed.path == posix(corpus) + "/" + MOSCOW_TIMES and "Snegovaya" in seed.text
    lighthouse = retriever.search("old lighthouse keeper's cottage museum shipwrecks", k=3)
    assert posix(other) + "/lighthouse.txt" in {h.path for h in lighthouse}


def test_an_emptied_folder_removes_only_its_own_articles(lib: Settings, tmp_path: Path, corpus: Path, other: Path,
                                                         embedder: HashEmbedder) -> None:
    ingest(corpus, settings=lib, embedder=embedder)
    ingest(other, settings=lib, embedder=embedder)

    # An empty folder that was never ingested, whose path starts with the seeds folder's path.
    sibling = tmp_path / "corpus-old"
    sibling.mkdir()
    report = ingest(sibling, settings=lib, embedder=embedder)
    assert report.files_read == 0 and report.removed == [] and not report.changed
    assert len(articles(settings=lib)) == len(SEED_NAMES) + len(OTHER_NAMES)

    for name in OTHER_NAMES:
        (other / name).unlink()
    report = ingest(other, settings=lib, embedder=embedder)
    assert report.removed == OTHER_NAMES and report.files_read == 0
    assert in_library(lib) == {(posix(corpus), n) for n in SEED_NAMES}
    sources = Retriever(lib, embedder=embedder).known()["path"]
    assert sources == sorted(posix(corpus) + "/" + n for n in SEED_NAMES)


def test_a_file_deleted_from_one_folder_stays_in_the_other(lib: Settings, tmp_path: Path, corpus: Path,
                                                          embedder: HashEmbedder) -> None:
    b = tmp_path / "b"
    b.mkdir()
    shutil.copy(corpus / MOSCOW_TIMES, b / MOSCOW_TIMES)
    (b / "bees.txt").write_text(BEES, encoding="utf-8")
    ingest(corpus, settings=lib, embedder=embedder)
    ingest(b, settings=lib, embedder=embedder)
    assert (posix(b), MOSCOW_TIMES) in in_library(lib)

    (b / MOSCOW_TIMES).unlink()
    report = ingest(b, settings=lib, embedder=embedder)
    assert report.removed == [MOSCOW_TIMES] and report.unchanged == ["bees.txt"]
    assert (posix(b), MOSCOW_TIMES) not in in_library(lib)
    assert (posix(corpus), MOSCOW_TIMES) in in_library(lib)
    hits = Retriever(lib, embedder=embedder).search("Snegovaya", k=3, filters={"source": MOSCOW_TIMES})
    assert hits and {h.path for h in hits} == {posix(corpus) + "/" + MOSCOW_TIMES}


def test_same_file_name_in_two_folders(lib: Settings, tmp_path: Path, corpus: Path, embedder: HashEmbedder,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    b = tmp_path / "b"
    b.mkdir()
    original = (corpus / KYIV_POST).read_text(encoding="utf-8")
    changed = original.replace("such talks in a third country", "such talks in Geneva")
    assert changed != original
    (b / KYIV_POST).write_text(changed, encoding="utf-8")
    ingest(corpus, settings=lib, embedder=embedder)
    path_a, path_b = posix(corpus) + "/" + KYIV_POST, posix(b) + "/" + KYIV_POST
    alone = {a.path: a for a in articles(settings=lib)}[path_a]
    ingest(b, settings=lib, embedder=embedder)

    same = {a.path: a for a in articles(settings=lib) if a.source == KYIV_POST}
    assert sorted(same) == sorted([path_a, path_b])
    assert same[path_a] == alone  # the copy's chunks (identical up to the edit) did not take over A's
    assert same[path_b].folder == posix(b) and same[path_b].chunks > 0 and same[path_b].complete

    retriever = Retriever(lib, embedder=embedder)
    hits = retriever.search("Putin invites Zelensky to Moscow security guarantee", k=10)
    assert {path_a, path_b} <= {h.path for h in hits}
    for hit in hits:
        assert hit.path and file_text(hit.path)[hit.start : hit.end] == hit.text
    # The bare name matches both files; a full path only that one.
    by_name = retriever.search("talks in a third country Geneva", k=10, filters={"source": KYIV_POST})
    assert {h.path for h in by_name} == {path_a, path_b}
    only_b = retriever.search("talks in a third country Geneva", k=10, filters={"source": path_b})
    assert only_b and {h.path for h in only_b} == {path_b}
    assert any("Geneva" in h.text for h in only_b)
    only_a = retriever.search("talks in a third country Geneva", k=10, filters={"source": path_a})
    assert only_a and {h.path for h in only_a} == {path_a}
    assert not any("Geneva" in h.text for h in only_a)

    # Evidence and citations name the file by path and quote it exactly.
    indexed = {a.path for a in articles(settings=lib)}
    evidence = gather(hits)
    assert {e.path for e in evidence} >= {path_a, path_b}
    for cite in (e.citation() for e in evidence):
        assert cite.path in indexed and file_text(cite.path)[cite.start : cite.end] == cite.quote
    monkeypatch.setattr("rag.retrieval.make_embedder", lambda settings: embedder)  # answer() builds its own Retriever
    result = answer("Where did Putin invite Zelensky?", mode="extractive", settings=lib)
    assert result.answered and result.citations
    for cite in result.citations:
        assert cite.path in indexed and file_text(cite.path)[cite.start : cite.end] == cite.quote
    assert {h.path for h in result.hits} >= {path_a, path_b}

    with pytest.raises(InputError) as ambiguous:
        remove([KYIV_POST], settings=lib)
    assert path_a in str(ambiguous.value) and path_b in str(ambiguous.value)
    assert len([a for a in articles(settings=lib) if a.source == KYIV_POST]) == 2  # nothing removed

    removed = remove([path_b], settings=lib)
    assert [a.path for a in removed] == [path_b]
    assert [a.path for a in articles(settings=lib) if a.source == KYIV_POST] == [path_a]
    assert (b / KYIV_POST).is_file()
    # with one left, the bare name is no longer ambiguous
    assert [a.path for a in remove([KYIV_POST], settings=lib)] == [path_a]
    assert not [a for a in articles(settings=lib) if a.source == KYIV_POST]


def test_remove_folder_takes_its_articles_out_of_chroma_and_bm25(lib: Settings, corpus: Path, other: Path,
                                                                 embedder: HashEmbedder) -> None:
    ingest(corpus, settings=lib, embedder=embedder)
    ingest(other, settings=lib, embedder=embedder)
    store = Store(lib, FAKE_ID)
    other_ids = {i for p, s in store.sources().items() if p.startswith(posix(other) + "/") for i in s.all_ids}
    assert other_ids

    removed = remove(folder=other, settings=lib)
    assert sorted(a.source for a in removed) == OTHER_NAMES
    assert {a.folder for a in removed} == {posix(other)}

    store = Store(lib, FAKE_ID)
    assert not [p for p in store.sources() if p.startswith(posix(other) + "/")]
    assert not other_ids & {i for page in store.iter_all([]) for i in page["ids"]}
    # The BM25 index saved by remove() (read as is, not rebuilt) no longer holds them ...
    saved = LexicalIndex.load(lib.bm25_dir)
    assert saved is not None and not other_ids & set(saved.ids)
    assert not [m for m in saved.metas if m["path"].startswith(posix(other) + "/") or m["source"] in OTHER_NAMES]
    # ... and is the current one.
    lexical = current_lexical(store)
    assert lexical.fingerprint == saved.fingerprint
    assert {m["path"] for m in lexical.metas} == {posix(corpus) + "/" + n for n in SEED_NAMES}
    assert "bees.txt" not in Retriever(lib, embedder=embedder).known()["source"]

    assert sorted(p.name for p in other.iterdir()) == OTHER_NAMES  # the files stay on disk
    with pytest.raises(InputError, match="no article in the library"):
        remove(folder=other, settings=lib)
    with pytest.raises(InputError, match="not in the library"):
        remove(["bees.txt"], settings=lib)
    assert ingest(other, settings=lib, embedder=embedder).added == OTHER_NAMES  # ingesting again adds them back


# --------------------------------------------------------------------------- metadata


def test_set_metadata_updates_metadata_json_and_the_index_without_re_embedding(
    lib: Settings, corpus: Path, embedder: HashEmbedder
) -> None:
    ingest(corpus, settings=lib, embedder=embedder)
    meta_file = corpus / "metadata.json"
    before = json.loads(meta_file.read_text(encoding="utf-8"))
    calls = embedder.calls

    article = set_metadata(str(corpus / MOSCOW_TIMES), outlet="Meduza", title="A new title", published="2025-08-23",
                           settings=lib)
    assert (article.outlet, article.title, article.published) == ("Meduza", "A new title", "2025-08-23")
    after = json.loads(meta_file.read_text(encoding="utf-8"))
    assert after["_about"] == before["_about"]
    assert after["files"][MOSCOW_TIMES] == {"outlet": "Meduza", "title": "A new title", "published": "2025-08-23",
                                           "url": "unknown"}
    assert {k: v for k, v in after["files"].items() if k != MOSCOW_TIMES} == \
        {k: v for k, v in before["files"].items() if k != MOSCOW_TIMES}

    listed = {a.source: a for a in articles(settings=lib)}[MOSCOW_TIMES]
    assert (listed.outlet, listed.title, listed.published) == ("Meduza", "A new title", "2025-08-23")
    retriever = Retriever(lib, embedder=embedder)
    hits = retriever.search("Putin Zelensky meeting", k=10, filters={"outlet": "meduza"})
    assert hits and {h.source for h in hits} == {MOSCOW_TIMES}
    assert all(h.outlet == "Meduza" and h.published == "2025-08-23" for h in hits)
    dated = retriever.search("Putin Zelensky meeting", k=10, filters={"date_from": "2025-08-23", "date_to": "2025-08-23"})
    assert {h.source for h in dated} == {MOSCOW_TIMES}
    assert embedder.calls == calls + 2  # the two queries above; set_metadata embedded nothing

    report = ingest(corpus, settings=lib, embedder=embedder)
    assert not report.changed and report.retagged == [] and len(report.unchanged) == len(SEED_NAMES)


def test_set_metadata_creates_metadata_json_when_missing(lib: Settings, other: Path, embedder: HashEmbedder) -> None:
    ingest(other, settings=lib, embedder=embedder)
    assert not (other / "metadata.json").exists()
    calls = embedder.calls

    article = set_metadata("lighthouse.txt", outlet="Coast Gazette", settings=lib)
    assert article.outlet == "Coast Gazette" and article.title == "unknown" and article.published is None
    written = json.loads((other / "metadata.json").read_text(encoding="utf-8"))
    assert written == {"files": {"lighthouse.txt": {"outlet": "Coast Gazette", "title": "unknown",
                                                    "published": "unknown", "url": "unknown"}}}
    # A second file keeps the first entry, and values read from the text are kept unless overridden.
    article = set_metadata(str(other / "bees.txt"), outlet="Devon Live", settings=lib)
    assert article.title.startswith("Beekeepers in Devon") and article.published == "2025-06-05"
    written = json.loads((other / "metadata.json").read_text(encoding="utf-8"))
    assert set(written["files"]) == set(OTHER_NAMES)
    assert written["files"]["bees.txt"]["published"] == "2025-06-05"
    assert {a.source: a.outlet for a in articles(settings=lib)} == {"bees.txt": "Devon Live", "lighthouse.txt": "Coast Gazette"}
    assert embedder.calls == calls

    report = ingest(other, settings=lib, embedder=embedder)
    assert not report.changed and report.unchanged == OTHER_NAMES


def test_set_metadata_refuses_bad_input_and_leaves_the_file(lib: Settings, corpus: Path, embedder: HashEmbedder) -> None:
    ingest(corpus, settings=lib, embedder=embedder)
    meta_file = corpus / "metadata.json"
    before = meta_file.read_bytes()
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        set_metadata(MOSCOW_TIMES, published="yesterday", settings=lib)
    with pytest.raises(InputError, match="not in the library"):
        set_metadata("no_such_file.txt", outlet="X", settings=lib)
    (corpus / MOSCOW_TIMES).write_text("Edited after indexing. It has two sentences now.\n", encoding="utf-8")
    with pytest.raises(InputError, match="rag ingest"):
        set_metadata(MOSCOW_TIMES, outlet="X", settings=lib)
    assert meta_file.read_bytes() == before


@pytest.mark.parametrize("bad", ["20250102", "2025-W01-1"])
def test_set_metadata_accepts_only_dashed_dates(lib: Settings, corpus: Path, embedder: HashEmbedder, bad: str) -> None:
    ingest(corpus, settings=lib, embedder=embedder)
    before = (corpus / "metadata.json").read_bytes()
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        set_metadata(MOSCOW_TIMES, published=bad, settings=lib)
    assert (corpus / "metadata.json").read_bytes() == before
    assert not ingest(corpus, settings=lib, embedder=embedder).changed


def test_metadata_is_read_from_the_text_without_metadata_json(lib: Settings, other: Path, embedder: HashEmbedder) -> None:
    ingest(other, settings=lib, embedder=embedder)
    found = {a.source: a for a in articles(settings=lib)}
    assert found["bees.txt"].title == "Beekeepers in Devon report a record honey harvest"
    assert found["bees.txt"].published == "2025-06-05"
    assert found["lighthouse.txt"].title == "unknown" and found["lighthouse.txt"].published is None
    assert {a.outlet for a in found.values()} == {"unknown"}
    hits = Retriever(lib, embedder=embedder).search("honey lighthouse", k=5, filters={"date_from": "2025-06-01"})
    assert {h.source for h in hits} == {"bees.txt"}


# --------------------------------------------------------------------------- index format


def test_an_index_of_an_older_format_is_refused_with_how_to_rebuild(lib: Settings, corpus: Path,
                                                                    embedder: HashEmbedder) -> None:
    ingest(corpus, settings=lib, embedder=embedder)
    col = Store(lib, FAKE_ID).collection()
    col.modify(metadata={**col.metadata, "rag_schema": "1"})
    assert Store(lib, FAKE_ID).client.get_collection(lib.collection).metadata["rag_schema"] == "1"

    with pytest.raises(IndexMismatchError, match="--rebuild") as refused:
        articles(settings=lib)
    assert "older version" in str(refused.value)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ingest(corpus, settings=lib, embedder=embedder)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Retriever(lib, embedder=embedder)

    assert sorted(ingest(corpus, rebuild=True, settings=lib, embedder=embedder).added) == SEED_NAMES
    assert len(articles(settings=lib)) == len(SEED_NAMES)


def test_a_parent_folder_leaves_a_subfolders_articles_to_it(lib: Settings, tmp_path: Path, embedder: HashEmbedder) -> None:
    parent = tmp_path / "news"
    child = parent / "science"
    child.mkdir(parents=True)
    (child / "bees.txt").write_text(BEES, encoding="utf-8")
    (child / "metadata.json").write_text(json.dumps({"files": {"bees.txt": {"outlet": "Science Desk"}}}), encoding="utf-8")
    (parent / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    ingest(child, settings=lib, embedder=embedder)
    report = ingest(parent, settings=lib, embedder=embedder)
    assert report.added == ["lighthouse.txt"] and any("already in the library from" in w for w in report.warnings)
    by_name = {a.source: a for a in articles(settings=lib)}
    assert by_name["bees.txt"].folder == child.resolve().as_posix() and by_name["bees.txt"].outlet == "Science Desk"
    (parent / "lighthouse.txt").unlink()
    assert ingest(parent, settings=lib, embedder=embedder).removed == ["lighthouse.txt"]
    assert [a.source for a in articles(settings=lib) if a.folder.startswith(parent.resolve().as_posix())] == ["bees.txt"]
    # removing the parent folder takes what was ingested from it or from inside it
    assert [a.source for a in remove(folder=parent, settings=lib)] == ["bees.txt"]
