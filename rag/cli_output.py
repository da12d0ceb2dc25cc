"""How the CLI prints citations: one numbered line with where, then the exact quote."""

from __future__ import annotations

from collections.abc import Sequence

from rag.chunking import normalise_space
from rag.types import Citation


def print_citations(citations: Sequence[Citation]) -> None:
    for n, cite in enumerate(citations, 1):
        print(f"[{n}] {cite.outlet}, {cite.published or 'date unknown'} — {cite.path or cite.source} "
              f"chars {cite.start}-{cite.end}")
        print(f"    “{normalise_space(cite.quote)}”")
