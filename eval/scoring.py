"""Pure scoring: text normalisation, fact matching, per-case scores, aggregate metrics, the baseline gate.

No model, no I/O: everything here is a function of plain dicts and strings.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

_CHAR_MAP = str.maketrans({
    **dict.fromkeys("‘’‚‛′`´ʼ", "'"), **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"), **dict.fromkeys("\u00a0\u2007\u202f\u2009\u200a", " "),
})
_SUFFIX = r"(?:s|es|'s)?"  # a fact word may carry a plural / possessive ending: referendum -> referendums


def normalise(text: str) -> str:
    """Lower-case, unify quotes/apostrophes/dashes, drop accents (Türkiye -> turkiye), collapse whitespace."""
    text = unicodedata.normalize("NFKD", text.translate(_CHAR_MAP))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def fact_present(answer_text: str, alternatives: Iterable[str]) -> bool:
    """True when any alternative occurs in the answer, after normalising both.

    An alternative that starts (ends) with a letter or digit must start (end) at a word boundary,
    so "14" is not found in "2014" and "once" not in "nonce"; a plural or possessive ending is allowed.
    """
    haystack = normalise(answer_text)
    for alt in alternatives:
        needle = normalise(alt)
        if not needle:
            continue
        left = r"(?<!\w)" if needle[0].isalnum() else ""
        right = _SUFFIX + r"(?!\w)" if needle[-1].isalnum() else ""
        if re.search(left + re.escape(needle) + right, haystack):
            return True
    return False


def retrieval_rank(ranked_sources: Sequence[str], expected: Iterable[str]) -> int | None:
    """1-based rank of the first source that is expected; None when none is."""
    wanted = set(expected)
    return next((n for n, src in enumerate(ranked_sources, 1) if src in wanted), None)


def crag(answerable: bool, answered: bool, all_facts: bool) -> int:
    """CRAG-style score: +1 correct (or correctly refused), 0 refused an answerable item, -1 wrong."""
    if not answerable:
        return 1 if not answered else -1
    if not answered:
        return 0
    return 1 if all_facts else -1


def score_case(case: dict[str, Any], text: str, answered: bool, cited: Sequence[str],
               quotes_valid: Sequence[bool], rank: int | None, latency_s: float,
               unanswered: Sequence[str] = ()) -> dict[str, Any]:
    """One case's result record: facts found, citation checks, retrieval rank, CRAG score.

    An unanswerable question whose answer says which of its parts the articles do not answer
    (``unanswered``) counts as refused: the part the articles lack was not made up."""
    expected = set(case.get("sources", []))
    answerable = bool(case["answerable"])
    if not answerable and unanswered:
        answered = False
    found = [fact_present(text, alts) for alts in case.get("facts", [])] if answerable else []
    all_facts = all(found) if answerable else None
    return {
        "id": case["id"], "type": case.get("type", "unknown"), "outlet": case.get("outlet") or "(none)",
        "class": case.get("class", "plain"),
        "question": case["question"], "answerable": answerable, "answered": bool(answered), "text": text,
        "unanswered_parts": list(unanswered),
        "expected_facts": case.get("facts", []), "expected_sources": sorted(expected),
        "cited_sources": list(cited), "n_citations": len(cited),
        "n_cited_expected": sum(src in expected for src in cited),
        "quotes_valid": sum(map(bool, quotes_valid)), "facts_found": found, "all_facts": all_facts,
        "right_source": (bool(set(cited) & expected) if answerable else None),
        "retrieval_rank": rank, "latency_s": round(latency_s, 4),
        "crag": crag(answerable, bool(answered), bool(all_facts)),
    }


def share(num: float, den: float) -> float | None:
    """num / den, or None when there is nothing to divide by."""
    return num / den if den else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def aggregate(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Run-level metrics from per-case records (see the README of eval for their definitions)."""
    ans = [r for r in results if r["answerable"]]
    una = [r for r in results if not r["answerable"]]
    ranks = [r["retrieval_rank"] for r in ans]
    lat = [r["latency_s"] for r in results]
    return {
        "n_cases": len(results), "n_answerable": len(ans), "n_unanswerable": len(una),
        "fact_recall": share(sum(bool(r["all_facts"]) for r in ans), len(ans)),
        "fact_recall_per_fact": share(sum(sum(r["facts_found"]) for r in ans), sum(len(r["facts_found"]) for r in ans)),
        "right_source_rate": share(sum(bool(r["right_source"]) for r in ans), len(ans)),
        "citation_precision": share(sum(r["n_cited_expected"] for r in ans), sum(r["n_citations"] for r in ans)),
        "quote_validity": share(sum(r["quotes_valid"] for r in results), sum(r["n_citations"] for r in results)),
        "n_citations": sum(r["n_citations"] for r in results),
        "refusal_accuracy": share(sum(not r["answered"] for r in una), len(una)),
        "false_refusal_rate": share(sum(not r["answered"] for r in ans), len(ans)),
        "hit_at_1": share(sum(k == 1 for k in ranks), len(ranks)),
        "hit_at_5": share(sum(k is not None and k <= 5 for k in ranks), len(ranks)),
        "mrr": share(sum(1 / k for k in ranks if k), len(ranks)),
        "crag_score": share(sum(r["crag"] for r in results), len(results)),
        "latency_p50_s": percentile(lat, 50), "latency_p95_s": percentile(lat, 95),
        "mean_answer_chars": share(sum(len(r["text"]) for r in results), len(results)),
        "errors": sum(bool(r.get("error")) for r in results),
    }


