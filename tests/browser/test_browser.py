"""The Streamlit app in a real browser (Playwright driving Debian's chromium) against a real `rag ui`
server on a copy of the seeds: ask (cold and warm timings), open a citation and follow it into the
Library reader, upload an article through the form and ask about it, a planted article with HTML
and Markdown in its text shown as plain text, and the Eval page.

Screenshots, timings.json and the server log go to test-output/browser/ at the repository root.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Request, sync_playwright

from conftest import ROOT, SEEDS, free_port, stop_process
from eval.scoring import percentile

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUT = ROOT / "test-output" / "browser"
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 120_000  # any single wait in the browser (the first page load indexes the corpus)
START_TIMEOUT_S = 120.0

CHAT_INPUT = '[data-testid="stChatInputTextArea"]'
HIGHLIGHT = "span.stMarkdownColoredBackground"  # what :orange-background[...] becomes
MAIN = ".stMain"  # the main area (its data-testid differs on a page with a chat input)

QUESTION = "Where did Putin say he would guarantee Zelensky's safety?"
WARM_QUESTION = "Which country said it would grant Putin immunity from arrest?"
# More warm questions in the same session, for the warm p50 / p95 (phrased as a reader would, one the
# articles cannot answer among them); the chat grows by a turn with each, as a user's would.
MORE_WARM = (
    "What did Peskov say about a meeting between the two presidents?",
    "When did the delegations meet in Istanbul?",
    "Who is the mayor of Lisbon?",
    "What did Zelensky reply to the invitation to Moscow?",
    "How often has Putin offered to negotiate recently?",
)
CITED_FILE = "000_3a68910d6e622929.txt"

UPLOAD_NAME = "tamsin_arch_footbridge.txt"
UPLOAD_OUTLET = "Wenning Valley Gazette"
UPLOAD_TITLE = "Tamsin Arch footbridge opens at Lowmoor Cross"
UPLOAD_DATE = ("2031", "03", "14")
UPLOAD_TEXT = """Tamsin Arch footbridge opens at Lowmoor Cross

The Tamsin Arch footbridge, a 64-metre span of green oak over the river Wenning, opened to walkers and cyclists in Lowmoor Cross on Friday morning.

The bridge was built by the Harrow Dale Joinery cooperative and replaces a stone ford that flooded eleven times last winter.

Town clerk Ines Morrow cut a ribbon of plaited willow at the eastern landing. The first person to cross the Tamsin Arch footbridge was Aldous Pike, a 92-year-old former ferryman.

The county council said the crossing cost 1.8 million pounds and should last at least a century if the oak is oiled every spring.
"""
UPLOAD_QUESTION = "Who was the first person to cross the Tamsin Arch footbridge?"
UPLOAD_FACT = "Aldous Pike"

PLANTED = "zz_markup_letter.txt"
PLANTED_TEXT = """Markup letter puzzles the Orrin Valley Courier

Published 2 February 2030

The Orrin Valley Courier printed a reader's letter that contained pieces of web code. The letter read: <script>window.__pwned=1</script> and then <img src=x onerror="window.__pwned=2"> before it was signed.

