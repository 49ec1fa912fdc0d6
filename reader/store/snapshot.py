"""A binary snapshot of the papers file, so a big library opens in about half the time.

``library.json`` stays the one true store (TinyDB JSON). Parsing it at 100,000
papers means decoding 27 MB of JSON into dicts, turning every dict into a
:class:`Paper` and freeing the dicts again: about half a second. After each
compaction of a library of at least ``StoreLimits.snapshot_min_papers`` papers, the library also writes ``library.json.snapshot``: the same content
as columns of plain values in :mod:`marshal` format, which loads in about
half the time.

The snapshot is only a cache. It records the size and CRC-32 of the exact
``library.json`` bytes it was made from, and is used only when the file read
now has that size and CRC; anything else (another program rewrote the file, a
backup was restored, the snapshot is damaged, truncated, or from another
Python) makes the library parse the JSON as before. The journal is applied on
top either way.
"""

from __future__ import annotations

import itertools
import json
import marshal
import operator
import os
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, fields
from pathlib import Path

from reader.errors import LibraryError
from reader.fileio import write_atomically
from reader.papers import Link, Paper
from reader.store.files import open_regular

MAGIC = b"reader-snapshot\n"
FORMAT = 1
# format, marshal version, Python major, minor, source size, source CRC, payload size, payload CRC
_HEADER = struct.Struct("<IIIIQIQI")
_SIZE = struct.Struct("<Q")
_COPY_CHUNK = 1024 * 1024

_FIELDS = tuple(f.name for f in fields(Paper))
_LINKS = _FIELDS.index("links")
_make_link = tuple.__new__


@dataclass(slots=True)
class Snapshot:
    seq: int
    papers: dict[str, Paper]
    history: list[dict]
    others: dict[str, dict]
    spans_doc: object  # the stored abstracts_at document, or None


_PLAIN_SCALARS = (str, int, float, bool, type(None))


def _is_json_plain(value) -> bool:
    """Whether ``value`` comes back from a trip through JSON as an equal value of the same types:
    dicts with string keys, lists, strings, numbers, booleans and None (exact types, no tuples).
    Checked without recursion (free-form data may nest deeply)."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            for key, inner in item.items():
                if type(key) is not str:
                    return False
                pending.append(inner)
        elif kind is list:
            pending.extend(item)
        elif kind not in _PLAIN_SCALARS or (kind is float and item != item):
            return False  # a float NaN is never equal to itself: compare as JSON would give it back
    return True


def _json_value(value):
    """``value`` as a trip through JSON gives it back; the value itself (no copy) when that is equal:
    copying every paper's free-form data doubled its memory while a big library was saved."""
    if not value:
        return {}
    return value if _is_json_plain(value) else json.loads(json.dumps(value))


def _strings(value):
    if not value:
        return ()
    "".join(value)  # TypeError unless all are strings, which reading the JSON would refuse: no snapshot
    return tuple(value)


# How each field comes back from Paper.from_doc(to_stored_doc()) after a trip through JSON:
# fields at their default are left out of the stored document and read back as the default.
_AS_STORED = {
    "links": lambda links: tuple(map(tuple, links)) if links else (),
    "tags": _strings,
    "sources": _strings,
    "authors": _strings,
    "read": bool,
    "added": lambda value: value or "",
    "notes": lambda value: value or "",
    "arxiv_id": lambda value: value or None,
    "published": lambda value: value or None,
    "extra": _json_value,  # arbitrary values: lists for tuples, string keys
    "has_abstract": bool,
}


def stored_columns(papers: list[Paper]):
    """The papers as columns of plain values (one list per field, made one at a time), each
    exactly as :meth:`Paper.from_doc` gives it back after :meth:`Paper.to_stored_doc` and a
    trip through JSON."""
    for name in _FIELDS:
        column = list(map(operator.attrgetter(name), papers))
        convert = _AS_STORED.get(name)
        if name == "read_at":  # kept only while the paper is read
            column = [value if paper.read else None for paper, value in zip(papers, column, strict=True)]
        elif convert is not None:
            column = list(map(convert, column))
        yield column


