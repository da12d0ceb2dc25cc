"""One spelling per speaker across articles, without merging different people."""

from __future__ import annotations

from rag.claims import canonical_names


def test_a_bare_surname_takes_the_one_full_name_that_ends_in_it() -> None:
    names = canonical_names(["Donald Trump", "Trump", "Trump", "Vladimir Putin"])
    assert names == {"Trump": "Donald Trump"}


def test_transliterated_first_names_take_the_most_frequent_spelling() -> None:
    names = canonical_names(["Sergei Lavrov", "Sergei Lavrov", "Sergey Lavrov", "Lavrov"])
    assert names == {"Sergey Lavrov": "Sergei Lavrov", "Lavrov": "Sergei Lavrov"}


def test_different_people_with_one_surname_stay_apart() -> None:
    names = canonical_names(["Ed Miliband", "David Miliband", "Miliband"])
    assert names == {}  # the bare surname could be either of them


def test_groups_and_institutions_are_left_alone() -> None:
    assert canonical_names(["the Kremlin", "Kremlin", "the White House"]) == {}
