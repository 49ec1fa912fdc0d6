"""Importing files: page dumps, Markdown reading lists and JSON backups, all checked before any write.

:func:`load_import_file` decides what a file is (by its name, else by its
content) and parses it (a backup: opens it and checks its head; its papers are
read while they are stored); :func:`load_files` reads every file first, so one
bad file stops the import before the library is opened; :func:`import_files`
then stores the page dumps, restores the backups and applies the lists as one
change (or none: a problem found in a backup's papers drops the whole change).
:func:`import_samples` loads the sample pages that ship with reader.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.tasks.base import Commit, direct
from reader.wording import plural

LIST_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
BACKUP_SUFFIXES = (".json",)
STDIN_SNIFF_BYTES = 64 * 1024  # enough of stdin to tell a backup (it starts with "{", after blanks)


@dataclass(slots=True)
class PagesImport:
    """What storing a batch of entries (page dumps, fetched days) did, counted so the numbers add up.

    ``entries`` = ``new`` + ``repeated`` (the same paper again within the batch)
    + ``present`` (already in the library) + ``skipped``.
    """

    report: Any  # reader.store.ImportReport
    parser_skipped: int = 0  # entries the parsers could not read (in report.skipped too)

    @property
    def entries(self) -> int:
        return self.report.entries + self.parser_skipped

    @property
    def new(self) -> int:
        return len(self.report.added)

    @property
    def present(self) -> int:
        return len(self.report.merged)

    @property
    def skipped(self) -> int:
        return len(self.report.skipped)

    @property
    def repeated(self) -> int:
        stored_skips = self.skipped - self.parser_skipped  # entries without a title
        return max(self.report.entries - self.new - self.present - stored_skips, 0)

    def counts(self, within: str = "within the files") -> str:
        """``105 entries: 101 new papers, 4 repeated within the files, 0 already present (0 of them updated), 0 skipped``."""
        updated = len(self.report.updated)
        return (
            f"{plural(self.entries, 'entry')}: {plural(self.new, 'new paper')}, {self.repeated:,} repeated {within}, "
            f"{self.present:,} already present ({updated:,} of them updated), {self.skipped:,} skipped"
        )

    def to_dict(self) -> dict:
        return {**self.report.to_dict(), "repeated": self.repeated}


def store_candidates(library, parsed: Sequence, *, label: str = "import", commit: Commit = direct) -> PagesImport:
    """Store the candidates of parsed sources (``ParsedSource``) as one change."""
    candidates = [cand for item in parsed for cand in item.candidates]
    skipped = [skip for item in parsed for skip in item.skipped]
    report = commit(
        lambda: library.import_candidates(
            candidates, skipped=skipped, sources=[item.source for item in parsed], label=label
        )
    )
    return PagesImport(report, parser_skipped=len(skipped))


def load_import_file(path: str | os.PathLike):
    """``(kind, parsed)`` for one input, kind being "pages", "list" or "backup".

    By extension first (``.md`` lists, ``.json`` backups); other files and
    stdin ("-") are recognised by their content. Raises ImportProblem (one
    line) for anything that cannot be imported.
    """
    from reader.errors import ImportProblem
    from reader.importers import MAX_INPUT_BYTES, decode_text, read_input_bytes, read_stdin_start, source_name
    from reader.importers.backup import (
        MAX_BACKUP_BYTES,
        looks_like_backup,
        open_backup,
        open_backup_file,
        open_backup_stdin,
    )
    from reader.importers.hf_pages import parse_page_file, parse_page_text
    from reader.importers.markdown_list import (
        MAX_LIST_BYTES,
        looks_like_reading_list,
        parse_reading_list,
        parse_reading_list_file,
    )

    stdin = str(path) == "-"
    suffix = Path(str(path)).suffix.lower()
    if not stdin:
        if suffix in BACKUP_SUFFIXES:
            return "backup", open_backup_file(path)
        if suffix in LIST_SUFFIXES:
            return "list", parse_reading_list_file(path)
    where = "stdin" if stdin else str(path)
    if not stdin:
        data = read_input_bytes(path)  # page dump size limit: a file we cannot place by name
    else:
        start = read_stdin_start(STDIN_SNIFF_BYTES)
        if looks_like_backup(start):  # copied to a temporary file and read from there, never whole
            return "backup", open_backup_stdin(start, source_name(path))
        data = read_input_bytes(path, limit=max(MAX_BACKUP_BYTES, MAX_LIST_BYTES), start=start)
    if looks_like_backup(data):
        return "backup", open_backup(data, where, source_name(path))
    text = decode_text(data, where)
    if looks_like_reading_list(text):
        return "list", parse_reading_list(text, source_name(path), where=where)
    if not stdin:
        return "pages", parse_page_file(path)
    if len(data) > MAX_INPUT_BYTES:
        raise ImportProblem(f"stdin: input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; not a page dump")
    parsed = parse_page_text(text, source_name(path))
    if not parsed.candidates:
        raise ImportProblem("stdin: no papers found (expected a Hugging Face Daily Papers page saved as text)")
    return "pages", parsed


@dataclass(slots=True)
class ImportOutcome:
    """What :func:`import_files` did: the page dumps' import, each restored backup, each applied list."""

    files: int
    pages_files: int = 0
    pages: PagesImport | None = None
    backups: list = field(default_factory=list)  # reader.importers.backup.RestoreReport
    lists: list = field(default_factory=list)  # reader.importers.markdown_list.ListReport

    @property
    def only_pages(self) -> bool:
        return self.pages_files == self.files

    def summary(self) -> str:
        """The first line: the files by kind, and what the page dumps gave (backups and lists report below).

        ``Imported 5 files, 477 entries: ...`` for page dumps alone; with other kinds,
        ``Imported 2 files (1 page dump, 1 backup). Page dump: 55 entries: ...``.
        """
        if self.only_pages:
            return f"Imported {plural(self.files, 'file')}, {self.pages.counts()}." if self.pages else ""
        kinds = [(self.pages_files, "page dump"), (len(self.backups), "backup"), (len(self.lists), "reading list")]
        text = f"Imported {plural(self.files, 'file')} ({', '.join(plural(n, kind) for n, kind in kinds if n)})."
        if self.pages is not None:
            label = "Page dump" if self.pages_files == 1 else "Page dumps"
            text += f" {label}: {self.pages.counts()}."
        return text

    def to_dict(self) -> dict:
        if self.only_pages and self.pages is not None:
            return self.pages.to_dict()
        return {
            "pages": self.pages.to_dict() if self.pages else None,
            "backups": [r.to_dict() for r in self.backups],
            "lists": [r.to_dict() for r in self.lists],
        }


