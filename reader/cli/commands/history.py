"""`reader history`, `reader undo`, `reader delete`, `reader backup`: never losing a reading list."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from reader.cli.context import EXIT_OK, open_library, unloaded_library
from reader.cli.options import positive_int
from reader.cli.output import print_json
from reader.cli.select import find_papers
from reader.wording import change_label, papers


def _library(args, *, load: bool = True):
    return open_library(args) if load else unloaded_library(args)


def _when(created: float) -> str:
    return datetime.fromtimestamp(created, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _title(library, entry) -> str | None:
    """The title of the one paper a change touched (None for several, or one no longer there)."""
    ids: tuple[str, ...] = tuple(entry.ids)
    paper = library.get(ids[0]) if len(ids) == 1 else None
    return paper.title if paper is not None else None


def cmd_history(args: argparse.Namespace) -> int:
    library = _library(args)
    entries = library.history(limit=args.limit)
    if args.json:
        print_json([e.to_dict() for e in entries])
        return EXIT_OK
    from reader.textsafe import printable

    for entry in entries:
        state = " (undone)" if entry.undone else ""
        label = change_label(entry.label, _title(library, entry))
        print(f"{entry.seq:>6}  {entry.at}  {printable(label)} [{papers(entry.papers)}]{state}")
    if not entries:
        print("No changes yet.", file=sys.stderr)
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    return _step(args, "undo")


def cmd_redo(args: argparse.Namespace) -> int:
    return _step(args, "redo")


def _step(args: argparse.Namespace, kind: str) -> int:
    from reader.textsafe import printable

    library = _library(args)
    changes = library.undo_many(args.times) if kind == "undo" else library.redo_many(args.times)
    for change in changes:
        paper = library.get(change.ids[0]) if len(change.ids) == 1 else None
        label = change_label(change.label, paper.title if paper is not None else None)
        print(f"{printable(label)} ({papers(len(change.ids))})")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from reader.errors import ReaderError
    from reader.textsafe import printable

    library = _library(args)
    chosen = find_papers(library, args.ids)
    if len(chosen) > 1 and not args.yes:
        if not sys.stdin.isatty():
            raise ReaderError(f"deleting {papers(len(chosen))} needs --yes (or run it in a terminal to confirm)")
        answer = input(f"Delete {papers(len(chosen))}? This can be undone with `reader undo`. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return EXIT_OK
    change = library.delete([p.id for p in chosen])
    for paper in chosen:
        print(f"deleted {paper.short_id} {printable(paper.title)}")
    print(f"({papers(len(change.ids))}; `reader undo` brings {'it' if len(change.ids) == 1 else 'them'} back)")
    return EXIT_OK


def cmd_backup_list(args: argparse.Namespace) -> int:
    library = _library(args, load=False)
    backups = library.list_backups()
    if args.json:
        print_json(
            [
                {"number": n, "path": str(b.path), "created": _when(b.created), "summary": b.summary(library.path.name)}
                for n, b in enumerate(backups, start=1)
            ]
        )
        return EXIT_OK
    if not backups:
        print(f"No backups yet in {library.backups_dir}", file=sys.stderr)
    for number, backup in enumerate(backups, start=1):
        print(f"{number:>3}  {_when(backup.created)}  {backup.summary(library.path.name)}")
    return EXIT_OK


def cmd_backup_now(args: argparse.Namespace) -> int:
    library = _library(args, load=False)
    backup = library.backup()
    print(f"Backed up to {backup.path}")
    return EXIT_OK


def cmd_backup_restore(args: argparse.Namespace) -> int:
    library = _library(args, load=False)
    chosen = library.restore_backup(args.number)
    print(f"Restored the backup of {_when(chosen.created)}: {papers(len(library))}.")
    print("The library as it was before is backup 1 now (`reader backup restore 1` takes this back).")
    return EXIT_OK


def register(sub, common, json_flag) -> None:
    p = sub.add_parser("history", parents=[common, json_flag], help="list recent changes (newest first)")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N", help="the N newest changes (default 20)")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("undo", parents=[common], help="revert the last change (repeatable)")
    p.add_argument("times", nargs="?", type=positive_int, default=1, metavar="N", help="how many changes to undo (default 1)")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("redo", parents=[common], help="take back the last undo (repeatable)")
    p.add_argument("times", nargs="?", type=positive_int, default=1, metavar="N", help="how many undos to take back (default 1)")
    p.set_defaults(func=cmd_redo)

    p = sub.add_parser("delete", parents=[common], help="delete papers (undoable)")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask before deleting several papers")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("backup", parents=[common], help="list, take or restore backups of the library")
    backup_sub = p.add_subparsers(dest="backup_command", metavar="ACTION", required=True)
    q = backup_sub.add_parser("list", parents=[common, json_flag], help="backups, newest first (1 = newest)")
    q.set_defaults(func=cmd_backup_list)
    q = backup_sub.add_parser("now", parents=[common], help="take a backup now")
    q.set_defaults(func=cmd_backup_now)
    q = backup_sub.add_parser("restore", parents=[common], help="put backup N in place of the library")
    q.add_argument("number", type=int, metavar="N")
    q.set_defaults(func=cmd_backup_restore)