Our typesetter kept the odd characters as they were: *not bold*, _x_, [link](http://example.com) and a price written as $x$ in the margin.

# not a heading

The letter writer, a retired beekeeper named Hollis Brandt, said the symbols were a joke for his grandchildren.
"""
# An article whose first line (a heading, so it becomes the title) holds Markdown: an image that
# would be fetched from a local port nothing listens on, and emphasis.
TITLED = "zz_heading_markup.txt"
TITLED_TEXT = """Reader letter with *stars* and a ![pixel]({pixel}) inside

Published 3 February 2030

The Orrin Valley Courier printed a second letter from the same reader about the village fete and its marrow contest.

The marrow contest was won by a vegetable weighing eleven kilograms, a record for the valley.
"""


@dataclass
class App:
    url: str
    page: Page
    home: Path
    corpus: Path
    log: Path
    pixel: str
    timings: dict = field(default_factory=dict)


def _clean_env(home: Path, corpus: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_") and k != "OPENAI_API_KEY"}
    env.update(RAG_HOME=str(home), RAG_CORPUS=str(corpus), PYTHONUNBUFFERED="1")
    return env


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`rag ui` exited with {proc.returncode} before it was healthy; "
                        f"log:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"`rag ui` not healthy after {START_TIMEOUT_S:.0f} s; log:\n{log.read_text()[-3000:]}")


def _stop_server(proc: subprocess.Popen) -> None:
    """stop_process on `rag ui`, then whatever of its process group is left: `rag ui` runs Streamlit
    as a child (subprocess.call) that does not exit with it."""
    stop_process(proc)
    for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


@contextmanager
def ui_server(cwd: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """`rag ui` on a free loopback port, its output in ``log``; yields its URL once healthy and
    always stops it (and its Streamlit child)."""
    port = free_port()
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "rag"), "ui", "--host", "127.0.0.1", "--port", str(port)],
            cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that its Streamlit child is stopped too
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc, log)
        yield url
    finally:
        _stop_server(proc)


def _chromium_missing() -> str | None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (f"{CHROMIUM} is missing: install Debian's chromium "
            "(bash scripts/ensure_chromium.sh; scripts/test.sh runs it)")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """A `rag ui` server on a copy of the seeds (plus two planted articles) and one chromium page."""
    if missing := _chromium_missing():
        pytest.fail(missing)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    base = tmp_path_factory.mktemp("browser")
    home, corpus = base / "home", base / "corpus"
    shutil.copytree(SEEDS, corpus)
    pixel = f"http://127.0.0.1:{free_port()}/pixel.png"  # nothing listens there
    (corpus / PLANTED).write_text(PLANTED_TEXT, encoding="utf-8")
    (corpus / TITLED).write_text(TITLED_TEXT.format(pixel=pixel), encoding="utf-8")
    log = OUT / "server.log"
    with ui_server(base, _clean_env(home, corpus), log) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(TIMEOUT_MS)
            yield App(url, page, home, corpus, log, pixel)
        finally:
            browser.close()


# --- helpers ---------------------------------------------------------------------------------------


def settle(page: Page) -> None:
    """Wait until Streamlit has finished the current run (its status widget is gone), then check
    that the page shows no exception."""
    page.wait_for_timeout(200)  # let a rerun that was just triggered begin
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS)
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot: Streamlit scrolls inside its main block, so the viewport is made as
    tall as the content for the picture, then put back."""
    height = page.evaluate(
        "() => Math.max(window.innerHeight, ...[...document.querySelectorAll("
        "'.stMain, [data-testid=\"stSidebarContent\"]')].map(e => e.scrollHeight))"
    )
    if height > VIEWPORT["height"]:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 40, 12_000)})
        page.wait_for_timeout(400)
    try:
        page.screenshot(path=str(OUT / name), full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)
        page.wait_for_timeout(200)


def open_page(app: App, path: str = "/") -> Page:
    """Load a page in a new session (a new Streamlit session: empty chat) and wait for it."""
    page = app.page
    page.goto(app.url + path)
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    page.locator(f"{MAIN} h1").first.wait_for()
    settle(page)
    return page


def ask(page: Page, question: str, turn: int) -> tuple[Locator, float]:
    """Type a question in the chat input; the assistant's message once its answer is shown, and the
    seconds from pressing Enter to that."""
    box = page.locator(CHAT_INPUT)
    box.wait_for()
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    # Polled on every animation frame: a locator's wait retries at growing intervals (up to 0.5 s),
    # which would be timed as the app's.
    page.wait_for_function(
        """n => { const m = document.querySelectorAll('.stMain [data-testid="stChatMessage"]')[n];
                  return !!m && [...m.querySelectorAll('[data-testid="stCaptionContainer"]')]
                                  .some(c => c.innerText.includes('mode')); }""",
        arg=2 * turn + 1, polling="raf", timeout=TIMEOUT_MS)
    elapsed = time.perf_counter() - started
    message = page.locator(f'{MAIN} [data-testid="stChatMessage"]').nth(2 * turn + 1)
    message.locator('[data-testid="stCaptionContainer"]', has_text="mode").wait_for()  # shown with the answer
    settle(page)
    return message, elapsed