def load_files(paths: Iterable[str | os.PathLike]) -> list[tuple[str, Any]]:
    """Every path read and checked (:func:`load_import_file`), before anything is written.

    A backup is only opened here (its head checked): its papers are read while
    :func:`import_files` stores them, so a big one is never in memory whole.
    """
    loaded: list[tuple[str, Any]] = []
    try:
        for path in paths:
            loaded.append(load_import_file(path))
    except BaseException:
        close_files(loaded)
        raise
    return loaded


def close_files(loaded: list[tuple[str, Any]]) -> None:
    """Close the backups :func:`load_files` opened (:func:`import_files` does when it is done)."""
    for kind, item in loaded:
        if kind == "backup":
            item.close()


def import_files(library, loaded: list[tuple[str, Any]], *, commit: Commit = direct) -> ImportOutcome:
    """Store what :func:`load_files` read, all of it one change (one undo step) or nothing:
    the page dumps, then the backups (read as they are stored: a problem found in one,
    even at its very end, drops the whole change), then the lists. Closes the backups."""
    from reader.importers.backup import restore_backup
    from reader.importers.markdown_list import apply_reading_list

    parsed = [item for kind, item in loaded if kind == "pages"]
    outcome = ImportOutcome(files=len(loaded), pages_files=len(parsed))

    def store_all() -> ImportOutcome:
        # Every file in one batch: one change (one undo step), or nothing saved at all.
        with library.batch(_batch_label(loaded)):
            if parsed:
                outcome.pages = store_candidates(library, parsed)
            for kind, item in loaded:
                if kind == "backup":
                    outcome.backups.append(restore_backup(library, item))
            for kind, item in loaded:
                if kind == "list":
                    outcome.lists.append(apply_reading_list(library, item))
        return outcome

    try:
        return commit(store_all)
    finally:
        close_files(loaded)


def _batch_label(loaded: list[tuple[str, Any]]) -> str:
    names = [str(getattr(item, "source", "") or kind) for kind, item in loaded]
    return "import: " + (", ".join(names) if len(names) <= 2 else f"{names[0]} and {len(names) - 1} more")


def import_samples(library, *, label: str = "sample import", commit: Commit = direct) -> PagesImport:
    """Import the sample pages that ship with reader; :class:`ReaderError` if they are missing."""
    from reader.errors import ReaderError
    from reader.importers.hf_pages import parse_page_file
    from reader.paths import sample_files

    files = sample_files()
    if not files:
        raise ReaderError("the sample papers are missing from this installation")
    return store_candidates(library, [parse_page_file(path) for path in files], label=label, commit=commit)


__all__ = [
    "ImportOutcome",
    "close_files",
    "PagesImport",
    "import_files",
    "import_samples",
    "load_files",
    "load_import_file",
    "store_candidates",
]
