"""Typed results passed between stages and returned to users."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SentenceKind = Literal["body", "heading", "title"]

# The one "cannot answer" sentence, shared by the prompt, the code, the tests and the eval.
CANNOT_ANSWER = "The articles do not contain the answer to this question."


@dataclass(frozen=True)
class Span:
    """A character range [start, end) of a document's original text, with why it is there."""

    start: int
    end: int
    reason: str = ""


@dataclass(frozen=True)
class Sentence:
    """One sentence (or heading line) with exact offsets into the original text."""

    start: int
    end: int
    text: str
    kind: SentenceKind = "body"


@dataclass
class DocMeta:
    """What is known about an article besides its text."""

    outlet: str = "unknown"
    title: str = "unknown"
    published: str | None = None  # ISO date, YYYY-MM-DD
    url: str = "unknown"


@dataclass
class Document:
    """A loaded article: original text, excluded boilerplate, sentences and metadata.

    ``source`` is the file's name inside ``folder``; ``path`` (absolute) identifies it in the library.
    ``sha256`` hashes the file's bytes, ``meta_sha`` the metadata declared for it.
    """

    source: str
    text: str
    sha256: str
    encoding: str
    meta: DocMeta
    sentences: list[Sentence]
    excluded: list[Span]
    warnings: list[str] = field(default_factory=list)
    folder: str = ""
    path: str = ""
    meta_sha: str = ""


@dataclass(frozen=True)
class Chunk:
    """A run of sentences of one document; ``text == document.text[start:end]``."""

    chunk_id: str
    source: str
    start: int
    end: int
    text: str
    sentence_spans: tuple[tuple[int, int], ...]
    tokens: int
    seq: int = 0  # position in its document


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its fused score."""

    source: str
    start: int
    end: int
    text: str
    score: float
    chunk_id: str
    outlet: str
    published: str | None
    title: str = ""
    sentence_spans: tuple[tuple[int, int], ...] = ()
    dense_rank: int | None = None
    bm25_rank: int | None = None
    path: str = ""  # absolute path of the article file: unambiguous across folders


@dataclass(frozen=True)
class SkippedFile:
    """A file that ingest left out, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class ArticleView:
    """An article with its original text and the boilerplate spans kept out of the index."""

    article: Article
    text: str
    excluded: list[Span]
    changed_since_indexed: bool = False  # the file differs from what was indexed: re-ingest it


@dataclass(frozen=True)
class IndexStatus:
    """Where the index lives, what it holds, and the embedding model it was built with."""

    location: str
    corpus: str
    articles: int
    folders: int
    chunks: int
    embedding: str


@dataclass
class IngestReport:
    """What an ingest run changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks_total: int = 0
    seconds: float = 0.0
    folder: str = ""
    files_read: int = 0  # article files of the folder that could be read (new, changed or not)
    retagged: list[str] = field(default_factory=list)  # metadata changed, text not: no re-embedding
    stages: dict[str, float] = field(default_factory=dict)  # seconds: load, split, chunk, embed, store, bm25

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.retagged)

    def summary(self) -> str:
        retagged = f", metadata updated {len(self.retagged)}" if self.retagged else ""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}{retagged}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}; "
            f"{self.chunks_total} chunks in the index ({self.seconds:.2f} s)"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """An exact quote: ``quote == original_text(path)[start:end]``, always.

    ``source`` is the file's name inside the folder it was ingested from; ``path`` is the file's
    absolute path, which names it without ambiguity when two folders hold files of the same name.
    """

    source: str
    start: int
    end: int
    quote: str
    outlet: str = "unknown"
    published: str | None = None
    title: str = ""
    path: str = ""


@dataclass(frozen=True)
class Article:
    """One article of the library, as ``rag list`` shows it."""

    path: str
    folder: str
    source: str
    outlet: str
    title: str
    published: str | None
    chunks: int
    complete: bool = True  # False: a killed ingest left it half-written (the next ingest repairs it)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """An answer with its citations, whether it answered, and how."""

    question: str
    text: str
    citations: list[Citation]
    answered: bool
    mode: Literal["llm", "extractive"]
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list, repr=False)
    unanswered: list[str] = field(default_factory=list)  # parts of the question the articles do not answer

    def to_dict(self, with_hits: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_hits:
            data.pop("hits")
        return data


# Summaries and cross-outlet analysis -------------------------------------------------------------

Precision = Literal["day", "week", "month", "season", "year"]
ClaimKind = Literal["direct", "reported"]


@dataclass(frozen=True)
class Statement:
    """One sentence of a result and the exact words it rests on."""

    text: str
    citations: tuple[Citation, ...]


@dataclass
class Thread:
    """A thread of the corpus brief: one statement from each article that covers it."""

    label: str
    statements: list[Statement]
    paths: list[str]  # every article in the thread, including ones not quoted


@dataclass
class Summary:
    """A cited summary of one article (``scope="article"``) or a brief of many (``"corpus"``).

    ``text`` is readable prose with ``[n]`` markers; ``citations[n-1]`` is what ``[n]`` cites.
    """

    scope: Literal["article", "corpus"]
    text: str
    citations: list[Citation]
    statements: list[Statement]
    threads: list[Thread]
    articles: list[Article]
    mode: Literal["llm", "extractive"]
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Point:
    """What one outlet reports on a topic; ``only_here``: no other outlet reports it."""

    statement: Statement
    only_here: bool


@dataclass
class OutletView:
    """One outlet's side of a comparison."""

    outlet: str
    points: list[Point]
    articles: int


@dataclass(frozen=True)
class Difference:
    """Numbers or dates that differ between two outlets' reports of the same thing."""

    kind: Literal["number", "date"]
    first: Citation
    second: Citation
    first_values: tuple[str, ...]
    second_values: tuple[str, ...]


@dataclass
class Comparison:
    """What each outlet reports on a topic, side by side, cited."""

    topic: str
    text: str
    citations: list[Citation]
    outlets: list[OutletView]
    differences: list[Difference]
    mode: Literal["llm", "extractive"]
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Event:
    """A dated event: the date resolved from the text against the publication date, and its sentence.

    ``date`` is ISO at its precision ("2025-09-05", "2025-W35", "2025-09", "2025-summer", "2025") or
    None when the text's date cannot be resolved (shown as unresolved, never guessed).
    """

    date: str | None
    precision: Precision | None
    sort_key: str | None
    phrase: str
    relative: bool
    citation: Citation  # the sentence that reports the event
    outlet: str
    published: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Claim:
    """Who said what: the speaker, their role where the article states it, and the exact words."""

    speaker: str
    role: str | None
    kind: ClaimKind
    citation: Citation  # the claim itself: the quoted words or the reported clause
    sentence: Citation  # the whole sentence, for context
    outlet: str
    published: str | None
    verb: str = ""  # the speech verb as written ("said", "denied", "according to"): a denial reads otherwise

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