def answer_text(message: Locator) -> str:
    """The answer's own paragraph (not the badge, notices or citations)."""
    blocks = message.locator('[data-testid="stMarkdown"]:not([data-testid="stExpander"] *)').filter(
        has_not=message.page.locator('[data-testid="stCaptionContainer"]'))
    return "\n".join(blocks.all_inner_texts())


def citations(message: Locator) -> dict[int, Locator]:
    """The numbered citation expanders of an answer, by number."""
    found = {}
    for expander in message.locator('[data-testid="stExpander"]').all():
        label = expander.locator("summary [data-testid='stMarkdownContainer']").inner_text()
        if m := re.match(r"\[(\d+)\] ", label):
            found[int(m.group(1))] = expander
    return found


def label_of(expander: Locator) -> str:
    return expander.locator("summary [data-testid='stMarkdownContainer']").inner_text()


def in_viewport(page: Page, locator: Locator) -> bool:
    box, size = locator.bounding_box(), page.viewport_size
    if not box or not size:
        return False
    return 0 <= box["y"] and box["y"] + box["height"] <= size["height"] \
        and 0 <= box["x"] and box["x"] + box["width"] <= size["width"]


def choose_article(page: Page, file_name: str) -> None:
    """Pick an article in the Library reader's selectbox."""
    page.get_by_role("tab", name="Read").click()
    box = page.get_by_role("combobox", name="Article", exact=True)
    box.click()
    page.get_by_role("option").filter(has_text=file_name).first.click()
    page.wait_for_function(
        "name => document.querySelector('input[aria-label=\"Article\"]').value.includes(name)", arg=file_name)
    settle(page)


def window_values(page: Page, expression: str) -> list:
    return [frame.evaluate(expression) for frame in page.frames]


# --- tests -----------------------------------------------------------------------------------------


def test_chromium_is_installed() -> None:
    missing = _chromium_missing()
    assert missing is None, missing


def test_ask_cold_then_warm(app: App) -> None:
    page = app.page
    started = time.perf_counter()
    page.goto(app.url + "/")  # the server is fresh: this first session indexes the corpus
    page.locator(CHAT_INPUT).wait_for()
    ready = time.perf_counter() - started
    settle(page)
    message, cold_answer = ask(page, QUESTION, 0)
    cold = time.perf_counter() - started
    text = answer_text(message)
    assert "Vladivostok" in text, text
    cited = citations(message)
    assert cited and sorted(cited) == list(range(1, len(cited) + 1)), cited
    assert label_of(cited[1]).startswith("[1] Kyiv Post"), label_of(cited[1])
    assert CITED_FILE in label_of(cited[1]), label_of(cited[1])
    assert "extractive mode" in message.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    assert re.search(r"\[\d+\]", text), f"no citation markers in the answer: {text}"

    warm_message, warm = ask(page, WARM_QUESTION, 1)
    assert citations(warm_message), answer_text(warm_message)
    assert page.locator(f'{MAIN} [data-testid="stChatMessage"]').count() == 4  # both turns, in order
    shot(page, "ask.png")

    warms = [warm] + [ask(page, question, turn)[1] for turn, question in enumerate(MORE_WARM, start=2)]
    assert page.locator(f'{MAIN} [data-testid="stChatMessage"]').count() == 2 * (2 + len(MORE_WARM))
    p50, p95 = percentile(warms, 50), percentile(warms, 95)
    app.timings.update(cold_s=round(cold, 3), cold_page_ready_s=round(ready, 3),
                       cold_answer_s=round(cold_answer, 3), warm_p50_s=round(p50, 3), warm_p95_s=round(p95, 3),
                       warm_s=[round(w, 3) for w in warms])
    (OUT / "timings.json").write_text(json.dumps(
        {**app.timings, "cold": "page load of a fresh server (indexing the corpus) to the first answer shown",
         "warm": f"Enter to the answer shown, questions 2-{len(warms) + 1} of the same session"}, indent=2) + "\n")
    print(f"\nbrowser: cold {cold:.2f} s (page ready {ready:.2f} s + answer {cold_answer:.2f} s), "
          f"warm p50 {p50:.2f} s / p95 {p95:.2f} s over {len(warms)} questions")


