"""Unit tests of eval.scoring: fact matching, per-case scores, aggregation, the baseline gate (no model)."""

from __future__ import annotations

import pytest

from eval.scoring import (
    aggregate,
    breakdown,
    cases_fingerprint,
    compare,
    crag,
    fact_present,
    make_baseline,
    normalise,
    percentile,
    retrieval_rank,
    score_case,
)


def test_normalise_unifies_quotes_dashes_case_space() -> None:
    assert normalise("  Putin’s  “Offer”\u00a0–\nNOW ") == "putin's \"offer\" - now"
    assert normalise("Türkiye") == "turkiye"


@pytest.mark.parametrize(("text", "alts", "expected"), [
    ("Putin’s offer was ‘not bad’", ["putin's offer"], True),  # curly apostrophe in the answer
    ("Putin's offer", ["Putin’s offer"], True),  # curly apostrophe in the fact
    ("It was “not bad”, he said", ['"not bad"'], True),
    ("a one‑fifth share", ["one-fifth"], True),  # non-breaking hyphen
    ("Zelensky will fly to Türkiye", ["Turkiye"], True),
    ("He said: REFERENDUM now", ["referendum"], True),
    ("two referendums were held", ["referendum"], True),  # plural ending allowed
    ("the   Eastern\nEconomic Forum", ["Eastern Economic Forum"], True),
    ("back in 2014", ["14"], False),  # no match inside a number
    ("14 people", ["14"], True),
    ("a nonce word", ["once"], False),  # no match inside a word
    ("only 20% of land", ["20%"], True),
    ("nothing relevant", ["Alaska", "Anchorage"], False),
    ("Alaska summit", [], False),
    ("anything", [""], False),
])
def test_fact_present(text: str, alts: list[str], expected: bool) -> None:
    assert fact_present(text, alts) is expected


def test_retrieval_rank_and_crag() -> None:
    assert retrieval_rank(["a", "b", "c"], ["c", "x"]) == 3
    assert retrieval_rank(["a"], ["b"]) is None
    assert retrieval_rank([], []) is None
    assert crag(True, True, True) == 1
    assert crag(True, True, False) == -1
    assert crag(True, False, False) == 0
    assert crag(False, False, False) == 1
    assert crag(False, True, False) == -1


def case(cid: str, answerable: bool = True, facts: list | None = None, sources: list | None = None,
         type_: str = "single_fact", outlet: str = "Kyiv Post") -> dict:
    return {"id": cid, "question": f"question {cid}?", "type": type_ if answerable else "unanswerable",
            "answerable": answerable, "facts": facts if facts is not None else ([["Moscow"]] if answerable else []),
            "sources": sources if sources is not None else (["a.txt"] if answerable else []),
            "outlet": outlet if answerable else ""}


def results() -> list[dict]:
    return [
        # correct, cites the right file twice, retrieval rank 1
        score_case(case("q1"), "He went to Moscow. [1]", True, ["a.txt", "a.txt"], [True, True], 1, 0.1),
        # two facts, one missing; cites one right, one wrong file; rank 2
        score_case(case("q2", facts=[["Moscow"], ["Kyiv"]], sources=["a.txt", "b.txt"], type_="multi_article"),
                   "In Moscow. [1]", True, ["b.txt", "c.txt"], [True, True], 2, 0.2),
        # refused an answerable item; retrieval missed
        score_case(case("q3", outlet="RT"), "The articles do not contain the answer.", False, [], [], None, 0.3),
        # unanswerable, correctly refused
        score_case(case("q4", answerable=False), "The articles do not contain the answer.", False, [], [], None, 0.4),
        # unanswerable but answered, with one invalid quote
        score_case(case("q5", answerable=False), "Something. [1]", True, ["a.txt"], [False], None, 1.0),
    ]


def test_score_case_fields() -> None:
    r = results()[1]
    assert r["facts_found"] == [True, False] and r["all_facts"] is False
    assert r["right_source"] is True and r["n_cited_expected"] == 1 and r["crag"] == -1
    assert results()[3]["right_source"] is None and results()[3]["all_facts"] is None
    assert results()[2]["outlet"] == "RT" and results()[3]["outlet"] == "(none)"


