"""Bad inputs, property-based: odd files in the corpus folder, odd questions, odd filters, modes and
settings. Each bad input gets a clear reason in the ingest report (a skipped file) or a clear typed
error (a ``RagError``); nothing crashes; and the index stays consistent: after ingesting a bad
folder with good articles in it, the good articles have exactly the chunks a clean ingest gives
them, and every chunk's text is its file's text at its offsets (the citation invariant).

No model is loaded: indexes are built with the suite's HashEmbedder, and ``answer()`` runs on a
retriever over that index. The CLI runs as a subprocess only where it fails before any model load.
Tests marked ``xfail(strict=True)`` pin defects that belong to modules this suite does not own
(their reasons name the module and the fix); they turn into failures once fixed, so the mark is
removed then.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from rag import retrieval
from rag.answering import answer
from rag.config import Settings, load_settings
from rag.documents import Skip, build_document, check_bytes, decode, load_folder, original_text
from rag.errors import ConfigError, InputError, RagError
from rag.ingestion import ingest
from rag.metadata import load_metadata_file
from rag.retrieval import FILTER_KEYS, Retriever
from rag.types import Answer, Document, SkippedFile
from tests.conftest import SEEDS, HashEmbedder
from tests.reliability._strategies import (
    SKIP_REASONS,
    article_names,
    article_texts,
    bad_bytes,
    check_index,
    encoded_articles,
    questions,
)

pytestmark = [pytest.mark.timeout(300),
              pytest.mark.skipif(sys.platform == "win32", reason="links, pipes and file names of a POSIX system")]

ROOT = Path(__file__).resolve().parents[2]
RAG = ROOT / ".venv" / "bin" / "rag"
SECRET = "The vault password is swordfish-7731. Nobody outside may read this line."
QUICK = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _tried(tally, n: int) -> None:  # noqa: ANN001 - the suite's Tally
    tally.add("bad inputs tried", n)


def _clear(reason: str) -> bool:
    return bool(reason) and reason.startswith(SKIP_REASONS)


def _seeds_into(folder: Path) -> list[Path]:
    """The seed articles (and their metadata) copied into ``folder``: the good articles."""
    shutil.copytree(SEEDS, folder, dirs_exist_ok=True)
    return sorted(folder.glob("*.txt"))


def _outside_secret(base: Path) -> Path:
    outside = base / "outside"
    outside.mkdir(exist_ok=True)
    secret = outside / "secret.txt"
    secret.write_text(f"Private notes\n\n{SECRET} It was written on Friday.\n", encoding="utf-8")
    return secret


def _use_hash_retriever(settings: Settings, embedder: HashEmbedder) -> None:
    """Make ``answer(settings=settings)`` search with ``embedder`` (no model load)."""
    key = (str(settings.home.resolve()), settings.chroma_url, settings.collection, settings.embedding)
    with retrieval._cache_lock:
        retrieval._cache[key] = Retriever(settings, embedder=embedder)


def _assert_consistent(settings: Settings, folder: Path, good: list[Path], tally, embedder: HashEmbedder,  # noqa: ANN001
                       ) -> None:
    found = check_index(settings, embedder.model_id, folder, good)
    if found.lost:
        tally.add("data lost", len(found.lost))
    assert not found.lost, f"good articles lost or damaged in the index: {found.lost}"
    assert not found.problems, found.problems
    assert not any("swordfish" in text for text in found.texts)


def _check_answer(result: Answer) -> None:
    """The ``answer()`` contract: an Answer; cited when answered, nothing cited otherwise; every
    quote is the file's text at its offsets."""
    assert isinstance(result, Answer)
    assert isinstance(result.text, str) and result.text
    if result.answered:
        assert result.citations
    else:
        assert not result.citations
    for c in result.citations:
        assert original_text(Path(c.path))[c.start : c.end] == c.quote, c
        assert "swordfish" not in c.quote


# --------------------------------------------------------------------------- documents, one file at a time


def test_any_bytes_load_as_a_document_or_skip_with_a_reason(tally) -> None:  # noqa: ANN001
    """Random bytes, odd encodings, mixed encodings, NUL bytes (also past the first 8 KB), empty and
    whitespace-only files: loading gives a Document whose sentences are its text at their offsets
    (and whose text is what citations are cut from), or a skip with a reason from the known list."""
    tried = 0

    @hsettings(max_examples=150, **QUICK)
    @given(data=bad_bytes)
    def run(data: bytes) -> None:
        nonlocal tried
        tried += 1
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.txt"
            path.write_bytes(data)
            items = list(load_folder(Path(tmp), 10**6))
            assert len(items) == 1
            item = items[0]
            if isinstance(item, SkippedFile):
                assert _clear(item.reason), item.reason
                return
            assert isinstance(item, Document)
            assert item.text == original_text(path) == decode(data)[0]
            assert "\x00" not in item.text  # a NUL byte anywhere makes it binary
            assert item.text.strip(" \t\r\n\x0b\x0c\u00a0\u2003\u200b\ufeff\u2028\u3000")
            for s in item.sentences:
                assert item.text[s.start : s.end] == s.text

    try:
        run()
    finally:
        _tried(tally, tried)


