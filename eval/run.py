"""Run the evaluation: answer every case, score it, run the naive peer, write the report, gate on a baseline.

``python -m eval [--mode extractive] [--cases eval/cases.jsonl] [--write-baseline]``; ``main(argv)`` is the
entry point the ``rag eval`` command calls. Exit code 1 when a metric regresses beyond its tolerance.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval import report, scoring

if TYPE_CHECKING:
    from rag.config import Settings

EVAL_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = EVAL_DIR.parent


def display(path: Path) -> str:
    """``path`` relative to the project root when it lies inside it (as recorded in baselines)."""
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def load_cases(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The cases of a JSONL file (first ``limit`` only when given)."""
    cases = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return cases[:limit] if limit else cases


class QuoteChecker:
    """Checks ``quote == file text[start:end]``, the file read as UTF-8 from the corpus folder."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = Path(corpus)
        self._texts: dict[str, str | None] = {}

    def text(self, source: str) -> str | None:
        if source not in self._texts:
            try:
                self._texts[source] = (self.corpus / source).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[source] = None
        return self._texts[source]

    def valid(self, source: str, start: int, end: int, quote: str) -> bool:
        text = self.text(source)
        return text is not None and 0 <= start <= end <= len(text) and text[start:end] == quote


def prepare_index(settings: Settings) -> list[str]:
    """Bring the index in line with ``settings.corpus`` (rebuilding a local index built with other settings)."""
    from rag import ingest
    from rag.errors import IndexMismatchError
    from rag.locking import index_lock

    try:
        rep = ingest(settings.corpus, settings=settings)
    except IndexMismatchError as exc:
        if settings.chroma_url:
            raise
        with index_lock(settings, "rebuild"):
            try:  # another eval may have rebuilt it while this one waited for the lock
                rep = ingest(settings.corpus, settings=settings)
            except IndexMismatchError:
                print(f"note: {exc}\nnote: rebuilding the local index for this evaluation", file=sys.stderr)
                rep = ingest(settings.corpus, rebuild=True, settings=settings)
                return [f"index rebuilt (it was built with other settings): {rep.summary()}"]
    return [f"index updated: {rep.summary()}"] if rep.changed else []


def run_ours(
    cases: Sequence[dict[str, Any]], mode: str, settings: Settings, progress: bool = True,
    on_case: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Answer and score every case with our pipeline; retrieval rank from ``retrieve(question, k=5)``."""
    from tqdm import tqdm

    from rag.answering import answer
    from rag.errors import RagError
    from rag.retrieval import retrieve

    quotes = QuoteChecker(settings.corpus)
    answer("What do the articles say about the talks?", mode=mode, settings=settings)  # warm-up: loads models
    results = []
    for case in tqdm(cases, desc=f"ours ({mode})", unit="q", file=sys.stderr, disable=not progress):
        error, t0, unanswered = None, time.perf_counter(), []
        try:
            ans = answer(case["question"], mode=mode, settings=settings)
            text, answered, cites, used, notices = ans.text, ans.answered, ans.citations, ans.mode, ans.notices
            unanswered = list(ans.unanswered)
        except Exception as exc:  # noqa: BLE001 - a failing case is recorded and counted, the run goes on
            error = str(exc) if isinstance(exc, RagError) else f"{type(exc).__name__}: {exc}"
            text, answered, cites, used, notices = f"error: {error}", False, [], "error", []
        latency = time.perf_counter() - t0
        rank = None
        if case.get("sources"):
            hits = retrieve(case["question"], k=5, filters=None, settings=settings)
            rank = scoring.retrieval_rank([h.source for h in hits], case["sources"])
        valid = [quotes.valid(c.source, c.start, c.end, c.quote) for c in cites]
        row = scoring.score_case(case, text, answered, [c.source for c in cites], valid, rank, latency, unanswered)
        row.update(mode_used=used, notices=notices, error=error, citations=[
            {"source": c.source, "start": c.start, "end": c.end, "quote": c.quote, "valid": ok}
            for c, ok in zip(cites, valid)])
        results.append(row)
        if on_case:
            on_case(len(results), len(cases))
    return results


