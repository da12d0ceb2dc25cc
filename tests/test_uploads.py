"""Uploads through the library API: safe names, HTML to text, duplicates, bad files; the reader view
and the index status the app shows. Fast tier: the HashEmbedder fake, no model, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

import rag.ingestion
from rag.config import Settings
from rag.errors import InputError
from rag.ingestion import ingest
from rag.library import article_view, articles, status
from rag.uploads import add_upload, safe_name, uploads_folder

from conftest import HashEmbedder
from test_library import BEES, FAKE_ID, KYIV_POST

HTML = b"""<html><head><title>Harbour seals return to the estuary</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour seals return to the estuary</h1>
<p>Wardens counted forty harbour seals on the sandbanks of the estuary this week, the highest number since records began.</p>
<p>They credit cleaner water and a ban on jet skis near the colony for the recovery.</p>
<script>alert('x')</script></article><footer>Subscribe to our newsletter</footer></body></html>"""


@pytest.fixture
def lib(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    fake = HashEmbedder()
    fake.model_id = FAKE_ID
    monkeypatch.setattr(rag.ingestion, "make_embedder", lambda _settings: fake)
    return Settings(home=settings.home, corpus=settings.corpus, embedding=FAKE_ID)


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\me\\story.md", "story.md"), ("-rf .txt", "rf.txt"),
    (".hidden.txt", "hidden.txt"), ("Zürich: news?.html", "Zürich_ news.html"),
])
def test_safe_names_have_no_path_and_no_leading_dash_or_dot(given: str, expected: str) -> None:
    assert safe_name(given, Path(given).suffix) == expected


def test_upload_is_stored_ingested_and_never_overwrites(lib: Settings) -> None:
    first = add_upload("bees.txt", BEES.encode(), outlet="Devon Post", published="2025-06-05", settings=lib)
    assert first.article and first.article.outlet == "Devon Post" and first.article.published == "2025-06-05"
    assert Path(first.article.path).read_text(encoding="utf-8") == BEES
    other = BEES.replace("record", "modest").encode()
    second = add_upload("bees.txt", other, settings=lib)
    assert second.name == "bees-2.txt" and Path(second.article.path).read_bytes() == other
    assert (uploads_folder(lib) / "bees.txt").read_text(encoding="utf-8") == BEES


def test_duplicate_content_is_reported_not_stored(lib: Settings, corpus: Path) -> None:
    ingest(corpus, settings=lib)
    result = add_upload("copy.txt", (corpus / KYIV_POST).read_bytes(), settings=lib)
    assert result.article is None and result.duplicate_of == (corpus / KYIV_POST).resolve().as_posix()
    assert not uploads_folder(lib).exists() or not any(uploads_folder(lib).iterdir())


def test_html_becomes_article_text_and_citations_point_into_the_stored_text(lib: Settings) -> None:
    result = add_upload("seals.html", HTML, settings=lib)
    assert result.name == "seals.txt" and result.article
    stored = Path(result.article.path).read_text(encoding="utf-8")
    assert "forty harbour seals" in stored and "<p>" not in stored and "alert(" not in stored
    view = article_view(result.article.path, settings=lib)
    assert view.text == stored and not view.changed_since_indexed


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.txt", b"", "empty"), ("blob.txt", b"\x00\x01\x02" * 100, "binary"), ("photo.png", b"\x89PNG", "unsupported"),
    ("menu.html", b"<html><body><nav>Home</nav></body></html>", "no article text"),
    ("promo.txt", b"Download our app on the App Store\nGet the app on Google Play\n", "no article text"),
])
def test_bad_uploads_get_a_message_and_leave_nothing(lib: Settings, name: str, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        add_upload(name, data, settings=lib)
    assert not uploads_folder(lib).exists() or not [p for p in uploads_folder(lib).iterdir() if p.suffix != ".json"]


def test_reader_view_marks_boilerplate_and_status_counts(lib: Settings, corpus: Path) -> None:
    ingest(corpus, settings=lib)
    view = article_view(KYIV_POST, settings=lib)
    assert view.text == (corpus / KYIV_POST).read_text(encoding="utf-8")
    reasons = {span.reason for span in view.excluded}
    assert "navigation" in reasons or "page chrome" in reasons
    info = status(lib)
    assert info.articles == 5 and info.folders == 1 and info.chunks == sum(a.chunks for a in articles(lib))
    assert info.embedding == FAKE_ID
