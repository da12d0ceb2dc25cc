"""Ask: a chat whose earlier turns are the history of each new question, with checkable citations."""

from __future__ import annotations

from datetime import date

import streamlit as st

import rag
from ui.common import citation_card, ensure_index, library_articles, md_lines, md_text, settings


def _filters() -> dict | None:
    arts = library_articles()
    with st.expander("Filters", expanded=False):
        c1, c2 = st.columns(2)
        outlets = c1.multiselect("Outlet", sorted({a.outlet for a in arts}), key="f_outlet")
        sources = c2.multiselect("Article", sorted({a.path for a in arts}), key="f_source",
                                 format_func=lambda p: next((f"{a.source} ({a.outlet})" for a in arts if a.path == p), p))
        dated = sorted(a.published for a in arts if a.published)
        use_dates = st.checkbox("Only articles published between", key="f_use_dates", disabled=not dated)
        chosen = None
        if use_dates and dated:
            chosen = st.date_input("Published", (date.fromisoformat(dated[0]), date.fromisoformat(dated[-1])),
                                   key="f_dates")
    raw: dict = {"outlet": outlets or None, "source": sources or None}
    if chosen and len(chosen) == 2:
        raw |= {"date_from": chosen[0].isoformat(), "date_to": chosen[1].isoformat()}
    return {k: v for k, v in raw.items() if v} or None


def as_markdown(answer: rag.Answer) -> str:
    """The answer with its numbered citations, for copying."""
    lines = [f"**Q:** {answer.question}", "", answer.text, ""]
    for n, c in enumerate(answer.citations, 1):
        lines.append(f"[{n}] {c.outlet}, {c.published or 'date unknown'}, “{c.title}” ({c.path or c.source}, "
                     f"chars {c.start}-{c.end}): “{' '.join(c.quote.split())}”")
    return "\n".join(lines)


def show_answer(answer: rag.Answer, turn: int) -> None:
    """Badge, notices, the answer (or a plain refusal) and its citations."""
    st.caption(f":blue-badge[{answer.mode} mode] · {answer.timings.get('total_s', 0):.2f} s")
    for notice in answer.notices:
        st.info(md_text(notice))
    if not answer.answered:
        st.warning("The articles do not hold the answer to this question.")
        return
    st.markdown(md_lines(answer.text))
    for n, c in enumerate(answer.citations, 1):
        citation_card(c, n, key=f"open-{turn}-{n}")
    with st.expander("Copy as Markdown"):
        st.code(as_markdown(answer), language="markdown")


def render() -> None:
    st.title("Ask the articles")
    ensure_index()
    history: list[dict] = st.session_state.setdefault("chat", [])
    filters = _filters()
    for turn, item in enumerate(history):
        with st.chat_message("user"):
            st.markdown(md_text(item["question"]))
        with st.chat_message("assistant"):
            show_answer(item["answer"], turn)
    question = st.chat_input("Ask about the articles, e.g. Where did Putin invite Zelensky?")
    if not question:
        if not history:
            st.caption("Every statement cites the exact words of an article; open a citation to see it in place.")
        return
    with st.chat_message("user"):
        st.markdown(md_text(question))
    with st.chat_message("assistant"):
        final: list[rag.Answer] = []

        def stream():  # noqa: ANN202 - a generator of text for st.write_stream
            for item in rag.answer_stream(question, history=[h["answer"] for h in history][-6:],
                                          filters=filters, settings=settings()):
                if isinstance(item, rag.Answer):
                    final.append(item)
                else:
                    yield item

        try:
            with st.spinner("Reading the articles…"):
                placeholder = st.empty()
                streamed = placeholder.write_stream(stream())
            if streamed:
                placeholder.empty()
        except rag.RagError as exc:
            st.error(md_text(str(exc)))
            return
        answer = final[-1]
        history.append({"question": question, "answer": answer})
        show_answer(answer, len(history) - 1)
