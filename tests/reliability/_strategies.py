"""Hypothesis strategies and index checks for the bad-input tests (tests/reliability/test_bad_inputs.py).

Nothing here loads a model: the index is built with the test suite's HashEmbedder.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from rag.chunking import ChunkerConfig, chunk_document
from rag.config import Settings
from rag.documents import build_document, original_text
from rag.metadata import load_metadata_file
from rag.store import Store

# Every reason a skipped file may give starts with one of these (a user reads the reason and knows
# what to do); a new kind of reason must be added here on purpose.
SKIP_REASONS = (
    "empty file",
    "binary file (not text)",
    "too large:",
    "cannot read:",
    "no article text left after removing boilerplate",
    "unsupported file type",
    "symbolic link",
    "not a regular file",
    "file name is not valid UTF-8",
)

# --------------------------------------------------------------------------- file contents

WORDS = ("talks", "envoy", "Geneva", "ministers", "ceasefire", "agreed", "Zürich", "café", "délégation", "naïve",
         "señor", "Ankara", "summit", "Kremlin", "Kyiv", "offered", "host", "meeting", "Friday", "Øresund")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252")


@st.composite
def article_texts(draw: st.DrawFn) -> str:
    """A short article of real sentences in mostly Latin letters (a few accented ones)."""
    sentences = []
    for _ in range(draw(st.integers(2, 6))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=4, max_size=12))
        sentences.append("The " + " ".join(words) + ".")
    return " ".join(sentences) + "\n"


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@st.composite
def encoded_articles(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """(text, encoding, bytes): an article written in one of the usual encodings."""
    text = draw(article_texts())
    encoding = draw(st.sampled_from(ENCODINGS))
    return text, encoding, _encode(text, encoding)


@st.composite
def mixed_encodings(draw: st.DrawFn) -> bytes:
    """Pieces of one file written in different encodings (a file edited by two tools)."""
    parts = draw(st.lists(st.tuples(article_texts(), st.sampled_from(ENCODINGS)), min_size=2, max_size=4))
    return b"".join(_encode(text, enc) for text, enc in parts)


@st.composite
def with_nul_bytes(draw: st.DrawFn) -> bytes:
    """Good text with NUL bytes put in anywhere, also past the first 8 KB."""
    data = bytearray(draw(article_texts()).encode("utf-8") * draw(st.sampled_from([1, 400])))
    for _ in range(draw(st.integers(1, 3))):
        data.insert(draw(st.integers(0, len(data))), 0)
    return bytes(data)


WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u2003\u200b\ufeff\u2028\u3000"

bad_bytes = st.one_of(
    st.binary(max_size=2048),
    st.just(b""),
    st.text(alphabet=WHITESPACE, max_size=50).map(lambda s: s.encode("utf-8")),
    st.text(alphabet=WHITESPACE, min_size=1, max_size=20).map(lambda s: s.encode("utf-16")),
    encoded_articles().map(lambda t: t[2]),
    mixed_encodings(),
    with_nul_bytes(),
    st.text(st.characters(exclude_categories=[]), max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=64).map(lambda b: "An ordinary sentence. ".encode() * 20 + b),  # text, then junk
)

# --------------------------------------------------------------------------- file names

_NAME_PIECES = st.sampled_from(["news", "a b", " lead", "trail ", "-", "--", "-rf", "..", "...", "ü", "日本",
                                "Ωμέγα", "עברית", "العربية", "é", "x", "#", "%", "'", '"', "$HOME", "*", "?",
                                "\t", "\n", "\u200b", "\u202e", "🙂"])
article_names = st.lists(_NAME_PIECES, min_size=1, max_size=4).map(lambda parts: "".join(parts) + ".txt").filter(
    lambda name: len(name.encode("utf-8")) < 200
)

# --------------------------------------------------------------------------- questions

RTL = "مرحبا بوتين زيلينسكي المحادثات שלום פוטין זלנסקי שיחות"
questions = st.one_of(
    st.text(max_size=300),  # any code point except lone surrogates (tested on their own)
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=40),  # invisible only
    st.text(alphabet=st.characters(categories=["Po", "Ps", "Pe", "Pd", "Pi", "Pf", "Sm", "Sc", "Sk"]), min_size=1,
            max_size=40),  # punctuation and symbols only
    st.lists(st.sampled_from(RTL.split()), min_size=1, max_size=12).map(" ".join),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=30),
    st.lists(st.sampled_from(["Where", "did", "Putin", "speak", "\x00", "\x07", "\x1b[31m", "\u202e", "\r\n",
                              "Zelensky", "?", "Genf", "Женева", "‮"]), min_size=1, max_size=15).map(" ".join),
    st.sampled_from(["x" * 100_000, "Where did Putin speak? " * 4_500, "بوتين " * 20_000]),  # ~100 KB
)

# --------------------------------------------------------------------------- the index, checked


@dataclass
class IndexCheck:
    """What the index holds, compared with the files on disk."""

    chunks: int = 0
    problems: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # good articles with missing or wrong chunks
    paths: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)  # every chunk's text


def expected_chunk_ids(path: Path, folder: Path, settings: Settings) -> set[str]:
    """The chunk ids a clean ingest gives the article at ``path`` (built here, independently)."""
    source = path.relative_to(folder).as_posix()
    doc = build_document(source, path.read_bytes(), load_metadata_file(folder).get(source), folder=folder)
    config = ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences)
    return {c.chunk_id for c in chunk_document(doc, config)}


def check_index(settings: Settings, model_id: str, folder: Path, good: list[Path]) -> IndexCheck:
    """Every chunk's text is its file's text at its offsets (the citation invariant), every chunk
    comes from a regular file inside ``folder``, each article's chunk set is complete, and each
    ``good`` article has exactly the chunks a clean ingest of it gives."""
    result = IndexCheck()
    root = os.path.realpath(folder) + os.sep
    rows: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for page in Store(settings, model_id).iter_all(["documents", "metadatas"]):
        for chunk_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"]):
            rows[meta["path"]].append((chunk_id, text, meta))
            result.texts.append(text)
            result.chunks += 1
    result.paths = set(rows)
    for path, chunks in rows.items():
        file = Path(path)
        if file.is_symlink() or not os.path.realpath(file).startswith(root):
            result.problems.append(f"{path}: indexed, but it is a link or lies outside {folder}")
            continue
        try:
            if not stat.S_ISREG(os.lstat(file).st_mode):  # never open a pipe: it would block
                result.problems.append(f"{path}: indexed, but it is not a regular file now")
                continue
            text = original_text(file)
        except OSError as exc:
            result.problems.append(f"{path}: indexed, but cannot be read: {exc}")
            continue
        for chunk_id, chunk_text, meta in chunks:
            if text[meta["start"] : meta["end"]] != chunk_text:
                result.problems.append(f"{path}: chunk {chunk_id} at {meta['start']}-{meta['end']} is not the file's text")
        if len(chunks) != int(chunks[0][2]["n_chunks"]):
            result.problems.append(f"{path}: {len(chunks)} chunks of {chunks[0][2]['n_chunks']}")
    for path in good:
        ids = {chunk_id for chunk_id, _, _ in rows.get(path.resolve().as_posix(), [])}
        if ids != expected_chunk_ids(path, folder, settings):
            result.lost.append(path.name)
    return result
