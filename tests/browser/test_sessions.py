"""Separate browser sessions on one `rag ui` server keep separate chats.

Three browser contexts (three users, three Streamlit sessions) ask different questions at the same
time; each chat must show only its own questions, each followed by the answer to that question
(the text `rag.answer` gives for it, with the same cited files). A rerun (a sidebar widget changed)
and a trip to another page keep a session's chat; a reload starts a new, empty session and never
shows another user's chat. Sidebar choices stay in the session that made them.

The server log goes to the test's temporary folder and is shown when something fails.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SEEDS
from playwright.sync_api import Locator, Page, sync_playwright
from test_browser import (
    CHAT_INPUT,
    CHROMIUM,
    CHROMIUM_ARGS,
    MAIN,
    VIEWPORT,
    _chromium_missing,
    _clean_env,
    settle,
    ui_server,
)

pytestmark = [pytest.mark.integration, pytest.mark.reliability]

WAIT_MS = 90_000  # any single wait in a browser (the first page load indexes the seeds)

# Two turns per session, asked in all sessions at once; answers that differ from one another.
QUESTIONS = {
    "a": ("Where did Putin say he would guarantee Zelensky's safety?",
          "On what grounds does the Kremlin call Zelensky an illegitimate president?"),
    "b": ("Which country said it would grant Putin immunity from arrest?",
          "Which territory did Trump suggest Ukraine would have to give up?"),
    "c": ("In which city were direct Russia-Ukraine negotiations due to restart in mid-May 2025?",
          "Who is the mayor of Lisbon?"),  # not in the articles: a refusal
}
AFTER_RELOAD = "What did Peskov say about a meeting between the two presidents?"
REFUSAL = "The articles do not hold the answer to this question."



@dataclass
class Server:
    url: str
    home: Path
    corpus: Path
    log: Path

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A `rag ui` server on a copy of the seeds (it indexes them on the first page load)."""
    if missing := _chromium_missing():
        pytest.fail(missing)
    base = tmp_path_factory.mktemp("sessions")
    home, corpus = base / "home", base / "corpus"
    shutil.copytree(SEEDS, corpus)
    log = base / "server.log"
    with ui_server(base, _clean_env(home, corpus), log) as url:
        yield Server(url, home, corpus, log)


# --- reading a session's chat -----------------------------------------------------------------------


def messages(page: Page) -> list[Locator]:
    return page.locator(f'{MAIN} [data-testid="stChatMessage"]').all()


def role(message: Locator) -> str:
    return "user" if message.locator('[data-testid="stChatMessageAvatarUser"]').count() else "assistant"


def folded(text: str) -> str:
    return " ".join(text.split())


def user_text(message: Locator) -> str:
    return folded(message.locator('[data-testid="stMarkdownContainer"]').first.inner_text())


def answer_paragraph(message: Locator) -> str:
    """The answer's own text: not the mode caption, the notices or the citation expanders."""
    blocks = message.locator(
        '[data-testid="stMarkdown"]:not([data-testid="stExpander"] *):not([data-testid="stAlert"] *)'
    ).filter(has_not=message.page.locator('[data-testid="stCaptionContainer"]'))
    return folded(" ".join(blocks.all_inner_texts()))


def cited_files(message: Locator) -> list[str]:
    """The file names of the numbered citations, in order ("[n] outlet · date · title · file")."""
    labels = message.locator('[data-testid="stExpander"] summary [data-testid="stMarkdownContainer"]').all_inner_texts()
    return [label.rsplit(" · ", 1)[-1].strip() for label in labels if re.match(r"\[\d+\] ", label)]


def transcript(page: Page) -> list[tuple[str, str, tuple[str, ...]]]:
    """(role, text, cited files) of every chat message shown, in order; a refusal reads as REFUSAL."""
    out = []
    for m in messages(page):
        if role(m) == "user":
            out.append(("user", user_text(m), ()))
        elif m.locator('[data-testid="stAlertContentWarning"]').filter(has_text=REFUSAL).count():
            out.append(("assistant", REFUSAL, ()))
        else:
            out.append(("assistant", answer_paragraph(m), tuple(cited_files(m))))
    return out


