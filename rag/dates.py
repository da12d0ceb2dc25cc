"""Time expressions in news text, resolved against the article's publication date.

Detection is one compiled regex, run once over the text (month and weekday names appear there only
as alternatives to find phrases). Resolution goes to ``dateparser`` wherever it answers right, and
to a few lines of our own where it cannot: seasons, "mid-May", "last March", and a bare weekday
that equals the publication weekday (news means that same day; dateparser goes back a week).

Conventions (the ones dateparser does not decide):

- Precision "week": value is the ISO week ("2025-W35"), sort_key its Monday. "last week" is a
  week, not a day, and a Monday date would claim more than the text says.
- Seasons are meteorological, northern hemisphere: spring Mar-May, summer Jun-Aug, autumn (also
  "fall", reported as "autumn") Sep-Nov, winter Dec-Feb. A winter is named by the year of its
  December: "winter 2023" is Dec 2023 - Feb 2024, value "2023-winter", sort_key "2023-12-01".
- "this summer" is the summer of the publication year; "this winter" is the one that ended that
  year when published Jan-Jun, the one that starts that December when published Jul-Dec.
  "last/next <season>" is the most recent one before / the first one after the publication's own
  season; "in (the) summer" without a year is the most recent one not after publication.
- "last/next <month>" likewise: the most recent one before / first one after the publication's
  month; "this <month>" is that month of the publication year; "in March" (dateparser) is the most
  recent March not after publication.
- "early/mid/late May" has month precision; its sort_key is the 1st/11th/21st so that the
  timeline orders the three. "early/mid/late 2022" has year precision, sort_key Jan/May/Sep 1st.
- Relative phrases with no publication date are still reported, unresolved (value None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from dateparser.date import DateDataParser

from rag.metadata import check_date

Precision = Literal["day", "week", "month", "year", "season"]


@dataclass(frozen=True)
class DateMention:
    """A time expression: ``text[start:end] == phrase``; ``value`` None when unresolved."""

    start: int
    end: int
    phrase: str
    value: str | None  # "2025-09-05", "2025-W35", "2025-09", "2025", "2025-summer"
    precision: Precision | None
    relative: bool  # resolving it needed the publication date
    sort_key: str | None  # first day of the period, YYYY-MM-DD


# --- detection --------------------------------------------------------------------------------

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH_FULL = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MONTH = rf"(?:{_MONTH_FULL}\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?:\.|\b))"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
# A year is not part of a number ("2022.5", "2022,000"), a range ("2022-23") or a percentage.
_YEAR = r"(?:19|20)\d\d\b(?![.,]\d|-\d|%)"
_SEASON = r"(?i:spring|summer|autumn|fall|winter)\b"
_PREPOSITION = r"(?:on|in|since|from|until|till|by|before|after|during|through|throughout|around)\s+"
_PREP = rf"(?i:(?:{_PREPOSITION}(?:the\s+)?)?(?:end|start|beginning|middle)\s+of\s+|{_PREPOSITION})"
_MOD = r"(?i:early|mid|late)(?:-|\s+)"
# "the last week", "over the next year": a span of time counted from now, not a calendar period.
_THIS = r"(?<![Tt]he )(?i:this|last|next)\s+"
_NUMBER = r"(?i:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
# A weekday after these words is no day of the publication's week: a holiday or event ("Good
# Friday"), a newspaper, a recurrence ("every Monday"), or "the last/first Friday of May".
_NOT_BEFORE_A_DAY = (
    "Good", "Black", "Bloody", "Super", "Cyber", "Ash", "Palm", "Easter", "Holy", "Maundy", "Mail on",
    "every", "each", "last", "next", "this", "first", "second", "third", "fourth",
)
_NOT_A_DAY = "".join(f"(?<!{word} )" for word in _NOT_BEFORE_A_DAY)
_NOT_A_PAPER = r"(?!\s+(?:Times|Telegraph|Express|Mirror|Post|Herald|Mail)\b)"

# Alternatives are tried in this order at each position, so a longer reading comes first
# ("on Friday, September 5" before "on Friday"); finditer then gives non-overlapping matches.
# Each alternative's only capturing group is its name: ``match.lastgroup`` is the kind.
_ALTERNATIVES = {
    "season_of": rf"(?:{_PREP})?(?i:the\s+)?{_SEASON}\s+(?i:of)\s+{_YEAR}",
    "season_year": rf"(?:{_PREP})?(?i:the\s+)?{_SEASON},?\s+{_YEAR}",
    "date": (
        rf"(?:{_PREP})?(?:{_WEEKDAY},?\s+)?"
        rf"(?:(?i:the\s+)?{_DAY}\s+(?i:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"
        rf"|{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"
        rf"|{_MONTH},?\s+{_YEAR})"
    ),
    "iso": rf"(?:{_PREP})?(?<![\w/.-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w/-])",
    "month_mod": rf"(?:{_PREP})?{_MOD}{_MONTH_FULL}\b(?:,?\s+{_YEAR})?",
    "year_mod": rf"(?:{_PREP})?{_MOD}{_YEAR}",
    "month_rel": rf"{_THIS}{_MONTH_FULL}\b",
    "weekday_rel": rf"{_THIS}{_WEEKDAY}\b{_NOT_A_PAPER}",
    "season_rel": rf"(?i:(?:earlier|later)\s+)?{_THIS}{_SEASON}",
    "period_rel": rf"(?i:(?:earlier|later)\s+)?{_THIS}(?i:week|month|year)\b",
    "ago": rf"{_NUMBER}\s+(?i:(?:day|week|month|year)s?\s+ago)\b",
    "deictic": r"(?<!USA )(?i:yesterday|today|tonight|last\s+night|this\s+(?:morning|afternoon|evening))\b",
    # Without a year a season needs a preposition, and "the fall of Kabul" is no season.
    "season_bare": rf"(?i:in|during|since|by|over|through|throughout)\s+(?i:the\s+)?{_SEASON}(?!\s+(?i:of)\b)",
    "prep_month": rf"{_PREP}{_MONTH_FULL}\b",
    # A bare number is a count ("2022 people"); only a preposition makes it a year.
    "prep_year": rf"{_PREP}{_YEAR}",
    "weekday": rf"(?:{_PREP})?{_NOT_A_DAY}{_WEEKDAY}\b{_NOT_A_PAPER}(?!\s+of\b)",
}
# Every alternative starts with one of these words (or a digit). Checking them first, at word
# starts only, is what keeps the scan near a second per 10 MB: trying all sixteen alternatives at
# every word took four times as long. "the" is left out for the same reason (it is too common), so
# a match never starts with it: "the end of May" is found as "end of May".
_GATE = (
    r"(?<!\w)(?=\d|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
    r"|(?i:on|in|since|from|until|till|by|before|after|during|through|throughout|around|over|end|start"
    r"|beginning|middle|early|mid|late|earlier|later|this|last|next|yesterday|today|tonight|an?|one|two"
    r"|three|four|five|six|seven|eight|nine|ten|eleven|twelve|spring|summer|autumn|fall|winter)\b)"
)
_PATTERN = re.compile(_GATE + "(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _ALTERNATIVES.items()) + ")")

_RELATIVE_KINDS = {
    "month_rel", "weekday_rel", "season_rel", "period_rel", "ago", "deictic", "season_bare",
    "prep_month", "weekday",
}
_LEADING_PREP = re.compile(rf"^(?:{_PREP})?(?i:the\s+)?")
_LEADING_WEEKDAY = re.compile(rf"^{_WEEKDAY},?\s+")
_LEADING_MOD = re.compile(r"^((?i:early|mid|late))(?:-|\s+)")
_EARLIER_LATER = re.compile(r"^(?i:earlier|later)\s+")
_LEADING_THE = re.compile(r"^(?i:the)\s+")
_YEAR_IN = re.compile(r"\b(?:19|20)\d\d\b")
_WHICH = re.compile(r"\b(this|last|next)\b", re.IGNORECASE)
_SEASON_WORD = re.compile(_SEASON)

# --- resolution -------------------------------------------------------------------------------

# Seasons are not dateparser's business: first month of each, and their order within a year.
_SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}
_SEASON_ORDER = {"spring": 0, "summer": 1, "autumn": 2, "winter": 3}
_MOD_DAY = {"early": 1, "mid": 11, "late": 21}  # sort_key day of "early/mid/late May"
_MOD_MONTH = {"early": 1, "mid": 5, "late": 9}  # sort_key month of "early/mid/late 2022"
_NO_BASE = datetime(2000, 1, 1)  # absolute phrases only: no result may depend on it

_Resolved = tuple[str | None, Precision | None, bool, str | None]  # value, precision, relative, sort_key


@lru_cache(maxsize=256)
def _parser(published: str | None) -> DateDataParser:
    """A dateparser reading relative phrases from ``published`` (building one is not free)."""
    base = datetime.fromisoformat(published) if published else _NO_BASE
    return DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "past",  # news reports the past: "15 August" is the last one
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


def _parse(phrase: str, published: str | None) -> tuple[date, str] | None:
    data = _parser(published).get_date_data(phrase)
    if data.date_obj is None:
        return None
    return data.date_obj.date(), data.period or "day"


def _period(day: date, period: str) -> tuple[str, Precision, str]:
    """Value, precision and sort_key of the ``period`` (dateparser's word) containing ``day``."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", "week", (day - timedelta(days=day.weekday())).isoformat()
    if period == "month":
        return f"{day.year}-{day.month:02d}", "month", f"{day.year}-{day.month:02d}-01"
    if period == "year":
        return f"{day.year}", "year", f"{day.year}-01-01"
    return day.isoformat(), "day", day.isoformat()  # "day", and "time" for "tonight"


def _season_index(day: date) -> int:
    """``year * 4 + order`` of the season holding ``day`` (January belongs to last year's winter)."""
    # Counting months from March makes each season a block of three.
    return (day.year * 12 + day.month - 3) // 3


def _season(core: str, published: str | None) -> _Resolved:
    found = _SEASON_WORD.search(core)
    assert found is not None  # the detection regex put it there
    season = "autumn" if found.group().lower() == "fall" else found.group().lower()
    year_match = _YEAR_IN.search(core)
    if year_match:
        year, relative = int(year_match.group()), False
    elif published is None:
        return None, None, True, None
    else:
        pub, order, relative = date.fromisoformat(published), _SEASON_ORDER[season], True
        now = _season_index(pub)
        which = _WHICH.search(core)
        if which is None:  # "in the summer": the most recent one not after publication
            year = (now - order) // 4
        elif which.group(1).lower() == "last":
            year = (now - order - 1) // 4
        elif which.group(1).lower() == "next":
            year = (now - order) // 4 + 1
        elif season == "winter":
            year = pub.year - 1 if pub.month <= 6 else pub.year
        else:
            year = pub.year
    return f"{year}-{season}", "season", relative, date(year, _SEASON_START[season], 1).isoformat()


def _month_rel(core: str, published: str) -> _Resolved:
    """ "last/this/next March": dateparser reads none of these, so only the month name goes to it."""
    which, name = core.split(None, 1)
    parsed = _parse(name, published)
    if parsed is None:
        return None, None, True, None
    month, pub = parsed[0].month, date.fromisoformat(published)
    year = pub.year
    if which.lower() == "last" and month >= pub.month:
        year -= 1
    elif which.lower() == "next" and month <= pub.month:
        year += 1
    return f"{year}-{month:02d}", "month", True, f"{year}-{month:02d}-01"


def _modified(core: str, published: str | None, relative: bool) -> _Resolved:
    """ "mid-May", "late 2022": dateparser reads neither, so it gets the phrase without the modifier."""
    mod = _LEADING_MOD.match(core)
    assert mod is not None  # the detection regex put it there
    parsed = _parse(core[mod.end():], published)
    if parsed is None:
        return None, None, relative, None
    value, precision, sort_key = _period(*parsed)
    word = mod.group(1).lower()
    if precision == "month":
        sort_key = f"{sort_key[:8]}{_MOD_DAY[word]:02d}"
    elif precision == "year":
        sort_key = f"{sort_key[:5]}{_MOD_MONTH[word]:02d}-01"
    return value, precision, relative, sort_key


@lru_cache(maxsize=8192)
def _resolve(kind: str, phrase: str, published: str | None) -> _Resolved:
    """Resolve a detected phrase (whitespace collapsed) of the given kind."""
    core = _LEADING_PREP.sub("", phrase)
    if kind == "date":
        core = _LEADING_WEEKDAY.sub("", core)
    relative = kind in _RELATIVE_KINDS or (kind in ("date", "month_mod") and not _YEAR_IN.search(core))
    if relative and published is None:
        return None, None, True, None
    if kind.startswith("season"):
        return _season(core, published)
    if kind == "month_rel":
        assert published is not None
        return _month_rel(core, published)
    if kind in ("month_mod", "year_mod"):
        return _modified(core, published, relative)
    parsed = _parse(_EARLIER_LATER.sub("", core), published)
    if parsed is None:
        return None, None, relative, None
    day, period = parsed
    if kind == "weekday" and published and (date.fromisoformat(published) - day).days == 7:
        # dateparser takes "Friday" on a Friday as a week ago; news means the day itself.
        day = date.fromisoformat(published)
    value, precision, sort_key = _period(day, period)
    return value, precision, relative, sort_key


def resolve(phrase: str, published: str | None) -> tuple[str | None, Precision | None, bool]:
    """Value, precision and relative flag of one time expression; (None, None, False) if it is none."""
    if published is not None:
        check_date(published, "published")
    # A match never starts with "the" (see _GATE), but a caller may well write "the end of May".
    match = _PATTERN.fullmatch(_LEADING_THE.sub("", phrase.strip()))
    if match is None or match.lastgroup is None:
        return None, None, False
    value, precision, relative, _ = _resolve(match.lastgroup, " ".join(match.group().split()), published)
    return value, precision, relative


# "would start in April", "mulled going to Türkiye on Friday": a bare weekday or month after these
# words in its clause lies ahead of the publication date, not behind it.
_FUTURE = re.compile(r"\b(will|would|shall|'ll|set to|due to|plans? to|planned to|going to|expected to|is to|are to|"
                     r"scheduled|next)\b[^.;:!?]{0,80}$", re.I)


def _ahead(kind: str, resolved: _Resolved, published: str, before: str) -> _Resolved:
    """The resolution moved forward (a week, a year) when the clause speaks of the future."""
    value, precision, relative, sort_key = resolved
    if kind not in ("weekday", "prep_month") or sort_key is None or sort_key >= published or not _FUTURE.search(before):
        return resolved
    day = date.fromisoformat(sort_key)
    if kind == "weekday":
        ahead = day + timedelta(days=7)
    else:
        ahead = day.replace(year=day.year + 1)
    value, precision, sort_key = _period(ahead, "day" if kind == "weekday" else "month")
    return value, precision, relative, sort_key


def find_dates(text: str, published: str | None, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Time expressions in text[start:end], each resolved against `published` (YYYY-MM-DD or None)."""
    if published is not None:
        check_date(published, "published")
    stop = len(text) if end is None else end
    mentions = []
    for match in _PATTERN.finditer(text, start, stop):
        assert match.lastgroup is not None
        resolved = _resolve(match.lastgroup, " ".join(match.group().split()), published)
        if published is not None:
            resolved = _ahead(match.lastgroup, resolved, published, text[max(start, match.start() - 100) : match.start()])
        value, precision, relative, sort_key = resolved
        mentions.append(DateMention(match.start(), match.end(), match.group(), value, precision, relative, sort_key))
    return mentions