def test_aggregate_on_hand_made_cases() -> None:
    m = aggregate(results())
    assert (m["n_cases"], m["n_answerable"], m["n_unanswerable"]) == (5, 3, 2)
    assert m["fact_recall"] == pytest.approx(1 / 3)
    assert m["fact_recall_per_fact"] == pytest.approx(2 / 4)
    assert m["right_source_rate"] == pytest.approx(2 / 3)
    assert m["citation_precision"] == pytest.approx(3 / 4)  # answerable items' citations only
    assert m["quote_validity"] == pytest.approx(4 / 5)
    assert m["refusal_accuracy"] == pytest.approx(1 / 2)
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["hit_at_1"] == pytest.approx(1 / 3)
    assert m["hit_at_5"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert m["crag_score"] == pytest.approx((1 - 1 + 0 + 1 - 1) / 5)
    assert m["latency_p50_s"] == pytest.approx(0.3)
    assert m["latency_p95_s"] == pytest.approx(0.4 + 0.6 * 0.8)


def test_aggregate_without_citations_or_unanswerables() -> None:
    m = aggregate([score_case(case("q1"), "no", False, [], [], None, 0.5)])
    assert m["quote_validity"] is None and m["citation_precision"] is None and m["refusal_accuracy"] is None
    assert m["fact_recall"] == 0 and m["mrr"] == 0


def test_breakdown_by_type_and_outlet() -> None:
    by_type = breakdown(results(), "type")
    assert set(by_type) == {"single_fact", "multi_article", "unanswerable"}
    assert by_type["single_fact"]["n_cases"] == 2 and by_type["single_fact"]["fact_recall"] == 0.5
    assert by_type["unanswerable"]["refusal_accuracy"] == 0.5 and by_type["unanswerable"]["fact_recall"] is None
    assert breakdown(results(), "outlet")["RT"]["false_refusal_rate"] == 1.0


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile([1, 2, 3, 4], 50) == 2.5


META = {"mode": "extractive", "cases": "eval/cases.jsonl", "cases_sha256": cases_fingerprint([case("q1")]),
        "n_cases": 1, "created": "2026-01-01T00:00:00+00:00"}
GOOD = {"fact_recall": 0.8, "fact_recall_per_fact": 0.8, "right_source_rate": 0.9, "citation_precision": 0.8,
        "quote_validity": 1.0, "refusal_accuracy": 0.75, "false_refusal_rate": 0.1, "hit_at_1": 0.8,
        "hit_at_5": 0.95, "mrr": 0.85, "crag_score": 0.5, "latency_p95_s": 0.5}


def test_baseline_records_mode_cases_tolerances() -> None:
    base = make_baseline(GOOD, META)
    assert base["mode"] == "extractive" and base["cases"] == "eval/cases.jsonl" and base["cases_sha256"]
    assert base["tolerance"]["fact_recall"] == 0.05 and base["tolerance"]["quote_validity"] == 0.0
    assert base["tolerance"]["latency_p95_s"] >= 2.0  # generous
    assert base["higher_is_better"]["false_refusal_rate"] is False


def test_gate_passes_within_tolerance() -> None:
    now = {**GOOD, "fact_recall": 0.76, "false_refusal_rate": 0.14, "latency_p95_s": 1.5}
    gate = compare(now, META, make_baseline(GOOD, META))
    assert gate["status"] == "pass" and not gate["regressions"]


def test_gate_fails_on_drop_and_on_rise_of_false_refusals() -> None:
    now = {**GOOD, "fact_recall": 0.74, "false_refusal_rate": 0.16}
    gate = compare(now, META, make_baseline(GOOD, META))
    assert gate["status"] == "fail"
    assert [r.split(":")[0] for r in gate["regressions"]] == ["fact_recall", "false_refusal_rate"]


def test_gate_improvement_is_not_a_regression() -> None:
    now = {**GOOD, "fact_recall": 0.95, "false_refusal_rate": 0.0}
    assert compare(now, META, make_baseline(GOOD, META))["status"] == "pass"


def test_invalid_quotes_always_fail() -> None:
    bad = {**GOOD, "quote_validity": 0.99}
    assert compare(bad, META, None)["status"] == "fail"  # even without a baseline
    assert compare(bad, META, make_baseline(GOOD, META))["status"] == "fail"


def test_gate_refuses_other_mode_or_cases() -> None:
    base = make_baseline(GOOD, META)
    worse = {**GOOD, "fact_recall": 0.1}
    gate = compare(worse, {**META, "mode": "llm"}, base)
    assert gate["status"] == "skipped" and "mode" in gate["messages"][0]
    gate = compare(worse, {**META, "cases_sha256": "other", "cases": "eval/holdout.jsonl"}, base)
    assert gate["status"] == "skipped" and "other cases" in gate["messages"][0]
    assert compare(GOOD, META, None)["status"] == "skipped"


def test_cases_fingerprint_changes_with_content() -> None:
    assert cases_fingerprint([case("q1")]) != cases_fingerprint([case("q2")])
    assert cases_fingerprint([case("q1")]) == cases_fingerprint([case("q1")])