def parse_verdict(raw: str) -> bool | None:
    """The judge's verdict from its JSON reply (``{"supported": true, ...}``); None when unreadable."""
    import re

    match = re.search(r"\{.*\}", raw, re.S)
    try:
        value = json.loads(match.group(0)).get("supported") if match else None
    except (json.JSONDecodeError, AttributeError):
        value = None
    return value if isinstance(value, bool) else None


def run_judge(results: list[dict[str, Any]], settings: Settings) -> dict[str, Any]:
    """Ask the LLM, per answered case, whether every claim is supported by the cited quotes."""
    from tqdm import tqdm

    from rag.llm import LLMClient
    from rag.prompts import load_prompt

    template = load_prompt(settings.prompts_dir, "judge", "question", "answer", "quotes")
    chat = LLMClient(settings).chat
    verdicts: list[bool | None] = []
    for row in tqdm([r for r in results if r["answered"]], desc="judge", unit="q", file=sys.stderr):
        quotes = "\n".join(f"[{n}] ({c['source']}) {' '.join(c['quote'].split())}"
                           for n, c in enumerate(row["citations"], 1)) or "(no quotes)"
        try:
            reply = chat.invoke(template.format(question=row["question"], answer=row["text"], quotes=quotes))
            row["judge_supported"] = parse_verdict(str(reply.content))
        except Exception as exc:  # noqa: BLE001 - one failed call must not end the run
            row["judge_supported"], row["judge_error"] = None, type(exc).__name__
        verdicts.append(row["judge_supported"])
    judged = [v for v in verdicts if v is not None]
    return {"judged": len(judged), "unreadable": len(verdicts) - len(judged),
            "faithfulness": scoring.share(sum(judged), len(judged))}


