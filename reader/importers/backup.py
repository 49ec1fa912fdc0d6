"""Restore a JSON backup (format: :mod:`reader.exporters.json_backup`).

:func:`open_backup_file` checks what can be checked before the library is
opened (a file that is not a reader backup, is from a newer reader, or would
take far more memory decoded than its size) and leaves the papers to be read
a batch at a time while they are stored: a backup of 100,000 papers is never
in memory whole. A truncated file or a malformed paper, wherever it sits,
raises :class:`ImportProblem` while the papers are read, and the change being
built is dropped: the library is not touched. :func:`parse_backup` reads a
whole backup held in memory.

:func:`restore_backup` puts the papers back as one library change:

* a paper the library does not have (by id, arXiv id or title) comes back
  exactly as it was saved: same id, dates, read state, tags, notes, abstract;
* a paper the library has already is merged, losing nothing from either side:
  tags, links and sources are united, it is read if either says so, notes
  that differ are both kept, the earlier "added" date wins, and empty fields
  are filled in.

Restoring the same backup twice changes nothing the second time.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from reader import safejson
from reader.errors import ImportProblem
from reader.exporters.json_backup import BACKUP_FORMAT, BACKUP_VERSION
from reader.importers import open_input, source_name
from reader.papers import Paper, normalise_title, value_problem

# A backup of 100,000 papers with abstracts is about 200 MB.
MAX_BACKUP_BYTES = 2 * 1024 * 1024 * 1024

_OPTIONAL_STRINGS = ("read_at", "arxiv_id", "published")
_STRING_LISTS = ("tags", "sources", "authors")


@dataclass(slots=True)
class Backup:
    source: str
    version: int
    exported_at: str
    papers: list[Paper] = field(default_factory=list)
    abstracts: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RestoreReport:
    source: str
    papers: int = 0
    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    unchanged: int = 0
    repeated: int = 0  # papers of the backup restored into a paper another of them restored into already

    @property
    def changed(self) -> bool:
        return bool(self.added or self.merged)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "papers": self.papers,
            "added": self.added,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "repeated": self.repeated,
        }


def looks_like_backup(data: bytes) -> bool:
    """Whether ``data`` starts like a JSON object (how `reader import` tells backups apart)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _check_paper(number: int, doc, where: str) -> tuple[Paper, str]:
    def bad(reason: str) -> ImportProblem:
        return ImportProblem(f"{where}: paper {number} {reason}; nothing was imported")

    if not isinstance(doc, dict):
        raise bad("is not an object")
    for key in ("id", "title"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise bad(f"has no {key!r} (a non-empty string)")
    for key in _OPTIONAL_STRINGS:
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise bad(f"({_shown_id(doc['id'])}): {key!r} must be a string or null")
    for key in _STRING_LISTS:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise bad(f"({_shown_id(doc['id'])}): {key!r} must be a list of strings")
    links = doc.get("links", [])
    if not isinstance(links, list) or not all(
        isinstance(link, dict) and isinstance(link.get("url"), str) and isinstance(link.get("kind"), str)
        for link in links
    ):
        raise bad(f"({_shown_id(doc['id'])}): 'links' must be a list of {{\"url\", \"kind\"}} objects")
    for key, kind, name in (
        ("read", bool, "true or false"),
        ("added", str, "a string"),
        ("notes", str, "a string"),
        ("abstract", str, "a string"),
        ("extra", dict, "an object"),
    ):
        if key in doc and not isinstance(doc[key], kind):
            raise bad(f"({_shown_id(doc['id'])}): {key!r} must be {name}")
    upvotes = doc.get("upvotes")
    if upvotes is not None and (not isinstance(upvotes, int) or isinstance(upvotes, bool)):
        raise bad(f"({_shown_id(doc['id'])}): 'upvotes' must be a whole number or null")
    try:
        paper = Paper.from_doc(doc)
    except ValueError as exc:
        raise bad(f"is malformed ({exc})") from None
    problem = value_problem(paper)
    if problem is not None:
        raise bad(f"({_shown_id(paper.id)}): {problem}")
    return paper, doc.get("abstract", "")


def _shown_id(pid: str) -> str:
    """An id for a one-line message: escaped (a line break shows as \\n) and cut short."""
    shown = repr(pid)[1:-1]
    return shown if len(shown) <= 40 else shown[:39] + "…"


class _NotStreamable(Exception):
    """The backup is laid out other than reader writes it; it is read whole instead."""


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_CHUNK = 1024 * 1024
# A batch of papers read from a backup ends after this many characters of it (however few papers).
BATCH_CHARS = 2 * 1024 * 1024


class _Reader:
    """A JSON text read from a binary file a piece at a time: a window of text and a position in it.

    Only what has not been consumed yet is kept, so a large backup never exists
    in memory as one string.
    """

    def __init__(self, handle: BinaryIO, chunk: int = _CHUNK) -> None:
        self.handle = handle
        self.chunk = chunk
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text = ""
        self.position = 0
        self.dropped = 0  # characters consumed and let go before the window
        self.eof = False

    def read_more(self, at_least: int = 0) -> None:
        data = self.handle.read(max(at_least, self.chunk))
        piece = self.decoder.decode(data, final=not data)
        self.eof = not data
        self.dropped += self.position
        self.text = self.text[self.position :] + piece
        self.position = 0

    def skip(self) -> None:
        while True:
            self.position = _WHITESPACE.match(self.text, self.position).end()  # type: ignore[union-attr]
            if self.position < len(self.text) or self.eof:
                return
            self.read_more()

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end)."""
        self.skip()
        return self.text[self.position : self.position + 1]

    def expect(self, character: str) -> None:
        if self.peek() != character:
            self.fail(f"Expecting {character!r}")
        self.position += 1

    def after_item(self, close: str, trailing_comma: str) -> None:
        """Past the ',' that follows an item of an object or list (stays before ``close``); a comma
        right before ``close`` fails with ``trailing_comma``, as :mod:`json` words it."""
        following = self.peek()
        if following == ",":
            self.position += 1
            if self.peek() == close:
                self.fail(trailing_comma)
        elif following != close:
            self.fail("Expecting ',' delimiter")

    def fail(self, message: str) -> None:
        raise ValueError(f"{message} (char {self.dropped + self.position})")

    def value(self, max_depth: int = safejson.MAX_DEPTH) -> object:
        """The next JSON value, reading on until it is whole."""
        self.skip()
        while True:
            try:
                value, end = safejson.raw_decode(self.text, self.position, max_depth=max_depth)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise ValueError(f"{exc.msg} (char {self.dropped + exc.pos})") from None
                self.read_more(len(self.text) - self.position)  # doubles the window: linear overall
                continue
            if end == len(self.text) and not self.eof:  # a number may go on in the next piece
                self.read_more(len(self.text) - self.position)
                continue
            self.position = end
            return value


def _problems(where: str) -> "contextlib.AbstractContextManager[None]":
    """Turn what reading a backup can raise into one-line :class:`ImportProblem` messages."""

    @contextlib.contextmanager
    def wrapped() -> Iterator[None]:
        try:
            yield
        except UnicodeDecodeError:
            raise ImportProblem(f"{where}: not UTF-8 text; not a reader backup") from None
        except safejson.JSONLimitError as exc:
            raise ImportProblem(f"{where}: {exc}; nothing was imported") from None
        except ValueError as exc:
            raise ImportProblem(f"{where}: not valid JSON ({exc}); truncated? Nothing was imported") from None
        except OSError as exc:
            raise ImportProblem(f"{where}: cannot read: {exc.strerror or exc}") from None

    return wrapped()


class BackupFile:
    """A backup being read: its head (format, version) checked when it is opened
    (:func:`open_backup_file`, :func:`open_backup`), its papers read on demand a batch at a time
    (:meth:`batches`), each paper checked as it comes. Only one batch of papers is held at once.

    A problem found while the papers are read (a malformed paper, an id seen before, JSON
    cut short at the very end) raises :class:`ImportProblem` from :meth:`batches`: whoever
    stores the batches stores them as one change, dropped when that happens
    (:func:`restore_backup` does, in a ``Library.batch``). Read once; :meth:`close` when done.
    """

    def __init__(
        self,
        where: str,
        source: str | None,
        version: int,
        exported_at: str,
        *,
        handle: BinaryIO,
        reader: _Reader | None = None,
        whole: Backup | None = None,
    ) -> None:
        self.where = where
        self.source = source or where
        self.version = version
        self.exported_at = exported_at
        self._handle = handle
        self._reader = reader  # positioned just inside the papers list
        self._whole = whole  # a backup laid out otherwise than reader writes it, read whole
        self._read = False

    def __enter__(self) -> "BackupFile":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._reader = None
        self._handle.close()

    def batches(self, size: int, max_chars: int = BATCH_CHARS) -> Iterator[list[tuple[Paper, str]]]:
        """The papers with their abstracts in the backup's order, ``size`` at a time, or fewer when
        they took more than ``max_chars`` characters of the file (long abstracts)."""
        if self._read:
            raise ValueError("a backup file is read only once")
        self._read = True
        if self._whole is not None:
            papers, abstracts = self._whole.papers, self._whole.abstracts
            for start in range(0, len(papers), size):
                yield [(paper, abstracts.get(paper.id, "")) for paper in papers[start : start + size]]
            return
        reader, where = self._reader, self.where
        assert reader is not None
        seen: set[str] = set()
        batch: list[tuple[Paper, str]] = []
        number = 0
        with _problems(where):
            started = reader.dropped + reader.position
            while reader.peek() != "]":
                number += 1
                doc = reader.value(max_depth=safejson.MAX_DEPTH - 2)
                paper, abstract = _checked_paper(seen, number, doc, where)
                batch.append((paper, abstract))
                reader.after_item("]", "Expecting value")
                if len(batch) >= size or reader.dropped + reader.position - started >= max_chars:
                    yield batch
                    batch = []
                    started = reader.dropped + reader.position
            reader.position += 1
            # The rest of the backup object (reader writes nothing after the papers): checked, not kept.
            reader.after_item("}", "Expecting property name enclosed in double quotes")
            while reader.peek() != "}":
                if reader.peek() != '"':
                    reader.fail("Expecting property name enclosed in double quotes")
                reader.value()
                reader.expect(":")
                reader.value()
                reader.after_item("}", "Expecting property name enclosed in double quotes")
            reader.position += 1
            if reader.peek() != "":
                reader.fail("Extra data")
        self._reader = None
        if batch:
            yield batch


def open_backup(data: bytes | str, where: str, source: str | None = None) -> BackupFile:
    """A backup held in memory (stdin, say), opened as :func:`open_backup_file` opens a file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        safejson.check_text(raw)
    except safejson.JSONLimitError as exc:
        raise ImportProblem(f"{where}: {exc}; nothing was imported") from None
    return _open(io.BytesIO(raw), where, source)