def test_usual_encodings_decode_to_the_written_text(tally) -> None:  # noqa: ANN001
    """UTF-8 (with and without BOM), UTF-16 (with a BOM, and BOM-less LE/BE), latin-1 and cp1252:
    the loaded text is the text that was written (latin-1/cp1252 bytes that happen to be valid
    UTF-8 are read as UTF-8: the same decision every time, so offsets hold)."""
    tried = 0

    @hsettings(max_examples=60, **QUICK)
    @given(case=encoded_articles())
    def run(case: tuple[str, str, bytes]) -> None:
        nonlocal tried
        tried += 1
        text, encoding, data = case
        try:
            doc = build_document("x.txt", check_bytes(data), None)
        except Skip as reason:  # the boilerplate rules may take a list of bare words for a menu
            assert str(reason).startswith("no article text"), (encoding, str(reason))
            return
        if encoding == "utf-8-sig":
            assert doc.text == "\ufeff" + text
        elif encoding in ("latin-1", "cp1252"):
            try:
                assert doc.text == data.decode("utf-8")
            except UnicodeDecodeError:
                assert doc.text == text and doc.warnings
        else:
            assert doc.text == text, (encoding, doc.encoding)

    try:
        run()
    finally:
        _tried(tally, tried)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "latin-1", "cp1252"])
def test_a_real_article_in_each_encoding_is_read(encoding: str, tally) -> None:  # noqa: ANN001
    text = "Talks in Zürich\n\nThe envoys met at the café on Friday. They agreed to meet again in Genève.\n"
    doc = build_document("x.txt", check_bytes(text.encode(encoding)), None)
    _tried(tally, 1)
    assert doc.text.lstrip("\ufeff") == text
    assert any("Genève" in s.text for s in doc.sentences if s.kind == "body")


# --------------------------------------------------------------------------- a whole bad folder, ingested


def _bad_folder(base: Path) -> tuple[Path, dict[str, str], list[str], list[Path]]:
    """(folder, expected reason start per skipped name, names expected added, good articles)."""
    folder = base / "corpus"
    good = _seeds_into(folder)
    secret = _outside_secret(base)
    seed = good[0]
    article = "Talks in Zürich\n\nThe envoys met at the café on Friday. They agreed to meet again in Genève.\n"
    odd = {  # odd but readable: expected added
        "latin1.txt": article.encode("latin-1"),
        "cp1252.txt": ("“Quoted” news – 5 € here.\n\n" + article).encode("cp1252"),
        "utf16 bom.txt": article.encode("utf-16"),
        "utf16le.txt": article.encode("utf-16-le"),
        "utf16be.txt": article.encode("utf-16-be"),
        "utf8 bom.txt": article.encode("utf-8-sig"),
        "mixed.txt": article.encode("utf-8") + article.encode("latin-1"),
        "with space.txt": article.encode(),
        "ünïcødé 日本 עברית.txt": article.encode(),
        "-rf.txt": article.replace("Friday", "Monday").encode(),
        "--help.txt": article.replace("Friday", "Tuesday").encode(),
        "a..b.txt": article.replace("Friday", "Sunday").encode(),
        "x...txt": article.replace("Friday", "Saturday").encode(),
    }
    for name, data in odd.items():
        (folder / name).write_bytes(data)
    (folder / "sub").mkdir()
    (folder / "sub" / "nested .. name.txt").write_text(article.replace("Zürich", "Basel"), encoding="utf-8")
    # hidden: left out silently, never indexed
    (folder / ".hidden.txt").write_text(SECRET, encoding="utf-8")
    (folder / "..dots.txt").write_text(SECRET, encoding="utf-8")
    bad = {
        "random.txt": (bytes(range(256)) * 8, "binary file (not text)"),
        "nul_late.txt": (b"An ordinary sentence here. " * 400 + b"\x00 then more.", "binary file (not text): a NUL"),
        "empty.txt": (b"", "empty file"),
        "blank.txt": (b" \n\t\r\n  ", "empty file"),
        "invisible.txt": ("\ufeff\u200b\u00a0\u2003\n".encode(), "empty file"),
        "utf16 blank.txt": ("   \n".encode("utf-16"), "empty file"),
        "promo.txt": (b"Download our app on the App Store\nGet the app on Google Play\n", "no article text"),
        "image.png": (b"\x89PNG\r\n\x1a\n", "unsupported file type"),
    }
    expected = {name: reason for name, (_, reason) in bad.items()}
    for name, (data, _) in bad.items():
        (folder / name).write_bytes(data)
    with open(folder / "huge.txt", "wb") as handle:  # sparse: over the default 50 MB, no disk used
        handle.truncate(51_000_000)
    expected["huge.txt"] = "too large: 51.0 MB > limit 50.0 MB"
    os.mkfifo(folder / "pipe.txt")
    expected["pipe.txt"] = "not a regular file"
    links = {
        "link_out.txt": (secret, "symbolic link pointing outside the folder"),
        "link_out_rel.txt": (Path("..") / "outside" / "secret.txt", "symbolic link pointing outside the folder"),
        "link_in.txt": (seed, "symbolic link to '"),
        "loop_a.txt": (folder / "loop_b.txt", "symbolic link loop"),
        "loop_b.txt": (folder / "loop_a.txt", "symbolic link loop"),
        "self.txt": (folder / "self.txt", "symbolic link loop"),
        "dir_out": (secret.parent, "symbolic link pointing outside the folder"),
        "dir_out.txt": (secret.parent, "symbolic link pointing outside the folder"),
        "dir_loop": (folder, "symbolic link to the folder '.'"),
        "broken.txt": (folder / "missing.txt", "cannot read: broken symbolic link"),
        "root_link.txt": (Path("/"), "symbolic link pointing outside the folder"),
    }
    for name, (target, reason) in links.items():
        (folder / name).symlink_to(target)
        expected[name] = reason
    bad_name = os.fsdecode(b"latin1 name \xe9.txt")
    (folder / bad_name).write_bytes(article.encode())
    expected["latin1 name \ufffd.txt"] = "file name is not valid UTF-8"
    added = sorted([p.name for p in good] + list(odd) + ["sub/nested .. name.txt"])
    return folder, expected, added, good + [folder / n for n in odd] + [folder / "sub" / "nested .. name.txt"]


