"""The ``rag`` command: ingest, search, ask, eval, bench, ui."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from rag.errors import RagError

def _settings(args: argparse.Namespace):  # noqa: ANN202
    from rag.config import load_settings

    overrides = {}
    if getattr(args, "home", None):
        overrides["home"] = Path(args.home)
    return load_settings(**overrides)

def _filters(args: argparse.Namespace) -> dict | None:
    raw = {
        "source": args.source or None,
        "outlet": args.outlet or None,
        "date_from": args.date_from,
        "date_to": args.date_to,
    }
    return {k: v for k, v in raw.items() if v} or None

def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag import ingest

    settings = _settings(args)
    bars: list[tqdm] = []

    def progress(source: str, done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="file", desc="embedding", file=sys.stderr, disable=args.quiet))
        bars[0].set_postfix_str(source[:40])
        bars[0].update(1)

    try:
        report = ingest(args.path, rebuild=args.rebuild, settings=settings, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for skip in report.skipped:
            print(f"skipped {skip.source}: {skip.reason}", file=sys.stderr)
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(report.summary())
    return 1 if report.skipped else 0

def cmd_search(args: argparse.Namespace) -> int:
    from rag.chunking import normalise_space
    from rag.retrieval import retrieve

    hits = retrieve(args.query, k=args.k, filters=_filters(args), settings=_settings(args))
    if args.json:
        print(json.dumps([asdict(h) for h in hits], indent=2, ensure_ascii=False))
        return 0
    for n, hit in enumerate(hits, 1):
        print(f"[{n}] {hit.source} ({hit.outlet}, {hit.published or 'date unknown'}) chars {hit.start}-{hit.end}"
              f"  score {hit.score:.4f}")
        print(f"    {normalise_space(hit.text)[:300]}")
    if not hits:
        print("no hits")
    return 0

def _unmarked(text: str) -> str:
    """Text without [n] citation markers (streamed markers are renumbered in the final answer)."""
    import re

    return " ".join(re.sub(r"\[[\d,\s]+\]", "", text).split())


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answering import answer_stream
    from rag.chunking import normalise_space
    from rag.types import Answer

    settings = _settings(args)
    streamed = ""
    final: Answer | None = None
    for item in answer_stream(args.question, filters=_filters(args), mode=args.mode, settings=settings):
        if isinstance(item, Answer):
            final = item
        elif not args.json:
            print(item, end="", flush=True)
            streamed += item
    assert final is not None
    if args.json:
        print(json.dumps(final.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if streamed:
        print()
    if _unmarked(streamed) != _unmarked(final.text):
        if streamed:
            print("(the streamed reply was replaced by the grounded answer below)")
        print(final.text)
    print()
    for n, cite in enumerate(final.citations, 1):
        print(f"[{n}] {cite.outlet}, {cite.published or 'date unknown'} — {cite.source} chars {cite.start}-{cite.end}")
        print(f"    “{normalise_space(cite.quote)}”")
    status = "answered" if final.answered else "not answered from the articles"
    print(f"\n({final.mode} mode, {status}, {final.timings.get('total_s', 0):.2f} s)", file=sys.stderr)
    for notice in final.notices:
        print(f"note: {notice}", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import main as eval_main

    return eval_main(args.eval_args, settings=_settings(args))


def cmd_bench(args: argparse.Namespace) -> int:
    from rag import bench

    results = bench.run(_settings(args), synthetic_chunks=args.chunks, queries=args.queries, progress=not args.json)
    print(json.dumps(results, indent=2) if args.json else bench.render(results))
    return 0

def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", action="append", help="only this file (repeatable), e.g. 003_74ddc438a967e230.txt")
    p.add_argument("--outlet", action="append", help="only this outlet (repeatable), e.g. 'Kyiv Post'")
    p.add_argument("--date-from", help="published on or after YYYY-MM-DD")
    p.add_argument("--date-to", help="published on or before YYYY-MM-DD")

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag",
        description="Grounded Q&A over a folder of news articles. Settings come from RAG_* variables or rag.toml.",
    )
    parser.add_argument("--home", help="data folder of the index (default .rag, or RAG_HOME)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index a folder of articles (incremental)")
    p.add_argument("path", nargs="?", help="folder of .txt/.md articles (default: seeds, or RAG_CORPUS)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it again")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="show the best matching passages (dense + BM25)")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="number of hits (default 5)")
    p.add_argument("--json", action="store_true")
    _add_filters(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with citations to the exact words of the articles")
    p.add_argument("question")
    p.add_argument("--mode", choices=["auto", "llm", "extractive"], help="default: RAG_LLM_MODE or auto")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    _add_filters(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser(
        "eval", help="score answers against the eval set (see `rag eval -h`)", add_help=False,
        description="All arguments are passed to the eval script: python -m eval --help",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="measure embedding speed, ingest, query latency and memory")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument("--chunks", type=int, default=100_000, help="size of the synthetic index (default 100000)")
    p.add_argument("--queries", type=int, default=200, help="queries per latency measurement")
    p.set_defaults(func=cmd_bench)
    return parser

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}

def _command_index(argv: list[str]) -> int | None:
    """Position of the subcommand (the first word that is not a global option or its value)."""
    i = 0
    while i < len(argv):
        if argv[i] == "--home":
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            return i
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `eval` belongs to the eval script's own parser, untouched.
    split = _command_index(argv)
    if split is not None and argv[split] == "eval":
        args = parser.parse_args(argv[: split + 1])
        args.eval_args = argv[split + 1 :]
    else:
        args = parser.parse_args(argv)
    try:
        return args.func(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the next `rag ingest` repairs any half-written index", file=sys.stderr)
        return 130

if __name__ == "__main__":
    sys.exit(main())
