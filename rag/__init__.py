"""Grounded Q&A over a folder of news articles: every statement cites the exact words it came from.

Public API::

    from rag import ingest, retrieve, answer, articles, remove, set_metadata
    report = ingest("seeds")                 # add a folder to the library (others stay)
    hits = retrieve("Where did Putin invite Zelensky?", k=5)
    result = answer("Where did Putin invite Zelensky?")  # Answer with exact-quote citations
    brief = summarize()                      # the main threads; summarize("a.txt"): one article
    sides = compare("where the leaders should meet")   # each outlet's line, cited
    events, quotes = timeline(), claims(speaker="Peskov")
    follow = answer("And what did he promise?", history=[result])
"""

from rag.answering import CANNOT_ANSWER, answer, answer_stream
from rag.claims import claims
from rag.comparing import compare
from rag.summarizing import summarize
from rag.timeline import timeline
from rag.config import Settings, load_settings
from rag.errors import ConfigError, IndexMismatchError, InputError, LLMError, RagError
from rag.ingestion import ingest
from rag.library import article_view, articles, remove, set_metadata, status
from rag.uploads import UploadResult, add_upload
from rag.retrieval import Filters, retrieve
from rag.types import (
    Answer, Article, ArticleView, Citation, Claim, Comparison, Difference, Event, Hit, IndexStatus, IngestReport,
    OutletView, Point, SkippedFile, Statement, Summary, Thread,
)


__all__ = [
    "CANNOT_ANSWER", "Answer", "Article", "ArticleView", "Citation", "IndexStatus", "UploadResult", "add_upload",
    "article_view", "status", "ConfigError", "Filters", "Hit", "IndexMismatchError", "IngestReport", "InputError",
    "LLMError", "RagError", "Settings", "SkippedFile", "answer", "answer_stream", "articles", "ingest", "load_settings", "remove", "retrieve",
    "set_metadata", "summarize", "compare", "timeline", "claims", "Claim", "Comparison", "Difference", "Event",
    "OutletView", "Point", "Statement", "Summary", "Thread",
]