def open_backup_file(path: str | os.PathLike) -> BackupFile:
    """A backup file ('-' for stdin) opened for :meth:`BackupFile.batches`; :class:`ImportProblem`
    for a file that is not a reader backup, is from a newer reader, or whose decoded form would
    take far more memory than its text. A file is never read whole."""
    if str(path) == "-":
        return open_backup_stdin(b"", source_name(path))
    return _open_checked(open_input(path, limit=MAX_BACKUP_BYTES), str(path), source_name(path))


def open_backup_stdin(start: bytes, source: str | None = None) -> BackupFile:
    """A backup given on stdin, of which ``start`` was read already: the input is copied into an
    anonymous temporary file (``tempfile``'s directory) as it comes, then read from there as a
    file is, so that it is never in memory whole either."""
    spool = tempfile.TemporaryFile(prefix="reader-stdin-")
    try:
        size = 0
        piece = start or sys.stdin.buffer.read(_CHUNK)
        while piece:
            size += len(piece)
            if size > MAX_BACKUP_BYTES:
                raise ImportProblem(f"stdin: input is larger than {MAX_BACKUP_BYTES // (1024 * 1024)} MB; "
                                    "not a reader backup")
            try:
                spool.write(piece)
            except OSError as exc:
                raise ImportProblem(f"stdin: cannot keep the input in a temporary file: {exc.strerror or exc}") from None
            piece = sys.stdin.buffer.read(_CHUNK)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return _open_checked(spool, "stdin", source)