def test_citation_highlight_and_reader(app: App) -> None:
    page = open_page(app, "/")
    message, _ = ask(page, QUESTION, 0)
    text = answer_text(message)
    # The citation that follows the Vladivostok sentence in the answer.
    m = re.search(r"Vladivostok[^\[]*\[(\d+)\]", text)
    assert m, text
    expander = citations(message)[int(m.group(1))]
    assert CITED_FILE in label_of(expander)
    expander.locator("summary").click()
    quote = expander.locator(HIGHLIGHT).first
    quote.wait_for(state="visible")
    assert "Vladivostok" in quote.inner_text()
    background = quote.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    button = expander.get_by_role("button", name="Open in the Library reader")
    assert button.is_visible()
    settle(page)
    shot(page, "citation.png")

    button.click()
    page.wait_for_url(re.compile(r"/library$"))
    page.locator("#cited-passage").wait_for()
    settle(page)
    assert CITED_FILE in page.get_by_role("combobox", name="Article", exact=True).input_value()
    assert "Putin Invites Zelensky" in page.locator(f"{MAIN} h3").first.inner_text()
    cited = page.locator(f"{MAIN} {HIGHLIGHT}")
    assert cited.count() >= 1
    assert "Vladivostok" in " ".join(cited.all_inner_texts())
    # The reader scrolls the cited passage into view (its own script, polling every 100 ms).
    page.wait_for_function(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        arg=f"{MAIN} {HIGHLIGHT}")
    page.wait_for_timeout(300)  # the scroll has settled: still in view afterwards
    assert cited.first.is_visible()
    assert in_viewport(page, cited.first), (cited.first.bounding_box(), page.viewport_size)
    page.screenshot(path=str(OUT / "reader-viewport.png"))  # what the user sees after the jump
    shot(page, "reader.png")


def test_upload_through_the_form_then_ask(app: App) -> None:
    page = open_page(app, "/library")
    page.get_by_role("tab", name="Upload").click()
    form = page.locator('[data-testid="stForm"]')
    form.locator('[data-testid="stFileUploader"]').wait_for()  # the tab's widgets arrive one by one
    form.filter(has_text="per file").first.wait_for()
    assert "50MB per file" in form.inner_text()  # the uploader's limit is RAG_MAX_FILE_MB, not Streamlit's 200 MB
    form.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": UPLOAD_NAME, "mimeType": "text/plain", "buffer": UPLOAD_TEXT.encode("utf-8")}])
    form.locator(f'[data-testid="stFileChipName"][title="{UPLOAD_NAME}"]').wait_for()  # shown shortened
    form.get_by_label("Outlet").fill(UPLOAD_OUTLET)
    form.get_by_label("Title (one file only)").fill(UPLOAD_TITLE)
    form.get_by_role("spinbutton", name="year, Published").click()
    page.keyboard.type("".join(UPLOAD_DATE))  # the date field moves on to month and day by itself
    assert form.locator('[data-testid="stDateInput"]').inner_text().split()[-5:] == [
        UPLOAD_DATE[0], "/", UPLOAD_DATE[1], "/", UPLOAD_DATE[2]]
    form.get_by_role("button", name="Upload and index").click()
    success = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text=UPLOAD_NAME)
    success.wait_for(state="attached")
    settle(page)
    # The rerun after an upload keeps the Upload tab open, with its message visible.
    success.wait_for(state="visible")
    assert f"added as {UPLOAD_NAME}" in success.inner_text()
    settle(page)
    shot(page, "upload.png")
    meta = json.loads((app.home / "uploads" / "metadata.json").read_text(encoding="utf-8"))["files"][UPLOAD_NAME]
    assert meta == {"outlet": UPLOAD_OUTLET, "title": UPLOAD_TITLE, "published": "-".join(UPLOAD_DATE),
                    "url": "unknown"}

    page.locator('[data-testid="stSidebarNav"] a', has_text="Ask").click()
    page.wait_for_url(re.compile(r"/$"))
    settle(page)
    message, _ = ask(page, UPLOAD_QUESTION, 0)
    text = answer_text(message)
    assert UPLOAD_FACT in text, text
    labels = [label_of(e) for e in citations(message).values()]
    assert any(UPLOAD_NAME in label and UPLOAD_OUTLET in label and "-".join(UPLOAD_DATE) in label
               for label in labels), labels
    shot(page, "uploaded-answer.png")


