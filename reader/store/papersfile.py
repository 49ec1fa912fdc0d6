"""The papers file (``PATH``): a TinyDB database holding every paper but their abstracts.

Tables: ``meta`` (one document ``{"app": "reader", "schema": 1, "seq": N}``,
``N`` the last change it includes), ``papers`` (one document per paper,
:meth:`Paper.to_stored_doc`), ``history`` (the last changes, for undo and
redo), ``abstracts_at`` (where each abstract sits in the abstracts file, see
:mod:`reader.store.abstracts_file`) and any table another program added, which
is kept and written back as it was.

Invariant: **files are replaced whole.** Reader never edits the file in place:
it writes a temporary file beside it, fsyncs it and renames it over the old one
(:func:`reader.fileio.write_atomically`), so a crash leaves the old file or the
new one. ``meta`` is written first, so its change number can be read from the
file's first bytes (:func:`peek_seq`).

Who reads it: when the snapshot (:mod:`reader.store.snapshot`) does not serve,
TinyDB's own storage layer reads and parses it (:func:`read_database`), and
:func:`parse_database` validates what it holds. Writing does not go through
TinyDB: its ``Table`` API rereads and rewrites the whole database on every
change (1.9 s per tag change at 100,000 papers) and loses updates between two
processes; changes go to the journal and compaction streams the tables out.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tinydb import TinyDB
from tinydb.storages import Storage

from reader.errors import LibraryError
from reader.fileio import atomic_write
from reader.papers import Paper
from reader.store.files import open_regular

SCHEMA_VERSION = 1
APP_MARKER = "reader"
OWN_TABLES = ("meta", "papers", "history", "abstracts_at")


@dataclass(slots=True)
class PapersFileContent:
    papers: dict[str, Paper] = field(default_factory=dict)
    seq: int = 0
    history: list[dict] = field(default_factory=list)
    others: dict[str, dict] = field(default_factory=dict)
    spans_doc: object = None  # the stored abstracts_at document, if any


class _OpenedFileStorage(Storage):
    """TinyDB storage over a file already opened (and checked) for reading; never writes."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self._handle = handle
        self._path = path

    def read(self):
        self._handle.seek(0)
        data = self._handle.read()
        if not data.strip():
            return None
        return json.loads(data)

    def write(self, data) -> None:
        raise LibraryError(f"{self._path} is opened read-only")

    def close(self) -> None:
        self._handle.close()


