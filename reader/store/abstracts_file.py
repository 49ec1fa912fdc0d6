"""The abstracts file (``library.abstracts.json``) and where each abstract sits in it.

A TinyDB database with one table ``abstracts`` (documents ``{"id", "abstract"}``).
Abstracts are most of a library's bytes, so they are not all kept in memory
unless a caller asks for all of them. Reader writes this file itself
(:func:`abstracts_file_chunks`), pure ASCII, one document after another, and
records where each paper's document starts and how long it is (:class:`Spans`,
stored in the papers file with the abstracts file's size, modification time
and inode). One abstract is then read by offset and checked to be the right
one; :func:`scan_documents` streams the file in chunks. A file whose layout is
not reader's (rewritten by TinyDB, say) is indexed again by a scan, or read
whole as TinyDB reads it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import sys
import time
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from reader.errors import LibraryError
from reader.fileio import os_error
from reader.store.files import open_regular, open_regular_fd
from reader.store.papersfile import read_database

Signature = tuple[int, int, int]  # size, mtime_ns, inode


def signature_of(st: os.stat_result) -> Signature:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class Spans:
    """Where each paper's document sits in the abstracts file: ``(offset, length)`` by id.

    ``file`` is the (size, mtime_ns, inode) of the abstracts file these offsets
    describe; any other file is not trusted with them. Stored in the papers
    file as two strings (ids joined by commas, the offsets and lengths as
    base64 of little-endian 64-bit integers), which parse in a few
    milliseconds and take a few MB at 100,000 papers, where lists of 100,000
    strings and 200,000 numbers took 18 MB more to open.
    """

    __slots__ = ("_ids", "_spans", "file", "_where")

    def __init__(self, ids: list[str] | str, spans: array, file: Signature) -> None:
        self._ids = ids  # a list, or the stored comma-joined string (split on first use)
        self._spans = spans  # offset, length, offset, length, ...
        self.file = file
        self._where: dict[str, int] | None = None

    @classmethod
    def from_layout(cls, where: list[tuple[str, int, int]], file: Signature) -> "Spans":
        packed = array("q")
        for _pid, offset, length in where:
            packed.append(offset)
            packed.append(length)
        return cls([pid for pid, _o, _l in where], packed, file)

    def _unpack(self) -> tuple[list[str], array]:
        ids = self._ids
        if isinstance(ids, str):
            ids = self._ids = ids.split(",") if ids else []
        return ids, self._spans

    def where(self, pid: str) -> tuple[int, int] | None:
        ids, spans = self._unpack()
        where = self._where
        if where is None:
            where = self._where = {key: index for index, key in enumerate(ids)}
        index = where.get(pid)
        if index is None:
            return None
        return spans[2 * index], spans[2 * index + 1]

    def to_doc(self) -> dict:
        ids, spans = self._unpack()
        if sys.byteorder != "little":
            spans = array("q", spans)
            spans.byteswap()
        joined: list[str] | str = ids if any("," in pid for pid in ids) else ",".join(ids)
        return {"ids": joined, "spans": base64.b64encode(spans.tobytes()).decode("ascii"), "file": list(self.file)}

    @classmethod
    def from_doc(cls, doc: object) -> "Spans | None":
        """None for anything malformed (the offsets are then found again by a scan)."""
        if not isinstance(doc, dict):
            return None
        ids, spans, file = doc.get("ids"), doc.get("spans"), doc.get("file")
        if isinstance(ids, list):
            if not all(isinstance(i, str) for i in ids):
                return None
        elif not isinstance(ids, str):
            return None
        if not isinstance(spans, str) or not isinstance(file, list) or len(file) != 3:
            return None
        if not all(isinstance(v, int) for v in file):
            return None
        packed = array("q")
        try:
            packed.frombytes(base64.b64decode(spans, validate=True))
        except (binascii.Error, ValueError):
            return None
        if sys.byteorder != "little":
            packed.byteswap()
        count = len(ids) if isinstance(ids, list) else (ids.count(",") + 1 if ids else 0)
        if len(packed) != 2 * count:
            return None
        return cls(ids, packed, (file[0], file[1], file[2]))


_ABSTRACTS_HEAD = '{"abstracts": {'
_HEAD_RE = re.compile(r'\s*\{\s*"abstracts"\s*:\s*\{\s*')
_CLOSE_RE = re.compile(r'\s*\}')
_KEY_RE = re.compile(r'\s*"(?:[^"\\]|\\.)*"\s*:\s*')
_SEP_RE = re.compile(r'\s*(?:(,)\s*|\})')
_TAIL_RE = re.compile(r'\s*\}\s*\Z')


_CHUNK_CHARS = 1024 * 1024


class OtherLayout(Exception):
    """The abstracts file is valid JSON perhaps, but not laid out as :func:`abstracts_file_chunks` writes."""


def abstracts_file_chunks(docs: Iterable[tuple[str, str]], where: list) -> Iterator[str]:
    """The abstracts file's text, one document after another; appends (id, offset, length) to ``where``.

    ``json.dumps`` escapes every non-ASCII character, so the text is ASCII
    and character offsets are byte offsets.
    """
    yield _ABSTRACTS_HEAD
    offset = len(_ABSTRACTS_HEAD)
    pending: list[str] = []
    pending_chars = 0
    for number, (pid, text) in enumerate(docs, start=1):
        key = f'"{number}": ' if number == 1 else f', "{number}": '
        body = '{"id": ' + json.dumps(pid) + ', "abstract": ' + json.dumps(text) + "}"
        offset += len(key)
        where.append((pid, offset, len(body)))
        offset += len(body)
        pending.append(key)
        pending.append(body)
        pending_chars += len(key) + len(body)
        if len(pending) >= 1000 or pending_chars >= _CHUNK_CHARS:  # a chunk of bounded size, however long the abstracts
            yield "".join(pending)
            pending = []
            pending_chars = 0
            time.sleep(0)  # let a UI thread run
    pending.append("}}\n")
    yield "".join(pending)


def scan_documents(handle: BinaryIO, chunk_size: int, max_document: int) -> Iterator[tuple[int, int, object]]:
    """(offset, length, document) for each document of the abstracts table, in file order.

    Reads ``chunk_size`` bytes at a time and keeps only the unparsed rest of
    a chunk. Raises :class:`OtherLayout` for a file that is not one table
    ``abstracts`` written as JSON text in ASCII (read such a file whole), or
    whose documents look longer than ``max_document``.
    """
    decode = json.JSONDecoder().raw_decode
    base = 0  # file offset of buf[0]
    eof = False

    def read() -> str:
        data = handle.read(chunk_size)
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise OtherLayout from None

    buf = read()
    if len(buf) < chunk_size:
        eof = True
    head = _HEAD_RE.match(buf)
    if head is None:
        raise OtherLayout
    pos = head.end()
    closed = _CLOSE_RE.match(buf, pos)
    if closed is not None:
        pos = closed.end()
    else:
        while True:
            doc = None
            key = _KEY_RE.match(buf, pos)
            if key is not None:
                start = key.end()
                try:
                    doc, end = decode(buf, start)
                except (ValueError, RecursionError):
                    doc = None
                if doc is not None:
                    sep = _SEP_RE.match(buf, end)
                    # A comma at the very end of what was read might be followed by more blanks.
                    if sep is not None and (sep.group(1) is None or sep.end() < len(buf) or eof):
                        yield base + start, end - start, doc
                        pos = sep.end()
                        if sep.group(1) is None:
                            break  # the table's closing brace
                        continue
            # Not a whole entry in what was read: read more, or give up at the end of the file
            # (or when no document could be that long: the file is damaged, read it whole).
            if eof or len(buf) - pos > max_document:
                raise OtherLayout
            buf = buf[pos:]
            base += pos
            pos = 0
            more = read()
            if len(more) < chunk_size:
                eof = True
            buf += more
    rest = buf[pos:]
    if not eof:
        rest += handle.read().decode("ascii", "replace")
    if _TAIL_RE.match(rest) is None:
        raise OtherLayout


def abstract_of(doc: object) -> tuple[str, str] | None:
    if isinstance(doc, dict) and isinstance(doc.get("id"), str):
        return doc["id"], str(doc.get("abstract") or "")
    return None


class AbstractsFile:
    """Reading the abstracts file: by offset, by scanning, or whole."""

    def __init__(self, path: Path, *, chunk: int, max_document: int) -> None:
        self.path = path
        self.chunk = chunk
        self.max_document = max_document

    def signature(self) -> Signature | None:
        """The file's signature as offsets record it; None: no such file."""
        try:
            return signature_of(os.stat(self.path))
        except OSError:
            return None

    def _open_fd(self) -> int | None:
        try:
            return open_regular_fd(self.path)
        except LibraryError:
            return None

    def read_at(self, spans: Spans, pid: str) -> str | None:
        """``pid``'s abstract read by offset; None when the offsets cannot be trusted for this file."""
        fd = self._open_fd()
        if fd is None:
            return None
        try:
            if signature_of(os.fstat(fd)) != spans.file:
                return None
            where = spans.where(pid)
            if where is None:
                return ""  # the file these offsets describe holds no abstract for it
            raw = os.pread(fd, where[1], where[0])
        except OSError:
            return None
        finally:
            os.close(fd)
        return _checked(raw, pid)

    def read_many(self, spans: Spans, todo: list[tuple[int, int, str]]) -> dict[str, str | None]:
        """Abstracts at (offset, length, id) in ``todo``, the file opened once; None where untrusted."""
        found: dict[str, str | None] = {pid: None for _o, _l, pid in todo}
        fd = self._open_fd()
        if fd is None:
            return found
        try:
            if signature_of(os.fstat(fd)) != spans.file:
                return found
            for offset, length, pid in todo:
                try:
                    found[pid] = _checked(os.pread(fd, length, offset), pid)
                except OSError:
                    found[pid] = None
        finally:
            os.close(fd)
        return found

    def index(self) -> Spans | None:
        """Where each document of the file is (one streaming pass, no text kept); None: cannot tell."""
        ids: list[str] = []
        where = array("q")
        try:
            handle = open_regular(self.path)
        except LibraryError:
            return None
        if handle is None:
            return None
        try:
            with handle:
                signature = signature_of(os.fstat(handle.fileno()))
                for offset, length, doc in scan_documents(handle, self.chunk, self.max_document):
                    found = abstract_of(doc)
                    if found is not None:
                        ids.append(found[0])
                        where.append(offset)
                        where.append(length)
        except (OSError, OtherLayout):
            return None  # the caller falls back to reading the file whole
        return Spans(ids, where, signature)

    def documents(self) -> Iterator[tuple[str, str]]:
        """(id, abstract) of each document, streamed; read whole (as TinyDB reads it) if the file is
        not laid out as reader writes it (then pairs already yielded may come again)."""
        handle = open_regular(self.path)
        if handle is None:
            return
        with handle:
            try:
                for _offset, _length, doc in scan_documents(handle, self.chunk, self.max_document):
                    found = abstract_of(doc)
                    if found is not None:
                        yield found
                return
            except OtherLayout:
                pass
            except OSError as exc:
                raise os_error("read", self.path, exc) from None
        data = read_database(self.path)
        if data is None:
            return
        table = data.get("abstracts", {})
        if not isinstance(table, dict):
            raise LibraryError(f"{self.path}: table 'abstracts' is not an object; not changed")
        for doc in table.values():
            found = abstract_of(doc)
            if found is not None:
                yield found


def _checked(raw: bytes, pid: str) -> str | None:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    found = abstract_of(doc)
    if found is None or found[0] != pid:
        return None
    return found[1]
