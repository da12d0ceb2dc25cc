"""Who said what: every attributed statement with speaker, role, outlet and date, filterable."""

from __future__ import annotations

import streamlit as st

import rag
from ui.common import citation_card, ensure_index, md_text, picked_row, settings


def render() -> None:
    st.title("Who said what")
    ensure_index()
    try:
        found = rag.claims(settings=settings())
    except rag.RagError as exc:
        st.error(md_text(str(exc)))
        return
    c1, c2 = st.columns(2)
    speakers = c1.multiselect("Speaker", sorted({c.speaker for c in found}), key="cl_speaker")
    outlets = c2.multiselect("Outlet", sorted({c.outlet for c in found}), key="cl_outlet")
    shown = [c for c in found if (not speakers or c.speaker in speakers) and (not outlets or c.outlet in outlets)]
    st.caption(f"{len(shown)} of {len(found)} statements. Direct: the quoted words; reported: the clause the "
               "article attributes. The outlets' own voice is not listed. Pick a row to see its citation.")
    table = [{"speaker": c.speaker, "role": c.role or "", "kind": c.kind, "verb": c.verb, "words": " ".join(c.citation.quote.split()),
              "outlet": c.outlet, "published": c.published or "undated"} for c in shown]
    row = picked_row(table, "cl_table")
    if row is not None:
        citation_card(shown[row].citation, "claim", key="cl-open", expanded=True)