def _open_checked(handle: BinaryIO, where: str, source: str | None) -> BackupFile:
    """:func:`_open` after checking what decoding the whole text would cost (one pass, nothing kept);
    closes ``handle`` if it fails."""
    try:
        try:
            cost = size = 0
            while chunk := handle.read(_CHUNK):  # the cost of the whole text, before decoding any of it
                cost += safejson.estimated_cost(chunk)
                size += len(chunk)
            safejson.check_cost(cost, size)
            handle.seek(0)
        except safejson.JSONLimitError as exc:
            raise ImportProblem(f"{where}: {exc}; nothing was imported") from None
        except OSError as exc:
            raise ImportProblem(f"{where}: cannot read: {exc.strerror or exc}") from None
        return _open(handle, where, source)
    except BaseException:
        handle.close()
        raise


def parse_backup(data: bytes | str, where: str, source: str | None = None) -> Backup:
    """Check and decode a whole backup held in memory; :class:`ImportProblem` for anything wrong."""
    with open_backup(data, where, source) as opened:
        return _collect(opened)


def _read_backup(handle: BinaryIO, where: str, source: str | None, chunk: int = _CHUNK) -> Backup:
    """A whole backup read from ``handle`` (``chunk`` bytes at a time)."""
    with _open(handle, where, source, chunk) as opened:
        return _collect(opened)


