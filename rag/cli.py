"""The ``rag`` command: ingest, search, ask, eval, bench, ui."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import InputError, RagError

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.types import Answer, Article

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

    def progress(message: str, done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="B", unit_scale=True, desc="indexing", file=sys.stderr,
                             disable=args.quiet))
        bars[0].set_postfix_str(message[-50:], refresh=False)
        bars[0].update(done - bars[0].n)

    try:
        report = ingest(args.path, rebuild=args.rebuild, settings=settings, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for skip in report.skipped:
            print(f"warning: skipped {skip.source}: {skip.reason}", file=sys.stderr)
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{report.folder}: {report.summary()}")
    if report.files_read == 0:
        print(f"error: no article could be read from {report.folder} (.txt and .md files are read)", file=sys.stderr)
        return 1
    if args.strict and report.skipped:
        print(f"error: {len(report.skipped)} file(s) skipped (--strict)", file=sys.stderr)
        return 1
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from rag.check import check, repair

    settings = _settings(args)
    report = check(settings)
    if args.repair and not report.ok:
        before = report
        report = repair(settings, report)
        print(f"repaired: {len(before.problems) - len(report.problems)} of {len(before.problems)} problem(s)",
              file=sys.stderr)
        if before.needs_rebuild:
            print(f"note: the library was rebuilt from {settings.corpus}; `rag ingest` each other folder you had "
                  "indexed", file=sys.stderr)
    if args.json:
        print(json.dumps({"articles": report.articles, "chunks": report.chunks, "ok": report.ok,
                          "problems": [asdict(p) for p in report.problems]}, indent=2))
    else:
        for p in report.problems:
            print(f"problem: [{p.kind}] {p.where}: {p.detail}")
        state = "ok" if report.ok else f"{len(report.problems)} problem(s); `rag check --repair` re-ingests what is wrong"
        print(f"{report.articles} articles, {report.chunks} chunks checked against their files: {state}")
    return 0 if report.ok else 1


def _article_row(a: Article) -> list[str]:
    state = "" if a.complete else " (half-written: run rag ingest)"
    return [a.folder, a.source, a.outlet, a.title, a.published or "unknown", f"{a.chunks}{state}"]


def _table(header: list[str], rows: list[list[str]], widths: list[int], keep_end: int = 0) -> str:
    """Aligned columns; the first ``keep_end`` columns (paths) are cut from the left, others from the right."""
    def cut(value: str, width: int, column: int) -> str:
        if len(value) <= width:
            return value
        return "…" + value[-(width - 1):] if column < keep_end else value[: width - 1] + "…"

    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(cut(v, w, c).ljust(w) for c, (v, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    from rag.library import articles

    found = articles(settings=_settings(args))
    if args.json:
        print(json.dumps([a.to_dict() for a in found], indent=2, ensure_ascii=False))
        return 0
    if not found:
        print("the library is empty: run `rag ingest PATH`")
        return 0
    print(_table(["folder", "file", "outlet", "title", "date", "chunks"], [_article_row(a) for a in found],
                 [30, 28, 18, 40, 10, 6], keep_end=2))
    folders = len({a.folder for a in found})
    print(f"\n{len(found)} articles from {folders} folder(s), {sum(a.chunks for a in found)} chunks")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from rag.library import remove

    removed = remove(args.files, folder=args.folder, settings=_settings(args))
    for a in removed:
        print(f"removed {a.path} ({a.chunks} chunks)")
    print(f"{len(removed)} article(s) removed from the index; the files themselves are untouched")
    return 0


def cmd_meta(args: argparse.Namespace) -> int:
    from rag.library import set_metadata

    if all(v is None for v in (args.outlet, args.title, args.date, args.url)):
        raise InputError("give at least one of --outlet, --title, --date, --url")
    a = set_metadata(args.file, outlet=args.outlet, title=args.title, published=args.date, url=args.url,
                     settings=_settings(args))
    print(f"{a.path}: outlet {a.outlet!r}, title {a.title!r}, date {a.published or 'unknown'} "
          f"(written to {a.folder}/metadata.json)")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from rag.chunking import normalise_space
    from rag.retrieval import retrieve

    query = args.query.encode("utf-8", "replace").decode("utf-8")  # argv bytes that are not UTF-8
    hits = retrieve(query, k=args.k, filters=_filters(args), settings=_settings(args))
    if args.json:
        print(json.dumps([asdict(h) for h in hits], indent=2, ensure_ascii=False))
        return 0
    for n, hit in enumerate(hits, 1):
        print(f"[{n}] {hit.path or hit.source} ({hit.outlet}, {hit.published or 'date unknown'}) chars {hit.start}-{hit.end}"
              f"  score {hit.score:.4f}")
        print(f"    {normalise_space(hit.text)[:300]}")
    if not hits:
        print("no hits")
    return 0

def _unmarked(text: str) -> str:
    """Text without [n] citation markers (streamed markers are renumbered in the final answer)."""
    import re

    return " ".join(re.sub(r"\[[\d,\s]+\]", "", text).split())


def _print_answer(question: str, args: argparse.Namespace, settings: Settings, history: list[Answer] | None = None) -> Answer:
    """Stream one answer to stdout with its numbered citations; notices go to stderr."""
    from rag.answering import answer_stream
    from rag.cli_output import print_citations
    from rag.types import Answer

    streamed = ""
    final: Answer | None = None
    for item in answer_stream(question, history=history, filters=_filters(args), mode=args.mode, settings=settings):
        if isinstance(item, Answer):
            final = item
        elif not getattr(args, "json", False):
            print(item, end="", flush=True)
            streamed += item
    assert final is not None
    if getattr(args, "json", False):
        print(json.dumps(final.to_dict(), indent=2, ensure_ascii=False))
        return final
    if streamed:
        print()
    if _unmarked(streamed) != _unmarked(final.text):
        if streamed:
            print("(the streamed reply was replaced by the grounded answer below)")
        print(final.text)
    print()
    print_citations(final.citations)
    status = "answered" if final.answered else "not answered from the articles"
    print(f"\n({final.mode} mode, {status}, {final.timings.get('total_s', 0):.2f} s)", file=sys.stderr)
    for notice in final.notices:
        print(f"note: {notice}", file=sys.stderr)
    return final


def cmd_ask(args: argparse.Namespace) -> int:
    _print_answer(args.question, args, _settings(args))
    return 0


CHAT_HELP = "Ask about the articles; follow-ups may refer to earlier answers. /reset forgets them, /quit (or Ctrl-D) ends."


def cmd_chat(args: argparse.Namespace) -> int:
    """An interactive session: each question goes to answer() with the earlier turns as history."""

    settings = _settings(args)
    history: list[Answer] = []
    interactive = sys.stdin.isatty()
    print(CHAT_HELP, file=sys.stderr)
    while True:
        try:
            question = input("you> " if interactive else "")
        except EOFError:
            break
        question = question.strip()
        if not question:
            continue
        if question in ("/quit", "/exit", "/q"):
            break
        if question == "/reset":
            history.clear()
            print("(history cleared)", file=sys.stderr)
            continue
        if not interactive:
            print(f"you> {question}")
        try:
            history.append(_print_answer(question, args, settings, history[-args.turns:] if args.turns else []))
        except RagError as exc:  # a bad question or filter ends the turn, not the session
            print(f"error: {exc}", file=sys.stderr)
        print()
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import main as eval_main

    return eval_main(args.eval_args, settings=_settings(args))


def cmd_ui(args: argparse.Namespace) -> int:
    """Run the Streamlit app (ui/app.py) on 127.0.0.1 unless told otherwise, with telemetry off."""
    from rag.config import PROJECT_ROOT

    settings = _settings(args)  # bad settings fail here, with the usual message, before Streamlit starts
    app = PROJECT_ROOT / "ui" / "app.py"
    if not app.is_file():
        raise InputError(f"the app is not where it should be: {app}")
    env = dict(os.environ)
    if args.home:
        env["RAG_HOME"] = args.home
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", args.host,
               "--server.port", str(args.port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal",
               # the uploader refuses what ingest would skip as too large, before sending it
               "--server.maxUploadSize", str(max(1, math.ceil(settings.max_file_mb)))]
    print(f"rag ui: http://{args.host}:{args.port}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Streamlit (same pid): stopping `rag ui` stops the server, nothing is left serving the port.
    os.execve(sys.executable, command, env)
    return 0  # not reached


def cmd_bench(args: argparse.Namespace) -> int:
    from rag import bench

    results = bench.run(_settings(args), synthetic_chunks=args.chunks, queries=args.queries, progress=not args.json,
                        quick=args.quick)
    print(json.dumps(results, indent=2) if args.json else bench.render(results))
    return 0

def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", action="append", help="only this file (repeatable), e.g. 003_74ddc438a967e230.txt")
    p.add_argument("--outlet", action="append", help="only this outlet (repeatable), e.g. 'Kyiv Post'")
    p.add_argument("--date-from", help="published on or after YYYY-MM-DD")
    p.add_argument("--date-to", help="published on or before YYYY-MM-DD")

def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number of at least {minimum}, got {value!r}")
        return number

    return parse


_positive, _non_negative = _at_least(1), _at_least(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag",
        description="Grounded Q&A over a folder of news articles. Settings come from RAG_* variables or rag.toml.",
    )
    parser.add_argument("--home", help="data folder of the index (default .rag, or RAG_HOME)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "ingest", help="add a folder of articles to the library (incremental)",
        description="Add new files of PATH, update changed ones and remove the files ingested from PATH that are "
        "gone from it; articles of other folders stay. Exit 0 when it indexed what it could (skipped files "
        "are warnings), 1 when no article could be read (or, with --strict, when any file was skipped), "
        "2 on an error.",
    )
    p.add_argument("path", nargs="?", help="folder of .txt/.md articles (default: seeds, or RAG_CORPUS)")
    p.add_argument("--rebuild", action="store_true", help="empty the whole library, then ingest PATH")
    p.add_argument("--strict", action="store_true", help="exit 1 when any file was skipped")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("list", help="show every article in the library (folder, file, outlet, title, date, chunks)")
    p.add_argument("--json", action="store_true", help="print the articles as JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "remove", help="take articles out of the library (the files stay on disk)",
        description="Remove articles from every index (Chroma, BM25). FILE is a path, or a file name that only "
        "one folder holds. Ingesting their folder again adds them back.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="file to remove (path, or name if unambiguous)")
    p.add_argument("--folder", help="remove every article ingested from this folder (or a folder inside it)")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser(
        "meta", help="set an article's outlet, title or date",
        description="Set metadata of an indexed article. It is written to metadata.json in the article's folder "
        "(read again by later ingests) and applied to the index without re-embedding.",
    )
    p.add_argument("file", help="the article (path, or name if unambiguous)")
    p.add_argument("--outlet")
    p.add_argument("--title")
    p.add_argument("--date", help="publication date YYYY-MM-DD ('unknown': the article's own dateline, if any)")
    p.add_argument("--url")
    p.set_defaults(func=cmd_meta)

    p = sub.add_parser(
        "check", help="verify the index against the articles' files and itself",
        description="Check that every chunk's text is its file's text at its offsets, that each article has all "
        "the chunks of its current file, that Chroma and the keyword index hold the same chunks and that the "
        "index was built with the current settings. Exit 0 when all holds, 1 when something is wrong, 2 on an "
        "error. --repair re-ingests what is wrong (and rebuilds an index that cannot be read).",
    )
    p.add_argument("--repair", action="store_true", help="fix what is wrong, then check again")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("search", help="show the best matching passages (dense + BM25)")
    p.add_argument("query")
    p.add_argument("-k", type=_positive, default=5, help="number of hits (default 5)")
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
        "chat", help="an interactive session: ask follow-up questions",
        description=CHAT_HELP + " Questions are read from standard input, one per line.",
    )
    p.add_argument("--mode", choices=["auto", "llm", "extractive"], help="default: RAG_LLM_MODE or auto")
    p.add_argument("--turns", type=_non_negative, default=6, help="earlier answers passed as history (default 6; 0: none)")
    _add_filters(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser(
        "eval", help="score answers against the eval set (see `rag eval -h`)", add_help=False,
        description="All arguments are passed to the eval script: python -m eval --help",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("ui", help="start the Streamlit app (Ask, Library, Eval)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_positive, default=8501, help="port (default 8501)")
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("bench", help="measure ingest (per stage, by size), answer and query latency, memory",
                       description="Benchmarks in one process, offline, in temporary folders. The full run takes "
                       "about 15 minutes on 2 cores (a 10 MB article and a 1,000-file folder are embedded); "
                       "--quick takes about a minute.")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument("--quick", action="store_true", help="small sizes: the whole run in about a minute (CI)")
    p.add_argument("--chunks", type=_positive, help="size of the synthetic index (default 100000, 5000 with --quick)")
    p.add_argument("--queries", type=int, default=200, help="queries per latency measurement")
    p.set_defaults(func=cmd_bench)

    from rag.cli_analysis import add_parsers

    add_parsers(sub, _add_filters, _settings, _filters)
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
    except BrokenPipeError:  # `rag … | head`: the reader left; not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stops the flush at exit from failing again
        return 0
    except KeyboardInterrupt:
        print("interrupted; the next `rag ingest` repairs any half-written index", file=sys.stderr)
        return 130

if __name__ == "__main__":
    sys.exit(main())