def test_a_folder_of_bad_files_is_ingested_with_reasons_and_loses_nothing(tmp_path: Path, tally) -> None:  # noqa: ANN001
    folder, expected, added, good = _bad_folder(tmp_path)
    settings = Settings(home=tmp_path / "home", corpus=folder, llm_mode="extractive")
    embedder = HashEmbedder()
    _tried(tally, len(expected) + len(added) - 5 + 2)  # bad files, odd-but-good files, two hidden ones

    report = ingest(folder, settings=settings, embedder=embedder)
    reasons = {s.source: s.reason for s in report.skipped}
    assert set(reasons) == set(expected), set(reasons) ^ set(expected)
    for name, start in expected.items():
        assert reasons[name].startswith(start), (name, reasons[name])
        assert _clear(reasons[name]), (name, reasons[name])
    assert report.added == added
    assert report.files_read == len(added)
    _assert_consistent(settings, folder, good, tally, embedder)
    assert original_text(folder / "utf16 bom.txt") == original_text(folder / "utf16be.txt") == \
        (folder / "with space.txt").read_text(encoding="utf-8")

    again = ingest(folder, settings=settings, embedder=embedder)  # the same folder again: nothing moves
    assert not again.changed and {s.source for s in again.skipped} == set(expected)
    _assert_consistent(settings, folder, good, tally, embedder)


def test_a_link_out_of_the_folder_is_never_indexed_searched_or_quoted(tmp_path: Path, tally) -> None:  # noqa: ANN001
    """The known defect: a symbolic link in the corpus folder to a file outside it was ingested,
    and its text quoted. Links are never followed now (see ``rag.documents.discover``)."""
    folder = tmp_path / "corpus"
    good = _seeds_into(folder)
    secret = _outside_secret(tmp_path)
    (folder / "notes.txt").symlink_to(secret)
    (folder / "notes-dir").symlink_to(secret.parent)
    (folder / "notes.md").symlink_to(Path("..") / "outside" / "secret.txt")
    settings = Settings(home=tmp_path / "home", corpus=folder, llm_mode="extractive")
    embedder = HashEmbedder()
    report = ingest(folder, settings=settings, embedder=embedder)
    _tried(tally, 3)
    reasons = {s.source: s.reason for s in report.skipped}
    assert set(reasons) == {"notes.txt", "notes-dir", "notes.md"}
    assert all(r.startswith("symbolic link pointing outside the folder") for r in reasons.values()), reasons
    assert "notes.txt" not in report.added and len(report.added) == 5
    _assert_consistent(settings, folder, good, tally, embedder)

    _use_hash_retriever(settings, embedder)
    for question in ("What is the vault password?", "swordfish-7731", "Who may read the private notes?"):
        _check_answer(answer(question, settings=settings))
    with pytest.raises(InputError, match="unknown source"):
        answer("What is the vault password?", settings=settings, filters={"source": "notes.txt"})


