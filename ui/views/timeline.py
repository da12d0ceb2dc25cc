"""Timeline: dated events across the articles on a chart; pick one to see and open its citation."""

from __future__ import annotations

import altair as alt
import streamlit as st

import rag
from ui.common import citation_card, ensure_index, md_text, picked_row, settings


def render() -> None:
    st.title("Timeline")
    ensure_index()
    try:
        events = rag.timeline(settings=settings())
    except rag.RagError as exc:
        st.error(md_text(str(exc)))
        return
    if not events:
        st.info("No dated events in the articles.")
        return
    dated = [e for e in events if e.sort_key]
    start = ""
    if dated:
        years = sorted({e.sort_key[:4] for e in dated})
        # Start at the year before the oldest article: older dates (history the articles recall) are one drag away.
        published = sorted(e.published[:4] for e in events if e.published)
        first = str(int(published[0]) - 1) if published else years[0]
        start = st.select_slider("From", years, value=max((y for y in years if y <= first), default=years[0]),
                                 key="tl_from")
    # Unresolved events stay listed (last): the slider only narrows what has a date.
    events = [e for e in events if not e.sort_key or e.sort_key[:4] >= start]
    rows = [{"when": e.sort_key, "date": e.date, "precision": e.precision, "outlet": e.outlet,
             "phrase": " ".join(e.phrase.split()), "event": " ".join(e.citation.quote.split())[:160]}
            for e in events if e.sort_key]
    if rows:
        chart = alt.Chart(alt.Data(values=rows)).mark_circle(size=90).encode(
            x=alt.X("when:T", title="event date"), y=alt.Y("outlet:N", title=None), color="outlet:N",
            tooltip=["date:N", "precision:N", "phrase:N", "event:N"],
        ).properties(height=60 + 40 * len({r["outlet"] for r in rows}))
        st.altair_chart(chart, width="stretch")
    st.caption(f"{len(rows)} dated events from {start or '–'}; {len(events) - len(rows)} whose date the text does not "
               "fix (undated article) are listed last as unresolved. Pick a row to see its citation.")
    table = [{"date": e.date or "unresolved", "precision": e.precision or "", "outlet": e.outlet,
              "published": e.published or "undated", "said as": " ".join(e.phrase.split()),
              "event": " ".join(e.citation.quote.split())} for e in events]
    row = picked_row(table, "tl_table")
    if row is not None:
        citation_card(events[row].citation, "event", key="tl-open", expanded=True)
