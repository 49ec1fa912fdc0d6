"""Papers in and out: `reader import`, `reader export`, `reader copy`.

``reader import`` hands every path to :func:`load_import_file`, which decides
what the file is (a JSON backup, a Markdown reading list, or a page dump) and
parses it completely, so a bad file stops the import before the library changes.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from reader.cli.context import EXIT_OK, open_library
from reader.cli.output import display as _display
from reader.cli.output import note, print_json

LIST_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
BACKUP_SUFFIXES = (".json",)


# -- reader import: which importer reads this file -------------------------------------


def load_import_file(path: str | os.PathLike):
    """``(kind, parsed)`` for one input, kind being "pages", "list" or "backup".

    By extension first (``.md`` lists, ``.json`` backups); other files and
    stdin are recognised by their content. Raises ImportProblem (one line) for
    anything that cannot be imported.
    """
    from reader.errors import ImportProblem
    from reader.importers import MAX_INPUT_BYTES, decode_text, read_input_bytes, source_name
    from reader.importers.backup import MAX_BACKUP_BYTES, looks_like_backup, parse_backup, parse_backup_file
    from reader.importers.hf_pages import parse_page_file, parse_page_text
    from reader.importers.markdown_list import (
        MAX_LIST_BYTES,
        looks_like_reading_list,
        parse_reading_list,
        parse_reading_list_file,
    )

    suffix = Path(str(path)).suffix.lower()
    if str(path) != "-":
        if suffix in BACKUP_SUFFIXES:
            return "backup", parse_backup_file(path)
        if suffix in LIST_SUFFIXES:
            return "list", parse_reading_list_file(path)
    where = "stdin" if str(path) == "-" else str(path)
    if str(path) != "-":
        data = read_input_bytes(path)  # page dump size limit: a file we cannot place by name
    else:
        data = read_input_bytes(path, limit=max(MAX_BACKUP_BYTES, MAX_LIST_BYTES))
    if looks_like_backup(data):
        return "backup", parse_backup(data, where, source_name(path))
    text = decode_text(data, where)
    if looks_like_reading_list(text):
        return "list", parse_reading_list(text, source_name(path), where=where)
    if str(path) != "-":
        return "pages", parse_page_file(path)
    if len(data) > MAX_INPUT_BYTES:
        raise ImportProblem(f"stdin: input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; not a page dump")
    parsed = parse_page_text(text, source_name(path))
    if not parsed.candidates:
        raise ImportProblem("stdin: no papers found (expected a Hugging Face Daily Papers page saved as text)")
    return "pages", parsed


def _short(library, pid: str) -> str:
    paper = library.get(pid)
    if paper is None:
        return pid
    title = paper.title if len(paper.title) <= 60 else paper.title[:57] + "..."
    return f"{paper.short_id} {_display(title)}"


def print_list_report(library, report) -> None:
    print(
        f"Imported list {_display(report.source)}: {report.items} items, {report.papers} papers in the library: "
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
        f"Restored backup {_display(report.source)}: {report.papers} papers: {len(report.added)} added, "
        f"{len(report.merged)} merged into papers already in the library, {report.unchanged} unchanged."
    )


def apply_imports(library, loaded: list[tuple[str, Any]]) -> dict:
    """Restore the backups, then apply the lists (in the order given); returns their reports."""
    from reader.importers.backup import restore_backup
    from reader.importers.markdown_list import apply_reading_list

    reports: dict[str, list] = {"backups": [], "lists": []}
    for kind, parsed in loaded:
        if kind == "backup":
            reports["backups"].append(restore_backup(library, parsed))
    for kind, parsed in loaded:
        if kind == "list":
            reports["lists"].append(apply_reading_list(library, parsed))
    return reports


# -- reader import ----------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
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
        if len(parsed) == len(loaded) and report is not None:
            print_json(report.to_dict())
        else:
            print_json(
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


# -- reader export ----------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from reader.exporters import check_output_path, write_output
    from reader.search import search
    from reader.sorting import check_sort

    order = check_sort(args.order)
    library = open_library(args)
    to_stdout = not args.output or args.output == "-"
    if not to_stdout:
        check_output_path(args.output, replace=args.force)  # before any work
    query = " ".join(args.query)
    hits = search(library, query)
    if hits.note:
        note(hits.note)
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


# -- reader copy ------------------------------------------------------------------------------


def cmd_copy(args: argparse.Namespace) -> int:
    from reader.copying import COPY_FORMAT_LABELS, bibtex_keys, copy_to_clipboard, render_copy

    library = open_library(args)
    papers = []
    for ref in args.ids:
        paper = library.resolve(ref)
        if paper not in papers:
            papers.append(paper)
    keys = bibtex_keys(library.papers()) if args.format == "bibtex" else None  # unique in the library
    result = render_copy(papers, args.format, abstracts=library.abstract, keys=keys)
    for paper, reason in result.skipped:
        print(f"reader: skipped {paper.short_id} ({reason})", file=sys.stderr)
    method = None if args.print_only else copy_to_clipboard(result.text)
    what = f"{COPY_FORMAT_LABELS[args.format]} of {result.count} paper{'s' if result.count != 1 else ''}"
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


__all__ = [
    "apply_imports",
    "cmd_copy",
    "cmd_export",
    "cmd_import",
    "load_import_file",
    "print_list_report",
    "print_restore_report",
    "register",
]