def test_an_outside_link_indexed_by_an_older_version_is_dropped(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import rag.ingestion as ingestion

    folder = tmp_path / "corpus"
    _seeds_into(folder)
    (folder / "notes.txt").symlink_to(_outside_secret(tmp_path))
    settings = Settings(home=tmp_path / "home", corpus=folder)
    embedder = HashEmbedder()
    real_discover, real_read = ingestion.discover, ingestion.read_bytes

    def old_discover(where: Path):  # noqa: ANN202 - the behaviour before the fix: links are read
        files, skipped = real_discover(where)
        return sorted(files + [where / "notes.txt"]), [s for s in skipped if s.source != "notes.txt"]

    with monkeypatch.context() as m:
        m.setattr(ingestion, "discover", old_discover)
        m.setattr(ingestion, "read_bytes", lambda path, limit: check_bytes(Path(path).read_bytes()))
        assert "notes.txt" in ingest(folder, settings=settings, embedder=embedder).added
    assert real_read is ingestion.read_bytes
    ingest(folder, settings=settings, embedder=embedder)
    texts = [t for page in ingestion.Store(settings, embedder.model_id).iter_all(["documents"]) for t in page["documents"]]
    assert not any("swordfish" in t for t in texts)


# --------------------------------------------------------------------------- files that change under the ingest

MUTATIONS = ("delete", "binary", "empty", "append", "rewrite", "grow_huge", "to_dir", "symlink_out", "fifo")


def _mutate(path: Path, how: str, secret: Path) -> None:
    if how == "delete":
        path.unlink()
    elif how == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "append":
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("A late paragraph was added. The envoy left Geneva on Monday.\n")
    elif how == "rewrite":
        path.write_text("Rewritten\n\nThe ministers agreed on a ceasefire in Ankara. It holds.\n", encoding="utf-8")
    elif how == "grow_huge":
        with open(path, "r+b") as handle:
            handle.truncate(51_000_000)
    elif how == "to_dir":
        path.unlink()
        path.mkdir()
    elif how == "symlink_out":
        path.unlink()
        path.symlink_to(secret)
    elif how == "fifo":
        path.unlink()
        os.mkfifo(path)


def test_files_that_vanish_or_change_between_scan_and_read(tally) -> None:  # noqa: ANN001
    """A file deleted, emptied, made binary, rewritten, grown past the limit, replaced by a folder,
    a link out of the folder or a named pipe: after the folder was listed and before the file is
    read (both moments of the first read), or after the scan and before the second read that
    chunks it (the safe changes: see the xfail below for the others). Optionally the file was
    indexed before. The ingest finishes, reports the file, keeps the good articles and the
    citation invariant."""
    import rag.ingestion as ingestion

    tried = 0
    real_discover, real_scan = ingestion.discover, ingestion._scan
    second_read_safe = ("delete", "binary", "empty", "append", "rewrite", "grow_huge", "to_dir")

    @hsettings(max_examples=30, **QUICK)
    @given(how=st.sampled_from(MUTATIONS), moment=st.sampled_from(["listed", "scanned"]), before=st.booleans())
    def run(how: str, moment: str, before: bool) -> None:
        nonlocal tried
        if moment == "scanned" and how not in second_read_safe:
            return
        tried += 1
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            folder = base / "corpus"
            good = _seeds_into(folder)
            secret = _outside_secret(base)
            victim = folder / "victim.txt"
            victim.write_text("Victim article\n\nThe envoy met the ministers in Geneva. They talked for hours.\n",
                              encoding="utf-8")
            settings = Settings(home=base / "home", corpus=folder)
            embedder = HashEmbedder()
            if before:
                ingest(folder, settings=settings, embedder=embedder)

            def discover(where: Path):  # noqa: ANN202
                found = real_discover(where)
                if moment == "listed":
                    _mutate(victim, how, secret)
                return found

            def scan(where: Path, limit: int, report):  # noqa: ANN001, ANN202
                found = real_scan(where, limit, report)
                if moment == "scanned":
                    _mutate(victim, how, secret)
                return found

            ingestion.discover, ingestion._scan = discover, scan
            try:
                report = ingest(folder, settings=settings, embedder=embedder)
            finally:
                ingestion.discover, ingestion._scan = real_discover, real_scan
            reasons = {s.source: s.reason for s in report.skipped}
            readable = how in ("append", "rewrite")
            stale = set()  # the victim's chunks may be those of its earlier version
            if moment == "scanned" and before:  # unchanged when scanned: not read again (a later change
                assert report.unchanged == sorted(p.name for p in good + [victim])  # is the next ingest's)
                stale = {(folder.resolve() / "victim.txt").as_posix()}
            elif readable and moment == "listed":
                assert "victim.txt" in report.added + report.updated, report
                good = good + [victim]
            elif readable:  # changed after it was hashed: not indexed from bytes the scan never saw
                assert reasons.get("victim.txt", "").startswith("changed while"), reasons
            else:
                assert _clear(reasons.get("victim.txt", "")), (how, moment, reasons)
                if before and how == "symlink_out":  # a link out of the folder is dropped, never kept
                    assert "victim.txt" in report.removed, report
                elif before:  # a file skipped now keeps its earlier chunks (by design: bad input loses nothing)
                    assert any("victim.txt" in w and "kept" in w for w in report.warnings), report.warnings
                    stale = {(folder.resolve() / "victim.txt").as_posix()}
            found = check_index(settings, embedder.model_id, folder, good)
            if found.lost:
                tally.add("data lost", len(found.lost))
            assert not found.lost, found.lost
            assert not [p for p in found.problems if not any(p.startswith(s) for s in stale)], found.problems
            texts = [t for page in ingestion.Store(settings, embedder.model_id).iter_all(["documents"])
                     for t in page["documents"]]
            assert not any("swordfish" in t for t in texts)

    try:
        run()
    finally:
        _tried(tally, tried)


def _second_read_swap(tmp_path: Path, how: str) -> tuple[list[str], bool]:
    """Ingest a folder whose victim.txt is swapped (``how``) after the scan, before the read that
    chunks it; (the texts of the index, whether the ingest hung on the read)."""
    import rag.ingestion as ingestion

    folder = tmp_path / "corpus"
    _seeds_into(folder)
    victim = folder / "victim.txt"
    victim.write_text("Victim article\n\nThe envoy met the ministers in Geneva.\n", encoding="utf-8")
    secret = _outside_secret(tmp_path)
    settings = Settings(home=tmp_path / "home", corpus=folder)
    embedder = HashEmbedder()
    real_scan = ingestion._scan

    def scan(where: Path, limit: int, report):  # noqa: ANN001, ANN202
        found = real_scan(where, limit, report)
        _mutate(victim, how, secret)
        return found

    hung = threading.Event()
    done = threading.Event()

    def watchdog() -> None:
        """After 3 s, a read blocked on the pipe is let go: a writer opens and closes it (opening
        succeeds only while a reader holds the pipe open, so it also proves the ingest hung there)."""
        done.wait(3)
        while not done.is_set():
            try:
                os.close(os.open(victim, os.O_WRONLY | os.O_NONBLOCK))
                hung.set()
            except OSError:
                pass
            done.wait(0.2)

    ingestion._scan = scan
    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    try:
        ingest(folder, settings=settings, embedder=embedder)
    finally:
        done.set()
        ingestion._scan = real_scan
        guard.join(5)
    texts = [t for page in ingestion.Store(settings, embedder.model_id).iter_all(["documents"]) for t in page["documents"]]
    return texts, hung.is_set()


def test_a_link_swapped_in_after_the_scan_is_not_followed(tmp_path: Path, tally) -> None:  # noqa: ANN001
    _tried(tally, 1)
    texts, _ = _second_read_swap(tmp_path, "symlink_out")
    assert not any("swordfish" in t for t in texts)


def test_a_pipe_swapped_in_after_the_scan_does_not_hang_the_ingest(tmp_path: Path, tally) -> None:  # noqa: ANN001
    _tried(tally, 1)
    _, hung = _second_read_swap(tmp_path, "fifo")
    assert not hung


def test_a_file_deleted_before_its_metadata_retag_is_reported(tmp_path: Path, tally) -> None:  # noqa: ANN001
    import rag.ingestion as ingestion

    _tried(tally, 1)
    folder = tmp_path / "corpus"
    good = _seeds_into(folder)
    settings = Settings(home=tmp_path / "home", corpus=folder)
    embedder = HashEmbedder()
    ingest(folder, settings=settings, embedder=embedder)
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    victim = sorted(meta["files"])[0]
    meta["files"][victim]["outlet"] = "Another outlet"
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    real_scan = ingestion._scan

    def scan(where: Path, limit: int, report):  # noqa: ANN001, ANN202
        found = real_scan(where, limit, report)
        (folder / victim).unlink()
        return found

    ingestion._scan = scan
    try:
        report = ingest(folder, settings=settings, embedder=embedder)
    finally:
        ingestion._scan = real_scan
    assert victim in {s.source for s in report.skipped}
    found = check_index(settings, embedder.model_id, folder, [p for p in good if p.name != victim])
    assert not found.lost  # the victim's earlier chunks may stay (a skipped file keeps them, by design)
    assert all(problem.startswith((folder.resolve() / victim).as_posix()) for problem in found.problems)


# --------------------------------------------------------------------------- file names


def test_odd_file_names_are_indexed_and_searchable_by_name(tally) -> None:  # noqa: ANN001
    """Spaces, unicode (RTL too), leading dashes, '..', quotes, shell characters, tabs and newlines
    in names: each file is added under its own name, found by a source filter, and its chunks hold
    its text. (Names that start with a dot are hidden files: left out, see test above.)"""
    tried = 0

    @hsettings(max_examples=12, **QUICK)
    @given(names=st.lists(article_names.filter(lambda n: not n.startswith(".")), min_size=1, max_size=5,
                          unique_by=str.lower), body=article_texts())
    def run(names: list[str], body: str) -> None:
        nonlocal tried
        tried += len(names)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            for n, name in enumerate(names):
                (folder / name).write_text(f"Article {n}\n\nThe story number {n} begins. {body}", encoding="utf-8")
            settings = Settings(home=Path(tmp) / "home", corpus=folder)
            embedder = HashEmbedder()
            report = ingest(folder, settings=settings, embedder=embedder)
            skipped = {s.source: s.reason for s in report.skipped}
            assert sorted(report.added) == sorted(names), skipped
            found = check_index(settings, embedder.model_id, folder, [folder / name for name in names])
            assert not found.lost and not found.problems, (found.lost, found.problems)
            retriever = Retriever(settings, embedder=embedder)
            for name in names:
                hits = retriever.search("story begins", k=3, filters={"source": name})
                assert hits and {h.source for h in hits} == {name}

    try:
        run()
    finally:
        _tried(tally, tried)


# --------------------------------------------------------------------------- metadata.json


def test_malformed_metadata_json_is_a_clear_error(tally) -> None:  # noqa: ANN001
    """Any bytes or JSON value in a folder's metadata.json: loaded, or an InputError naming the file."""
    tried = 0
    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                               lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                            max_size=3), max_leaves=8)
    files = st.dictionaries(st.sampled_from(["a.txt", "b.txt", ""]),
                            st.dictionaries(st.sampled_from(["outlet", "title", "published", "url", "x"]),
                                            json_values | st.sampled_from(["2025-02-30", "2025-09-05", "unknown", ""]),
                                            max_size=4) | json_values, max_size=3)
    contents = st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        files.map(lambda f: json.dumps({"files": f}).encode()),
        files.map(lambda f: json.dumps(f).encode()),
    )

    @hsettings(max_examples=80, **QUICK)
    @given(data=contents)
    def run(data: bytes) -> None:
        nonlocal tried
        tried += 1
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "metadata.json").write_bytes(data)
            try:
                loaded = load_metadata_file(Path(tmp))
            except InputError as exc:
                assert "metadata.json" in str(exc)
                return
            for meta in loaded.values():
                assert all(isinstance(v, str) for v in (meta.outlet, meta.title, meta.url))
                assert meta.published is None or len(meta.published) == 10

    try:
        run()
    finally:
        _tried(tally, tried)


