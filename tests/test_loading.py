"""Loading: boilerplate is excluded, sentences keep exact offsets, bad files are skipped with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.boilerplate import find_excluded
from rag.documents import build_document, decode, load_folder
from rag.errors import InputError
from rag.metadata import extract_published
from rag.types import Document, SkippedFile

from conftest import SEEDS


def _docs(folder: Path) -> dict[str, Document]:
    return {d.source: d for d in load_folder(folder, 10**7) if isinstance(d, Document)}


def test_every_sentence_is_the_original_text_at_its_offsets() -> None:
    for doc in _docs(SEEDS).values():
        assert doc.sentences
        for sent in doc.sentences:
            assert doc.text[sent.start : sent.end] == sent.text
        original = (SEEDS / doc.source).read_text(encoding="utf-8")
        assert doc.text == original


@pytest.mark.parametrize(
    ("source", "boilerplate"),
    [
        ("000_3a68910d6e622929.txt", "Apple App Store Badge"),
        ("000_3a68910d6e622929.txt", "50 countries, 150 news sites"),
        ("000_3a68910d6e622929.txt", "Article Main Image"),
        ("000_3a68910d6e622929.txt", "General War Updates and Live Coverage"),
        ("002_a1fdc86be33cb0dc.txt", "Photo: commons.wikimedia.org"),
        ("003_74ddc438a967e230.txt", "https://www.rbc.ru/politics"),
        ("003_74ddc438a967e230.txt", "Related article: Why Is It So Hard"),
        ("003_74ddc438a967e230.txt", "to Shield It"),
        ("004_af183c27f94023d1.txt", "bookmarkicon cameraicon"),
        ("004_af183c27f94023d1.txt", "commenting policy"),
        ("004_af183c27f94023d1.txt", "48:25"),
    ],
)
def test_boilerplate_is_excluded_and_never_in_a_sentence(source: str, boilerplate: str) -> None:
    doc = _docs(SEEDS)[source]
    at = doc.text.index(boilerplate)
    assert any(span.start <= at < span.end for span in doc.excluded), boilerplate
    assert not any(boilerplate in s.text for s in doc.sentences)


def test_body_text_is_kept() -> None:
    docs = _docs(SEEDS)
    bodies = {src: " ".join(s.text for s in d.sentences if s.kind == "body") for src, d in docs.items()}
    assert "Eastern Economic Forum in Vladivostok" in bodies["000_3a68910d6e622929.txt"]
    assert "Hungary has also offered to serve as a venue." in bodies["003_74ddc438a967e230.txt"]
    assert "There is no chance that Russian President Vladimir Putin" in bodies["004_af183c27f94023d1.txt"]
    # the dateline prefix "date 2025-09-03" is cut off the first sentence of 002
    assert docs["002_a1fdc86be33cb0dc.txt"].sentences[0].text.startswith("Russian President Vladimir Putin declared")


def test_hard_wrapped_lines_join_into_sentences() -> None:
    doc = _docs(SEEDS)["003_74ddc438a967e230.txt"]
    first = doc.sentences[0]
    assert first.text.startswith("The possibility of a téte a téte") and first.text.endswith("dominating headlines.")
    assert "\n" in first.text  # offsets are on the original, wrapped text


def test_headings_and_titles_are_tagged() -> None:
    doc = _docs(SEEDS)["002_a1fdc86be33cb0dc.txt"]
    headings = [s.text for s in doc.sentences if s.kind == "heading"]
    assert "Possibility of Zelensky Visiting Moscow" in headings
    title = [s for s in _docs(SEEDS)["004_af183c27f94023d1.txt"].sentences if s.kind == "title"]
    assert title and title[0].text == "Kremlin rules out Putin appearance at Ukraine peace talks"


def test_published_dates_from_metadata_and_text() -> None:
    docs = _docs(SEEDS)
    assert docs["001_490b98aef62dcad9.txt"].meta.published == "2024-11-05"
    assert docs["003_74ddc438a967e230.txt"].meta.outlet == "The Moscow Times"
    assert extract_published("x\n15 May, 2025 09:04\nbody") == "2025-05-15"
    assert extract_published(" date 2025-09-03 Russian President") == "2025-09-03"
    assert extract_published("Published September 5, 2025") == "2025-09-05"
    assert extract_published("Friday, September 5\nno year here") is None


def test_unknown_file_gets_title_and_date_from_text(tmp_path: Path) -> None:
    doc = build_document("x.txt", b"Big News Today\n\n12 March 2024\n\nThe mayor opened a bridge. It is long.", None)
    assert doc.meta.published == "2024-03-12"
    assert doc.meta.title == "Big News Today"
    assert [s.text for s in doc.sentences if s.kind == "body"] == ["The mayor opened a bridge.", "It is long."]


def test_sentence_splitter_keeps_abbreviations() -> None:
    doc = build_document("a.txt", b"U.S. President Donald Trump met Mr. Smith. Then he left. Talks ended.", None)
    assert [s.text for s in doc.sentences] == [
        "U.S. President Donald Trump met Mr. Smith.",
        "Then he left.",
        "Talks ended.",
    ]


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "good.txt").write_text("A real article. It has sentences.", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b"  \n\n ")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "huge.txt").write_bytes(b"word " * 300_000)  # 1.5 MB against a 1 MB limit
    (folder / "latin1.txt").write_bytes("Café in Zürich. The talks went on.".encode("latin-1"))
    (folder / "broken.txt").symlink_to(folder / "missing-target.txt")
    (folder / "image.png").write_bytes(b"\x89PNG")
    items = list(load_folder(folder, 10**6))
    skipped = {i.source: i.reason for i in items if isinstance(i, SkippedFile)}
    docs = {i.source: i for i in items if isinstance(i, Document)}
    assert set(docs) == {"good.txt", "latin1.txt"}
    assert skipped["empty.txt"] == "empty file"
    assert skipped["blank.txt"] == "empty file"
    assert "binary" in skipped["binary.txt"]
    assert "too large" in skipped["huge.txt"] and "RAG_MAX_FILE_MB" in skipped["huge.txt"]
    assert "cannot read" in skipped["broken.txt"]
    assert "unsupported file type" in skipped["image.png"]
    latin = docs["latin1.txt"]
    assert latin.encoding == "cp1252" and latin.warnings and "Café" in latin.text


def test_decode_is_deterministic_for_offsets() -> None:
    raw = "Zürich café".encode("latin-1")
    assert decode(raw) == decode(raw)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="corpus folder not found"):
        list(load_folder(tmp_path / "nope", 10**6))


def test_title_line_is_not_taken_for_navigation() -> None:
    text = "Logo\n\nMenu\n\nNews\n\nSport\n\nMy Title Here\n\nThe body sentence is here. Another one."
    spans = find_excluded(text, title="My Title Here")
    excluded_text = [text[s.start : s.end] for s in spans]
    assert "My Title Here" not in excluded_text
    assert {"Menu", "News", "Sport"} <= set(excluded_text)


def test_hard_wrapped_prose_is_not_taken_for_navigation() -> None:
    # Lines wrapped at 70 columns are as short as menu entries and end without a period.
    body = ("A cyberattack knocked out computer systems across Marlow Bay General\n"
            "Hospital early Monday, forcing doctors and nurses to switch to paper\n"
            "records and sending ambulances to other hospitals in the region.\n\n"
            "Night-shift nurses in the intensive care unit noticed at about 3:40\n"
            "a.m. that their workstations had frozen and were displaying a message\n"
            "demanding payment, according to Tessaly Health, the nonprofit network\n"
            "that runs the 412-bed hospital on Quayside Road.\n")
    text = "Home\n\nNews\n\nSport\n\nCyberattack cripples hospital\n\n" + body
    excluded = {text[s.start : s.end] for s in find_excluded(text, title="Cyberattack cripples hospital")}
    assert excluded == {"Home", "News", "Sport"}
