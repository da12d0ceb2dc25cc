"""Shared app state: settings from the sidebar, the index made ready once per process, safe text.

Everything shown from a document or a model goes through ``md_text`` (Markdown special characters
escaped) and is never rendered as HTML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import streamlit as st
from pydantic import SecretStr

import rag
from ui import jobs

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:<&])")


def md_text(text: str) -> str:
    """``text`` for st.markdown: every Markdown special character escaped, whitespace folded."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_lines(text: str) -> str:
    """Like ``md_text``, keeping line breaks and "- " list items (summaries and comparisons are lists)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("- "):
            lines.append("- " + md_text(line[2:]))
        elif line.strip():
            lines.append(md_text(line))
    return "\n".join(lines)


def highlighted(before: str, quote: str, after: str) -> str:
    """Markdown of a passage with the quote highlighted (Streamlit's own background directive)."""
    return f"{md_text(before)} :orange-background[{md_text(quote)}] {md_text(after)}".strip()


@st.cache_resource(show_spinner=False)
def base_settings() -> rag.Settings:
    """The settings from RAG_* variables / rag.toml, read once per process."""
    return rag.load_settings()


def settings() -> rag.Settings:
    """Base settings with this session's sidebar choices (the API key stays in the session)."""
    base = base_settings()
    chosen: dict[str, Any] = {}
    for key in ("llm_mode", "llm_base_url", "llm_model"):
        value = st.session_state.get(key)
        if value not in (None, ""):
            chosen[key] = value
    if st.session_state.get("llm_api_key"):
        chosen["llm_api_key"] = SecretStr(st.session_state["llm_api_key"])
    return base.model_copy(update=chosen) if chosen else base


def _index_corpus(settings: rag.Settings, report: jobs.Report) -> list[str]:
    """First start of a process: index the corpus when the library is empty, finish the folders of
    articles a killed ingest left half-written, then load the model and BM25. Notes for the user."""
    notes: list[str] = []
    arts = rag.articles(settings) if rag.status(settings).articles else []
    folders = [settings.corpus] if not arts else sorted({Path(a.folder) for a in arts if not a.complete})
    for folder in folders:
        if not folder.is_dir():
            notes.append(f"The corpus folder {folder} does not exist: upload articles in the Library, "
                         "or set RAG_CORPUS and restart.")
            continue
        result = rag.ingest(folder, settings=settings, progress=report)
        notes += [f"{s.source}: {s.reason}" for s in result.skipped]
    if rag.status(settings).articles:
        rag.retrieve("warm up", k=1, settings=settings)
    return notes


def _prepare(settings: rag.Settings, key: tuple[str, str, str]) -> None:
    """Index the corpus on the first start (with a progress bar); load the model and BM25 once.

    The work runs as a job (ui/jobs.py), so leaving the page does not cut it off. Not inside a
    cached function: Streamlit replays the elements a cached function made (an empty progress slot
    on every page), which shifts the widgets after it and resets the Library tabs."""
    job = jobs.start(f"prepare:{key}", "indexing the corpus", lambda report: _index_corpus(settings, report))
    if not job.finished.wait(0.3):  # no bar flashing by when there is nothing to index
        jobs.follow(job, f"First start: indexing {settings.corpus}")
    if job.finished.is_set() and not st.session_state.get("prepare_notes_shown"):
        st.session_state["prepare_notes_shown"] = True  # once per session, not on every page
        if job.error:
            st.error(md_text(job.error))
        for note in job.result or []:
            st.warning(md_text(note))


@st.cache_resource(show_spinner=False)
def _index_status(home: str, collection: str, corpus: str) -> rag.IndexStatus:
    return rag.status(base_settings())


def ensure_index() -> rag.IndexStatus:
    s = base_settings()
    key = (str(s.home), s.collection, str(s.corpus))
    _prepare(s, key)
    return _index_status(*key)


@st.cache_data(ttl=30, show_spinner=False)
def _articles(home: str, collection: str) -> list[rag.Article]:
    return rag.articles(base_settings())


def library_articles() -> list[rag.Article]:
    """Every article, read once per change (or 30 s, for ingests from outside the app), not per rerun."""
    s = base_settings()
    return _articles(str(s.home), s.collection)


def forget_status() -> None:
    """After an upload or a removal: the cached status and article list are out of date."""
    _index_status.clear()
    _articles.clear()


CONTEXT_CHARS = 400  # of the paragraph around a quote shown in a citation


def _context(citation: rag.Citation) -> tuple[str, str]:
    """The text just before and after a quote, from the article file itself."""
    try:
        view = rag.article_view(citation.path or citation.source, settings=settings())
    except rag.RagError:
        return "", ""
    text = view.text
    lo = max(text.rfind("\n\n", 0, citation.start), citation.start - CONTEXT_CHARS, 0)
    hi = text.find("\n\n", citation.end)
    hi = min(hi if hi >= 0 else len(text), citation.end + CONTEXT_CHARS)
    return text[lo : citation.start], text[citation.end : hi]


def citation_card(c: rag.Citation, n: int | str, key: str, expanded: bool = False) -> None:
    """A numbered citation: where it comes from; opened, the quote highlighted in its paragraph and
    a button that opens the whole article in the Library reader, scrolled to the quote."""
    label = md_text(f"[{n}] {c.outlet} · {c.published or 'date unknown'} · {c.title} · {c.source}")
    with st.expander(label, expanded=expanded):
        before, after = _context(c)
        st.markdown(highlighted(before, c.quote, after))
        if st.button("Open in the Library reader", key=key):
            st.session_state["reader"] = {"path": c.path or c.source, "start": c.start, "end": c.end}
            st.switch_page(st.session_state["pages"]["library"])


def picked_row(table: list[dict[str, Any]], key: str) -> int | None:
    """A table the user picks one row of (single-row selection); the picked row's index or None."""
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key=key)
    rows = event.selection.rows if event else []
    return rows[0] if rows else None