# --------------------------------------------------------------------------- questions


@pytest.fixture(scope="module")
def qa_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, HashEmbedder]:
    """The seeds indexed once for this module's question tests (read only)."""
    base = tmp_path_factory.mktemp("qa")
    folder = base / "corpus"
    _seeds_into(folder)
    settings = Settings(home=base / "home", corpus=folder, llm_mode="extractive")
    embedder = HashEmbedder()
    ingest(folder, settings=settings, embedder=embedder)
    return settings, embedder


@pytest.fixture
def qa(qa_index: tuple[Settings, HashEmbedder]) -> Settings:
    settings, embedder = qa_index
    _use_hash_retriever(settings, embedder)
    return settings


def test_odd_questions_answer_or_raise_a_typed_error(qa: Settings, tally) -> None:  # noqa: ANN001
    """Empty, whitespace, 100 KB, non-English, right-to-left, control characters, invisible
    characters, punctuation only: an Answer under the contract, or a RagError with a message."""
    tried = 0

    @hsettings(max_examples=70, **QUICK)
    @given(question=questions)
    def run(question: str) -> None:
        nonlocal tried
        tried += 1
        try:
            result = answer(question, settings=qa)
        except RagError as exc:
            assert str(exc)
            if not question.strip():
                assert isinstance(exc, InputError) and "empty question" in str(exc)
            return
        assert question.strip(), "an empty question must be refused"
        _check_answer(result)
        if len(" ".join(question.split())) > qa.max_question_chars:
            assert any("truncated" in n for n in result.notices)

    try:
        run()
    finally:
        _tried(tally, tried)