BREAKDOWN_KEYS = ("n_cases", "n_answerable", "n_unanswerable", "fact_recall", "right_source_rate", "refusal_accuracy", "false_refusal_rate",
                  "hit_at_5", "crag_score")


def breakdown(results: Sequence[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """The main metrics per value of ``key`` (e.g. "type" or "outlet")."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault(str(r[key]), []).append(r)
    return {name: {k: aggregate(rs)[k] for k in BREAKDOWN_KEYS} for name, rs in sorted(groups.items())}


def cases_fingerprint(cases: Sequence[dict[str, Any]]) -> str:
    """sha256 of the cases as evaluated (order and content), to tie a baseline to its question set."""
    return hashlib.sha256(json.dumps(list(cases), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# metric -> (higher is better, absolute tolerance); None = derived from the baseline value when written
GATED: dict[str, tuple[bool, float | None]] = {
    "fact_recall": (True, 0.05), "fact_recall_per_fact": (True, 0.05), "right_source_rate": (True, 0.05),
    "citation_precision": (True, 0.05), "quote_validity": (True, 0.0), "refusal_accuracy": (True, 0.05),
    "false_refusal_rate": (False, 0.05), "hit_at_1": (True, 0.05), "hit_at_5": (True, 0.05), "mrr": (True, 0.05),
    "crag_score": (True, 0.1), "latency_p95_s": (False, None),
}


def make_baseline(metrics: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """Baseline record: gated metric values, tolerances, and the mode and cases they were made with."""
    values = {name: metrics.get(name) for name in GATED}
    tolerance = {name: (tol if tol is not None else round(max(2.0, 2 * (values[name] or 0)), 3))
                 for name, (_, tol) in GATED.items()}
    return {
        "mode": meta["mode"], "cases": meta["cases"], "cases_sha256": meta["cases_sha256"],
        "n_cases": meta["n_cases"], "created": meta.get("created"),
        "note": "absolute tolerances; latency is machine-dependent, so its tolerance is generous",
        "metrics": values, "tolerance": tolerance,
        "higher_is_better": {name: better for name, (better, _) in GATED.items()},
    }


def gate_metrics(metrics: dict[str, Any], baseline: dict[str, Any] | None, gated: dict[str, tuple[bool, float | None]],
                 refused: str | None = None, unmeasured_fails: bool = False) -> dict[str, Any]:
    """Gate ``metrics`` against ``baseline`` over the ``gated`` table: status pass / fail / skipped,
    regressions and a row per metric. An invalid quote always fails. ``refused``: why the baseline
    cannot be compared (other mode, other cases), if it cannot; ``unmeasured_fails``: a metric the
    baseline has but this run could not measure is a regression."""
    regressions: list[str] = []
    messages: list[str] = []
    qv = metrics.get("quote_validity")
    if qv is not None and qv < 1.0:
        regressions.append(f"quote_validity {qv:.1%} < 100%: some citation quotes differ from the file text")
    rows: list[dict[str, Any]] = []
    if baseline is None:
        messages.append("no baseline: nothing compared")
    elif refused:
        messages.append(refused)
    else:
        for name, (default_better, default_tol) in gated.items():
            base, now = baseline.get("metrics", {}).get(name), metrics.get(name)
            if base is None:
                continue
            if now is None:
                if unmeasured_fails:
                    regressions.append(f"{name}: not measured in this run (baseline {base:.3f}); see the errors")
                continue
            better = baseline.get("higher_is_better", {}).get(name, default_better)
            tol = baseline.get("tolerance", {}).get(name, default_tol or 0.0)
            worse = now < base - tol - 1e-9 if better else now > base + tol + 1e-9
            rows.append({"metric": name, "baseline": base, "now": now, "delta": now - base,
                         "tolerance": tol, "higher_is_better": better, "regressed": worse})
            if worse:
                regressions.append(f"{name}: {now:.3f} vs baseline {base:.3f} (tolerance {tol:g}, "
                                   f"{'higher' if better else 'lower'} is better)")
    status = "fail" if regressions else ("pass" if rows else "skipped")
    return {"status": status, "regressions": regressions, "messages": messages, "rows": rows}


def compare(metrics: dict[str, Any], meta: dict[str, Any], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """Gate an answer run against a baseline made in the same mode on the same cases."""
    refused = None
    if baseline is not None and baseline.get("mode") != meta["mode"]:
        refused = (f"baseline was made in {baseline.get('mode')!r} mode but this run is {meta['mode']!r}: "
                   f"not compared (make one with --mode {meta['mode']} --baseline PATH --write-baseline)")
    elif baseline is not None and baseline.get("cases_sha256") != meta["cases_sha256"]:
        refused = (f"baseline was made on other cases ({baseline.get('cases')}, {baseline.get('n_cases')} cases) "
                   f"than this run ({meta['cases']}, {meta['n_cases']} cases): not compared")
    return gate_metrics(metrics, baseline, GATED, refused)
