"""Evaluate the analysis features on the seeds: summaries, the corpus brief, the timeline, claims, comparisons.

``python -m eval.features [--out DIR] [--write-baseline]``, or ``rag eval --features ...``; ``main(argv)`` is
the entry point. Known facts are in ``eval/features.jsonl`` (one record per line, by ``kind``):

- ``summary``: ``source`` and ``facts`` (lists of alternatives) the article's summary must contain;
- ``brief``: ``sources`` the corpus brief must cite;
- ``event``: a sentence of ``source`` (``contains``) and the ``date`` / ``precision`` the timeline must give it
  (``phrase``, optional: words of the time expression, to pick one of two dates in a sentence);
- ``order``: event ids ``before`` and ``after``: the first must sort before the second;
- ``claim``: ``speaker`` and words of the claim (``contains``) in ``source``;
- ``not_speaker``: a ``name`` no claim may be attributed to (mentioned, never quoted);
- ``compare``: a ``topic`` and the ``outlets`` that must each have a cited point on it (``terms``, optional:
  a point counts only when it carries one of them; ``absent``, optional: outlets that report nothing on the
  topic, so must show no point).

Everything runs offline and extractive. Each feature is called twice and the second (warm) call timed.
Writes ``features.json`` and ``features.md`` into the run folder and gates on ``eval/features_baseline.json``;
exit code 1 on a regression (or an invalid quote), 2 when it could not run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.run import EVAL_DIR, QuoteChecker, conclude, display, load_cases, prepare_index
from eval.scoring import cases_fingerprint, fact_present, gate_metrics, normalise, percentile, share

if TYPE_CHECKING:
    from rag.config import Settings

RECORDS = EVAL_DIR / "features.jsonl"
BASELINE = EVAL_DIR / "features_baseline.json"
MODE = "extractive"
KINDS = {
    "summary": ("source", "facts"), "brief": ("sources",), "event": ("source", "contains", "date", "precision"),
    "order": ("before", "after"), "claim": ("speaker", "source", "contains"), "not_speaker": ("name",),
    "compare": ("topic", "outlets"),
}
FEATURES = ("summary", "brief", "timeline", "claims", "compare")

# metric -> (higher is better, absolute tolerance); None = derived from the baseline value when written
GATED: dict[str, tuple[bool, float | None]] = {
    "summary_fact_coverage": (True, 0.05), "brief_article_coverage": (True, 0.0),
    "timeline_date_accuracy": (True, 0.05), "timeline_order_accuracy": (True, 0.0),
    "claim_recall": (True, 0.05), "claim_span_recall": (True, 0.05), "claim_precision": (True, 0.05),
    "speaker_recall": (True, 0.0), "not_speaker_accuracy": (True, 0.0), "compare_outlet_coverage": (True, 0.0),
    "compare_absent_accuracy": (True, 0.0), "quote_validity": (True, 0.0),
    **{f"{f}_latency_p50_s": (False, None) for f in FEATURES},
}
LABELS = {
    "summary_fact_coverage": "summary fact coverage", "brief_article_coverage": "brief article coverage",
    "timeline_date_accuracy": "timeline date accuracy", "timeline_order_accuracy": "timeline order accuracy",
    "claim_recall": "claim recall", "claim_span_recall": "claim recall (in the claim span)",
    "claim_precision": "claim precision (speaker)", "speaker_recall": "speaker recall",
    "not_speaker_accuracy": "non-speakers kept out", "compare_outlet_coverage": "compare outlet coverage",
    "compare_absent_accuracy": "compare: silent outlets kept silent",
    "quote_validity": "quote validity", "n_citations": "citations checked", "errors": "errors",
    **{f"{f}_latency_p50_s": f"{f} latency p50 (warm)" for f in FEATURES},
}


# --- records ---------------------------------------------------------------------------------------


def check_records(records: Sequence[dict[str, Any]]) -> None:
    """Raise ValueError for a record of unknown kind, a missing field, a repeated id or an unknown order id."""
    ids: set[str] = set()
    events = {r.get("id") for r in records if r.get("kind") == "event"}
    for n, r in enumerate(records, 1):
        kind, rid = r.get("kind"), r.get("id")
        if kind not in KINDS:
            raise ValueError(f"record {n} ({rid}): unknown kind {kind!r}; known: {', '.join(KINDS)}")
        if not rid or rid in ids:
            raise ValueError(f"record {n}: missing or repeated id {rid!r}")
        ids.add(rid)
        missing = [k for k in KINDS[kind] if not r.get(k)]
        if missing:
            raise ValueError(f"record {rid}: {kind} needs {', '.join(missing)}")
        if kind == "order" and not {r["before"], r["after"]} <= events:
            raise ValueError(f"record {rid}: order refers to an unknown event id")


def of_kind(records: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["kind"] == kind]


# --- pure scoring (no model, no index) --------------------------------------------------------------


def has(text: str, words: str) -> bool:
    """True when ``words`` occur in ``text`` after normalising both (case, quotes, dashes, accents, space)."""
    return bool(normalise(words)) and normalise(words) in normalise(text)


def score_summary(record: dict[str, Any], text: str | None) -> dict[str, Any]:
    """Which of the record's facts the summary text contains."""
    found = [fact_present(text or "", alts) for alts in record["facts"]]
    return {"id": record["id"], "kind": "summary", "source": record["source"], "found": found,
            "missing": [alts for alts, ok in zip(record["facts"], found) if not ok], "text": text}