@pytest.mark.parametrize("question", ["", " ", "\n\t\r", "\u3000\u00a0"])
def test_an_empty_question_is_an_input_error(qa: Settings, question: str, tally) -> None:  # noqa: ANN001
    _tried(tally, 1)
    with pytest.raises(InputError, match="empty question"):
        answer(question, settings=qa)


@pytest.mark.parametrize("question", ["Where did \ud800 Putin speak?", "\udcff", "Putin \udfff\ud83d Zelensky"])
def test_lone_surrogates_answer_or_raise_a_typed_error(qa: Settings, question: str, tally) -> None:  # noqa: ANN001
    _tried(tally, 1)
    try:
        _check_answer(answer(question, settings=qa))
    except RagError as exc:
        assert str(exc)


# --------------------------------------------------------------------------- filters and modes


def test_unknown_filters_and_modes_are_input_errors_naming_them(qa: Settings, tally) -> None:  # noqa: ANN001
    tried = 0
    keys = st.text(min_size=1, max_size=12).filter(lambda k: k not in FILTER_KEYS)
    modes = st.text(min_size=1, max_size=12).filter(lambda m: m not in ("auto", "llm", "extractive"))

    @hsettings(max_examples=40, **QUICK)
    @given(key=keys, value=st.one_of(st.integers(), st.text(max_size=5), st.none()), mode=modes)
    def run(key: str, value: object, mode: str) -> None:
        nonlocal tried
        tried += 2
        with pytest.raises(InputError) as err:
            answer("Where did Putin speak?", settings=qa, filters={key: value})
        assert "unknown filter" in str(err.value) and repr(key) in str(err.value)
        assert "allowed: source, outlet, date_from, date_to" in str(err.value)
        with pytest.raises(InputError) as err:
            answer("Where did Putin speak?", settings=qa, mode=mode)
        assert "unknown mode" in str(err.value) and repr(mode) in str(err.value)

    try:
        run()
    finally:
        _tried(tally, tried)


