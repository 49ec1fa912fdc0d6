"""`reader note` (a paper's Markdown note) and `reader stats` (reading statistics)."""

from __future__ import annotations

import argparse
import sys

from reader.cli.context import EXIT_OK, open_library
from reader.cli.output import display_block as _printable_block
from reader.cli.output import print_json
from reader.cli.select import find_paper


def cmd_note(args: argparse.Namespace) -> int:
    from reader.errors import ReaderError
    from reader.notes import edit_in_editor, save_note

    options = (("TEXT", args.text is not None), ("--edit", args.edit), ("--clear", args.clear))
    given = [name for name, on in options if on]
    if len(given) > 1:
        raise ReaderError(f"give only one of {', '.join(given)}")
    library = open_library(args)
    paper = find_paper(library, args.id)
    if not given:  # print it
        if not paper.notes:
            print(f"{paper.short_id} has no note (`reader note {paper.short_id} TEXT` adds one).", file=sys.stderr)
            return EXIT_OK
        if sys.stdout.isatty():
            text = _printable_block(paper.notes)  # a note must not drive the terminal
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            sys.stdout.write(paper.notes)  # exactly as stored: `reader note ID > file` keeps every byte
        return EXIT_OK
    base = paper.notes
    if args.clear:
        text = ""
    elif args.edit:
        text = edit_in_editor(base)
    elif args.text == "-":
        data = sys.stdin.buffer.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ReaderError("the note on standard input is not UTF-8 text; nothing changed") from None
    else:
        text = args.text
    saved = save_note(library, paper.id, text, base=base)
    if saved.conflict:
        print(
            f"The note of {paper.short_id} was changed elsewhere while you edited it: both texts are kept "
            f"(theirs first). `reader undo` reverts.",
            file=sys.stderr,
        )
    elif not saved.changed:
        print(f"Note of {paper.short_id} not changed.", file=sys.stderr)
    elif not saved.text:
        print(f"Cleared the note of {paper.short_id}. `reader undo` brings it back.", file=sys.stderr)
    else:
        print(f"Saved the note of {paper.short_id} ({len(saved.text):,} characters).", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from reader.errors import ReaderError
    from reader.stats import reading_stats, summary_lines, week_lines

    if args.weeks < 1 or args.weeks > 520:
        raise ReaderError("--weeks must be between 1 and 520")
    library = open_library(args)
    stats = reading_stats(library.papers(), library.clock(), weeks=args.weeks)
    if args.json:
        print_json(stats.to_dict())
        return EXIT_OK
    print(f"Papers added and read per week (weeks starting Monday, last {args.weeks}):")
    for line in week_lines(stats):
        print("  " + line)
    for line in summary_lines(stats):
        print(_printable_block(line))
    return EXIT_OK


def register(sub, *, common, json_flag) -> None:
    p = sub.add_parser(
        "note",
        parents=[common],
        help="show, set, edit or clear a paper's note (Markdown)",
        description="Without TEXT: print the paper's note. TEXT sets it ('-' reads it from standard input), "
        "--edit opens it in $VISUAL or $EDITOR, --clear removes it. Every change can be undone "
        "(`reader undo`). If the note changed elsewhere while you edited it, both texts are kept.",
    )
    p.add_argument("id", metavar="ID", help="paper id (a unique prefix is enough)")
    p.add_argument("text", nargs="?", metavar="TEXT", help="the new note; '-' reads standard input")
    p.add_argument("--edit", action="store_true", help="edit the note in $VISUAL / $EDITOR")
    p.add_argument("--clear", action="store_true", help="remove the note")
    p.set_defaults(func=cmd_note)

    p = sub.add_parser(
        "stats",
        parents=[common, json_flag],
        help="reading statistics: added and read per week, read ratio, top tags, imports per source",
    )
    p.add_argument("--weeks", type=int, default=12, metavar="N", help="how many weeks to show (default: 12)")
    p.set_defaults(func=cmd_stats)


__all__ = ["cmd_note", "cmd_stats", "register"]