LONG_NAME = "saltmarsh_survey.txt"
LONG_FACT = "Perrin Hawe"
LONG_QUESTION = "Who counted the most avocets in the saltmarsh survey?"


def _long_article() -> str:
    """About 120 KB: long enough that its indexing is still running when the user leaves the page."""
    filler = ("Volunteers walked the sea wall at dawn and noted the tide, the wind and every flock "
              "that rose from the creeks of the Ebbmoor saltmarsh. ")
    paragraphs = [f"Survey day {i}. " + filler * 6 for i in range(1, 140)]
    paragraphs.insert(70, f"The most avocets on any day, 312 birds, were counted by {LONG_FACT}, a retired "
                          "lock keeper, at the mouth of Gullet Creek.")
    return "Ebbmoor saltmarsh survey ends its ninth season\n\n" + "\n\n".join(paragraphs) + "\n"


def test_an_upload_keeps_indexing_when_the_user_leaves_the_page(app: App) -> None:
    page = open_page(app, "/library")
    page.get_by_role("tab", name="Upload").click()
    form = page.locator('[data-testid="stForm"]')
    form.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": LONG_NAME, "mimeType": "text/plain", "buffer": _long_article().encode("utf-8")}])
    form.locator(f'[data-testid="stFileChipName"][title="{LONG_NAME}"]').wait_for()
    form.get_by_role("button", name="Upload and index").click()
    page.locator('[data-testid="stProgress"]').wait_for()  # indexing has begun…
    page.locator('[data-testid="stSidebarNav"] a', has_text="Ask").click()  # …and the user leaves
    page.wait_for_url(re.compile(r"/$"))
    settle(page)

    # Back in the Library, the upload's run is found and followed to its end.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Library").click()
    page.wait_for_url(re.compile(r"/library$"))
    page.get_by_role("tab", name="Upload").click()
    success = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text=LONG_NAME)
    success.wait_for(state="attached")
    settle(page)
    listed = json.loads(subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rag"), "list", "--json"], env=_clean_env(app.home, app.corpus),
        capture_output=True, text=True, timeout=120, check=True).stdout)
    entry = next(a for a in listed if a["source"] == LONG_NAME)
    assert entry["complete"] and entry["chunks"] > 20, entry

    page.locator('[data-testid="stSidebarNav"] a', has_text="Ask").click()
    page.wait_for_url(re.compile(r"/$"))
    settle(page)
    message, _ = ask(page, LONG_QUESTION, 0)
    assert LONG_FACT in answer_text(message), answer_text(message)