@pytest.mark.parametrize(("filters", "message"), [
    ({"nope": 1}, "unknown filter"),
    ({"outlet": "BBC"}, "unknown outlet"),
    ({"source": "no-such-file.txt"}, "unknown source"),
    ({"date_from": "last week"}, "YYYY-MM-DD"),
    ({"date_from": "2025-02-30"}, "YYYY-MM-DD"),
    ({"date_from": 20250101}, "YYYY-MM-DD"),
    ({"date_from": "2025-09-01", "date_to": "2024-01-01"}, "no article matches"),
])
def test_bad_filter_values_are_input_errors(qa: Settings, filters: dict, message: str, tally) -> None:  # noqa: ANN001
    _tried(tally, 1)
    with pytest.raises(InputError, match=message):
        answer("Where did Putin speak?", settings=qa, filters=filters)


@pytest.mark.parametrize("filters", [{"source": 5}, {"outlet": [None]}, {"source": [1, 2]}])
def test_filter_values_of_the_wrong_type_are_input_errors(qa: Settings, filters: dict, tally) -> None:  # noqa: ANN001
    _tried(tally, 1)
    with pytest.raises(InputError):
        answer("Where did Putin speak?", settings=qa, filters=filters)


# --------------------------------------------------------------------------- settings: environment and rag.toml

INT_FIELDS = {"chunk_tokens": (32, 400), "chunk_overlap_sentences": (0, 3), "top_k": (1, 100),
              "candidates": (5, 500), "embed_batch_size": (1, 512), "llm_max_tokens": (16, 8192)}
POSITIVE_FLOATS = ("llm_timeout_s", "max_file_mb")


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


@st.composite
def bad_env(draw: st.DrawFn) -> tuple[str, str]:
    """(setting, value): a value the setting cannot take, as an environment variable would hold it."""
    kind = draw(st.sampled_from(["int", "float", "choice", "path", "url", "embedding", "collection"]))
    not_number = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=10).filter(
        lambda v: not _is_number(v))
    if kind == "int":
        name = draw(st.sampled_from(sorted(INT_FIELDS)))
        low, high = INT_FIELDS[name]
        value = draw(st.one_of(not_number, st.integers(max_value=low - 1).map(str), st.integers(min_value=high + 1).map(str),
                               st.sampled_from(["1.5", "1e3", "abc", "", " ", "0x10"])))
    elif kind == "float":
        name = draw(st.sampled_from(POSITIVE_FLOATS))
        value = draw(st.one_of(not_number, st.floats(max_value=0).map(repr), st.sampled_from(
            ["-1", "0", "inf", "-inf", "nan", "1e400", "abc", ""])))
    elif kind == "choice":
        name = "llm_mode"
        value = draw(st.text(max_size=10).filter(lambda v: v not in ("auto", "llm", "extractive") and "\x00" not in v))
    elif kind == "path":
        name = draw(st.sampled_from(["home", "corpus", "prompts_dir"]))
        value = draw(st.sampled_from(["", " ", "\t"]))
    elif kind == "url":
        name = "chroma_url"
        value = draw(st.sampled_from(["localhost:8000", "ftp://x", "chroma", "127.0.0.1"]))
    elif kind == "embedding":
        name = "embedding"
        value = draw(st.sampled_from(["bert", "openai:", "", "minilm", "OPENAI:x"]))
    else:
        name = "collection"
        value = draw(st.sampled_from(["", "a", "has space", "-lead", "x" * 600, "ü-name"]))
    return name, value


def test_malformed_environment_values_are_config_errors_naming_the_setting(tally) -> None:  # noqa: ANN001
    tried = 0

    @hsettings(max_examples=80, **QUICK)
    @given(case=bad_env())
    def run(case: tuple[str, str]) -> None:
        nonlocal tried
        tried += 1
        name, value = case
        var = f"RAG_{name.upper()}"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(var, value)
            with pytest.raises(ConfigError) as err:
                load_settings()
        message = str(err.value)
        assert var in message, message
        assert "\n" not in message  # one bad setting: one line

    try:
        run()
    finally:
        _tried(tally, tried)


@pytest.mark.parametrize(("var", "value", "says"), [
    ("RAG_CHUNK_TOKENS", "abc", "valid integer"),
    ("RAG_LLM_TIMEOUT_S", "-1", "greater than 0"),
    ("RAG_MAX_FILE_MB", "inf", "finite number"),  # accepted before: ingest then died on int(inf)
    ("RAG_MAX_FILE_MB", "nan", "RAG_MAX_FILE_MB"),
    ("RAG_HOME", "", "empty value"),  # read as "." before: the index went into the working folder
    ("RAG_HOME", str(ROOT / "README.md"), "is a file, not a folder"),  # crashed in mkdir before
    ("RAG_CHUNK_TOKENZ", "100", "did you mean RAG_CHUNK_TOKENS"),
])
def test_known_bad_environment_values(monkeypatch: pytest.MonkeyPatch, var: str, value: str, says: str, tally) -> None:  # noqa: ANN001
    _tried(tally, 1)
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match=says) as err:
        load_settings()
    assert var in str(err.value)