def score_brief(record: dict[str, Any], cited: Iterable[str]) -> dict[str, Any]:
    """Which of the record's sources the brief cites."""
    cited_set = set(cited)
    found = [src in cited_set for src in record["sources"]]
    return {"id": record["id"], "kind": "brief", "found": found,
            "missing": [s for s, ok in zip(record["sources"], found) if not ok]}


def event_matches(record: dict[str, Any], event: Any) -> bool:
    """The event comes from the record's article, its sentence holds ``contains`` and its phrase ``phrase``."""
    cite = event.citation
    return (cite.source == record["source"] and has(cite.quote, record["contains"])
            and (not record.get("phrase") or has(event.phrase, record["phrase"])))


def score_events(records: Sequence[dict[str, Any]], orders: Sequence[dict[str, Any]],
                 events: Sequence[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per event record: a matching event with the right date and precision? Per order pair: does the first
    matching event of ``before`` sort before that of ``after`` (both resolved)?"""
    rows, first = [], {}
    for r in records:
        matching = [e for e in events if event_matches(r, e)]
        ok = any(e.date == r["date"] and e.precision == r["precision"] for e in matching)
        first[r["id"]] = matching[0] if matching else None
        rows.append({"id": r["id"], "kind": "event", "source": r["source"], "contains": r["contains"],
                     "expected": f"{r['date']} ({r['precision']})", "found": ok,
                     "returned": [f"{e.date} ({e.precision}) from {e.phrase!r}" for e in matching]})
    order_rows = []
    for o in orders:
        a, b = first.get(o["before"]), first.get(o["after"])
        ok = bool(a and b and a.sort_key and b.sort_key and a.sort_key < b.sort_key)
        order_rows.append({"id": o["id"], "kind": "order", "before": o["before"], "after": o["after"], "found": ok,
                           "returned": [e.sort_key if e else None for e in (a, b)]})
    return rows, order_rows


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", normalise(text))


def speaker_matches(speaker: str, known: str) -> bool:
    """The extracted speaker names the known one: equal, or carrying its surname (last word) as a word."""
    if normalise(speaker) == normalise(known):
        return True
    surname = _words(known)[-1:] or [""]
    return surname[0] in _words(speaker)


def score_claims(records: Sequence[dict[str, Any]], not_speakers: Sequence[dict[str, Any]],
                 found: Sequence[Any]) -> dict[str, Any]:
    """Recall (a claim of the right speaker whose claim span or sentence holds the words; the stricter span
    recall: in the claim span itself), precision (extracted claims in a known claim's sentence that name
    its speaker), speaker recall and the non-speakers kept out."""
    rows = []
    for r in records:
        here = [c for c in found if c.citation.source == r["source"]]
        in_sentence = [c for c in here if has(c.sentence.quote, r["contains"]) or has(c.citation.quote, r["contains"])]
        mine = [c for c in in_sentence if speaker_matches(c.speaker, r["speaker"])]
        rows.append({"id": r["id"], "kind": "claim", "speaker": r["speaker"], "source": r["source"],
                     "contains": r["contains"], "found": bool(mine),
                     "in_span": any(has(c.citation.quote, r["contains"]) for c in mine),
                     "returned": [f"{c.speaker} ({c.kind}): {' '.join(c.citation.quote.split())}" for c in in_sentence]})
    judged, wrong = 0, []
    for c in found:
        known = [r for r in records if r["source"] == c.citation.source and has(c.sentence.quote, r["contains"])]
        if not known:
            continue
        judged += 1
        if not any(speaker_matches(c.speaker, r["speaker"]) for r in known):
            wrong.append({"speaker": c.speaker, "expected": sorted({r["speaker"] for r in known}),
                          "source": c.citation.source, "quote": " ".join(c.citation.quote.split())})
    speakers = sorted({r["speaker"] for r in records})
    present = [s for s in speakers if any(speaker_matches(c.speaker, s) for c in found)]
    names = [n["name"] for n in not_speakers]
    intruders = {n: sorted({c.speaker for c in found if normalise(n) in normalise(c.speaker)}) for n in names}
    return {"rows": rows, "judged": judged, "wrong": wrong, "speakers": speakers, "speakers_present": present,
            "not_speakers": names, "intruders": {n: s for n, s in intruders.items() if s}}


def score_compare(record: dict[str, Any], comparison: Any) -> dict[str, Any]:
    """Which of the record's outlets have a point cited from that outlet (carrying a term, when given), and
    which of its ``absent`` outlets (they report nothing on the topic) rightly show no point."""
    views = {v.outlet: v for v in comparison.outlets} if comparison is not None else {}
    terms = record.get("terms") or []
    found, returned = [], {}
    for outlet in record["outlets"]:
        points = [p for p in (views[outlet].points if outlet in views else [])
                  if p.statement.citations and all(c.outlet == outlet for c in p.statement.citations)]
        if terms:
            points = [p for p in points if fact_present(p.statement.text, terms)]
        found.append(bool(points))
        returned[outlet] = [" ".join(p.statement.text.split()) for p in (views[outlet].points if outlet in views else [])]
    silent = [not (outlet in views and views[outlet].points) for outlet in record.get("absent", [])]
    for outlet in record.get("absent", []):
        returned[outlet] = [" ".join(p.statement.text.split()) for p in (views[outlet].points if outlet in views else [])]
    return {"id": record["id"], "kind": "compare", "topic": record["topic"], "found": found,
            "missing": [o for o, ok in zip(record["outlets"], found) if not ok], "silent": silent,
            "not_silent": [o for o, ok in zip(record.get("absent", []), silent) if not ok], "returned": returned}


def check_quotes(citations: Iterable[Any]) -> dict[str, Any]:
    """``quote == file text[start:end]`` for each distinct citation (the file read as UTF-8 from ``path``,
    by the answer eval's checker)."""
    checker = QuoteChecker(Path("/"))  # citation paths are absolute: the root joins them unchanged
    seen, bad = set(), []
    for c in citations:
        key = (c.path, c.start, c.end, c.quote)
        if key in seen:
            continue
        seen.add(key)
        if not (c.path and checker.valid(c.path, c.start, c.end, c.quote)):
            text = checker.text(c.path) if c.path else None
            bad.append({"path": c.path, "start": c.start, "end": c.end, "quote": c.quote,
                        "file_text": None if text is None else text[max(0, c.start):max(0, c.end)]})
    return {"n": len(seen), "valid": len(seen) - len(bad), "bad": bad}


def aggregate(rows: dict[str, Any]) -> dict[str, Any]:
    """Run-level metrics from the scored rows (see the module docstring)."""
    def facts(kind: str) -> tuple[int, int]:
        items = [ok for r in rows[kind] for ok in r["found"]]
        return sum(items), len(items)

    def flags(kind: str) -> tuple[int, int]:
        return sum(r["found"] for r in rows[kind]), len(rows[kind])

    cl = rows["claims"]
    n_not = len(cl["not_speakers"])
    latency = rows["latency"]
    quotes = rows["quotes"]
    return {
        "summary_fact_coverage": share(*facts("summary")), "brief_article_coverage": share(*facts("brief")),
        "timeline_date_accuracy": share(*flags("event")), "timeline_order_accuracy": share(*flags("order")),
        "claim_recall": share(*flags("claim")),
        "claim_span_recall": share(sum(r["in_span"] for r in rows["claim"]), len(rows["claim"])),
        "claim_precision": share(cl["judged"] - len(cl["wrong"]), cl["judged"]),
        "speaker_recall": share(len(cl["speakers_present"]), len(cl["speakers"])),
        "not_speaker_accuracy": share(n_not - len(cl["intruders"]), n_not),
        "compare_outlet_coverage": share(*facts("compare")),
        "compare_absent_accuracy": share(sum(ok for r in rows["compare"] for ok in r["silent"]),
                                         sum(len(r["silent"]) for r in rows["compare"])),
        "quote_validity": share(quotes["valid"], quotes["n"]), "n_citations": quotes["n"],
        **{f"{f}_latency_p50_s": percentile(latency.get(f, []), 50) for f in FEATURES},
        "errors": len(rows["errors"]),
    }


def make_baseline(metrics: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """Baseline record: gated metric values and tolerances, tied to the records they were measured on."""
    values = {name: metrics.get(name) for name in GATED}
    tolerance = {name: (tol if tol is not None else round(max(0.5, 3 * (values[name] or 0)), 3))
                 for name, (_, tol) in GATED.items()}
    return {
        "mode": meta["mode"], "records": meta["records"], "records_sha256": meta["records_sha256"],
        "n_records": meta["n_records"], "created": meta.get("created"),
        "note": "absolute tolerances; latency (warm, second call) is machine-dependent, so its tolerance is generous",
        "metrics": values, "tolerance": tolerance,
        "higher_is_better": {name: better for name, (better, _) in GATED.items()},
    }


def gate(metrics: dict[str, Any], meta: dict[str, Any], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """Gate a run against a baseline made on the same records; a metric the baseline has but this
    run could not measure (a feature crashed) fails, as does an invalid quote."""
    refused = None
    if baseline is not None and baseline.get("records_sha256") != meta["records_sha256"]:
        refused = (f"baseline was made on other records ({baseline.get('records')}, {baseline.get('n_records')} "
                   f"records) than this run ({meta['records']}, {meta['n_records']} records): not compared")
    return gate_metrics(metrics, baseline, GATED, refused, unmeasured_fails=True)


# --- running the features -----------------------------------------------------------------------------


def _twice(call: Callable[[], Any], errors: list[str], what: str) -> tuple[Any, float | None]:
    """Call twice; the second result and its latency, or (None, None) with the error recorded."""
    try:
        call()
        t0 = time.perf_counter()
        result = call()
        return result, time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - a failing feature is recorded and scored as finding nothing
        errors.append(f"{what}: {type(exc).__name__}: {exc}")
        return None, None


def _statement_citations(statements: Iterable[Any]) -> list[Any]:
    return [c for s in statements for c in s.citations]


def run_features(records: Sequence[dict[str, Any]], settings: Settings) -> dict[str, Any]:
    """Call every feature the records need (twice each) and score the results."""
    from rag.claims import claims
    from rag.comparing import compare
    from rag.summarizing import summarize
    from rag.timeline import timeline

    errors: list[str] = []
    latency: dict[str, list[float]] = {f: [] for f in FEATURES}
    cites: dict[str, list[Any]] = {f: [] for f in FEATURES}

    def timed(feature: str, what: str, call: Callable[[], Any]) -> Any:
        result, seconds = _twice(call, errors, what)
        if seconds is not None:
            latency[feature].append(round(seconds, 4))
        return result

    summaries = []
    for r in of_kind(records, "summary"):
        s = timed("summary", f"summary {r['source']}", lambda r=r: summarize(r["source"], mode=MODE, settings=settings))
        if s is not None:
            cites["summary"] += list(s.citations) + _statement_citations(s.statements)
            if s.scope != "article":
                errors.append(f"summary {r['source']}: scope {s.scope!r}, not 'article'")
        summaries.append(score_summary(r, s.text if s is not None else None))
    briefs = []
    if of_kind(records, "brief"):
        b = timed("brief", "brief", lambda: summarize(None, mode=MODE, settings=settings))
        if b is not None:
            cites["brief"] += (list(b.citations) + _statement_citations(b.statements)
                               + _statement_citations(s for t in b.threads for s in t.statements))
        briefs = [score_brief(r, {c.source for c in b.citations} if b else ()) for r in of_kind(records, "brief")]
    events = timed("timeline", "timeline", lambda: timeline(settings=settings)) or []
    cites["timeline"] += [e.citation for e in events]
    event_rows, order_rows = score_events(of_kind(records, "event"), of_kind(records, "order"), events)
    found = timed("claims", "claims", lambda: claims(settings=settings)) or []
    cites["claims"] += [c for claim in found for c in (claim.citation, claim.sentence)]
    claim_scores = score_claims(of_kind(records, "claim"), of_kind(records, "not_speaker"), found)
    comparisons = []
    for r in of_kind(records, "compare"):
        c = timed("compare", f"compare {r['topic']!r}", lambda r=r: compare(r["topic"], mode=MODE, settings=settings))
        if c is not None:
            cites["compare"] += (list(c.citations) + _statement_citations(p.statement for v in c.outlets
                                                                         for p in v.points)
                                 + [x for d in c.differences for x in (d.first, d.second)])
        comparisons.append(score_compare(r, c))
    quotes = check_quotes(c for f in FEATURES for c in cites[f])
    quotes["by_feature"] = {f: len({(c.path, c.start, c.end, c.quote) for c in cites[f]}) for f in FEATURES}
    return {"summary": summaries, "brief": briefs, "event": event_rows, "order": order_rows,
            "claim": claim_scores["rows"], "claims": claim_scores, "compare": comparisons,
            "quotes": quotes, "latency": latency, "errors": errors,
            "counts": {"events": len(events), "claims": len(found)}}


def run_eval(records_path: Path, out_dir: Path, settings: Settings,
             baseline_path: Path | None = None) -> dict[str, Any]:
    """Evaluate; write features.json and features.md into ``out_dir``; the result dict holds everything."""
    started = time.perf_counter()
    baseline = None
    if baseline_path is not None and Path(baseline_path).is_file():
        baseline = json.loads(Path(baseline_path).read_text(encoding="utf-8"))
    records = load_cases(records_path)
    if not records:
        raise ValueError(f"no records in {records_path}")
    check_records(records)
    meta = {"mode": MODE, "records": display(records_path), "records_sha256": cases_fingerprint(records),
            "n_records": len(records), "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "corpus": str(settings.corpus), "embedding": settings.embedding, "chunk_tokens": settings.chunk_tokens,
            "notices": prepare_index(settings)}
    rows = run_features(records, settings)
    metrics = aggregate(rows)
    meta["baseline"] = display(baseline_path) if baseline is not None else None
    result: dict[str, Any] = {"run": meta, "metrics": metrics, "results": rows,
                              "gate": gate(metrics, meta, baseline)}
    if baseline_path is not None and baseline is None:
        result["gate"]["messages"] = [(f"no baseline at {display(baseline_path)}: nothing compared "
                                       "(write one with --write-baseline)")]
    meta["seconds"] = round(time.perf_counter() - started, 1)
    meta["out_dir"] = str(out_dir)
    write_all(result, Path(out_dir))
    return result


# --- report -------------------------------------------------------------------------------------------

HEADLINE = ("summary_fact_coverage", "brief_article_coverage", "timeline_date_accuracy", "timeline_order_accuracy",
            "claim_recall", "claim_span_recall", "claim_precision", "speaker_recall", "not_speaker_accuracy",
            "compare_outlet_coverage", "compare_absent_accuracy", "quote_validity", *(f"{f}_latency_p50_s" for f in FEATURES),
            "n_citations", "errors")


def fmt(name: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if name.endswith("_s"):  # warm calls of cached features take well under a millisecond
        return f"{value * 1000:.1f} ms"
    if name.startswith("n_") or name == "errors":
        return f"{value:.0f}"
    return f"{value:.1%}"


def summary_table(result: dict[str, Any]) -> str:
    m = result["metrics"]
    return "\n".join([f"{'metric':<36}{'value':>12}"] + [f"{LABELS[k]:<36}{fmt(k, m[k]):>12}" for k in HEADLINE])


def failures(result: dict[str, Any]) -> list[str]:
    """One line per failed record with what the feature returned for it."""
    res = result["results"]
    out = [f"- error: {e}" for e in res["errors"]]
    for r in res["summary"]:
        if r["missing"]:
            out.append(f"- **{r['id']}** summary of {r['source']} misses {r['missing']}; "
                       f"returned: {' '.join((r['text'] or '').split())}")
    for r in res["brief"]:
        if r["missing"]:
            out.append(f"- **{r['id']}** brief cites none of {r['missing']}")
    for r in res["event"]:
        if not r["found"]:
            out.append(f"- **{r['id']}** event “{r['contains']}” ({r['source']}): expected {r['expected']}; "
                       f"returned {r['returned'] or 'no event in that sentence'}")
    for r in res["order"]:
        if not r["found"]:
            out.append(f"- **{r['id']}** {r['before']} before {r['after']}: sort keys returned {r['returned']}")
    for r in res["claim"]:
        if not r["found"] or not r["in_span"]:
            what = "not found" if not r["found"] else "found only in the sentence, not in the claim span"
            out.append(f"- **{r['id']}** claim of {r['speaker']} “{r['contains']}” ({r['source']}): {what}; "
                       f"claims returned in that sentence: {r['returned'] or 'none'}")
    cl = res["claims"]
    for w in cl["wrong"]:
        out.append(f"- wrong speaker: {w['speaker']!r} (expected {' or '.join(w['expected'])}) in {w['source']}: "
                   f"“{w['quote']}”")
    for s in sorted(set(cl["speakers"]) - set(cl["speakers_present"])):
        out.append(f"- speaker never returned: {s}")
    for name, who in cl["intruders"].items():
        out.append(f"- not a speaker, returned as one: {name} ({', '.join(who)})")
    for r in res["compare"]:
        if r["missing"]:
            out.append(f"- **{r['id']}** compare “{r['topic']}”: no (relevant) point for {r['missing']}; "
                       f"returned: { {o: r['returned'][o] for o in r['missing']} }")
        if r["not_silent"]:
            out.append(f"- **{r['id']}** compare “{r['topic']}”: points shown for {r['not_silent']}, whose articles "
                       f"report nothing on it: { {o: r['returned'][o] for o in r['not_silent']} }")
    for b in res["quotes"]["bad"]:
        out.append(f"- **invalid quote** {b['path']} [{b['start']}:{b['end']}] {b['quote']!r} != {b['file_text']!r}")
    return out


def markdown(result: dict[str, Any]) -> str:
    run, m, g = result["run"], result["metrics"], result["gate"]
    lines = [f"# Feature evaluation ({run['mode']}) on {run['records']}",
             (f"{run['n_records']} records, {run['created']}, {run['seconds']:.0f} s; embedding {run['embedding']}, "
              f"chunk_tokens {run['chunk_tokens']}; {result['results']['counts']['events']} events, "
              f"{result['results']['counts']['claims']} claims returned."),
             *[f"> {n}" for n in run["notices"]], "",
             "| metric | value |", "|---|---|", *[f"| {LABELS[k]} | {fmt(k, m[k])} |" for k in HEADLINE], "",
             "## Regressions vs baseline", f"Status: **{g['status']}**", *[f"- {x}" for x in g["messages"]],
             *[f"- REGRESSION: {x}" for x in g["regressions"]], ""]
    if g["rows"]:
        lines += ["| metric | baseline | now | delta | tolerance | regressed |", "|---|---|---|---|---|---|",
                  *[f"| {LABELS[r['metric']]} | {fmt(r['metric'], r['baseline'])} | {fmt(r['metric'], r['now'])} | "
                    f"{r['delta']:+.4f} | {r['tolerance']:g} | {'YES' if r['regressed'] else ''} |" for r in g["rows"]], ""]
    lines += ["## Failures (what the features returned)", *(failures(result) or ["none"])]
    return "\n".join(lines) + "\n"


def write_all(result: dict[str, Any], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "features.json", out_dir / "features.md"]
    paths[0].write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(result), encoding="utf-8")
    return paths


# --- command line -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag eval --features", description="Evaluate summaries, the corpus brief, "
                                "the timeline, claims and comparisons on the seeds against known facts; gate on a "
                                "baseline.")
    p.add_argument("--records", type=Path, default=RECORDS, help="JSONL file (default eval/features.jsonl)")
    p.add_argument("--out", type=Path, help="run folder (default eval/runs/<UTC time>-features)")
    p.add_argument("--baseline", type=Path, default=BASELINE, help="default eval/features_baseline.json")
    p.add_argument("--write-baseline", action="store_true", help="write this run's metrics as the new baseline")
    p.add_argument("--mode", choices=(MODE,), default=MODE, help="the features are evaluated extractive only")
    return p


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run the feature evaluation; 0 = ok, 1 = regression (or invalid quotes), 2 = could not run."""
    from rag.config import load_settings
    from rag.errors import RagError

    args = build_parser().parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or EVAL_DIR / "runs" / f"{stamp}-features"
    try:
        settings = settings or load_settings()
        result = run_eval(args.records, out, settings, baseline_path=None if args.write_baseline else args.baseline)
    except (RagError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_table(result))
    print(f"\nreport: {Path(out) / 'features.md'}  ({result['run']['seconds']:.0f} s)")
    for error in result["results"]["errors"]:
        print(f"error: {error}", file=sys.stderr)
    return conclude(result["gate"], args.baseline if args.write_baseline else None,
                    lambda: make_baseline(result["metrics"], result["run"]),
                    lambda base: f"records {base['records']}", "features baseline gate")

if __name__ == "__main__":
    sys.exit(main())
