"""The Streamlit app: ask with verifiable citations, read and manage the articles, run the eval.

Start it with `rag ui` or `streamlit run ui/app.py`. It calls only rag's public API.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on the path, not the project root that holds ui/ and eval/.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

import rag  # noqa: E402
from ui.common import base_settings, ensure_index, md_text  # noqa: E402


def sidebar() -> None:
    with st.sidebar:
        st.header("Answering")
        st.radio("Mode", ["auto", "extractive", "llm"], key="llm_mode", horizontal=True,
                 help="auto: the LLM when one is configured and reachable, else extractive (and it says so)")
        base = base_settings()
        st.text_input("LLM base URL", key="llm_base_url", placeholder=base.llm_base_url or "OpenAI",
                      help="An OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama")
        st.text_input("LLM model", key="llm_model", placeholder=base.llm_model)
        st.text_input("API key", key="llm_api_key", type="password",
                      help="Held in this browser session only: never written, logged or shown.")
        st.header("Index")
        try:
            info = ensure_index()
        except rag.RagError as exc:
            st.error(md_text(str(exc)))
            return
        st.caption(f"corpus folder: {md_text(str(info.corpus))}\n\n{info.articles} articles from {info.folders} folder(s), "
                   f"{info.chunks} chunks\n\nembedding: {md_text(info.embedding)}\n\nindex: {md_text(info.location)}")


def main() -> None:
    # A shipped file: a Material icon as the page icon is fetched from fonts.gstatic.com.
    st.set_page_config(page_title="rag: grounded answers", page_icon=str(ROOT / "ui" / "favicon.png"), layout="wide")
    # Material icons ship with Streamlit (emoji need a font the machine may not have). Pages are
    # files (thin scripts over ui.views) so that AppTest.switch_page can open each one.
    pages = {
        "ask": st.Page("screens/ask.py", title="Ask", icon=":material/chat:", default=True),
        "library": st.Page("screens/library.py", title="Library", icon=":material/library_books:", url_path="library"),
        "summaries": st.Page("screens/summaries.py", title="Summaries", icon=":material/summarize:",
                             url_path="summaries"),
        "timeline": st.Page("screens/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
        "claims": st.Page("screens/claims.py", title="Who said what", icon=":material/record_voice_over:",
                          url_path="claims"),
        "eval": st.Page("screens/evaluate.py", title="Eval", icon=":material/analytics:", url_path="eval"),
    }
    st.session_state["pages"] = pages
    nav = st.navigation(list(pages.values()))
    sidebar()
    nav.run()


main()
