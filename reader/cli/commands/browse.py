"""`reader list`, `reader show`, `reader info`: reading the library, never changing it."""

from __future__ import annotations

import argparse
import sys

from reader.cli import options
from reader.cli.context import EXIT_OK, library_path, open_library
from reader.cli.output import (
    ROW_INDENT,
    bar_printer,
    display,
    note,
    paper_json,
    paper_row,
    print_json,
    print_wrapped,
    terminal_width,
)
from reader.cli.select import find_paper


def search_hits(args: argparse.Namespace, query: str, limit: int | None, *, quick: bool = True):
    """(hits, library or None): answered from the search index alone when it is current (the
    library is not loaded then), else from the opened library (the index caught up or rebuilt)."""
    from reader.search import engine_for, parse_query, search
    from reader.search.quick import quick_search

    parsed = parse_query(query)
    if quick:
        hits = quick_search(library_path(args), parsed, limit)
        if hits is not None:
            return hits, None
    library = open_library(args)
    engine = engine_for(library)
    engine.progress = bar_printer("Building the search index") if sys.stderr.isatty() else None
    hits = search(library, parsed, limit=limit)
    if hits.note:
        note(hits.note)
    return hits, library


def cmd_list(args: argparse.Namespace) -> int:
    from reader.sorting import RANK, check_sort, sort_ids

    order = check_sort(args.sort)  # before opening anything: a typo is a one-line error
    query = " ".join(args.query)
    if order == RANK and not args.reverse:
        hits, library = search_hits(args, query, args.limit, quick=not args.abstracts)
    else:  # sort every match, then cut
        matched, library = search_hits(args, query, None, quick=False)
        by_id = {hit.paper.id: hit for hit in matched}
        papers = {pid: hit.paper for pid, hit in by_id.items()}
        ordered = [by_id[pid] for pid in sort_ids(list(by_id), papers, order, args.reverse)]
        hits = type(matched)(ordered[: args.limit] if args.limit is not None else ordered, total=matched.total)
    if args.json:
        print_json(
            [
                paper_json(
                    hit.paper,
                    score=hit.score,
                    abstract=library.abstract(hit.paper.id) if args.abstracts else None,  # just the hits'
                )
                for hit in hits
            ]
        )
        return EXIT_OK
    width = terminal_width()  # wrapped on a terminal, never when piped
    for hit in hits:
        print_wrapped(paper_row(hit.paper), width, indent=ROW_INDENT)
    if sys.stdout.isatty():
        total = getattr(hits, "total", len(hits))
        if not hits and not total:
            print("No papers match." if query else "The library is empty: `reader import FILE` adds papers.", file=sys.stderr)
        elif total > len(hits):
            print(f"{total - len(hits)} more match (raise --limit to see them).", file=sys.stderr)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    library = open_library(args)
    paper = find_paper(library, args.id)
    abstract = library.abstract(paper.id)
    if args.json:
        doc = paper_json(paper, abstract=abstract)
        if paper.arxiv_id:
            from reader.links import arxiv_links

            doc["arxiv_urls"] = {link.kind: link.url for link in arxiv_links(paper.arxiv_id)}
        print_json(doc)
        return EXIT_OK
    from reader.details import dead_reason, link_checks, link_label, meta_parts, more_fields, numbered_links

    width = terminal_width()  # wrapped on a terminal, never when piped
    print_wrapped(display(paper.title), width)
    print_wrapped(display("   ".join([f"id: {paper.id}", *meta_parts(paper)[1:]])), width, indent="  ")
    if paper.tags:
        print_wrapped("tags: " + display(" ".join(paper.tags)), width, indent="  ")
    checks = link_checks(paper)
    for number, link in enumerate(numbered_links(paper), start=1):
        check = checks.get(link.url)
        dead = f"  (dead: {display(dead_reason(check))})" if check and check.get("ok") is False else ""
        print_wrapped(f"[{number}] {display(link_label(link))}: {display(link.url)}{dead}", width, indent="    ")
    for label, text in more_fields(paper, author_limit=None):
        print_wrapped(f"{label.lower()}: {display(text)}", width, indent="  ")
    if abstract:
        print()
        print_wrapped(display(abstract), width)
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    library = open_library(args)
    papers = library.papers()
    read = sum(1 for p in papers if p.read)
    tags = dict(library.tag_counts().most_common())
    info = {
        "path": str(library.path),
        "papers": len(papers),
        "read": read,
        "unread": len(papers) - read,
        "with_code": sum(1 for p in papers if p.has_code),
        "tags": tags,
    }
    if args.json:
        print_json(info)
        return EXIT_OK
    print(f"Library: {info['path']}")
    print(f"{info['papers']} papers: {read} read, {info['unread']} unread, {info['with_code']} with code")
    if tags:
        print("Tags: " + display(", ".join(f"{tag} ({n})" for tag, n in tags.items())))
    return EXIT_OK


def register(sub, *, common, json_flag) -> None:
    p = sub.add_parser(
        "list",
        parents=[common, json_flag],
        help="list papers, best matches first for a query (newest first without one)",
        description="List papers. A query ranks them: words are typo-tolerant (title matches first); "
        '"exact phrase"; -word leaves out; filters: tag:NAME -tag:NAME is:read is:unread has:code '
        "has:project source:PAGE; words and filters may start with '-' (reader list -tag:seen mamba). "
        "--json includes each paper's score.",
    )
    p.add_argument("query", nargs="*", help='words, "phrases" and filters (e.g. mamba has:code is:unread)')
    p.add_argument("--limit", type=options.positive_int, default=None, metavar="N", help="show at most N papers (1 or more)")
    p.add_argument("--abstracts", action="store_true", help="include abstracts in --json output")
    p.add_argument(
        "--sort", default="rank", metavar="ORDER",
        help="rank (default: best match, newest first without a query), added, published, title, upvotes, "
        "stars (newest, A to Z, most first; papers without the value last)",
    )
    options.reverse(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", parents=[common, json_flag], help="show one paper in full")
    p.add_argument("id", help="paper id (a unique prefix is enough)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("info", parents=[common, json_flag], help="where the library is and what it holds")
    p.set_defaults(func=cmd_info)
