"""`rag summarize`, `rag compare`, `rag timeline`, `rag claims`: the summary features on the command line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from rag.cli_output import print_citations
from rag.numbering import Numbering


def _json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _notices(notices: list[str]) -> None:
    import sys

    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)


def _listing(lines: Callable[[Numbering], str], empty: str) -> None:
    """One line per item with [n] markers, then the numbered citations."""
    numbering = Numbering()
    print(lines(numbering) or empty)
    print()
    print_citations(numbering.citations)


def add_parsers(sub: Any, add_filters: Callable[[argparse.ArgumentParser], None],
                settings_of: Callable[[argparse.Namespace], Any], filters_of: Callable[[argparse.Namespace], Any]) -> None:
    """Register the four commands on the main parser's subparsers."""

    def summarize_cmd(args: argparse.Namespace) -> int:
        from rag.summarizing import summarize

        result = summarize(args.article, filters=filters_of(args), mode=args.mode, settings=settings_of(args))
        if args.json:
            _json(result.to_dict())
            return 0
        what = result.articles[0].title if result.scope == "article" else f"{len(result.articles)} articles"
        print(f"Summary of {what}:\n" if result.scope == "article" else f"Brief of {what}:\n")
        print(result.text + "\n")
        print_citations(result.citations)
        _notices(result.notices)
        return 0

    def compare_cmd(args: argparse.Namespace) -> int:
        from rag.comparing import compare

        result = compare(args.topic, filters=filters_of(args), mode=args.mode, settings=settings_of(args))
        if args.json:
            _json(result.to_dict())
            return 0
        print(f"How the outlets report: {result.topic}\n\n{result.text}\n")
        print_citations(result.citations)
        _notices(result.notices)
        return 0

    def timeline_cmd(args: argparse.Namespace) -> int:
        from rag.timeline import render, timeline

        events = timeline(filters_of(args), settings=settings_of(args))
        if args.json:
            _json([e.to_dict() for e in events])
            return 0
        _listing(lambda numbering: render(events, numbering), "No dated events in these articles.")
        return 0

    def claims_cmd(args: argparse.Namespace) -> int:
        from rag.claims import claims, render

        notes: list[str] = []
        found = claims(filters_of(args), speaker=args.speaker, settings=settings_of(args), mode=args.mode, notices=notes)
        if args.json:
            _json([c.to_dict() for c in found])
            return 0
        _listing(lambda numbering: render(found, numbering), "No attributed statements in these articles.")
        _notices(notes)
        return 0

    mode_help = "default: RAG_LLM_MODE or auto"
    p = sub.add_parser("summarize", aliases=["summarise"], help="a cited summary of one article, or a brief of all",
                       description="With --article: 3-5 sentences of that article. Without: the main threads of the "
                       "articles the filters select, each drawing on every article that covers it.")
    p.add_argument("--article", help="file name, path or words of the title (see `rag list`)")
    p.add_argument("--mode", choices=["auto", "llm", "extractive"], help=mode_help)
    p.add_argument("--json", action="store_true")
    add_filters(p)
    p.set_defaults(func=summarize_cmd)

    p = sub.add_parser("compare", help="what each outlet reports on a topic, side by side")
    p.add_argument("topic", help='e.g. "where the leaders should meet"')
    p.add_argument("--mode", choices=["auto", "llm", "extractive"], help=mode_help)
    p.add_argument("--json", action="store_true")
    add_filters(p)
    p.set_defaults(func=compare_cmd)

    p = sub.add_parser("timeline", help="dated events across the articles, oldest first")
    p.add_argument("--json", action="store_true")
    add_filters(p)
    p.set_defaults(func=timeline_cmd)

    p = sub.add_parser("claims", help="who said what: speaker, role, exact words, outlet and date")
    p.add_argument("--speaker", help="only this speaker (a name or surname)")
    p.add_argument("--mode", choices=["auto", "llm", "extractive"],
                   help="llm/auto: an LLM also attributes the sentences the speech rules leave out; " + mode_help)
    p.add_argument("--json", action="store_true")
    add_filters(p)
    p.set_defaults(func=claims_cmd)