def test_planted_markup_is_shown_as_text(app: App) -> None:
    page = open_page(app, "/library")
    choose_article(page, PLANTED)
    body = page.locator(f'{MAIN} [data-testid="stMarkdownContainer"]')
    body.filter(has_text="Hollis Brandt").first.wait_for()

    assert window_values(page, "typeof window.__pwned") == ["undefined"] * len(page.frames)
    assert sum(window_values(page, "document.querySelectorAll('img[src=\"x\"]').length")) == 0
    assert page.locator('img[src="x"]').count() == 0
    scripts = "[...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length"
    handlers = ("[...document.querySelectorAll('[onerror]')]"
                ".filter(e => e.getAttribute('onerror').includes('__pwned')).length")
    assert sum(window_values(page, scripts)) == 0
    assert sum(window_values(page, handlers)) == 0

    for literal in ("<script>window.__pwned=1</script>", '<img src=x onerror="window.__pwned=2">', "*not bold*",
                    "_x_", "[link](http://example.com)", "$x$", "# not a heading"):
        shown = body.filter(has_text=literal)
        assert shown.count() >= 1, f"not shown as text: {literal}"
        assert shown.first.is_visible(), literal
    assert page.locator(f"{MAIN} em, {MAIN} strong").filter(has_text="not bold").count() == 0
    assert page.locator(f"{MAIN} em").filter(has_text=re.compile(r"^x$")).count() == 0
    assert page.locator(f"{MAIN} a").filter(has_text=re.compile(r"^link$")).count() == 0
    assert page.locator(f"{MAIN} .katex").count() == 0
    assert page.locator(f"{MAIN} :is(h1, h2, h3, h4, h5, h6)").filter(has_text="not a heading").count() == 0
    shot(page, "planted.png")


def test_a_title_with_markup_is_shown_as_text(app: App) -> None:
    page = open_page(app, "/library")
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    try:
        choose_article(page, TITLED)
        heading = page.locator(f"{MAIN} h3").first
        heading.filter(has_text="Reader letter").wait_for()
        shot(page, "titled.png")
        assert page.locator(f'{MAIN} img[src="{app.pixel}"]').count() == 0
        assert app.pixel not in requested
        assert "*stars*" in heading.inner_text(), heading.inner_text()
    finally:
        page.remove_listener("request", record)


def test_eval_page_renders(app: App) -> None:
    page = open_page(app, "/eval")
    main = page.locator(MAIN)
    assert main.locator("h1").first.inner_text().strip() == "Eval"
    assert main.get_by_role("button", name="Run the eval").is_visible()
    metric = main.locator('[data-testid="stMetric"]')
    no_run = main.locator('[data-testid="stAlert"]').filter(has_text="No eval run yet")
    # The metrics can arrive after the title and button: wait for one of the two outcomes.
    metric.or_(no_run).first.wait_for(timeout=TIMEOUT_MS)
    assert metric.count() >= 1 or no_run.count() == 1, "neither the latest run's metrics nor the 'no run yet' notice"
    shot(page, "eval.png")


def test_summaries_page_compares_the_outlets(app: App) -> None:
    page = open_page(app, "/summaries")
    main = page.locator(MAIN)
    assert main.locator("h1").first.inner_text().strip() == "Summaries"
    # The summary renders after the title (it is computed on the first visit): wait for a cited line.
    cited = main.locator('[data-testid="stMarkdownContainer"]').filter(has_text="[1]")
    cited.first.wait_for(timeout=TIMEOUT_MS)
    assert cited.count() >= 1
    shot(page, "summaries.png")
    main.get_by_role("tab", name="Compare outlets").click()
    main.get_by_label("Topic").fill("where the leaders should meet")
    main.get_by_role("button", name="Compare the outlets").click()
    main.locator("h3").filter(has_text="The Moscow Times").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    headers = {h.strip() for h in main.locator("h3").all_inner_texts()}
    assert {"Kyiv Post", "RT", "The Moscow Times"} <= headers, headers
    shot(page, "compare.png")


def test_timeline_page_shows_the_chart_and_opens_an_event(app: App) -> None:
    page = open_page(app, "/timeline")
    main = page.locator(MAIN)
    main.locator('[data-testid="stVegaLiteChart"], .vega-embed').first.wait_for()
    assert "dated events" in main.inner_text()
    shot(page, "timeline.png")


def test_who_said_what_page_lists_speakers(app: App) -> None:
    page = open_page(app, "/claims")
    main = page.locator(MAIN)
    assert main.locator("h1").first.inner_text().strip() == "Who said what"
    main.locator('[data-testid="stDataFrame"]').first.wait_for()
    assert "statements" in main.inner_text()
    shot(page, "claims.png")


def test_server_log_has_no_traceback(app: App) -> None:
    log = app.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