def read_database(path: Path) -> dict | None:
    """The TinyDB database at ``path`` as its storage layer reads it (None: no such file)."""
    handle = open_regular(path)
    if handle is None:
        return None
    database = TinyDB(handle, path, storage=_OpenedFileStorage)
    try:
        data = database.storage.read()
    except (ValueError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{path} is not valid JSON ({exc}); it was not changed") from None
    except RecursionError:
        raise LibraryError(f"{path} is not a library: its JSON nests far too deeply; it was not changed") from None
    except OSError as exc:
        raise LibraryError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        database.close()
    if data is None:
        raise LibraryError(f"{path} is empty (truncated?); it was not changed")
    if not isinstance(data, dict):
        raise LibraryError(f"{path} is not a TinyDB database (top level is not an object); it was not changed")
    return data


def meta_of(path: Path, data: dict) -> dict:
    meta_table = data.get("meta")
    if not isinstance(meta_table, dict) or not meta_table:
        raise LibraryError(f"{path} has no 'meta' table; is it a reader library? It was not changed")
    meta = next(iter(meta_table.values()))
    if not isinstance(meta, dict) or meta.get("app") != APP_MARKER:
        raise LibraryError(f"{path} is not a reader library (meta table not recognised); it was not changed")
    return meta


def parse_database(path: Path, data: dict | None) -> PapersFileContent:
    """What the papers file holds, checked; :class:`LibraryError` naming the problem otherwise."""
    content = PapersFileContent()
    if data is None:
        return content
    meta = meta_of(path, data)
    schema = meta.get("schema")
    if not isinstance(schema, int):
        raise LibraryError(f"{path} has no schema version; is it a reader library? It was not changed")
    if schema > SCHEMA_VERSION:
        raise LibraryError(
            f"{path} was written by a newer reader (schema {schema}, this one reads {SCHEMA_VERSION}); "
            "upgrade reader. The file was not changed"
        )
    seq = meta.get("seq", 0)
    if not isinstance(seq, int):
        raise LibraryError(f"{path}: meta.seq is not a number; the file was not changed")
    content.seq = seq
    table = data.get("papers", {})
    if not isinstance(table, dict):
        raise LibraryError(f"{path}: table 'papers' is not an object; the file was not changed")
    for doc_id, doc in table.items():
        try:
            paper = Paper.from_doc(doc)
        except ValueError as exc:
            raise LibraryError(f"{path}: paper document {doc_id} is malformed ({exc}); not changed") from None
        content.papers[paper.id] = paper
    content.history = history_records(data.get("history", {}))
    spans_table = data.get("abstracts_at")
    if isinstance(spans_table, dict) and spans_table:
        content.spans_doc = next(iter(spans_table.values()))
    content.others = other_tables(data)
    return content


def peek_seq(path: Path) -> int | None:
    """The change number the papers file includes, read from its first bytes (None: unknown)."""
    try:
        handle = open_regular(path)
    except LibraryError:
        return None
    if handle is None:
        return None
    with handle:
        try:
            head = handle.read(4096).decode("utf-8", "replace")
        except OSError:
            return None
    prefix = '{"meta": '
    if not head.startswith(prefix):
        return None
    try:
        meta_table, _ = json.JSONDecoder().raw_decode(head, len(prefix))
        meta = next(iter(meta_table.values()))
        return int(meta["seq"])
    except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return None


def history_records(table: object) -> list[dict]:
    """The stored history table's records, oldest first (anything malformed left out)."""
    if not isinstance(table, dict):
        return []
    records = [h for h in table.values() if isinstance(h, dict) and isinstance(h.get("seq"), int)]
    return sorted(records, key=lambda h: h["seq"])


def other_tables(data: dict) -> dict[str, dict]:
    """Tables another program added to the papers file: kept and written back as they are."""
    return {k: v for k, v in data.items() if k not in OWN_TABLES and isinstance(v, dict)}


def numbered(docs: Iterable[dict]) -> dict[str, dict]:
    """Documents keyed by TinyDB ids as :func:`table_chunks` writes them: "1", "2", ..."""
    return {str(number): doc for number, doc in enumerate(docs, start=1)}


def json_trip(value):
    """``value`` as writing it to JSON and reading it back gives it."""
    return json.loads(json.dumps(value))


def table_chunks(name: str, docs: Iterable[dict], *, last: bool, batch: int = 500) -> Iterator[str]:
    """One TinyDB table as JSON text, encoded a batch of documents at a time.

    Batches keep each call into the JSON encoder short, so a UI thread gets
    the GIL back while a large library is written.
    """
    yield json.dumps(name) + ": {"
    pending: dict[str, dict] = {}
    first = True
    for number, doc in enumerate(docs, start=1):
        pending[str(number)] = doc
        if len(pending) == batch:
            yield ("" if first else ", ") + json.dumps(pending)[1:-1]
            first = False
            pending = {}
            time.sleep(0)
    if pending:
        yield ("" if first else ", ") + json.dumps(pending)[1:-1]
    yield "}" if last else "}, "


def database_chunks(tables: dict[str, Iterable[dict]]) -> Iterator[str]:
    yield "{"
    names = list(tables)
    for index, name in enumerate(names):
        yield from table_chunks(name, tables[name], last=index == len(names) - 1)
    yield "}\n"


def write_papers_file(
    path: Path,
    *,
    seq: int,
    papers: Iterable[Paper],
    history: list[dict],
    others: dict[str, dict],
    spans_doc: dict | None,
) -> tuple[int, int]:
    """Replace the papers file whole; returns the size and CRC-32 of the bytes written."""
    meta = {"app": APP_MARKER, "schema": SCHEMA_VERSION, "seq": seq}
    tables: dict[str, Iterable[dict]] = {
        "meta": [meta],
        "papers": (paper.to_stored_doc() for paper in papers),
        "history": history,
    }
    for name, table in others.items():
        tables[name] = list(table.values())
    if spans_doc is not None:
        # Last, so that reading the meta table from the file's first bytes stays cheap.
        tables["abstracts_at"] = [spans_doc]
    written = [0, 0]

    def signed(chunks: Iterable[str]) -> Iterator[str]:
        for chunk in chunks:
            data = chunk.encode("utf-8")  # as the file is written
            written[0] += len(data)
            written[1] = zlib.crc32(data, written[1])
            yield chunk

    atomic_write(path, signed(database_chunks(tables)))
    return written[0], written[1]