def test_malformed_rag_toml_is_a_config_error(tmp_path: Path, tally) -> None:  # noqa: ANN001
    """Any bytes in rag.toml: settings load (valid TOML naming only known, valid settings) or a
    ConfigError that names rag.toml (unreadable file) or the bad setting."""
    tried = 0
    toml_like = st.lists(st.sampled_from(['chunk_tokens = ', 'chunk_tokens = "abc"', 'top_k = 7', '[[[', '[tool]',
                                          'x = 1', 'home = 5', 'home = ""', 'max_file_mb = inf', 'llm_mode = "magic"',
                                          '"key', "top_k = 1e400", "chunk_tokens = 120", "= 3", "# comment",
                                          "collection = 'news'", "llm_timeout_s = -1", "top_k = [1, 2]"]),
                         max_size=4).map(lambda lines: "\n".join(lines).encode())
    contents = st.one_of(st.binary(max_size=100), st.text(max_size=100).map(str.encode), toml_like)

    @hsettings(max_examples=80, **QUICK)
    @given(data=contents)
    def run(data: bytes) -> None:
        nonlocal tried
        tried += 1
        with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
            (Path(tmp) / "rag.toml").write_bytes(data)
            mp.chdir(tmp)
            try:
                parsed = tomllib.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError):
                parsed = None
            try:
                loaded = load_settings()
            except ConfigError as exc:
                message = str(exc)
                if parsed is None:
                    assert "rag.toml" in message and "cannot be read" in message, message
                else:
                    assert any(key in message for key in parsed), (parsed, message)
                return
            assert parsed is not None and set(parsed) <= set(Settings.model_fields)
            assert all(getattr(loaded, key) is not None for key in parsed)

    try:
        run()
    finally:
        _tried(tally, tried)


# --------------------------------------------------------------------------- the CLI, as a user runs it


def test_the_cli_says_what_is_wrong_in_one_line_without_a_traceback(tmp_path: Path, tally) -> None:  # noqa: ANN001
    """Bad settings (environment, rag.toml, --home), a bad question and a folder of only bad
    files, through ``.venv/bin/rag`` in subprocesses: a non-zero exit, an ``error:`` line that
    names what is wrong, no Python traceback."""
    home = tmp_path / "home"
    bad_toml = tmp_path / "toml"
    bad_toml.mkdir()
    (bad_toml / "rag.toml").write_text("chunk_tokens = \n[[[\n", encoding="utf-8")
    only_bad = tmp_path / "only_bad"
    only_bad.mkdir()
    (only_bad / "empty.txt").write_bytes(b"")
    (only_bad / "random.txt").write_bytes(bytes(range(256)) * 4)
    (only_bad / "-dash name.txt").write_bytes(b"\x00\x01")
    (only_bad / os.fsdecode(b"bad \xff name.txt")).write_bytes(b"")
    (only_bad / "link.txt").symlink_to(_outside_secret(tmp_path))
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder", encoding="utf-8")
    cases = [  # (environment, working folder, arguments, exit code, what the error line must say, one line)
        ({"RAG_CHUNK_TOKENS": "abc"}, tmp_path, ["ask", "Where?"], 2, "RAG_CHUNK_TOKENS", True),
        ({"RAG_LLM_TIMEOUT_S": "-1"}, tmp_path, ["ask", "Where?"], 2, "RAG_LLM_TIMEOUT_S", True),
        ({"RAG_MAX_FILE_MB": "inf"}, tmp_path, ["ingest", str(only_bad)], 2, "RAG_MAX_FILE_MB", True),
        ({"RAG_CHUNK_TOKENZ": "1"}, tmp_path, ["list"], 2, "did you mean RAG_CHUNK_TOKENS", True),
        ({}, bad_toml, ["list"], 2, "rag.toml", True),
        ({}, tmp_path, ["--home", str(a_file), "list"], 2, "is a file, not a folder", True),
        ({}, tmp_path, ["ask", "  "], 2, "empty question", True),
        ({}, tmp_path, ["ask", "Where?", "--mode", "bogus"], 2, "invalid choice: 'bogus'", False),  # argparse: usage too
        ({}, tmp_path, ["ingest", str(only_bad)], 1, "no article could be read", False),
    ]
    _tried(tally, len(cases) + 5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    procs = []
    for extra, cwd, args, *_ in cases:
        argv = [str(RAG), *([] if args[0] == "--home" else ["--home", str(home)]), *args]
        procs.append(subprocess.Popen(argv, cwd=cwd, env={**env, **extra, "PYTHONIOENCODING": "utf-8"},
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace"))
    started = time.monotonic()
    for proc, (extra, _, args, code, says, one_line) in zip(procs, cases):
        _, err = proc.communicate(timeout=max(5.0, 300 - (time.monotonic() - started)))
        last_err = err
        label = f"{extra} rag {' '.join(args)}"
        assert "Traceback" not in err, (label, err)
        assert proc.returncode == code, (label, proc.returncode, err)
        errors = [line for line in err.splitlines() if line.startswith(("error:", "rag ask: error:"))]
        assert len(errors) == 1 and says in errors[0], (label, err)
        if one_line:
            assert err.strip().splitlines() == errors, (label, err)
    err = last_err  # the ingest of the folder of bad files: one warning per file
    for name in ("empty.txt", "random.txt", "-dash name.txt", "bad \ufffd name.txt", "link.txt"):
        assert f"warning: skipped {name}: " in err, (name, err)
    assert "swordfish" not in err