def expected_turn(question: str, answer) -> list[tuple[str, str, tuple[str, ...]]]:
    if not answer.answered:
        return [("user", folded(question), ()), ("assistant", REFUSAL, ())]
    return [("user", folded(question), ()),
            ("assistant", folded(answer.text), tuple(c.source for c in answer.citations))]


# --- driving a session --------------------------------------------------------------------------------


def submit(page: Page, question: str) -> None:
    box = page.locator(CHAT_INPUT)
    box.wait_for()
    box.fill(question)
    box.press("Enter")


def wait_answer(page: Page, turn: int) -> None:
    """Until the answer of chat turn ``turn`` (0-based) is shown with its mode caption."""
    page.wait_for_function(
        """n => { const m = document.querySelectorAll('.stMain [data-testid="stChatMessage"]')[n];
                  return !!m && [...m.querySelectorAll('[data-testid="stCaptionContainer"]')]
                                  .some(c => c.innerText.includes('mode')); }""",
        arg=2 * turn + 1, timeout=WAIT_MS)
    settle(page)


def open_ask(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.locator(CHAT_INPUT).wait_for(timeout=WAIT_MS)
    settle(page)


def mode_choice(page: Page) -> str:
    radios = page.locator('[data-testid="stSidebar"] [role="radiogroup"]').first.get_by_role("radio")
    checked = [r.evaluate("e => e.closest('label').innerText.trim()") for r in radios.all() if r.is_checked()]
    assert len(checked) == 1, checked
    return checked[0]


# --- the test -------------------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_sessions_keep_their_own_chats(server: Server) -> None:
    import rag

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            pages: dict[str, Page] = {}
            for name in QUESTIONS:  # one browser context each: its own cookies, its own Streamlit session
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.set_default_timeout(WAIT_MS)
                open_ask(page, server.url)  # the first one waits for the seeds to be indexed
                pages[name] = page

            # What each question gets from the library itself, on the index the app built.
            settings = rag.Settings(home=server.home, corpus=server.corpus)
            expected = {q: rag.answer(q, settings=settings) for qs in QUESTIONS.values() for q in qs}
            expected[AFTER_RELOAD] = rag.answer(AFTER_RELOAD, settings=settings)
            want: dict[str, list] = {name: [] for name in QUESTIONS}

            for turn in range(2):  # every session asks at once, then each waits for its own answer
                for name, page in pages.items():
                    submit(page, QUESTIONS[name][turn])
                for name, page in pages.items():
                    wait_answer(page, turn)
                    want[name] += expected_turn(QUESTIONS[name][turn], expected[QUESTIONS[name][turn]])
            for name, page in pages.items():
                assert transcript(page) == want[name], f"session {name} shows another chat:\n{transcript(page)}"

            # A rerun in session a (a sidebar choice): its chat stays; the others keep their own choice.
            sidebar = pages["a"].locator('[data-testid="stSidebar"]')
            assert mode_choice(pages["a"]) == "auto"
            sidebar.get_by_text("extractive", exact=True).click()
            settle(pages["a"])
            assert mode_choice(pages["a"]) == "extractive"
            assert transcript(pages["a"]) == want["a"]
            for name in ("b", "c"):
                assert mode_choice(pages[name]) == "auto", f"session {name} took session a's choice"

            # Another page and back in session b: the chat is the session's, not the page's.
            b = pages["b"]
            b.locator('[data-testid="stSidebarNav"] a', has_text="Library").click()
            b.wait_for_url(re.compile(r"/library$"))
            settle(b)
            assert not messages(b)
            b.locator('[data-testid="stSidebarNav"] a', has_text="Ask").click()
            b.wait_for_url(re.compile(r"/$"))
            b.locator(CHAT_INPUT).wait_for()
            settle(b)
            assert transcript(b) == want["b"]

            # A reload in session c is a new session: an empty chat, nobody else's, and it asks anew.
            c = pages["c"]
            c.reload()
            c.locator(CHAT_INPUT).wait_for()
            settle(c)
            assert transcript(c) == [], transcript(c)
            submit(c, AFTER_RELOAD)
            wait_answer(c, 0)
            assert transcript(c) == expected_turn(AFTER_RELOAD, expected[AFTER_RELOAD])
            for name in ("a", "b"):  # the others are untouched by it
                assert transcript(pages[name]) == want[name], f"session {name} changed after c reloaded"
        finally:
            browser.close()
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, server.tail()
