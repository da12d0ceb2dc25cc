"""Readable text with [n] markers from cited statements: the numbering every result shares."""

from __future__ import annotations

from rag.chunking import normalise_space
from rag.types import Citation, Statement


class Numbering:
    """Assigns citation numbers in order of first use; the same span keeps its number."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._number: dict[tuple[str, int, int], int] = {}

    def mark(self, citation: Citation) -> int:
        key = (citation.path or citation.source, citation.start, citation.end)
        if key not in self._number:
            self.citations.append(citation)
            self._number[key] = len(self.citations)
        return self._number[key]

    def sentence(self, statement: Statement) -> str:
        """The statement's text followed by its citation markers: 'Text [1][2]'."""
        marks = "".join(f"[{self.mark(c)}]" for c in statement.citations)
        return f"{normalise_space(statement.text)} {marks}".strip()

    def prose(self, statements: list[Statement]) -> str:
        return " ".join(self.sentence(s) for s in statements)
