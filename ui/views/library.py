"""Library: every article, a reader (boilerplate greyed, cited span highlighted), upload, removal."""

from __future__ import annotations

import uuid
from datetime import date

import streamlit as st
import streamlit.components.v1 as components

import rag
from ui import jobs
from ui.common import ensure_index, forget_status, library_articles, md_text, settings

# Our own script (no document text in it): scroll the page to the cited passage's anchor.
_SCROLL = """<script>
let tries = 0;
const timer = setInterval(() => {
  const target = window.parent.document.getElementById("cited-passage");
  if (target || ++tries > 50) { clearInterval(timer); }
  if (target) { target.scrollIntoView({behavior: "instant", block: "start"}); }
}, 100);
</script>"""


def _segments(view: rag.ArticleView, mark: tuple[int, int] | None) -> list[tuple[int, int, str]]:
    """(start, end, kind) pieces of the text: 'excluded', 'cited' or 'text', in order."""
    cuts = {0, len(view.text)}
    spans = [(s.start, s.end, "excluded") for s in view.excluded]
    if mark:
        spans.append((mark[0], mark[1], "cited"))
    for a, b, _ in spans:
        cuts |= {a, b}
    points = sorted(c for c in cuts if 0 <= c <= len(view.text))
    pieces = []
    for a, b in zip(points, points[1:]):
        kind = "text"
        for s, e, k in spans:
            if s <= a and b <= e:
                kind = "cited" if k == "cited" or kind == "cited" else k
        pieces.append((a, b, kind))
    return pieces


def _render_text(view: rag.ArticleView, mark: tuple[int, int] | None) -> None:
    """The article as paragraphs of Markdown-escaped text: boilerplate grey, the cited span highlighted."""
    paragraph: list[str] = []
    cited_here = False

    def flush() -> None:
        nonlocal cited_here
        if paragraph:
            if cited_here:
                st.markdown("###### Cited passage")  # a header: Streamlit gives it the id "cited-passage"
            st.markdown("".join(paragraph).strip())
            paragraph.clear()
            cited_here = False

    for start, end, kind in _segments(view, mark):
        blocks = view.text[start:end].split("\n\n")
        for i, block in enumerate(blocks):
            if i > 0:
                flush()
            if not block.strip():
                if paragraph and block:
                    paragraph.append(" ")  # the space between two pieces, e.g. between two tags
                continue
            text = md_text(block)
            # Pieces of one paragraph meet as in the file: a space between them only where it has one.
            lead = " " if block[:1].isspace() else ""
            trail = " " if block[-1:].isspace() else ""
            if kind == "excluded":
                paragraph.append(f"{lead}:gray[{text}]{trail}")
            elif kind == "cited":
                paragraph.append(f"{lead}:orange-background[{text}]{trail}")
                cited_here = True
            else:
                paragraph.append(f"{lead}{text}{trail}")
    flush()


def _reader(arts: list[rag.Article]) -> None:
    wanted = st.session_state.get("reader") or {}
    paths = [a.path for a in arts]
    index = paths.index(wanted["path"]) if wanted.get("path") in paths else 0
    label = {a.path: f"{a.source} — {a.outlet}, {a.published or 'date unknown'} ({a.folder})" for a in arts}
    path = st.selectbox("Article", paths, index=index, format_func=label.get, key="reader_path")
    view = rag.article_view(path, settings=settings())
    mark = (wanted["start"], wanted["end"]) if wanted.get("path") == path else None
    art = view.article
    # Titles and outlets come from the articles (a first line is a title): text, never Markdown.
    st.subheader(md_text(art.title if art.title != "unknown" else art.source), anchor=False)
    chunks = f"{art.chunks} chunk{'s' * (art.chunks != 1)}"
    st.caption(md_text(f"{art.outlet} · {art.published or 'date unknown'} · {chunks} · {art.path}"))
    if view.changed_since_indexed:
        st.warning("This file changed since it was indexed: ingest its folder again before checking quotes.")
    st.caption("Grey: boilerplate kept out of the index. Highlighted: the cited words.")
    _render_text(view, mark)
    if mark:
        components.html(_SCROLL, height=0)


