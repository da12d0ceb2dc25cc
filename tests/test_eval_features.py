"""Unit tests of eval.features scoring on small hand-built results: no index, no model, no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.features import (
    GATED,
    RECORDS,
    aggregate,
    check_quotes,
    check_records,
    failures,
    gate,
    make_baseline,
    score_brief,
    score_claims,
    score_compare,
    score_events,
    score_summary,
    speaker_matches,
)
from eval.run import load_cases
from eval.scoring import cases_fingerprint
from rag.types import Citation, Claim, Comparison, Event, OutletView, Point, Statement

TEXT = "Putin said on Friday: “Come to Moscow.” Zelensky said no on Thursday. Peskov denied it."


def cite(text: str, words: str, source: str = "a.txt", path: str = "/x/a.txt", outlet: str = "RT") -> Citation:
    start = text.index(words)
    return Citation(source, start, start + len(words), words, outlet, "2025-09-05", "t", path)


def event(words: str, date: str | None, precision: str | None, sort_key: str | None, phrase: str,
          source: str = "a.txt") -> Event:
    return Event(date, precision, sort_key, phrase, True, cite(TEXT, words, source), "RT", "2025-09-05")  # type: ignore[arg-type]


def claim(speaker: str, words: str, sentence: str, source: str = "a.txt") -> Claim:
    return Claim(speaker, None, "direct", cite(TEXT, words, source), cite(TEXT, sentence, source), "RT", "2025-09-05")


def test_summary_and_brief_coverage() -> None:
    rec = {"id": "s1", "kind": "summary", "source": "a.txt", "facts": [["Vladivostok", "Eastern Economic Forum"],
                                                                       ["Moscow"], ["referendum"]]}
    row = score_summary(rec, "Putin spoke at the eastern economic forum and invited Zelensky to MOSCOW. [1]")
    assert row["found"] == [True, True, False]
    assert row["missing"] == [["referendum"]]
    assert score_summary(rec, None)["found"] == [False, False, False]  # the feature failed: nothing found
    brief = score_brief({"id": "b", "kind": "brief", "sources": ["a.txt", "b.txt", "c.txt"]}, ["a.txt", "c.txt", "a.txt"])
    assert brief["found"] == [True, False, True] and brief["missing"] == ["b.txt"]


def test_events_date_accuracy_and_order() -> None:
    events = [
        event("Putin said on Friday", "2025-09-05", "day", "2025-09-05", "on Friday"),
        event("Zelensky said no on Thursday", "2025-08-28", "day", "2025-08-28", "on Thursday"),  # wrong week
    ]
    records = [
        {"id": "e1", "kind": "event", "source": "a.txt", "contains": "putin said", "date": "2025-09-05",
         "precision": "day"},
        {"id": "e2", "kind": "event", "source": "a.txt", "contains": "Zelensky said no", "date": "2025-09-04",
         "precision": "day", "phrase": "Thursday"},
        {"id": "e3", "kind": "event", "source": "a.txt", "contains": "Putin said", "date": "2025-09", "precision": "month"},
        {"id": "e4", "kind": "event", "source": "b.txt", "contains": "Putin said", "date": "2025-09-05",
         "precision": "day"},  # right sentence, wrong article
    ]
    orders = [{"id": "o1", "kind": "order", "before": "e2", "after": "e1"},
              {"id": "o2", "kind": "order", "before": "e1", "after": "e2"},
              {"id": "o3", "kind": "order", "before": "e4", "after": "e1"}]  # e4 unmatched: not ordered
    rows, order_rows = score_events(records, orders, events)
    assert [r["found"] for r in rows] == [True, False, False, False]
    assert rows[1]["returned"] == ["2025-08-28 (day) from 'on Thursday'"]
    assert [o["found"] for o in order_rows] == [True, False, False]


def test_unresolved_events_are_never_in_order() -> None:
    events = [event("Putin said on Friday", None, None, None, "on Friday"),
              event("Zelensky said no on Thursday", "2025-09-04", "day", "2025-09-04", "on Thursday")]
    records = [{"id": "a", "kind": "event", "source": "a.txt", "contains": "Putin said", "date": "x", "precision": "day"},
               {"id": "b", "kind": "event", "source": "a.txt", "contains": "Zelensky", "date": "x", "precision": "day"}]
    _, order_rows = score_events(records, [{"id": "o", "kind": "order", "before": "a", "after": "b"}], events)
    assert order_rows[0]["found"] is False


@pytest.mark.parametrize(("speaker", "known", "expected"), [
    ("Dmitry Peskov", "Dmitry Peskov", True),
    ("Peskov", "Dmitry Peskov", True),
    ("Sergei Lavrov", "Sergey Lavrov", True),  # transliterations differ, the surname does not
    ("the Kremlin", "the Kremlin", True),
    ("Kremlin spokesman Dmitry Peskov", "Peskov", True),
    ("Vladimir Putin", "Dmitry Peskov", False),
    ("Peskovich", "Dmitry Peskov", False),  # a word, not a substring
])
def test_speaker_matches(speaker: str, known: str, expected: bool) -> None:
    assert speaker_matches(speaker, known) is expected


def test_claim_precision_recall_and_speakers() -> None:
    found = [
        claim("Vladimir Putin", "Come to Moscow.", "Putin said on Friday: “Come to Moscow.”"),
        claim("Dmitry Peskov", "no", "Zelensky said no on Thursday."),  # wrong speaker
        claim("Dmitry Peskov", "it", "Peskov denied it."),  # not in any known sentence: not judged
    ]
    records = [
        {"id": "c1", "kind": "claim", "speaker": "Vladimir Putin", "source": "a.txt", "contains": "come to moscow"},
        {"id": "c2", "kind": "claim", "speaker": "Volodymyr Zelensky", "source": "a.txt", "contains": "said no"},
        {"id": "c3", "kind": "claim", "speaker": "Vladimir Putin", "source": "b.txt", "contains": "come to moscow"},
        {"id": "c4", "kind": "claim", "speaker": "Andriy Yermak", "source": "a.txt", "contains": "anything"},
    ]
    not_speakers = [{"id": "n1", "kind": "not_speaker", "name": "Interfax"},
                    {"id": "n2", "kind": "not_speaker", "name": "Dmitry Peskov"}]
    scored = score_claims(records, not_speakers, found)
    rows = scored["rows"]
    assert [r["found"] for r in rows] == [True, False, False, False]
    assert rows[0]["in_span"] is True
    assert rows[1]["returned"] == ["Dmitry Peskov (direct): no"]
    assert scored["judged"] == 2 and len(scored["wrong"]) == 1
    assert scored["wrong"][0]["speaker"] == "Dmitry Peskov" and scored["wrong"][0]["expected"] == ["Volodymyr Zelensky"]
    assert scored["speakers_present"] == ["Vladimir Putin"]
    assert scored["intruders"] == {"Dmitry Peskov": ["Dmitry Peskov"]}
    m = aggregate(_rows(claim_rows=rows, claims=scored))
    assert m["claim_recall"] == pytest.approx(1 / 4)
    assert m["claim_span_recall"] == pytest.approx(1 / 4)
    assert m["claim_precision"] == pytest.approx(1 / 2)
    assert m["speaker_recall"] == pytest.approx(1 / 3)
    assert m["not_speaker_accuracy"] == pytest.approx(1 / 2)


def test_claim_found_in_sentence_but_not_in_span() -> None:
    found = [claim("Vladimir Putin", "Friday", "Putin said on Friday: “Come to Moscow.”")]
    rec = {"id": "c", "kind": "claim", "speaker": "Putin", "source": "a.txt", "contains": "Come to Moscow"}
    row = score_claims([rec], [], found)["rows"][0]
    assert row["found"] is True and row["in_span"] is False


def test_compare_outlet_coverage_terms_and_absent() -> None:
    text = "Kyiv Post says Moscow. RT says Istanbul. TASS says nothing useful."
    point = lambda words, outlet: Point(Statement(words, (cite(text, words, outlet=outlet),)), False)
    comparison = Comparison("where to meet", "", [], [
        OutletView("Kyiv Post", [point("Kyiv Post says Moscow.", "Kyiv Post")], 1),
        OutletView("RT", [point("RT says Istanbul.", "Kyiv Post")], 1),  # its point cites another outlet
        OutletView("TASS", [point("TASS says nothing useful.", "TASS")], 1),
        OutletView("Meduza", [], 1),
    ], [], "extractive")
    rec = {"id": "t", "kind": "compare", "topic": "where to meet", "outlets": ["Kyiv Post", "RT", "TASS", "BBC"],
           "absent": ["Meduza", "TASS"]}
    row = score_compare(rec, comparison)
    assert row["found"] == [True, False, True, False]
    assert row["silent"] == [True, False]
    with_terms = score_compare({**rec, "terms": ["Moscow", "Istanbul"]}, comparison)
    assert with_terms["found"] == [True, False, False, False]
    assert score_compare(rec, None)["found"] == [False] * 4
    m = aggregate(_rows(compare=[row]))
    assert m["compare_outlet_coverage"] == pytest.approx(2 / 4)
    assert m["compare_absent_accuracy"] == pytest.approx(1 / 2)


def test_quote_validity_detects_a_bad_quote(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    good = cite(TEXT, "Come to Moscow.", path=str(path))
    shifted = Citation("a.txt", good.start + 1, good.end + 1, good.quote, path=str(path))
    outside = Citation("a.txt", len(TEXT) - 2, len(TEXT) + 5, "it.", path=str(path))
    missing = Citation("b.txt", 0, 3, "Put", path=str(tmp_path / "gone.txt"))
    result = check_quotes([good, good, shifted, outside, missing])
    assert result["n"] == 4 and result["valid"] == 1  # the repeated citation is counted once
    assert {b["start"] for b in result["bad"]} == {good.start + 1, len(TEXT) - 2, 0}
    assert check_quotes([good])["bad"] == []
    m = aggregate(_rows(quotes=result))
    assert m["quote_validity"] == pytest.approx(1 / 4)
    g = gate(m, META, None)
    assert g["status"] == "fail" and "quote_validity" in g["regressions"][0]  # no baseline needed to fail


META = {"mode": "extractive", "records": "eval/features.jsonl", "records_sha256": "abc", "n_records": 3,
        "created": "2026-01-01T00:00:00+00:00"}


def _rows(**kw: object) -> dict:
    rows = {"summary": [], "brief": [], "event": [], "order": [], "claim": kw.pop("claim_rows", []),
            "claims": {"judged": 0, "wrong": [], "speakers": [], "speakers_present": [], "not_speakers": [],
                       "intruders": {}, "rows": []},
            "compare": [], "quotes": {"n": 0, "valid": 0, "bad": []}, "latency": {}, "errors": []}
    rows.update(kw)
    return rows


def _metrics(**kw: float | None) -> dict:
    base = {name: 1.0 for name, (better, _) in GATED.items() if better}
    base.update({name: 0.1 for name, (better, _) in GATED.items() if not better})
    base.update(kw)
    return base


def test_gate_detects_a_regression_and_passes_within_tolerance() -> None:
    baseline = make_baseline(_metrics(summary_fact_coverage=0.9, timeline_date_accuracy=0.95), META)
    assert baseline["tolerance"]["quote_validity"] == 0.0
    assert baseline["tolerance"]["summary_latency_p50_s"] == 0.5  # derived, generous for machines
    assert gate(_metrics(summary_fact_coverage=0.87, timeline_date_accuracy=0.95), META, baseline)["status"] == "pass"
    g = gate(_metrics(summary_fact_coverage=0.8, timeline_date_accuracy=0.95), META, baseline)
    assert g["status"] == "fail"
    assert len(g["regressions"]) == 1 and g["regressions"][0].startswith("summary_fact_coverage: 0.800")
    assert gate(_metrics(summary_fact_coverage=0.9, timeline_date_accuracy=0.95, compare_latency_p50_s=0.7),
                META, baseline)["status"] == "fail"  # lower is better: slower beyond tolerance fails
    improved = gate(_metrics(summary_fact_coverage=1.0, timeline_date_accuracy=1.0), META, baseline)
    assert improved["status"] == "pass"


def test_gate_fails_when_a_feature_could_not_be_measured() -> None:
    baseline = make_baseline(_metrics(), META)
    g = gate(_metrics(claim_recall=None), META, baseline)
    assert g["status"] == "fail" and g["regressions"][0].startswith("claim_recall: not measured")


def test_gate_skips_other_records_and_no_baseline() -> None:
    baseline = make_baseline(_metrics(), META)
    other = {**META, "records_sha256": "def"}
    g = gate(_metrics(summary_fact_coverage=0.0), other, baseline)
    assert g["status"] == "skipped" and "other records" in g["messages"][0]
    assert gate(_metrics(), META, None)["status"] == "skipped"


def test_failures_lists_what_was_returned() -> None:
    rows = _rows(event=[{"id": "e1", "found": False, "contains": "on Friday", "source": "a.txt",
                         "expected": "2025-05-16 (day)", "returned": ["2025-05-09 (day) from 'on Friday'"]}],
                 errors=["claims: ImportError: no module"])
    lines = failures({"results": rows})
    assert lines[0] == "- error: claims: ImportError: no module"
    assert "expected 2025-05-16 (day)" in lines[1] and "2025-05-09" in lines[1]


def test_records_file_is_well_formed() -> None:
    records = load_cases(RECORDS)
    check_records(records)
    kinds = {r["kind"] for r in records}
    assert kinds == {"summary", "brief", "event", "order", "claim", "not_speaker", "compare"}
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    for r in records:
        for src in [r["source"]] if "source" in r else r.get("sources", []):
            assert (seeds / src).is_file(), r["id"]
    baseline = RECORDS.parent / "features_baseline.json"
    if baseline.is_file():  # the committed baseline was measured on these very records
        assert json.loads(baseline.read_text(encoding="utf-8"))["records_sha256"] == cases_fingerprint(records)


@pytest.mark.parametrize(("bad", "message"), [
    ({"id": "x", "kind": "nonsense"}, "unknown kind"),
    ({"id": "x", "kind": "event", "source": "a", "contains": "b", "date": "2025"}, "needs precision"),
    ({"id": "x", "kind": "order", "before": "e1", "after": "e9"}, "unknown event"),
])
def test_check_records_rejects_bad_records(bad: dict, message: str) -> None:
    good = {"id": "e1", "kind": "event", "source": "a", "contains": "b", "date": "2025", "precision": "year"}
    with pytest.raises(ValueError, match=message):
        check_records([good, bad])
    with pytest.raises(ValueError, match="repeated id"):
        check_records([good, good])


def test_rag_eval_features_dispatches_to_eval_features(monkeypatch: pytest.MonkeyPatch) -> None:
    import eval.features
    from eval.run import main

    seen = {}

    def fake(argv: list[str], settings: object = None) -> int:
        seen.update(argv=argv, settings=settings)
        return 7

    monkeypatch.setattr(eval.features, "main", fake)
    assert main(["--features", "--out", "x", "--write-baseline"], settings="S") == 7  # type: ignore[arg-type]
    assert seen == {"argv": ["--out", "x", "--write-baseline"], "settings": "S"}
