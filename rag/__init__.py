"""Grounded Q&A over a folder of news articles: every statement cites the exact words it came from.

Public API::

    from rag import ingest, retrieve, answer
    report = ingest("seeds")
    hits = retrieve("Where did Putin invite Zelensky?", k=5)
    result = answer("Where did Putin invite Zelensky?")  # Answer with exact-quote citations
"""

from rag.answering import CANNOT_ANSWER, answer, answer_stream
from rag.config import Settings, load_settings
from rag.errors import ConfigError, IndexMismatchError, InputError, LLMError, RagError
from rag.ingestion import ingest as _ingest
from rag.retrieval import Filters, forget_retrievers, retrieve
from rag.types import Answer, Citation, Hit, IngestReport, SkippedFile


def ingest(path=None, *, rebuild=False, settings=None, progress=None) -> IngestReport:  # noqa: ANN001
    """Bring the index in line with the folder at ``path`` (default ``seeds``); see rag.ingestion."""
    try:
        return _ingest(path, rebuild=rebuild, settings=settings, progress=progress)
    finally:
        forget_retrievers()


__all__ = [
    "CANNOT_ANSWER", "Answer", "Citation", "ConfigError", "Filters", "Hit", "IndexMismatchError", "IngestReport", "InputError",
    "LLMError", "RagError", "Settings", "SkippedFile", "answer", "answer_stream", "ingest", "load_settings", "retrieve",
]