def _add_files(files: list[tuple[str, bytes]], outlet: str, title: str, published: str | None,
               settings: rag.Settings, report: jobs.Report) -> list[tuple[str, str]]:
    """Add each upload (in a job); a message per file, for st.success / warning / error."""
    messages: list[tuple[str, str]] = []
    for i, (name, data) in enumerate(files, 1):
        prefix = f"file {i} of {len(files)}, " if len(files) > 1 else ""
        report(f"{prefix}{name}", 0, 1)
        try:
            result = rag.add_upload(
                name, data, outlet=outlet or None, title=(title or None) if len(files) == 1 else None,
                published=published, settings=settings,
                progress=lambda m, d, t: report(f"{prefix}{m}", d, t),  # noqa: B023 - used within the loop
            )
        except rag.RagError as exc:
            messages.append(("error", str(exc)))
            continue
        if result.duplicate_of:
            messages.append(("warning", f"{name}: already in the library as {result.duplicate_of}; not added again."))
        else:
            chunks = result.article.chunks
            messages.append(("success", f"{name}: added as {result.name} ({chunks} chunk{'s' * (chunks != 1)})."))
    return messages


def _upload() -> None:
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader("Add articles (.txt, .md, .html)", type=["txt", "md", "html", "htm"],
                                 accept_multiple_files=True)
        c1, c2, c3 = st.columns(3)
        outlet = c1.text_input("Outlet", key="upload_outlet")
        title = c2.text_input("Title (one file only)")
        published = c3.date_input("Published", value=None, min_value=date(1900, 1, 1))
        submitted = st.form_submit_button("Upload and index")
    for kind, message in st.session_state.pop("upload_messages", []):
        getattr(st, kind)(md_text(message))
    if submitted and files:
        # The bytes are read now: the uploader's files belong to this run. The indexing is a job, so
        # changing page or touching a widget while it runs does not cut it off half-way.
        payload = [(f.name, f.getvalue()) for f in files]
        when = published.isoformat() if published else None
        chosen = settings()
        key = f"upload:{uuid.uuid4().hex}"
        jobs.start(key, "upload", lambda report: _add_files(payload, outlet, title, when, chosen, report))
        st.session_state["upload_job"] = key
    key = st.session_state.get("upload_job")
    job = jobs.get(key) if key else None
    if job is None:
        return
    jobs.follow(job, "Indexing")
    del st.session_state["upload_job"]
    # Rerun so the table above shows the new articles; the messages are shown after it.
    st.session_state["upload_messages"] = job.result or [("error", job.error or "the upload failed")]
    forget_status()
    st.rerun()


def render() -> None:
    st.title("Library")
    ensure_index()
    arts = library_articles()
    st.dataframe(
        [{"folder": a.folder, "file": a.source, "outlet": a.outlet, "title": a.title,
          "date": a.published or "unknown", "chunks": a.chunks} for a in arts],
        hide_index=True, width="stretch",
    )
    if partial := [a for a in arts if not a.complete]:
        st.warning(md_text("Partly indexed (an ingest was stopped half-way): "
                           + ", ".join(a.source for a in partial)
                           + ". Restart the app, or run rag ingest on their folder, to finish them."))
    read, add, drop = st.tabs(["Read", "Upload", "Remove"], key="library_tab")
    with read:
        if arts:
            _reader(arts)
    with add:
        _upload()
    with drop:
        path = st.selectbox("Article to remove from the index (the file stays on disk)", [a.path for a in arts],
                            index=None, key="remove_path")
        if done := st.session_state.pop("removed_message", None):
            st.success(md_text(done))
        if path and st.button("Remove", type="primary"):
            removed = rag.remove([path], settings=settings())
            forget_status()
            # Shown after the rerun that refreshes the table above.
            st.session_state["removed_message"] = (f"Removed {removed[0].source} ({removed[0].chunks} chunks) "
                                                   "from both indexes.")
            st.rerun()