def bytes_signature(data: bytes) -> tuple[int, int]:
    """What a snapshot is checked against: the size and CRC-32 of the papers file's bytes."""
    return len(data), zlib.crc32(data)


def write_snapshot(
    path: Path,
    source: tuple[int, int],
    *,
    schema: int,
    seq: int,
    papers: list[Paper],
    history: list[dict],
    others: dict[str, dict],
    spans_doc: object,
) -> None:
    """Write the snapshot of a papers file whose bytes have the signature ``source``; raises OSError."""
    # One marshal call per column, each preceded by its length: a UI thread gets the
    # interpreter back between columns while a 100,000-paper library is written, and only
    # one column is held at a time, as Python values or marshalled: each goes to an anonymous
    # temporary file as it is made (the header, written first, needs the length and CRC of
    # them all), which is then copied into the snapshot.
    head: tuple = (schema, seq, history, others, spans_doc)
    with tempfile.TemporaryFile(dir=path.parent, prefix=".snapshot-parts-") as parts:
        length = crc = 0
        for column in itertools.chain([head], stored_columns(papers)):
            part = marshal.dumps(column)
            del column
            size = _SIZE.pack(len(part))
            parts.write(size)
            parts.write(part)
            length += len(size) + len(part)
            crc = zlib.crc32(part, zlib.crc32(size, crc))
            del part
            time.sleep(0)
        header = _HEADER.pack(
            FORMAT, marshal.version, sys.version_info[0], sys.version_info[1], source[0], source[1], length, crc
        )

        def chunks():
            yield MAGIC
            yield header
            parts.seek(0)
            while piece := parts.read(_COPY_CHUNK):
                yield piece

        write_atomically(path, chunks(), binary=True)


def _parts(payload: bytes) -> list:
    """The marshalled values in ``payload`` (each preceded by its size); ValueError if malformed."""
    view = memoryview(payload)
    values = []
    at = 0
    while at < len(view):
        (size,) = _SIZE.unpack_from(view, at)
        at += _SIZE.size
        if at + size > len(view):
            raise ValueError("truncated part")
        values.append(marshal.loads(view[at : at + size]))
        at += size
    return values


def read_snapshot(path: Path, source: tuple[int, int], *, schema: int) -> Snapshot | None:
    """The snapshot at ``path`` if it was made from a papers file with signature ``source``
    and ``schema``; else None."""
    try:
        opened = open_regular(path)
    except LibraryError:
        return None  # not a regular file: ignored like any unusable snapshot
    if opened is None:
        return None
    try:
        with opened as handle:
            head = handle.read(len(MAGIC) + _HEADER.size)
            if len(head) != len(MAGIC) + _HEADER.size or not head.startswith(MAGIC):
                return None
            fmt, version, major, minor, size, crc, length, payload_crc = _HEADER.unpack_from(head, len(MAGIC))
            if (fmt, version, major, minor) != (FORMAT, marshal.version, *sys.version_info[:2]):
                return None
            if (size, crc) != source or length != os.fstat(handle.fileno()).st_size - len(head):
                return None
            payload = handle.read(length)
    except OSError:
        return None
    if len(payload) != length or zlib.crc32(payload) != payload_crc:
        return None
    try:
        values = _parts(payload)
    except (EOFError, ValueError, TypeError, struct.error):
        return None
    del payload
    if len(values) != 1 + len(_FIELDS) or type(values[0]) is not tuple or len(values[0]) != 5:
        return None
    stored_schema, seq, history, others, spans_doc = values[0]
    columns = values[1:]
    if (
        stored_schema != schema
        or type(seq) is not int
        or type(history) is not list
        or type(others) is not dict
    ):
        return None
    count = len(columns[0])
    if any(type(column) is not list or len(column) != count for column in columns):
        return None
    try:
        columns[_LINKS] = [
            tuple([_make_link(Link, link) for link in links]) if links else () for links in columns[_LINKS]
        ]
        papers = dict(zip(columns[0], map(Paper, *columns), strict=True))
    except TypeError:
        return None
    if len(papers) != count:
        return None
    return Snapshot(seq, papers, history, others, spans_doc)


__all__ = ["Snapshot", "bytes_signature", "read_snapshot", "write_snapshot"]
