"""The `reader` command: argument parsing, then a call into the domain (or the TUI).

Every subcommand builds the library once and calls the same domain functions
the TUI uses. Errors the domain raises become one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import json
import re
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reader import __version__
from reader.errors import ImportProblem, LibraryBusy, LibraryError, ReaderError
from reader.paths import default_library_path, sample_files

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


# -- helpers -------------------------------------------------------------------------


def _library_path(args: argparse.Namespace) -> Path:
    db = getattr(args, "db", None)
    return Path(db).expanduser() if db else default_library_path()


_OPENED: list = []  # libraries this command opened, for warnings at exit


def open_library(args: argparse.Namespace):
    from reader.library import Library

    path = _library_path(args)
    try:
        library = Library.open(path)
    except LibraryBusy:
        raise
    except LibraryError as exc:
        raise LibraryError(f"{exc}. {_backup_hint(Library(path))}") from None
    _OPENED.append(library)
    return library


def _backup_hint(library) -> str:
    """Which backup to restore when the library does not load (checks that it loads)."""
    from reader.library import Library, LibraryError

    try:
        backups = library.list_backups()
    except LibraryError:
        backups = []
    for number, backup in enumerate(backups, start=1):
        try:
            good = Library.open(backup.path / library.path.name, backup_interval=0)
        except LibraryError:
            continue
        return (
            f"Newest good backup: number {number} ({len(good)} papers, {backup.path.name[:15]}); "
            f"restore it with `reader backup restore {number}`"
        )
    return "No good backup found; `reader backup list` shows them all"


def _print_warnings() -> None:
    for library in _OPENED:
        for warning in library.warnings:
            print(f"reader: warning: {warning}", file=sys.stderr)
        library.warnings.clear()


# Characters that may sit raw in JSON text but would act on a terminal (DEL, C1
# controls such as CSI) or reorder the text around them (bidi overrides).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _print_json(value) -> None:
    """JSON for scripts: readable UTF-8, with terminal-unsafe characters as \\uXXXX escapes."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    # Such characters can only occur inside JSON strings, where the escape means the same.
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n")


def _display(text: str) -> str:
    """Paper text for a terminal line: control characters and escapes made harmless."""
    from reader.textsafe import printable

    return printable(text)


def paper_json(paper, *, score: float | None = None, abstract: str | None = None) -> dict:
    doc = paper.to_doc()
    doc["short_id"] = paper.short_id
    if abstract is not None:
        doc["abstract"] = abstract
    if score is not None:
        doc["score"] = round(score, 4)
    return doc


def paper_row(paper) -> str:
    box = "[x]" if paper.read else "[ ]"
    code = " <code>" if paper.has_code else ""
    tags = "".join(f" #{tag}" for tag in paper.tags)
    return f"{paper.short_id:<10} {box} {_display(paper.title)}{code}{_display(tags)}"


# -- commands --------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from reader.commands.lists import apply_imports, load_import_file, print_list_report, print_restore_report
    from reader.importers import Skipped

    # Every file is read and checked first: one bad file stops everything before any write.
    loaded = [load_import_file(path) for path in args.paths]
    parsed = [item for kind, item in loaded if kind == "pages"]
    library = open_library(args)
    report = None
    if parsed:
        candidates = [cand for item in parsed for cand in item.candidates]
        skipped: list[Skipped] = [skip for item in parsed for skip in item.skipped]
        report = library.import_candidates(candidates, skipped=skipped, sources=[item.source for item in parsed])
    others = apply_imports(library, [(kind, item) for kind, item in loaded if kind != "pages"])
    if args.json:
        if len(parsed) == len(loaded):
            _print_json(report.to_dict())
        else:
            _print_json(
                {
                    "pages": report.to_dict() if report else None,
                    "backups": [r.to_dict() for r in others["backups"]],
                    "lists": [r.to_dict() for r in others["lists"]],
                }
            )
        return EXIT_OK
    if report is not None:
        print(
            f"Imported {len(parsed)} file(s), {report.entries} entries: {len(report.added)} new papers, "
            f"{len(report.merged)} already in the library ({len(report.updated)} of them updated), "
            f"{len(report.skipped)} skipped."
        )
        for skip in report.skipped:
            print(f"  skipped {_display(str(skip))}")
    for restored in others["backups"]:
        print_restore_report(restored)
    for applied in others["lists"]:
        print_list_report(library, applied)
    print(f"Library: {library.path} ({len(library)} papers)")
    return EXIT_OK


