"""`reader tag`, `reader untag`, `reader read`, `reader unread`, `reader compact`: small changes, each undoable."""

from __future__ import annotations

import argparse

from reader.cli.context import EXIT_OK, open_library
from reader.cli.output import paper_row


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


def cmd_compact(args: argparse.Namespace) -> int:
    from reader.wording import papers

    library = open_library(args)
    library.compact()
    print(f"Compacted {library.path} ({papers(len(library))})")
    return EXIT_OK


def register(sub, *, common, json_flag) -> None:
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

    p = sub.add_parser("compact", parents=[common], help="fold the change journal into the library files")
    p.set_defaults(func=cmd_compact)
