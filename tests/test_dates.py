"""Time expressions found in news text and resolved against the publication date."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from rag.dates import DateMention, find_dates, resolve
from rag.errors import InputError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FRIDAY = "2025-09-05"  # a Friday


def only(text: str, published: str | None) -> DateMention:
    mentions = find_dates(text, published)
    assert len(mentions) == 1, mentions
    return mentions[0]


def check_invariants(text: str, mentions: list[DateMention]) -> None:
    """Offsets give back the phrase; mentions are sorted and do not overlap."""
    for m in mentions:
        assert text[m.start:m.end] == m.phrase
        assert m.phrase == m.phrase.strip() and m.phrase
        assert (m.value is None) == (m.precision is None) == (m.sort_key is None)
    for a, b in itertools.pairwise(mentions):
        assert a.end <= b.start


# --- weekdays: the news convention ------------------------------------------------------------


def test_weekday_equal_to_the_publication_weekday_is_that_day() -> None:
    m = only("Russian President Vladimir Putin on Friday said Zelensky should come to Moscow.", FRIDAY)
    assert (m.phrase, m.value, m.precision, m.relative, m.sort_key) == (
        "on Friday", "2025-09-05", "day", True, "2025-09-05",
    )


def test_other_weekdays_are_the_most_recent_past_one() -> None:
    text = "Putin made similar suggestions on Wednesday in Beijing; Zelensky dismissed the idea Thursday."
    assert [(m.phrase, m.value) for m in find_dates(text, FRIDAY)] == [
        ("on Wednesday", "2025-09-03"), ("Thursday", "2025-09-04"),
    ]
    # Published on a Monday, "on Friday" is three days earlier, not four days later.
    assert only("The talks ended on Friday.", "2025-09-08").value == "2025-09-05"
    assert only("The talks ended on Saturday.", "2025-09-08").value == "2025-09-06"


def test_last_this_next_weekday() -> None:
    assert resolve("last Friday", FRIDAY) == ("2025-08-29", "day", True)
    assert resolve("this Friday", "2025-09-03") == ("2025-09-05", "day", True)
    assert resolve("next Friday", FRIDAY) == ("2025-09-12", "day", True)


def test_named_days_that_are_not_this_weeks_days() -> None:
    text = "Black Friday sales were slow, The Sunday Times and the Mail on Sunday said after Good Friday."
    assert find_dates(text, FRIDAY) == []


# --- resolution table ---------------------------------------------------------------------------

CASES = [
    # phrase, published, value, precision, relative
    ("last week", FRIDAY, "2025-W35", "week", True),
    ("this week", FRIDAY, "2025-W36", "week", True),
    ("next week", FRIDAY, "2025-W37", "week", True),
    ("two weeks ago", FRIDAY, "2025-W34", "week", True),
    ("in March 2022", FRIDAY, "2022-03", "month", False),
    ("in March 2022", None, "2022-03", "month", False),
    ("earlier this summer", FRIDAY, "2025-summer", "season", True),
    ("last year", FRIDAY, "2024", "year", True),
    ("earlier this year", FRIDAY, "2025", "year", True),
    ("two years ago", FRIDAY, "2023", "year", True),
    ("12 months ago", FRIDAY, "2024-09", "month", True),
    ("three days ago", FRIDAY, "2025-09-02", "day", True),
    ("yesterday", FRIDAY, "2025-09-04", "day", True),
    ("tonight", FRIDAY, "2025-09-05", "day", True),
    ("last night", FRIDAY, "2025-09-04", "day", True),
    ("this month", FRIDAY, "2025-09", "month", True),
    ("later this month", FRIDAY, "2025-09", "month", True),
    ("on 15 August", FRIDAY, "2025-08-15", "day", True),
    ("on 15 August", "2025-03-01", "2024-08-15", "day", True),  # never after publication
    ("September 3", FRIDAY, "2025-09-03", "day", True),
    ("September 6", FRIDAY, "2024-09-06", "day", True),
    ("Sept. 3", FRIDAY, "2025-09-03", "day", True),
    ("on the 3rd of September", FRIDAY, "2025-09-03", "day", True),
    ("Friday, September 5", FRIDAY, "2025-09-05", "day", True),
    ("on Aug. 15, 2025", None, "2025-08-15", "day", False),
    ("5 September 2025", None, "2025-09-05", "day", False),
    ("15 May, 2025", None, "2025-05-15", "day", False),
    ("2025-09-03", None, "2025-09-03", "day", False),
    ("in March", FRIDAY, "2025-03", "month", True),
    ("in September", FRIDAY, "2025-09", "month", True),
    ("in October", FRIDAY, "2024-10", "month", True),
    ("last March", FRIDAY, "2025-03", "month", True),
    ("last March", "2025-03-10", "2024-03", "month", True),
    ("next March", "2025-03-10", "2026-03", "month", True),
    ("this May", FRIDAY, "2025-05", "month", True),
    ("mid-May", FRIDAY, "2025-05", "month", True),
    ("since mid-July", FRIDAY, "2025-07", "month", True),
    ("early May 2022", None, "2022-05", "month", False),
    ("by the end of May", FRIDAY, "2025-05", "month", True),
    ("in 2022", None, "2022", "year", False),
    ("since 2014", None, "2014", "year", False),
    ("by the end of 2025", None, "2025", "year", False),
    ("mid-2022", None, "2022", "year", False),
    ("in the spring of 2023", None, "2023-spring", "season", False),
    ("summer 2022", None, "2022-summer", "season", False),
    ("in the fall of 2022", None, "2022-autumn", "season", False),
    ("winter 2023", None, "2023-winter", "season", False),
    ("this winter", "2025-01-15", "2024-winter", "season", True),  # the one under way
    ("this winter", FRIDAY, "2025-winter", "season", True),  # the coming one
    ("last summer", FRIDAY, "2025-summer", "season", True),  # the last one before autumn 2025
    ("last summer", "2025-07-10", "2024-summer", "season", True),
    ("next summer", FRIDAY, "2026-summer", "season", True),
    ("in the summer", "2024-11-05", "2024-summer", "season", True),
    ("in the winter", FRIDAY, "2024-winter", "season", True),
]


@pytest.mark.parametrize(("phrase", "published", "value", "precision", "relative"), CASES)
def test_resolve(phrase: str, published: str | None, value: str, precision: str, relative: bool) -> None:
    assert resolve(phrase, published) == (value, precision, relative)
    # find_dates reads the same phrase inside a sentence the same way, as one mention.
    text = f"Officials said {phrase} that talks had stalled."
    m = only(text, published)
    assert (m.phrase, m.value, m.precision, m.relative) == (phrase, value, precision, relative)


@pytest.mark.parametrize(
    ("phrase", "sort_key"),
    [
        ("last week", "2025-08-25"),  # the Monday of ISO week 35
        ("earlier this summer", "2025-06-01"),
        ("in the spring of 2023", "2023-03-01"),
        ("in the fall of 2022", "2022-09-01"),
        ("winter 2023", "2023-12-01"),  # a winter is named by the year of its December
        ("in March 2022", "2022-03-01"),
        ("early May 2022", "2022-05-01"),
        ("mid-May", "2025-05-11"),
        ("late May", "2025-05-21"),
        ("mid-2022", "2022-05-01"),
        ("in 2022", "2022-01-01"),
        ("on 15 August", "2025-08-15"),
    ],
)
def test_sort_key_is_the_first_day_of_the_period(phrase: str, sort_key: str) -> None:
    assert only(f"It happened {phrase}.", FRIDAY).sort_key == sort_key


def test_relative_phrases_without_a_publication_date_are_reported_unresolved() -> None:
    text = (
        "Putin on Friday said so. Talks failed last week and in March, earlier this summer, "
        "yesterday, two years ago and on 15 August."
    )
    mentions = find_dates(text, None)
    assert [m.phrase for m in mentions] == [
        "on Friday", "last week", "in March", "earlier this summer", "yesterday", "two years ago",
        "on 15 August",
    ]
    for m in mentions:
        assert (m.value, m.precision, m.sort_key, m.relative) == (None, None, None, True)


def test_absolute_dates_resolve_without_a_publication_date() -> None:
    text = "Talks in Istanbul in March 2022 failed; on 5 September 2025 and in 2022 they did not."
    assert [(m.value, m.relative) for m in find_dates(text, None)] == [
        ("2022-03", False), ("2025-09-05", False), ("2022", False),
    ]


def test_impossible_dates_are_reported_unresolved() -> None:
    m = only("It was signed on February 30, 2024.", None)
    assert (m.phrase, m.value, m.relative) == ("on February 30, 2024", None, False)


# --- what is not a date ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2022 people were evacuated from the city.",
        "Over 2000 soldiers died in 3 days, and 1990 more in two weeks.",
        "See https://www.themoscowtimes.com/2025/06/03/what-weve-learned for details.",
        "Putin may attend; he could march on; prices fall.",
        "The fall of Kabul and the summer of discontent.",
        "The 2022 round produced a draft treaty.",
        "Turnout rose 20 percent in the 1990s.",
        "Over the last year, and in the last week, prices rose; the next month will tell.",
        "Talks are held every Monday and on the last Friday of each month.",
        "USA Today reported it.",
    ],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text, FRIDAY) == []


def test_year_needs_date_context_and_no_range() -> None:
    assert [m.phrase for m in find_dates("In 2022-23 prices rose, in 2022. 2022 troops", FRIDAY)] == ["in 2022"]


def test_resolve_of_something_else_is_nothing() -> None:
    assert resolve("the negotiating table", FRIDAY) == (None, None, False)


def test_bad_publication_date_is_an_input_error() -> None:
    with pytest.raises(InputError):
        find_dates("on Friday", "5 Sept 2025")
    with pytest.raises(InputError):
        resolve("on Friday", "2025-02-30")


# --- offsets, overlaps, ranges, size ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("He said on Friday, September 5, 2025 that", "on Friday, September 5, 2025"),
        ("talks in the spring of 2023 failed", "in the spring of 2023"),
        ("renewed negotiations\nearlier this summer also failed", "earlier this summer"),
        ("the largest attack since mid-July.", "since mid-July"),
        ("done by the end of 2025, he said", "by the end of 2025"),
        ("in\nDecember 2019 in Paris", "in\nDecember 2019"),
        ("Monday, 18 August 2025: talks", "Monday, 18 August 2025"),
    ],
)
def test_longest_reading_wins(text: str, phrase: str) -> None:
    m = only(text, FRIDAY)
    assert m.phrase == phrase
    assert text[m.start:m.end] == phrase


FRAGMENTS = [
    "on Friday", "Friday, September 5", "last week", "in March 2022", "earlier this summer",
    "on 15 August", "in 2022", "2022 people", "two years ago", "yesterday", "this month", "last year",
    "in the spring of 2023", "September 3", "on Aug. 15, 2025", "mid-May", "since 2014", "Sunday Times",
    "the", "talks", "Putin", "said", "May", "fall", "in", "on", "\n", ",", ".", "  ", "—", "Good Friday",
    "2025-09-03", "in the summer", "last summer", "next Friday", "5 November 2024 14:07",
]


@pytest.mark.parametrize("seed", range(40))
def test_offsets_and_no_overlaps_on_random_text(seed: int) -> None:
    rng = random.Random(seed)
    text = " ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 60)))
    published = rng.choice([None, FRIDAY, "2024-11-05", "2025-01-01"])
    check_invariants(text, find_dates(text, published))


def test_range_limits_the_search() -> None:
    text = "Talks ended on Friday. They resume in March 2026. Last week was calm."
    start, end = text.index("They"), text.index("Last")
    mentions = find_dates(text, FRIDAY, start, end)
    assert [m.phrase for m in mentions] == ["in March 2026"]
    assert all(start <= m.start and m.end <= end for m in mentions)
    assert text[mentions[0].start:mentions[0].end] == "in March 2026"  # offsets into the whole text


def test_a_megabyte_of_text() -> None:
    snippet = (
        "Putin on Friday said talks in March 2022 failed. Since 2014, 2022 people left the region; "
        "earlier this summer and last week, on 15 August and two years ago, nothing changed.\n"
    )
    per_snippet = 7  # on Friday, in March 2022, Since 2014, earlier this summer, last week, on 15 August, two years ago
    copies = 1_000_000 // len(snippet)
    text = snippet * copies
    mentions = find_dates(text, FRIDAY)
    assert len(mentions) == per_snippet * copies
    assert {m.value for m in mentions} == {
        "2025-09-05", "2022-03", "2014", "2025-summer", "2025-W35", "2025-08-15", "2023",
    }
    check_invariants(text, mentions[:50] + mentions[-50:])


# --- the seed articles -----------------------------------------------------------------------


def test_seed_articles() -> None:
    files = json.loads((SEEDS / "metadata.json").read_text(encoding="utf-8"))["files"]
    assert files
    for name, meta in sorted(files.items()):
        text = (SEEDS / name).read_text(encoding="utf-8")
        mentions = find_dates(text, meta["published"])
        check_invariants(text, mentions)
        assert any(m.value for m in mentions), name
        print(f"{name} published {meta['published']}")
        for m in mentions:
            print(f"  {' '.join(m.phrase.split())!r:28} {m.value!s:12} {m.precision!s:7} relative={m.relative}")


@pytest.mark.parametrize(("text", "published", "expected"), [
    ("Trump said he mulled going to Turkey on Friday if talks moved.", "2025-05-15", "2025-05-16"),
    ("The new rota would start in April, the union said.", "2025-03-14", "2025-04"),
    ("The summit is scheduled for Monday in Geneva.", "2025-05-15", "2025-05-19"),
    ("The talks took place on Friday.", "2025-05-15", "2025-05-09"),
    ("The union said the rota started in April.", "2025-03-14", "2024-04"),
])
def test_a_clause_about_the_future_resolves_forward(text: str, published: str, expected: str) -> None:
    assert [m.value for m in find_dates(text, published)] == [expected]
