"""Restore a JSON backup (format: :mod:`reader.exporters.json_backup`).

:func:`parse_backup` checks the whole file before anything is written: a
file that is not a reader backup, is from a newer reader, is truncated or
holds a malformed paper raises :class:`ImportProblem` and the library is not
touched.

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
import io
import json
import os
import re
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from reader import safejson
from reader.errors import ImportProblem
from reader.exporters.json_backup import BACKUP_FORMAT, BACKUP_VERSION
from reader.importers import open_input, read_input_bytes, source_name
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


def parse_backup(data: bytes | str, where: str, source: str | None = None) -> Backup:
    """Check and decode a whole backup; :class:`ImportProblem` for anything wrong.

    A backup as reader writes it (an object whose ``format`` and ``version``
    come before ``papers``) is read paper by paper: each paper becomes a
    :class:`Paper` as soon as it is decoded, so a backup of 100,000 papers
    never exists as JSON objects all at once. Anything else valid is read whole.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        safejson.check_text(raw)
    except safejson.JSONLimitError as exc:
        raise ImportProblem(f"{where}: {exc}; nothing was imported") from None
    return _read_backup(io.BytesIO(raw), where, source)


def parse_backup_file(path: str | os.PathLike) -> Backup:
    """:func:`parse_backup` of a file ('-' for stdin); a file is read a piece at a time, never whole."""
    if str(path) == "-":
        return parse_backup(read_input_bytes(path, limit=MAX_BACKUP_BYTES), "stdin", source_name(path))
    where = str(path)
    with open_input(path, limit=MAX_BACKUP_BYTES) as handle:
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
        return _read_backup(handle, where, source_name(path))


def _read_backup(handle: BinaryIO, where: str, source: str | None, chunk: int = _CHUNK) -> Backup:
    try:
        try:
            return _stream_backup(_Reader(handle, chunk), where, source)
        except _NotStreamable:
            handle.seek(0)
            return _backup_of(safejson.loads(handle.read()), where, source)
    except UnicodeDecodeError:
        raise ImportProblem(f"{where}: not UTF-8 text; not a reader backup") from None
    except safejson.JSONLimitError as exc:
        raise ImportProblem(f"{where}: {exc}; nothing was imported") from None
    except ValueError as exc:
        raise ImportProblem(f"{where}: not valid JSON ({exc}); truncated? Nothing was imported") from None
    except OSError as exc:
        raise ImportProblem(f"{where}: cannot read: {exc.strerror or exc}") from None


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


def _add_paper(backup: Backup, seen: set[str], number: int, doc: object, where: str) -> None:
    paper, abstract = _check_paper(number, doc, where)
    if paper.id in seen:
        raise ImportProblem(f"{where}: paper id {paper.id!r} appears twice; nothing was imported")
    seen.add(paper.id)
    backup.papers.append(paper)
    backup.abstracts[paper.id] = abstract


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
        _add_paper(backup, seen, number, doc, where)
    return backup


def _stream_backup(reader: _Reader, where: str, source: str | None) -> Backup:
    """Read a backup laid out as reader writes it, one paper at a time (see :func:`parse_backup`)."""
    if reader.peek() != "{":
        raise _NotStreamable()
    reader.position += 1
    head: dict[str, object] = {}
    backup: Backup | None = None
    while reader.peek() != "}":
        if reader.peek() != '"':
            reader.fail("Expecting property name enclosed in double quotes")
        key = reader.value()
        assert isinstance(key, str)
        reader.expect(":")
        if key == "papers" and backup is None:
            if "format" not in head or "version" not in head:
                raise _NotStreamable()
            version = _check_head(head, where)
            if reader.peek() != "[":
                raise ImportProblem(f"{where}: backup has no \"papers\" list; nothing was imported")
            reader.position += 1
            backup = Backup(source or where, version, str(head.get("exported_at") or ""))
            _stream_papers(reader, backup, where)
        else:
            head[key] = reader.value()
        reader.after_item("}", "Expecting property name enclosed in double quotes")
    reader.position += 1
    if reader.peek() != "":
        reader.fail("Extra data")
    if backup is None:
        return _backup_of(head, where, source)
    return backup


def _stream_papers(reader: _Reader, backup: Backup, where: str) -> None:
    """Decode the papers list (after its '['), adding each paper to ``backup`` as it comes."""
    seen: set[str] = set()
    number = 0
    while reader.peek() != "]":
        number += 1
        doc = reader.value(max_depth=safejson.MAX_DEPTH - 2)
        _add_paper(backup, seen, number, doc, where)
        reader.after_item("]", "Expecting value")
    reader.position += 1


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


def restore_backup(library, backup: Backup) -> RestoreReport:
    """Put the backup's papers into ``library`` (one change); returns what changed.

    The merge is computed under the library's lock (``Library.transact``), so a
    change another process makes at the same moment is merged, not overwritten.
    """
    report = RestoreReport(backup.source, papers=len(backup.papers))

    def compute():
        puts: dict[str, Paper] = {}
        abstracts: dict[str, str] = {}
        new_ids: set[str] = set()
        merged_ids: set[str] = set()
        targets: list[str] = []  # for each saved paper, the library paper it restores into
        # Papers this restore adds, by arXiv id and by title: a backup holding the same paper
        # twice under two ids (edited by hand, or joined from two libraries) gives one paper.
        new_by_arxiv: dict[str, str] = {}
        new_by_title: dict[str, str] = {}
        for saved in backup.papers:
            target = library.get(saved.id) or library.find_existing(saved.title, saved.arxiv_id)
            key = normalise_title(saved.title)
            twin = (new_by_arxiv.get(saved.arxiv_id) if saved.arxiv_id else None) or new_by_title.get(key)
            if target is None and twin is not None:
                puts[twin] = merge_papers(puts[twin], saved)
                if not abstracts[twin]:
                    abstracts[twin] = backup.abstracts.get(saved.id, "")
                targets.append(twin)
                continue
            if target is None:
                puts[saved.id] = saved
                abstracts[saved.id] = backup.abstracts.get(saved.id, "")
                new_ids.add(saved.id)
                targets.append(saved.id)
                if saved.arxiv_id:
                    new_by_arxiv.setdefault(saved.arxiv_id, saved.id)
                new_by_title.setdefault(key, saved.id)
                continue
            targets.append(target.id)
            merged = merge_papers(puts.get(target.id, target), saved)
            if merged != target:
                puts[target.id] = merged
                merged_ids.add(target.id)
            saved_abstract = backup.abstracts.get(saved.id, "")
            if saved_abstract and not library.abstract(target.id) and target.id not in abstracts:
                abstracts[target.id] = saved_abstract
                merged_ids.add(target.id)
        restored = list(dict.fromkeys(targets))  # each library paper once
        report.added = [pid for pid in restored if pid in new_ids]
        report.merged = [pid for pid in restored if pid in merged_ids]
        report.unchanged = sum(1 for pid in restored if pid not in new_ids and pid not in merged_ids)
        report.repeated = len(targets) - len(restored)  # so that the four counts add up to the papers
        for pid in puts:  # the abstract decides has_abstract, as put() does
            if pid in abstracts:
                puts[pid] = replace(puts[pid], has_abstract=bool(abstracts[pid]))
        return puts.values(), abstracts, ()

    library.transact(f"restore backup {backup.source}", compute)
    return report


__all__ = [
    "Backup",
    "RestoreReport",
    "looks_like_backup",
    "merge_papers",
    "parse_backup",
    "parse_backup_file",
    "restore_backup",
]