def _collect(opened: BackupFile) -> Backup:
    backup = Backup(opened.source, opened.version, opened.exported_at)
    for batch in opened.batches(RESTORE_BATCH):
        for paper, abstract in batch:
            backup.papers.append(paper)
            backup.abstracts[paper.id] = abstract
    return backup


def _open(handle: BinaryIO, where: str, source: str | None, chunk: int = _CHUNK) -> BackupFile:
    """Read and check a backup's head, up to the start of its papers list.

    A backup as reader writes it (an object whose ``format`` and ``version``
    come before ``papers``) is then read paper by paper by :meth:`BackupFile.batches`,
    so it never exists in memory whole. Anything else valid is read whole here.
    """
    with _problems(where):
        try:
            reader, head = _head(_Reader(handle, chunk))
        except _NotStreamable:
            handle.seek(0)
            whole = _backup_of(safejson.loads(handle.read()), where, source)
            return BackupFile(where, source, whole.version, whole.exported_at, handle=handle, whole=whole)
    version = _check_head(head, where)
    if reader.peek() != "[":
        raise ImportProblem(f"{where}: backup has no \"papers\" list; nothing was imported")
    reader.position += 1
    return BackupFile(where, source, version, str(head.get("exported_at") or ""), handle=handle, reader=reader)


def _head(reader: _Reader) -> tuple[_Reader, dict]:
    """The keys before ``"papers"``, the reader left just after ``"papers":``; :class:`_NotStreamable`
    for a backup laid out otherwise (no object, no papers, or papers before format and version)."""
    if reader.peek() != "{":
        raise _NotStreamable()
    reader.position += 1
    head: dict[str, object] = {}
    while reader.peek() != "}":
        if reader.peek() != '"':
            reader.fail("Expecting property name enclosed in double quotes")
        key = reader.value()
        assert isinstance(key, str)
        reader.expect(":")
        if key == "papers":
            if "format" not in head or "version" not in head:
                raise _NotStreamable()
            return reader, head
        head[key] = reader.value()
        reader.after_item("}", "Expecting property name enclosed in double quotes")
    raise _NotStreamable()  # no papers at all: read whole, which says what is wrong


def _check_head(head: dict, where: str) -> int:
    """The backup's format version, after checking ``format`` and ``version``."""
    if head.get("format") != BACKUP_FORMAT:
        raise ImportProblem(f"{where}: not a reader backup (no \"format\": \"{BACKUP_FORMAT}\")")
    version = head.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportProblem(f"{where}: backup has no valid \"version\"; nothing was imported")
    if version > BACKUP_VERSION:
        raise ImportProblem(
            f"{where}: backup format version {version} is newer than this reader reads ({BACKUP_VERSION}); "
            "upgrade reader"
        )
    return version


