"""Summaries: one article, the corpus brief (threads across the articles), a typed comparison topic."""

from __future__ import annotations

import streamlit as st

import rag
from ui.common import citation_card, ensure_index, library_articles, md_lines, md_text, settings


def _citations(citations: list[rag.Citation], prefix: str) -> None:
    for n, c in enumerate(citations, 1):
        citation_card(c, n, key=f"{prefix}-{n}")


def _article() -> None:
    arts = library_articles()
    path = st.selectbox("Article", [a.path for a in arts], key="sum_path",
                        format_func=lambda p: next(f"{a.outlet} · {a.published or 'undated'} · {a.title}"
                                                   for a in arts if a.path == p))
    if not path:
        return
    try:
        result = rag.summarize(path, settings=settings())
    except rag.RagError as exc:
        st.error(md_text(str(exc)))
        return
    st.markdown(md_text(result.text))
    _citations(result.citations, "sum")


def _brief() -> None:
    try:
        result = rag.summarize(settings=settings())
    except rag.RagError as exc:
        st.error(md_text(str(exc)))
        return
    st.caption(f"{len(result.threads)} threads across {len(result.articles)} articles; each thread quotes every "
               "article that covers it (up to five).")
    for thread in result.threads:
        st.markdown(f"**{md_text(thread.label)}** · {len(thread.paths)} articles")
    st.markdown(md_lines(result.text))
    _citations(result.citations, "brief")


def _compare() -> None:
    with st.form("compare"):
        topic = st.text_input("Topic", key="cmp_topic", placeholder="where the leaders should meet")
        st.form_submit_button("Compare the outlets")
    if not topic:
        return
    try:
        result = rag.compare(topic, settings=settings())
    except rag.RagError as exc:
        st.error(md_text(str(exc)))
        return
    for notice in result.notices:
        st.info(md_text(notice))
    numbers = {(c.path, c.start, c.end): n for n, c in enumerate(result.citations, 1)}
    columns = st.columns(max(len(result.outlets), 1))
    for col, view in zip(columns, result.outlets):
        with col:
            st.subheader(md_text(view.outlet), anchor=False)
            st.caption(f"{view.articles} article(s)")
            if not view.points:
                st.caption("Nothing on this topic.")
            for point in view.points:
                c = point.statement.citations[0]
                flag = " :orange-badge[only this outlet]" if point.only_here else ""
                st.markdown(f"{md_text(point.statement.text)} \\[{numbers[(c.path, c.start, c.end)]}\\]{flag}")
    for d in result.differences:
        st.warning(md_text(f"{d.kind.capitalize()}s differ: {', '.join(d.first_values)} "
                           f"[{numbers[(d.first.path, d.first.start, d.first.end)]}] vs {', '.join(d.second_values)} "
                           f"[{numbers[(d.second.path, d.second.start, d.second.end)]}]"))
    _citations(result.citations, "cmp")


def render() -> None:
    st.title("Summaries")
    ensure_index()
    one, brief, compare = st.tabs(["One article", "Corpus brief", "Compare outlets"], key="summaries_tab")
    with one:
        _article()
    with brief:
        _brief()
    with compare:
        _compare()
