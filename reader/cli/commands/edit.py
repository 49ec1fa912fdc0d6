"""`reader tag`, `reader untag`, `reader read`, `reader unread`, `reader compact`: small changes, each undoable.

`tag` and `untag` take several papers and several tags without ambiguity:
``reader tag ID... -t TAG...`` or ``reader tag ID... -- TAG...``; the short form
``reader tag ID TAG...`` (one paper) still works.
"""

from __future__ import annotations

import argparse

from reader.cli.context import EXIT_OK, UsageError, open_library
from reader.cli.output import paper_row, print_wrapped, terminal_width


def _print_change(change, library, verb: str) -> None:
    if not change.ids:
        print(f"Nothing to change: already {verb}.")
        return
    width = terminal_width()
    for pid in change.ids:
        paper = library.get(pid)
        if paper is not None:
            print_wrapped(paper_row(paper), width, indent=" " * 15)


def _names_a_paper(library, word: str) -> bool:
    from reader.cli.select import looks_like_id
    from reader.errors import ReaderError

    if not looks_like_id(word):
        return False
    try:
        library.resolve(word)
    except ReaderError:
        return False
    return True


def ids_and_tags(library, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(paper ids, tags) of `tag`/`untag`: ``ID... -t TAG...``, ``ID... -- TAG...`` or ``ID TAG...``."""
    from reader.cli.select import find_papers

    words = list(args.words)
    if args.tag_list:
        refs, tags = words, list(args.tag_list)
    else:
        if len(words) < 2:
            raise UsageError(f"{args.command} needs tags: reader {args.command} ID... -t TAG...")
        refs, tags = words[:1], words[1:]
        named = next((word for word in tags if _names_a_paper(library, word)), None)
        if named is not None:
            raise UsageError(
                f"{named!r} is a paper id: to {args.command} several papers, give the tags after -t "
                f"(reader {args.command} {' '.join(words[:2])} -t TAG)"
            )
    if not refs:
        raise UsageError(f"{args.command} needs at least one paper id before the tags")
    return [paper.id for paper in find_papers(library, refs)], tags


def cmd_tag(args: argparse.Namespace) -> int:
    library = open_library(args)
    ids, tags = ids_and_tags(library, args)
    if args.command == "tag":
        _print_change(library.tag(ids, tags), library, "tagged")
    else:
        _print_change(library.untag(ids, tags), library, "without those tags")
    return EXIT_OK


def cmd_read(args: argparse.Namespace) -> int:
    from reader.cli.select import find_papers

    library = open_library(args)
    ids = [paper.id for paper in find_papers(library, args.ids)]
    change = library.set_read(ids, read=args.command == "read")
    _print_change(change, library, args.command)
    return EXIT_OK


def cmd_compact(args: argparse.Namespace) -> int:
    from reader.wording import papers

    library = open_library(args)
    library.compact()
    print(f"Compacted {library.path} ({papers(len(library))})")
    return EXIT_OK


def register(sub, *, common, json_flag) -> None:
    for name, text in (("tag", "add tags to papers"), ("untag", "remove tags from papers")):
        p = sub.add_parser(
            name,
            parents=[common],
            help=text,
            usage=f"reader {name} ID [ID ...] -t TAG [TAG ...]   (or: ID... -- TAG...; or: ID TAG...)",
            description=f"{text.capitalize()}: `reader {name} ID... -t TAG...` or `reader {name} ID... -- TAG...`; "
            f"for one paper, `reader {name} ID TAG...` also works. Ids: a unique prefix of at least 4 characters "
            "or an arXiv id. One change, undone by `reader undo`.",
        )
        p.add_argument("words", nargs="+", metavar="ID", help="paper ids (then the tags, for one paper)")
        p.add_argument("-t", "--tag", dest="tag_list", nargs="+", action="extend", metavar="TAG", help="the tags")
        p.set_defaults(func=cmd_tag)

    for name, text in (("read", "mark papers read"), ("unread", "mark papers unread")):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("ids", nargs="+", metavar="ID")
        p.set_defaults(func=cmd_read)

    p = sub.add_parser("compact", parents=[common], help="fold the change journal into the library files")
    p.set_defaults(func=cmd_compact)