def _checked_paper(seen: set[str], number: int, doc: object, where: str) -> tuple[Paper, str]:
    paper, abstract = _check_paper(number, doc, where)
    if paper.id in seen:
        raise ImportProblem(f"{where}: paper id {paper.id!r} appears twice; nothing was imported")
    seen.add(paper.id)
    return paper, abstract


def _backup_of(value: object, where: str, source: str | None) -> Backup:
    """A backup from its whole decoded JSON value."""
    if not isinstance(value, dict):
        raise ImportProblem(f"{where}: not a reader backup (no \"format\": \"{BACKUP_FORMAT}\")")
    version = _check_head(value, where)
    docs = value.get("papers")
    if not isinstance(docs, list):
        raise ImportProblem(f"{where}: backup has no \"papers\" list; nothing was imported")
    backup = Backup(source or where, version, str(value.get("exported_at") or ""))
    seen: set[str] = set()
    for number, doc in enumerate(docs, start=1):
        paper, abstract = _checked_paper(seen, number, doc, where)
        backup.papers.append(paper)
        backup.abstracts[paper.id] = abstract
    return backup


# -- merging ------------------------------------------------------------------------------


def _union(first: tuple, second: tuple) -> tuple:
    return tuple(first) + tuple(item for item in second if item not in first)


def merge_papers(mine: Paper, saved: Paper) -> Paper:
    """``mine`` (in the library) after restoring ``saved`` (from a backup): nothing lost.

    Keeps ``mine``'s id and title. Idempotent: merging ``saved`` again changes nothing.
    """
    known_urls = {link.url.rstrip("/").lower() for link in mine.links}
    links = mine.links + tuple(link for link in saved.links if link.url.rstrip("/").lower() not in known_urls)
    if mine.read:
        read, read_at = True, mine.read_at
    else:
        read, read_at = saved.read, saved.read_at if saved.read else None
    added = min((d for d in (mine.added, saved.added) if d), default="")
    notes = mine.notes
    if saved.notes and saved.notes not in notes:
        notes = f"{notes}\n\n{saved.notes}" if notes else saved.notes
    return replace(
        mine,
        links=links,
        tags=_union(mine.tags, saved.tags),
        read=read,
        read_at=read_at,
        added=added,
        sources=_union(mine.sources, saved.sources),
        notes=notes,
        arxiv_id=mine.arxiv_id or saved.arxiv_id,
        authors=mine.authors or saved.authors,
        published=mine.published or saved.published,
        upvotes=mine.upvotes if mine.upvotes is not None else saved.upvotes,
        extra={**saved.extra, **mine.extra},
    )


# A streamed backup is restored this many papers at a time (each batch a step of one change).
RESTORE_BATCH = 1000


def restore_backup(library, backup: Backup | BackupFile, *, batch_size: int = RESTORE_BATCH) -> RestoreReport:
    """Put the backup's papers into ``library`` (one change); returns what changed.

    The merge is computed under the library's lock (``Library.transact``), so a
    change another process makes at the same moment is merged, not overwritten.
    A :class:`BackupFile` is read and stored ``batch_size`` papers at a time,
    inside one ``Library.batch`` (the caller's, or one opened here): the whole
    backup is one change, or nothing when any paper of it turns out bad, and it
    is never in memory whole. The result does not depend on the batch size.
    """
    report = RestoreReport(backup.source)
    restore = _Restore(library, report)
    label = f"restore backup {backup.source}"
    if isinstance(backup, Backup):
        pairs = [(paper, backup.abstracts.get(paper.id, "")) for paper in backup.papers]
        library.transact(label, lambda: restore.plan(pairs))
    else:
        with contextlib.nullcontext() if library.batching else library.batch(label):
            for batch in backup.batches(batch_size):
                library.transact(label, lambda batch=batch: restore.plan(batch))
                del batch  # not held while the next one is read
    restore.finish()
    return report


