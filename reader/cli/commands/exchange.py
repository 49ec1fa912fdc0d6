"""Papers in and out: `reader import` (:mod:`reader.tasks.importing`), `reader export`, `reader copy`."""

from __future__ import annotations

import argparse
import sys

from reader.cli import options
from reader.cli.context import EXIT_OK, UsageError, open_library
from reader.cli.output import display as _display
from reader.cli.output import print_json
from reader.cli.select import find_papers, select_papers
from reader.wording import papers, plural

def _short(library, pid: str) -> str:
    paper = library.get(pid)
    if paper is None:
        return pid
    title = paper.title if len(paper.title) <= 60 else paper.title[:57] + "..."
    return f"{paper.short_id} {_display(title)}"


def print_list_report(library, report) -> None:
    print(
        f"Imported list {_display(report.source)}: {plural(report.items, 'item')}, {papers(report.papers)} in the library: "
        f"{len(report.added)} added, {len(report.marked_read)} marked read, {len(report.marked_unread)} marked unread, "
        f"tags changed on {len(report.retagged)}, {report.unchanged} unchanged."
    )
    for pid in report.added:
        print(f"  added       {_short(library, pid)}")
    for pid in report.marked_read:
        print(f"  read        {_short(library, pid)}")
    for pid in report.marked_unread:
        print(f"  unread      {_short(library, pid)}")
    for pid, tags in report.retagged.items():
        change = " ".join([f"+{t}" for t in tags["added"]] + [f"-{t}" for t in tags["removed"]])
        print(f"  tags {_display(change)}  {_short(library, pid)}")
    for skip in report.not_added:
        print(f"  not added   {_display(str(skip))}")
    for skip in report.unrecognised:
        print(f"  line {skip.line}: not recognised ({skip.reason}): {_display(repr(skip.text[:80]))}")
    for text in report.notes:
        print(f"  note: {_display(text)}")


def print_restore_report(report) -> None:
    print(
        f"Restored backup {_display(report.source)}: {papers(report.papers)}: {len(report.added)} added, "
        f"{len(report.merged)} merged into papers already in the library, {report.unchanged} unchanged"
        + (f", {report.repeated} repeated within the backup (joined)." if report.repeated else ".")
    )


# -- reader import ----------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from reader.tasks.importing import import_files, load_files

    if sum(1 for path in args.paths if path == "-") > 1:
        raise UsageError("give - (standard input) only once: it can be read only once")
    loaded = load_files(args.paths)  # one bad file stops everything before the library is opened
    library = open_library(args)
    outcome = import_files(library, loaded)
    if args.json:
        print_json(outcome.to_dict())
        return EXIT_OK
    if outcome.pages is not None or not outcome.only_pages and outcome.files > 1:
        print(outcome.summary())
    if outcome.pages is not None:
        for skip in outcome.pages.report.skipped:
            print(f"  skipped {_display(str(skip))}")
    for restored in outcome.backups:
        print_restore_report(restored)
    for applied in outcome.lists:
        print_list_report(library, applied)
    print(f"Library: {library.path} ({papers(len(library))})")
    return EXIT_OK


# -- reader export ----------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from reader.sorting import check_sort
    from reader.tasks.exporting import check_export_target, export_chunks, write_export

    order = check_sort(args.order)
    library = open_library(args)
    to_stdout = not args.output or args.output == "-"
    if not to_stdout:
        check_export_target(library, args.output, replace=args.force)  # before any work
    query = " ".join(args.query)
    papers = select_papers(library, args.query)  # ids, or the papers the query matches
    chunks = export_chunks(
        library,
        papers,
        fmt=args.format,
        title=args.title or (f"Reading list: {query}" if query else "Reading list"),
        group_by=args.group_by,
        order=order,
        reverse=args.reverse,
        abstracts=args.abstracts,
    )
    if to_stdout:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return EXIT_OK
    out = write_export(library, args.output, chunks, replace=args.force)
    print(f"Wrote {plural(len(papers), 'paper')} to {out}", file=sys.stderr)
    return EXIT_OK


# -- reader copy ------------------------------------------------------------------------------


def cmd_copy(args: argparse.Namespace) -> int:
    from reader.copying import COPY_FORMAT_LABELS, bibtex_keys, copy_to_clipboard, render_copy

    library = open_library(args)
    papers = find_papers(library, args.ids)
    keys = bibtex_keys(library.papers()) if args.format == "bibtex" else None  # unique in the library
    result = render_copy(papers, args.format, abstracts=library.abstract, keys=keys)
    for paper, reason in result.skipped:
        print(f"reader: skipped {paper.short_id} ({reason})", file=sys.stderr)
    method = None if args.print_only else copy_to_clipboard(result.text)
    what = f"{COPY_FORMAT_LABELS[args.format]} of {plural(result.count, 'paper')}"
    if method:
        print(f"Copied the {what} to the clipboard ({method}).", file=sys.stderr)
        return EXIT_OK
    text = result.text
    if sys.stdout.isatty():
        from reader.textsafe import printable

        text = printable(text, one_line=False)  # paper text must not drive the terminal
    sys.stdout.write(text + "\n")
    if not args.print_only:
        print(
            f"reader: no clipboard available (install xclip, xsel or wl-clipboard); "
            f"the {what} is printed above: copy it by hand.",
            file=sys.stderr,
        )
    return EXIT_OK


# The copy formats of reader.copying.COPY_FORMATS, named here so that building the parser
# does not import the exporters (a test checks the two agree).
COPY_FORMATS = ("title", "code", "markdown", "abstract", "bibtex", "citation")


def register(sub, *, common, json_flag) -> None:
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
        "export",
        parents=[common],
        help="export papers as a Markdown reading list or a JSON backup",
        description="Write the papers matching QUERY (all papers without one) as a Markdown reading list "
        "(CommonMark + GitHub task lists; `reader import LIST.md` reads it back) or, with --format json, "
        "as a backup of everything about them (`reader import backup.json` restores it).",
    )
    options.selection(p)
    p.add_argument(
        "-o", "--output", metavar="FILE",
        help="write to FILE (default, or -o -: standard output); never over the library's own files",
    )
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
    options.reverse(p)
    p.add_argument(
        "--abstracts", choices=("none", "details", "quote"), default="none",
        help="include abstracts as collapsed <details> blocks or blockquotes (default: none)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "copy",
        parents=[common],
        help="copy papers' title, code link, Markdown link, abstract, BibTeX entry or plain citation",
        description="Copy to the clipboard (pyperclip). Without a clipboard the text is printed instead, "
        "to copy by hand. Formats: title, code (the code link), markdown ([Title](link)), abstract, "
        "bibtex (@misc entry with authors, year, eprint; keys unique in the library), citation "
        "(Authors (Year). Title. arXiv:ID. URL).",
    )
    p.add_argument("ids", nargs="+", metavar="ID", help="paper ids (a unique prefix is enough)")
    p.add_argument("-f", "--format", choices=COPY_FORMATS, default="title", help="what to copy (default: title)")
    p.add_argument(
        "-p", "--print", dest="print_only", action="store_true", help="print the text instead of copying it"
    )
    p.set_defaults(func=cmd_copy)


__all__ = ["cmd_copy", "cmd_export", "cmd_import", "print_list_report", "print_restore_report", "register"]
