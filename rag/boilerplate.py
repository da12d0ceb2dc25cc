"""Find boilerplate in an article's original text and return it as excluded spans.

Boilerplate (app promos, icon strings, comment policies, URL lists, podcast timers, photo credits,
navigation blocks, datelines) is kept in the original text, so offsets never shift, but it is
marked excluded so it is never chunked, retrieved or cited.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rag.types import Span

# Bump when the rules change: the index records it, so old chunks are rebuilt, never mixed.
RULES_VERSION = "7"  # 7: sentences addressed to a model are excluded spans

_URL = re.compile(r"^\s*(https?://|www\.)\S+\s*$")
_TIMER = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2})?\s*$")
_PODCAST = re.compile(r"^\s*(podcasts?|listen( now)?|audio)\s*$", re.I)
_PHOTO = re.compile(r"^\s*(photo|image|picture|credit|illustration)s?\b[^:\n]{0,30}:|^\s*photo by\b", re.I)
_COMMENTS = re.compile(r"comment(ing)? policy|to leave comments|new commenting system", re.I)
_PROMO = re.compile(
    r"app store|google play|\bin the app\b|download (our|the) app|get the app|subscribe to our newsletter",
    re.I,
)
_RELATED = re.compile(r"^\s*(related( article| story)?|read (more|also)|see also)\s*:", re.I)
_PAGE_CHROME = re.compile(r"^\s*(\w+\s+)?(logo|main image|badge)\s*$", re.I)
_WEEKDAY_DATELINE = re.compile(
    r"^\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+\w+\s+\d{1,2}(,?\s+\d{4})?\s*$", re.I
)
_NUMERIC_DATELINE = re.compile(
    r"^\s*\d{1,2}\s+[A-Za-z]+,?\s+\d{4}(\s+\d{1,2}:\d{2})?\s*$|^\s*[A-Za-z]+\s+\d{1,2},\s+\d{4}(\s+\d{1,2}:\d{2})?\s*$"
)
_DATE_PREFIX = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s*", re.I)
_TERMINAL = tuple('.!?:;"”’)»')

# Inside lines: markup pasted from web pages and citation markers that are not ours. They stay in
# the original text but are cut out of every sentence, so no answer quotes them and no reader
# mistakes "[1]" or "[source: /etc/passwd]" in an article for a citation of this tool.
_INLINE = [
    ("markup", re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)),
    ("markup", re.compile(r"<!--.*?-->", re.S)),
    ("markup", re.compile(r"</?[A-Za-z][\w-]*(?:\s+[^<>]*)?/?>")),
    ("citation marker", re.compile(r"\[\s*\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\s*\]")),
    ("citation marker", re.compile(r"\[\s*(?:source|sources|citation|cite|ref|doc|file)\s*[:=][^\]\n]{0,200}\]", re.I)),
]

TRAILER_MAX_WORDS = 15
NAV_MAX_WORDS = 12
NAV_MIN_RUN = 3


@dataclass(frozen=True)
class Line:
    """One line of the original text: [start, end) excludes the newline."""

    start: int
    end: int
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def split_lines(text: str) -> list[Line]:
    """Lines with their offsets; ``text[line.start:line.end] == line.text``."""
    lines, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(Line(pos, pos + len(body), body))
        pos += len(raw)
    return lines


def is_heading_like(text: str, max_words: int = NAV_MAX_WORDS) -> bool:
    """A short line that does not end a sentence: a headline, section title or menu entry."""
    stripped = text.strip()
    return bool(stripped) and len(stripped.split()) <= max_words and not stripped.endswith(_TERMINAL)


def _line_reason(text: str) -> str | None:
    if _URL.match(text):
        return "url list"
    if _TIMER.match(text) or _PODCAST.match(text):
        return "podcast timer"
    if sum("icon" in tok for tok in text.split()) >= 5:
        return "icon strings"
    if _PHOTO.match(text):
        return "photo credit"
    if _COMMENTS.search(text):
        return "comment policy"
    if _PROMO.search(text):
        return "app promo"
    if _RELATED.match(text):
        return "related link"
    if _PAGE_CHROME.match(text):
        return "page chrome"
    if _WEEKDAY_DATELINE.match(text) or _NUMERIC_DATELINE.match(text):
        return "dateline"
    return None


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


WRAP_MIN_CHARS = 50  # a hard-wrapped prose line is at least this long (menus' entries are shorter)


def _wrapped_prose(lines: list[Line]) -> set[int]:
    """Lines of hard-wrapped paragraphs: blocks of two or more adjacent lines, all but the last
    at least ``WRAP_MIN_CHARS`` long, the last ending a sentence."""
    prose: set[int] = set()
    block: list[int] = []
    for i, line in enumerate(lines + [Line(0, 0, "")]):
        if i < len(lines) and not line.blank:
            block.append(i)
            continue
        if (len(block) >= 2 and all(len(lines[j].text.strip()) >= WRAP_MIN_CHARS for j in block[:-1])
                and lines[block[-1]].text.rstrip().endswith(_TERMINAL)):
            prose.update(block)
        block = []
    return prose


def find_excluded(text: str, title: str | None = None) -> list[Span]:
    """Excluded spans of ``text``, sorted, non-overlapping. ``title`` (if known) is never excluded."""
    lines = split_lines(text)
    title_key = _normal(title) if title else None
    reasons: dict[int, str] = {}
    spans: list[Span] = []

    trailer: str | None = None
    for i, line in enumerate(lines):
        if line.blank:
            continue
        reason = _line_reason(line.text)
        if reason in ("app promo", "comment policy"):
            trailer = reason
        elif reason is None and trailer and line.words <= TRAILER_MAX_WORDS:
            reason = trailer
        elif reason is None:
            trailer = None
        if reason:
            reasons[i] = reason

    # A hard-wrapped boilerplate line drags its lower-case continuation with it.
    for i in range(len(lines) - 1):
        nxt = lines[i + 1]
        if i in reasons and i + 1 not in reasons and not nxt.blank and nxt.text.lstrip()[:1].islower():
            if len(lines[i].text) >= 60 and not lines[i].text.rstrip().endswith(_TERMINAL):
                reasons[i + 1] = reasons[i]

    # Navigation: a run of short heading-like lines (blank lines between them do not break the run),
    # but not the lines of a hard-wrapped paragraph, which are as short and end without a period.
    prose = _wrapped_prose(lines)
    run: list[int] = []
    for i, line in enumerate(lines + [Line(len(text), len(text), "end.")]):
        if i < len(lines) and line.blank:
            continue
        candidate = (
            i < len(lines)
            and i not in reasons
            and i not in prose
            and is_heading_like(line.text)
            and _normal(line.text) != title_key
        )
        if candidate or (i in reasons and run):
            run.append(i)
            continue
        if sum(1 for j in run if j not in reasons) >= NAV_MIN_RUN:
            for j in run:
                reasons.setdefault(j, "navigation")
        run = []

    for i, line in enumerate(lines):
        if i in reasons:
            spans.append(Span(line.start, line.end, reasons[i]))
            continue
        prefix = _DATE_PREFIX.match(line.text)
        if prefix:
            spans.append(Span(line.start, line.start + prefix.end(), "dateline"))
    return _merge(spans, inline_spans(text))


def inline_spans(text: str) -> list[Span]:
    """Markup and foreign citation markers inside the text (``_INLINE``), sorted, not overlapping."""
    found = sorted((m.start(), m.end(), reason) for reason, pattern in _INLINE for m in pattern.finditer(text))
    out: list[Span] = []
    for start, end, reason in found:
        if out and start < out[-1].end:
            if end > out[-1].end:
                out[-1] = Span(out[-1].start, end, out[-1].reason)
            continue
        out.append(Span(start, end, reason))
    return out


def _merge(lines: list[Span], inline: list[Span]) -> list[Span]:
    """Line spans plus the inline spans outside them, sorted by start."""
    starts = [s.start for s in lines]
    kept = []
    for span in inline:
        i = bisect.bisect_right(starts, span.start) - 1
        if i >= 0 and lines[i].end >= span.end:
            continue  # inside an excluded line already
        kept.append(span)
    return sorted(lines + kept, key=lambda s: (s.start, s.end))