def _search(args: argparse.Namespace, query: str, limit: int | None, *, quick: bool = True):
    """(hits, library or None): answered from the search index alone when it is current (the
    library is not loaded then), else from the opened library (the index caught up or rebuilt)."""
    from reader.search import engine_for, parse_query, search
    from reader.search_engine import quick_search

    parsed = parse_query(query)
    if quick:
        hits = quick_search(_library_path(args), parsed, limit)
        if hits is not None:
            return hits, None
    library = open_library(args)
    engine = engine_for(library)
    engine.progress = _progress_bar("Building the search index") if sys.stderr.isatty() else None
    hits = search(library, parsed, limit=limit)
    if hits.note:
        print(f"reader: note: {hits.note}", file=sys.stderr)
    return hits, library


def _progress_bar(label: str):
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}{end}")
        sys.stderr.flush()

    return show


def cmd_list(args: argparse.Namespace) -> int:
    from reader.sorting import RANK, check_sort, sort_ids

    order = check_sort(args.sort)  # before opening anything: a typo is a one-line error
    query = " ".join(args.query)
    if order == RANK and not args.reverse:
        hits, library = _search(args, query, args.limit, quick=not args.abstracts)
    else:  # sort every match, then cut
        matched, library = _search(args, query, None, quick=False)
        by_id = {hit.paper.id: hit for hit in matched}
        papers = {pid: hit.paper for pid, hit in by_id.items()}
        ordered = [by_id[pid] for pid in sort_ids(list(by_id), papers, order, args.reverse)]
        hits = type(matched)(ordered[: args.limit] if args.limit is not None else ordered, total=matched.total)
    if args.json:
        _print_json(
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
    for hit in hits:
        print(paper_row(hit.paper))
    if sys.stdout.isatty():
        total = getattr(hits, "total", len(hits))
        if not hits and not total:
            print("No papers match." if query else "The library is empty: `reader import FILE` adds papers.", file=sys.stderr)
        elif total > len(hits):
            print(f"{total - len(hits)} more match (raise --limit to see them).", file=sys.stderr)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    library = open_library(args)
    paper = library.resolve(args.id)
    abstract = library.abstract(paper.id)
    if args.json:
        doc = paper_json(paper, abstract=abstract)
        if paper.arxiv_id:
            from reader.links import arxiv_links

            doc["arxiv_urls"] = {link.kind: link.url for link in arxiv_links(paper.arxiv_id)}
        _print_json(doc)
        return EXIT_OK
    from reader.details import dead_reason, link_checks, link_label, meta_parts, more_fields, numbered_links

    print(_display(paper.title))
    print(_display("   ".join([f"id: {paper.id}", *meta_parts(paper)[1:]])))
    if paper.tags:
        print("tags: " + _display(" ".join(paper.tags)))
    checks = link_checks(paper)
    for number, link in enumerate(numbered_links(paper), start=1):
        check = checks.get(link.url)
        dead = f"  (dead: {_display(dead_reason(check))})" if check and check.get("ok") is False else ""
        print(f"[{number}] {_display(link_label(link))}: {_display(link.url)}{dead}")
    for label, text in more_fields(paper, author_limit=None):
        print(f"{label.lower()}: {_display(text)}")
    if abstract:
        print()
        print(_display(abstract))
    return EXIT_OK


def _print_change(change, library, verb: str) -> None:
    if not change.ids:
        print(f"Nothing to change: already {verb}.")
        return
    for pid in change.ids:
        paper = library.get(pid)
        if paper is not None:
            print(paper_row(paper))


def cmd_tag(args: argparse.Namespace) -> int:
    library = open_library(args)
    change = library.tag([args.id], args.tags)
    _print_change(change, library, "tagged")
    return EXIT_OK


def cmd_untag(args: argparse.Namespace) -> int:
    library = open_library(args)
    change = library.untag([args.id], args.tags)
    _print_change(change, library, "without those tags")
    return EXIT_OK


def cmd_read(args: argparse.Namespace) -> int:
    library = open_library(args)
    change = library.set_read(args.ids, read=args.command == "read")
    _print_change(change, library, args.command)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from reader.exporters import check_output_path, write_output
    from reader.sorting import check_sort

    order = check_sort(args.order)
    library = open_library(args)
    to_stdout = not args.output or args.output == "-"
    if not to_stdout:
        check_output_path(args.output, replace=args.force)  # before any work
    query = " ".join(args.query)
    from reader.search import search

    hits = search(library, query)
    if hits.note:
        print(f"reader: note: {hits.note}", file=sys.stderr)
    papers = [hit.paper for hit in hits]
    if args.format == "json":
        from reader.exporters.json_backup import iter_backup

        matched = {paper.id for paper in papers}
        papers = [paper for paper in library.papers() if paper.id in matched]  # library order
        chunks = iter_backup(papers, library.abstracts(), exported_at=library.clock())
    else:
        from reader.exporters.markdown import iter_reading_list

        chunks = iter_reading_list(
            papers,
            title=args.title or (f"Reading list: {query}" if query else "Reading list"),
            group_by=args.group_by,
            order=order,
            reverse=args.reverse,
            abstracts=args.abstracts,
            abstract_texts=library.abstract if args.abstracts != "none" else None,
        )
    if to_stdout:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return EXIT_OK
    out = write_output(args.output, chunks, replace=args.force)
    print(f"Wrote {len(papers)} papers to {out}", file=sys.stderr)
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    library = open_library(args)
    papers = library.papers()
    read = sum(1 for p in papers if p.read)
    info = {
        "path": str(library.path),
        "papers": len(papers),
        "read": read,
        "unread": len(papers) - read,
        "with_code": sum(1 for p in papers if p.has_code),
        "tags": dict(library.tag_counts().most_common()),
    }
    if args.json:
        _print_json(info)
        return EXIT_OK
    print(f"Library: {info['path']}")
    print(f"{info['papers']} papers: {read} read, {info['unread']} unread, {info['with_code']} with code")
    if info["tags"]:
        print("Tags: " + _display(", ".join(f"{tag} ({n})" for tag, n in info["tags"].items())))
    return EXIT_OK


def cmd_compact(args: argparse.Namespace) -> int:
    library = open_library(args)
    library.compact()
    print(f"Compacted {library.path} ({len(library)} papers)")
    return EXIT_OK


def run_tui(args: argparse.Namespace) -> int:
    demo_dir = None
    if args.demo:
        from reader.library import Library
        from reader.importers.hf_pages import parse_page_file

        demo_dir = tempfile.mkdtemp(prefix="reader-demo-")
        path = Path(demo_dir) / "library.json"
        library = Library.open(path)
        parsed = [parse_page_file(p) for p in sample_files()]
        library.import_candidates(
            [c for item in parsed for c in item.candidates],
            skipped=[s for item in parsed for s in item.skipped],
            sources=[item.source for item in parsed],
            label="demo import",
        )
    else:
        library = open_library(args)
    try:
        from reader.tui.app import run_app

        return run_app(library, demo=bool(args.demo))
    finally:
        if demo_dir:
            shutil.rmtree(demo_dir, ignore_errors=True)


# -- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="library file (default: $READER_DB, else library.json in the user data directory)",
    )
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print JSON for scripts")

    parser = argparse.ArgumentParser(
        prog="reader",
        description="A keyboard-driven reading list for research papers. Without a command, opens the TUI.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the TUI on a throwaway library of the sample papers")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "import",
        parents=[common, json_flag],
        help="import page dumps, a Markdown reading list or a JSON backup",
        description="Import Hugging Face Daily Papers page dumps (text saved from huggingface.co/papers), "
        "a Markdown reading list (.md: updates read state and tags of the papers it lists, adds papers it "
        "identifies by title and link) or a JSON backup (.json: restores papers without losing or "
        "duplicating any). Other files are recognised by their content. Re-importing never duplicates a "
        "paper; page dumps never change tags, read state or notes. '-' reads standard input.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_import)

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
    p.add_argument("--limit", type=int, default=None, metavar="N", help="show at most N papers")
    p.add_argument("--abstracts", action="store_true", help="include abstracts in --json output")
    p.add_argument(
        "--sort", default="rank", metavar="ORDER",
        help="rank (default: best match, newest first without a query), added, published, title, upvotes, "
        "stars (newest, A to Z, most first; papers without the value last)",
    )
    p.add_argument("--reverse", action="store_true", help="the other way round (oldest first, Z to A, fewest first)")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", parents=[common, json_flag], help="show one paper in full")
    p.add_argument("id", help="paper id (a unique prefix is enough)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("tag", parents=[common], help="add tags to a paper")
    p.add_argument("id")
    p.add_argument("tags", nargs="+", metavar="TAG")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("untag", parents=[common], help="remove tags from a paper")
    p.add_argument("id")
    p.add_argument("tags", nargs="+", metavar="TAG")
    p.set_defaults(func=cmd_untag)

    for name, text in (("read", "mark papers read"), ("unread", "mark papers unread")):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("ids", nargs="+", metavar="ID")
        p.set_defaults(func=cmd_read)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="export papers as a Markdown reading list or a JSON backup",
        description="Write the papers matching QUERY (all papers without one) as a Markdown reading list "
        "(CommonMark + GitHub task lists; `reader import LIST.md` reads it back) or, with --format json, "
        "as a backup of everything about them (`reader import backup.json` restores it).",
    )
    p.add_argument("query", nargs="*", help="only papers matching this query")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown", help="default: markdown")
    p.add_argument("--title", help="heading of the list")
    p.add_argument(
        "--group-by", choices=("none", "tag", "read", "source"), default="none",
        help="sections by tag, read state or source page (default: none)",
    )
    p.add_argument(
        "--order", default="rank", metavar="ORDER",
        help="rank|added|published|title|upvotes|stars, as `reader list --sort` (default: rank: search rank, "
        "newest first without a query)",
    )
    p.add_argument("--reverse", action="store_true", help="the other way round (oldest first, Z to A, fewest first)")
    p.add_argument(
        "--abstracts", choices=("none", "details", "quote"), default="none",
        help="include abstracts as collapsed <details> blocks or blockquotes (default: none)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("info", parents=[common, json_flag], help="where the library is and what it holds")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("compact", parents=[common], help="fold the change journal into the library files")
    p.set_defaults(func=cmd_compact)

    import importlib

    from reader.commands import COMMAND_MODULES

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub, common=common, json_flag=json_flag)
    return parser


