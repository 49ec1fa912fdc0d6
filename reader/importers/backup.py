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

import json
import os
import re
from dataclasses import dataclass, field, replace

from reader import safejson
from reader.errors import ImportProblem
from reader.exporters.json_backup import BACKUP_FORMAT, BACKUP_VERSION
from reader.importers import read_input_bytes, source_name
from reader.papers import Paper

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
            raise bad(f"({doc['id']}): {key!r} must be a string or null")
    for key in _STRING_LISTS:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise bad(f"({doc['id']}): {key!r} must be a list of strings")
    links = doc.get("links", [])
    if not isinstance(links, list) or not all(
        isinstance(link, dict) and isinstance(link.get("url"), str) and isinstance(link.get("kind"), str)
        for link in links
    ):
        raise bad(f"({doc['id']}): 'links' must be a list of {{\"url\", \"kind\"}} objects")
    for key, kind, name in (
        ("read", bool, "true or false"),
        ("added", str, "a string"),
        ("notes", str, "a string"),
        ("abstract", str, "a string"),
        ("extra", dict, "an object"),
    ):
        if key in doc and not isinstance(doc[key], kind):
            raise bad(f"({doc['id']}): {key!r} must be {name}")
    upvotes = doc.get("upvotes")
    if upvotes is not None and (not isinstance(upvotes, int) or isinstance(upvotes, bool)):
        raise bad(f"({doc['id']}): 'upvotes' must be a whole number or null")
    try:
        paper = Paper.from_doc(doc)
    except ValueError as exc:
        raise bad(f"is malformed ({exc})") from None
    return paper, doc.get("abstract", "")


class _NotStreamable(Exception):
    """The backup is laid out other than reader writes it; it is read whole instead."""


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def parse_backup(data: bytes | str, where: str, source: str | None = None) -> Backup:
    """Check and decode a whole backup; :class:`ImportProblem` for anything wrong.

    A backup as reader writes it (an object whose ``format`` and ``version``
    come before ``papers``) is read paper by paper: each paper becomes a
    :class:`Paper` as soon as it is decoded, so a backup of 100,000 papers
    never exists as JSON objects all at once. Anything else valid is read whole.
    """
    try:
        safejson.check_text(data)
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise ImportProblem(f"{where}: not UTF-8 text; not a reader backup") from None
    except safejson.JSONLimitError as exc:
        raise ImportProblem(f"{where}: {exc}; nothing was imported") from None
    del data  # the text is what is read from here on
    try:
        try:
            return _stream_backup(text, where, source)
        except _NotStreamable:
            return _backup_of(safejson.loads(text), where, source)
    except safejson.JSONLimitError as exc:
        raise ImportProblem(f"{where}: {exc}; nothing was imported") from None
    except ValueError as exc:
        raise ImportProblem(f"{where}: not valid JSON ({exc}); truncated? Nothing was imported") from None


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


def _stream_backup(text: str, where: str, source: str | None) -> Backup:
    """Read a backup laid out as reader writes it, one paper at a time (see :func:`parse_backup`)."""

    def skip(position: int) -> int:
        return _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]  # always matches

    def expect(position: int, character: str) -> int:
        if text[position : position + 1] != character:
            raise json.JSONDecodeError(f"Expecting {character!r}", text, position)
        return position + 1

    position = skip(0)
    if text[position : position + 1] != "{":
        raise _NotStreamable()
    position = skip(position + 1)
    head: dict[str, object] = {}
    backup: Backup | None = None
    while text[position : position + 1] != "}":
        key, position = safejson.raw_decode(text, position)
        if not isinstance(key, str):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, position)
        position = skip(expect(skip(position), ":"))
        if key == "papers" and backup is None:
            if "format" not in head or "version" not in head:
                raise _NotStreamable()
            version = _check_head(head, where)
            if text[position : position + 1] != "[":
                raise ImportProblem(f"{where}: backup has no \"papers\" list; nothing was imported")
            backup = Backup(source or where, version, str(head.get("exported_at") or ""))
            position = _stream_papers(text, skip(position + 1), backup, where, skip)
        else:
            head[key], position = safejson.raw_decode(text, position)
        position = skip(position)
        if text[position : position + 1] == ",":
            position = skip(position + 1)
            if text[position : position + 1] == "}":
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, position)
        elif text[position : position + 1] != "}":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    if skip(position + 1) != len(text):
        raise json.JSONDecodeError("Extra data", text, skip(position + 1))
    if backup is None:
        return _backup_of(head, where, source)
    return backup


def _stream_papers(text: str, position: int, backup: Backup, where: str, skip) -> int:
    """Decode the papers list starting at ``position`` (after its '['); returns where it ends."""
    seen: set[str] = set()
    number = 0
    while text[position : position + 1] != "]":
        number += 1
        doc, position = safejson.raw_decode(text, position, max_depth=safejson.MAX_DEPTH - 2)
        _add_paper(backup, seen, number, doc, where)
        position = skip(position)
        if text[position : position + 1] == ",":
            position = skip(position + 1)
            if text[position : position + 1] == "]":
                raise json.JSONDecodeError("Expecting value", text, position)
        elif text[position : position + 1] != "]":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    return position + 1


def parse_backup_file(path: str | os.PathLike) -> Backup:
    where = "stdin" if str(path) == "-" else str(path)
    return parse_backup(read_input_bytes(path, limit=MAX_BACKUP_BYTES), where, source_name(path))


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
        for saved in backup.papers:
            target = library.get(saved.id) or library.find_existing(saved.title, saved.arxiv_id)
            if target is None:
                puts[saved.id] = saved
                abstracts[saved.id] = backup.abstracts.get(saved.id, "")
                new_ids.add(saved.id)
                targets.append(saved.id)
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
        report.added = [pid for pid in dict.fromkeys(targets) if pid in new_ids]
        report.merged = [pid for pid in dict.fromkeys(targets) if pid in merged_ids]
        report.unchanged = sum(1 for pid in targets if pid not in new_ids and pid not in merged_ids)
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
