"""Evidence: the sentences inside retrieved chunks, each with its exact span, numbered for citing."""

from __future__ import annotations

from dataclasses import dataclass

from rag.types import Citation, Hit


@dataclass(frozen=True)
class Evidence:
    """One candidate sentence; ``text == original_text(source)[start:end]``."""

    id: int
    source: str
    start: int
    end: int
    text: str
    outlet: str
    published: str | None
    title: str
    chunk_rank: int
    path: str = ""

    def citation(self) -> Citation:
        """The citation for this sentence: the quote is cut from the source by code, never typed."""
        return Citation(self.source, self.start, self.end, self.text, self.outlet, self.published, self.title, self.path)


def gather(hits: list[Hit], limit: int = 40) -> list[Evidence]:
    """Body sentences of the hits, best chunk first, without duplicates from overlapping chunks."""
    seen: set[tuple[str, int, int]] = set()
    items: list[Evidence] = []
    for rank, hit in enumerate(hits):
        for start, end in hit.sentence_spans:
            key = (hit.path or hit.source, start, end)
            text = hit.text[start - hit.start : end - hit.start]
            if key in seen:  # headings are not among a chunk's sentences (see chunking)
                continue
            seen.add(key)
            items.append(
                Evidence(len(items) + 1, hit.source, start, end, text, hit.outlet, hit.published, hit.title, rank,
                         hit.path)
            )
            if len(items) >= limit:
                return items
    return items