_QUERY_COMMANDS = ("list", "export", "enrich", "check-links", "resolve")
_NEGATED_TERM = re.compile(r'^-(?:[A-Za-z]+:|")')
_MINUS = "\ue000"  # stands in for a query term's leading '-' while argparse runs


def _protect_negated_terms(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Let queries start with '-' and mix with options: `reader list -tag:old --limit 3 pointer`.

    Terms such as ``-tag:x``, ``-has:code``, ``-"a phrase"`` (and, for `list`,
    which has no short options, any ``-word``) get a stand-in for their '-' so
    that argparse takes them as query words (:func:`main` puts it back), and
    the query words are moved after the options, because argparse cannot
    collect a ``nargs="*"`` positional that options interrupt.
    """
    command_at = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if command_at is None or argv[command_at] not in _QUERY_COMMANDS or "--" in argv:
        return argv
    command = argv[command_at]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    takes_value = {
        option: action.nargs != 0
        for action in subparsers.choices[command]._actions
        for option in action.option_strings
    }
    options: list[str] = []
    words: list[str] = []
    rest = argv[command_at + 1 :]
    index = 0
    while index < len(rest):
        arg = rest[index]
        name = arg.split("=", 1)[0]
        if name in takes_value:
            options.append(arg)
            if takes_value[name] and "=" not in arg and index + 1 < len(rest):
                index += 1
                options.append(rest[index])
        elif _NEGATED_TERM.match(arg) or (command == "list" and len(arg) > 1 and arg[0] == "-"):
            words.append(_MINUS + arg[1:])
        else:
            words.append(arg)
        index += 1
    return argv[: command_at + 1] + options + words


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_protect_negated_terms(parser, argv))
    if isinstance(getattr(args, "query", None), list):
        args.query = [word.replace(_MINUS, "-") for word in args.query]
    try:
        if args.command is None:
            return run_tui(args)
        try:
            return args.func(args)
        finally:
            _print_warnings()
    except ImportProblem as exc:
        print(f"reader: cannot import: {_display(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except ReaderError as exc:
        print(f"reader: error: {_display(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("reader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `reader list | head`: the reader of our output went away; that is fine.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
