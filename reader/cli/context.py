"""What every command shares: exit codes, opening the library, the HTTP client, finding papers by id.

Imports only the standard library at module level: `reader --version` and the
parser must not pay for the store, the search engine or the network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reader.errors import ReaderError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(ReaderError):
    """The command line asks for something that makes no sense (exit status 2, like argparse's errors)."""


# Libraries this command opened, so that their warnings are printed at exit, with the change
# number each had when opened (whether the command saved a change, when its output then fails).
_OPENED: list = []
_SEQ_AT_OPEN: dict[int, int] = {}


def library_path(args: argparse.Namespace) -> Path:
    from reader.paths import default_library_path

    db = getattr(args, "db", None)
    return Path(db).expanduser() if db else default_library_path()


def keep_search_index_current() -> None:
    """Have every change the command makes reach the search index (once, and only for commands that
    open the library: `reader --version` and an index-only `reader list` never load the store)."""
    from reader.search.hook import install

    install()


def open_library(args: argparse.Namespace):
    """The library the command works on, loaded; a library that does not load names the backup to restore."""
    from reader.errors import LibraryBusy, LibraryError
    from reader.store import Library

    keep_search_index_current()

    path = library_path(args)
    try:
        library = Library.open(path)
    except LibraryBusy:
        raise
    except LibraryError as exc:
        raise LibraryError(f"{exc}. {backup_hint(Library(path))}") from None
    _OPENED.append(library)
    _SEQ_AT_OPEN[id(library)] = library.seq
    return library


def saved_a_change() -> bool:
    """Whether a library this command opened has changed since (the command's change was saved)."""
    return any(library.seq != _SEQ_AT_OPEN.get(id(library), library.seq) for library in _OPENED)


def unloaded_library(args: argparse.Namespace):
    """The library object without loading it (backups work on a library that does not load)."""
    from reader.store import Library

    keep_search_index_current()

    return Library(library_path(args))


def backup_hint(library) -> str:
    """Which backup to restore when the library does not load (checks that it loads)."""
    from reader.errors import LibraryError
    from reader.store import Library
    from reader.wording import papers

    try:
        backups = library.list_backups()
    except LibraryError:
        backups = []
    for number, backup in enumerate(backups, start=1):
        try:
            good = Library.open(backup.path / library.path.name, read_only=True)
        except LibraryError:
            continue
        return (
            f"Newest good backup: number {number} ({papers(len(good))}, {backup.path.name[:15]}); "
            f"restore it with `reader backup restore {number}`"
        )
    return "No good backup found; `reader backup list` shows them all"


def take_warnings() -> list[str]:
    """The warnings of the libraries this command opened (each given once)."""
    warnings = []
    for library in _OPENED:
        warnings.extend(library.warnings)
        library.warnings.clear()
    return warnings


def make_client(**kwargs):
    """The HTTP client the online commands use (tests replace this function)."""
    from reader.online.http import make_client as build

    return build(**kwargs)