class _Restore:
    """One restore, planned a batch of the backup's papers at a time against the library as it is.

    Every decision is the one planning the whole backup at once against the library as
    it was before the restore would make: a paper is looked for among the library's own
    papers first, ignoring what earlier batches of this restore added or changed (the
    papers it added, and the arXiv ids it gave to papers), and only then among the papers
    this restore added (twins: the same paper twice in one backup).
    """

    def __init__(self, library, report: RestoreReport) -> None:
        self.library = library
        self.report = report
        self.new_ids: set[str] = set()
        self.merged_ids: set[str] = set()
        self.targets: list[str] = []  # for each saved paper, the library paper it restores into
        # Papers this restore adds, by arXiv id and by title: a backup holding the same paper
        # twice under two ids (edited by hand, or joined from two libraries) gives one paper.
        self.new_by_arxiv: dict[str, str] = {}
        self.new_by_title: dict[str, str] = {}
        self.arxiv_given: set[str] = set()  # arXiv ids papers carry because of this restore

    def _target(self, saved: Paper) -> Paper | None:
        """The paper the library had before this restore that ``saved`` restores into, if any."""
        library = self.library
        found = library.get(saved.id)  # ids are unique within a backup: never one this restore added
        if found is not None:
            return found
        arxiv = saved.arxiv_id
        if arxiv in self.arxiv_given or arxiv in self.new_ids:
            arxiv = None  # known only through this restore: the library before it did not have it
        found = library.find_existing(saved.title, arxiv)
        return None if found is None or found.id in self.new_ids else found

    def plan(self, batch: list[tuple[Paper, str]]) -> tuple[Iterable[Paper], dict[str, str], tuple]:
        """What to store for one batch (run by ``Library.transact`` under the lock)."""
        library = self.library
        puts: dict[str, Paper] = {}
        abstracts: dict[str, str] = {}

        def current(pid: str) -> Paper:
            return puts.get(pid) or library.get(pid)

        def abstract_of(pid: str) -> str:
            return abstracts[pid] if pid in abstracts else library.abstract(pid)

        for saved, saved_abstract in batch:
            self.report.papers += 1
            target = self._target(saved)
            key = normalise_title(saved.title)
            twin = (self.new_by_arxiv.get(saved.arxiv_id) if saved.arxiv_id else None) or self.new_by_title.get(key)
            if target is None and twin is not None:
                puts[twin] = merge_papers(current(twin), saved)
                if not abstract_of(twin):
                    abstracts[twin] = saved_abstract
                self.targets.append(twin)
                continue
            if target is None:
                puts[saved.id] = saved
                abstracts[saved.id] = saved_abstract
                self.new_ids.add(saved.id)
                self.targets.append(saved.id)
                if saved.arxiv_id:
                    self.new_by_arxiv.setdefault(saved.arxiv_id, saved.id)
                self.new_by_title.setdefault(key, saved.id)
                continue
            self.targets.append(target.id)
            merged = merge_papers(puts.get(target.id, target), saved)
            if merged != target:
                puts[target.id] = merged
                self.merged_ids.add(target.id)
            if saved_abstract and target.id not in abstracts and not library.abstract(target.id):
                abstracts[target.id] = saved_abstract
                self.merged_ids.add(target.id)
        for pid, paper in puts.items():
            if pid in abstracts:  # the abstract decides has_abstract, as put() does
                puts[pid] = paper = replace(paper, has_abstract=bool(abstracts[pid]))
            before = library.get(pid)
            if paper.arxiv_id and (before is None or before.arxiv_id != paper.arxiv_id):
                self.arxiv_given.add(paper.arxiv_id)
        return puts.values(), abstracts, ()

    def finish(self) -> None:
        """Count what the restore did, each library paper once, so that the four counts add up."""
        report = self.report
        restored = list(dict.fromkeys(self.targets))
        report.added = [pid for pid in restored if pid in self.new_ids]
        report.merged = [pid for pid in restored if pid in self.merged_ids]
        report.unchanged = sum(1 for pid in restored if pid not in self.new_ids and pid not in self.merged_ids)
        report.repeated = len(self.targets) - len(restored)


__all__ = [
    "Backup",
    "BackupFile",
    "RestoreReport",
    "looks_like_backup",
    "merge_papers",
    "open_backup",
    "open_backup_file",
    "open_backup_stdin",
    "parse_backup",
    "restore_backup",
]