def run_eval(cases_path: Path, mode: str, out_dir: Path, settings: Settings, peer: bool = True, judge: bool = False,
             limit: int | None = None, baseline_path: Path | None = None,
             on_case: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Evaluate, write metrics.json / report.md / plots into ``out_dir``; the result dict holds everything."""
    started = time.perf_counter()
    baseline = None
    if baseline_path is not None and Path(baseline_path).is_file():
        baseline = json.loads(Path(baseline_path).read_text(encoding="utf-8"))
    cases = load_cases(cases_path, limit)
    if not cases:
        raise ValueError(f"no cases in {cases_path}")
    meta = {"mode": mode, "cases": display(cases_path), "cases_sha256": scoring.cases_fingerprint(cases),
            "n_cases": len(cases), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus": str(settings.corpus), "embedding": settings.embedding, "chunk_tokens": settings.chunk_tokens,
            "notices": prepare_index(settings)}
    results = run_ours(cases, mode, settings, on_case=on_case)
    meta["modes_used"] = dict(Counter(r["mode_used"] for r in results))
    meta["ours_s"] = round(time.perf_counter() - started, 1)
    result: dict[str, Any] = {"run": meta, "metrics": scoring.aggregate(results),
                              "by_type": scoring.breakdown(results, "type"),
                              "by_outlet": scoring.breakdown(results, "outlet"),
                              "by_class": scoring.breakdown(results, "class"), "cases": results}
    result["judge"] = run_judge(results, settings) if judge else None
    if peer:
        from eval.peer import run_peer

        result["peer"] = run_peer(cases, Path(settings.corpus))
        result["ratios"] = report.ratios(result["metrics"], result["peer"])
    meta["baseline"] = display(baseline_path) if baseline is not None else None
    result["gate"] = scoring.compare(result["metrics"], meta, baseline)
    if baseline_path is not None and baseline is None:
        result["gate"]["messages"] = [f"no baseline at {display(baseline_path)}: nothing compared "
                                      "(write one with --write-baseline)"]
    meta["seconds"] = round(time.perf_counter() - started, 1)
    meta["out_dir"] = str(out_dir)
    report.write_all(result, Path(out_dir))
    return result


def conclude(gate: dict[str, Any], write_to: Path | None, make: Callable[[], dict[str, Any]],
             describe: Callable[[dict[str, Any]], str], label: str) -> int:
    """Exit code of a run: write the baseline (``write_to``; refused after a regression) or report
    the gate: 1 on a regression, else 0."""
    if write_to is not None:
        if gate["regressions"]:
            print("not writing a baseline: " + "; ".join(gate["regressions"]), file=sys.stderr)
            return 1
        base = make()
        write_to.parent.mkdir(parents=True, exist_ok=True)
        write_to.write_text(json.dumps(base, indent=2) + "\n", encoding="utf-8")
        print(f"baseline written: {write_to} ({describe(base)})")
        return 0
    for message in gate["messages"]:
        print(f"warning: {message}", file=sys.stderr)
    if gate["status"] == "fail":
        print("REGRESSION:\n  " + "\n  ".join(gate["regressions"]), file=sys.stderr)
        return 1
    print(f"{label}: {gate['status']}")
    return 0


def corpus_settings(settings: Settings, corpus: Path) -> Settings:
    """Settings that evaluate another folder of articles in an index of its own (never the user's:
    an eval corpus must not mix with the articles a user asks about)."""
    import re

    corpus = Path(corpus).resolve()
    if not corpus.is_dir():
        raise ValueError(f"--corpus {corpus}: not a folder")
    slug = re.sub(r"[^a-z0-9]+", "-", corpus.name.lower()).strip("-") or "corpus"
    update: dict[str, Any] = {"corpus": corpus, "home": Path(settings.home) / "eval-corpora" / slug}
    if settings.chroma_url:
        update["collection"] = f"{settings.collection}-eval-{slug}"[:60]
    return settings.model_copy(update=update)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag eval", description="Evaluate answers, citations, refusals and retrieval "
                                "on a JSONL question set; compare with a naive LangChain peer and a baseline.")
    p.add_argument("--mode", choices=("auto", "llm", "extractive"), default="extractive")
    p.add_argument("--cases", type=Path, default=EVAL_DIR / "cases.jsonl", help="JSONL file (default eval/cases.jsonl)")
    p.add_argument("--out", type=Path, help="run folder (default eval/runs/<UTC time>-<mode>)")
    p.add_argument("--corpus", type=Path, help="evaluate this folder of articles (in an index of its own under "
                   "<home>/eval-corpora) instead of the configured corpus, e.g. eval/corpus2 with "
                   "--cases eval/corpus2_cases.jsonl")
    p.add_argument("--baseline", type=Path, default=EVAL_DIR / "baseline.json", help="default eval/baseline.json")
    p.add_argument("--write-baseline", action="store_true", help="write this run's metrics as the new baseline")
    p.add_argument("--no-peer", action="store_true", help="skip the naive LangChain peer")
    p.add_argument("--judge", action="store_true", help="LLM faithfulness judge (needs a configured LLM)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N cases")
    p.add_argument("--features", action="store_true", help="evaluate summaries, brief, timeline, claims and "
                   "comparisons instead (eval.features; its options: --out, --baseline, --records, --write-baseline)")
    return p


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run the evaluation; 0 = ok, 1 = regression (or invalid quotes), 2 = could not run."""
    from rag.config import load_settings
    from rag.errors import RagError
    from rag.llm import unavailable_reason

    argv = list(sys.argv[1:] if argv is None else argv)
    if "--features" in argv:  # the feature evaluation has its own options: hand it the rest untouched
        from eval.features import main as features_main

        return features_main([a for a in argv if a != "--features"], settings=settings)
    args = build_parser().parse_args(argv)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or EVAL_DIR / "runs" / f"{stamp}-{args.mode}"
    try:
        settings = settings or load_settings()
        if args.corpus is not None:
            settings = corpus_settings(settings, args.corpus)
        judge = args.judge
        if judge and (reason := unavailable_reason(settings)):
            print(f"--judge skipped: {reason}", file=sys.stderr)
            judge = False
        if args.mode == "llm" and (reason := unavailable_reason(settings)):
            print(f"error: --mode llm needs an LLM: {reason}", file=sys.stderr)
            return 2
        result = run_eval(args.cases, args.mode, out, settings, peer=not args.no_peer, judge=judge,
                          limit=args.limit, baseline_path=None if args.write_baseline else args.baseline)
    except (RagError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary_table(result))
    print(f"\nreport: {Path(out) / 'report.md'}  ({result['run']['seconds']:.0f} s)")
    return conclude(result["gate"], args.baseline if args.write_baseline else None,
                    lambda: scoring.make_baseline(result["metrics"], result["run"]),
                    lambda base: f"mode {base['mode']}, cases {base['cases']}", "baseline gate")
