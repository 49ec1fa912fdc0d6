"""The library: papers stored in TinyDB files, safe against crashes and a second process.

On disk, for a library at ``PATH`` (``library.json`` by default):

``PATH``
    A TinyDB database with the tables ``meta`` (schema version, the journal
    sequence number it includes) and ``papers`` (one document per paper,
    without its abstract). Loading this is all that opening the library costs.
``PATH`` with ``.abstracts`` before its suffix (``library.abstracts.json``)
    A TinyDB database with the table ``abstracts`` (documents ``{"id", "abstract"}``).
    Abstracts are most of the bytes, so they are never all kept in memory
    unless a caller asks for all of them (:meth:`Library.abstracts`). Reader
    writes this file itself, pure ASCII, one document after another, and
    records where each paper's document starts and how long it is in the
    papers file (table ``abstracts_at``, with the abstracts file's size,
    modification time and inode): :meth:`Library.abstract` reads one document
    by offset and checks it is the right one, and :meth:`Library.iter_abstracts`
    streams the file in chunks. A file whose layout is not reader's (e.g.
    rewritten by TinyDB) is indexed again by a scan, or read whole.
``PATH.wal``
    The journal: one line per change, appended and fsynced before a command
    returns. Each line is ``CRC32 JSON``; a line cut short by a crash fails its
    checksum and is ignored (its command never returned).
``PATH.lock``
    Taken exclusively (``flock``) for every change and shared while loading,
    so two processes never interleave a read-modify-write.

A change costs one small append to the journal, not a rewrite of the library.
When the journal grows past a limit it is *compacted*: the TinyDB files are
rewritten to a temporary file, fsynced and renamed over the old ones (abstracts
first, then papers), and only then is the journal emptied. Records carry a
sequence number and the papers file records the last one it includes, so a
crash at any point of compaction replays correctly.

Why not TinyDB's own ``Table`` API for writes: it rereads and rewrites the
whole database on every change (1.9 s per tag change at 100,000 papers, and it
loses updates between two processes). The files stay plain TinyDB databases:
``TinyDB(path).table("papers").all()`` reads them (tested).
"""

from __future__ import annotations

import base64
import binascii
import functools
import gc
import json
import os
import re
import shutil
import sys
import threading
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from reader.fileio import fsync_dir as _fsync_dir
from reader.fileio import file_signature, write_atomically, writer_alive
from reader.errors import LibraryBusy, LibraryError, ReaderError, UnknownPaper
from reader.importers import Candidate, Skipped
from reader.snapshot import MIN_PAPERS as SNAPSHOT_MIN_PAPERS
from reader.snapshot import bytes_signature, read_snapshot, write_snapshot
from reader.papers import (
    Link,
    Paper,
    normalise_arxiv_id,
    normalise_tag,
    normalise_title,
    now_iso,
    paper_id,
    short_id,
)

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 1
APP_MARKER = "reader"

# Compact the journal once it holds this many records or bytes.
COMPACT_RECORDS = 2000
COMPACT_BYTES = 8 * 1024 * 1024
# A change touching more papers than this is written straight into the
# TinyDB files (one atomic rename) instead of the journal.
DIRECT_WRITE_PAPERS = 2000
# The abstracts file is streamed in chunks of this many bytes.
STREAM_CHUNK = 4 * 1024 * 1024
# Above this many papers, a change reads their old abstracts in one pass over the file.
ABSTRACTS_SCAN_MIN = 200
# How many past changes are kept (and can be undone).
HISTORY_KEEP = 100
# Automatic backups: at most one per BACKUP_INTERVAL seconds of changes, the newest BACKUP_KEEP kept.
BACKUP_INTERVAL = 300.0
BACKUP_KEEP = 10


# -- results ---------------------------------------------------------------------


@dataclass(slots=True)
class ImportReport:
    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    entries: int = 0
    sources: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def to_dict(self) -> dict:
        return {
            "sources": self.sources,
            "entries": self.entries,
            "added": self.added,
            "merged": self.merged,
            "updated": self.updated,
            "skipped": [s.to_dict() for s in self.skipped],
        }


@dataclass(slots=True)
class HistoryEntry:
    seq: int
    at: str
    label: str
    papers: int
    undone: bool
    is_undo: bool

    def to_dict(self) -> dict:
        return {
            "seq": self.seq,
            "at": self.at,
            "label": self.label,
            "papers": self.papers,
            "undone": self.undone,
            "undo": self.is_undo,
        }


@dataclass(slots=True)
class Backup:
    path: Path
    created: float  # seconds since the epoch

    def summary(self, library_name: str = "library.json") -> str:
        """Papers and read papers in this backup (loads it)."""
        try:
            library = Library.open(self.path / library_name, backup_interval=0)
        except LibraryError as exc:
            return f"does not load: {exc}"
        papers = library.papers()
        read = sum(1 for p in papers if p.read)
        return f"{len(papers)} papers, {read} read"


@dataclass(slots=True)
class Change:
    """What one committed change did (``ids`` are the papers it changed)."""

    label: str
    ids: list[str]
    seq: int = 0


# -- small file helpers ------------------------------------------------------------


def _os_error(action: str, path: Path, exc: OSError) -> LibraryError:
    reason = exc.strerror or str(exc)
    return LibraryError(f"cannot {action} {path}: {reason}")


def atomic_write(path: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` to a temporary file beside ``path``, fsync, rename over ``path``."""
    try:
        write_atomically(path, chunks)
    except OSError as exc:
        raise _os_error("write", path, exc) from None


# An import computes each title's key several times (dedupe, ids, the title index).
_cached_title_key = functools.lru_cache(maxsize=1 << 18)(normalise_title)


def _title_key(title: str) -> str:
    return _cached_title_key(title)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while loading many objects.

    Parsing a big library creates a few million containers; each allocation
    burst triggers collections that re-scan everything loaded so far. With
    the collector paused, opening 100,000 papers takes a third of the time.
    Nothing loaded here forms reference cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _same_content_signature(a: Path, b: Path) -> bool:
    """Same size and modification time: the file was not rewritten since ``b`` was copied from it."""
    sa, sb = a.stat(), b.stat()
    return sa.st_size == sb.st_size and sa.st_mtime_ns == sb.st_mtime_ns


def atomic_copy(source: Path, dest: Path) -> None:
    """Copy ``source`` over ``dest`` so that ``dest`` is always either old or new, never half."""
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise _os_error("write", dest, exc) from None
    _fsync_dir(dest.parent)


def _table_chunks(name: str, docs: Iterable[dict], *, last: bool, batch: int = 500) -> Iterator[str]:
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


def _encode_record(record: dict) -> bytes:
    body = json.dumps(record, separators=(",", ":")).encode("utf-8")
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def _decode_record(line: bytes) -> dict | None:
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        record = json.loads(body)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("seq"), int) else None


# -- the abstracts file: offsets and streaming ------------------------------------------


def _file_signature(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _numbered(docs: Iterable[dict]) -> dict[str, dict]:
    """Documents keyed by TinyDB ids as :func:`_table_chunks` writes them: "1", "2", ..."""
    return {str(number): doc for number, doc in enumerate(docs, start=1)}


def _json_trip(value):
    """``value`` as writing it to JSON and reading it back gives it."""
    return json.loads(json.dumps(value))


def _history_records(table: object) -> list[dict]:
    """The stored history table's records, oldest first (anything malformed left out)."""
    if not isinstance(table, dict):
        return []
    records = [h for h in table.values() if isinstance(h, dict) and isinstance(h.get("seq"), int)]
    return sorted(records, key=lambda h: h["seq"])


_OWN_TABLES = ("meta", "papers", "history", "abstracts_at")


def _other_tables(data: dict) -> dict[str, dict]:
    """Tables another program added to the papers file: kept and written back as they are."""
    return {k: v for k, v in data.items() if k not in _OWN_TABLES and isinstance(v, dict)}


class _Spans:
    """Where each paper's document sits in the abstracts file: ``(offset, length)`` by id.

    ``file`` is the (size, mtime_ns, inode) of the abstracts file these offsets
    describe; any other file is not trusted with them. Stored in the papers
    file as two strings (ids joined by commas, the offsets and lengths as
    base64 of little-endian 64-bit integers), which parse in a few
    milliseconds and take a few MB at 100,000 papers, where lists of 100,000
    strings and 200,000 numbers took 18 MB more to open.
    """

    __slots__ = ("_ids", "_spans", "file", "_where")

    def __init__(self, ids: list[str] | str, spans: array, file: tuple[int, int, int]) -> None:
        self._ids = ids  # a list, or the stored comma-joined string (split on first use)
        self._spans = spans  # offset, length, offset, length, ...
        self.file = file
        self._where: dict[str, int] | None = None

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
    def from_doc(cls, doc: object) -> "_Spans | None":
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


# A document longer than this (while scanning) means a damaged file, not a long abstract.
_MAX_DOCUMENT = 64 * 1024 * 1024
_ABSTRACTS_HEAD = '{"abstracts": {'
_HEAD_RE = re.compile(r'\s*\{\s*"abstracts"\s*:\s*\{\s*')
_CLOSE_RE = re.compile(r'\s*\}')
_KEY_RE = re.compile(r'\s*"(?:[^"\\]|\\.)*"\s*:\s*')
_SEP_RE = re.compile(r'\s*(?:(,)\s*|\})')
_TAIL_RE = re.compile(r'\s*\}\s*\Z')


class _OtherLayout(Exception):
    """The abstracts file is valid JSON perhaps, but not laid out as :func:`_abstracts_file_chunks` writes."""


def _abstracts_file_chunks(docs: Iterable[tuple[str, str]], where: list) -> Iterator[str]:
    """The abstracts file's text, one document after another; appends (id, offset, length) to ``where``.

    ``json.dumps`` escapes every non-ASCII character, so the text is ASCII
    and character offsets are byte offsets.
    """
    yield _ABSTRACTS_HEAD
    offset = len(_ABSTRACTS_HEAD)
    pending: list[str] = []
    for number, (pid, text) in enumerate(docs, start=1):
        key = f'"{number}": ' if number == 1 else f', "{number}": '
        body = '{"id": ' + json.dumps(pid) + ', "abstract": ' + json.dumps(text) + "}"
        offset += len(key)
        where.append((pid, offset, len(body)))
        offset += len(body)
        pending.append(key)
        pending.append(body)
        if len(pending) >= 1000:
            yield "".join(pending)
            pending = []
            time.sleep(0)  # let a UI thread run
    pending.append("}}\n")
    yield "".join(pending)


def _scan_documents(handle, chunk_size: int | None = None) -> Iterator[tuple[int, int, object]]:
    """(offset, length, document) for each document of the abstracts table, in file order.

    Reads ``chunk_size`` bytes at a time and keeps only the unparsed rest of
    a chunk. Raises :class:`_OtherLayout` for a file that is not one table
    ``abstracts`` written as JSON text in ASCII (read such a file whole).
    """
    chunk_size = chunk_size or STREAM_CHUNK
    decode = json.JSONDecoder().raw_decode
    base = 0  # file offset of buf[0]
    eof = False

    def read() -> str:
        data = handle.read(chunk_size)
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise _OtherLayout from None

    buf = read()
    if len(buf) < chunk_size:
        eof = True
    head = _HEAD_RE.match(buf)
    if head is None:
        raise _OtherLayout
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
                except ValueError:
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
            if eof or len(buf) - pos > _MAX_DOCUMENT:
                raise _OtherLayout
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
        raise _OtherLayout


def _abstract_of(doc: object) -> tuple[str, str] | None:
    if isinstance(doc, dict) and isinstance(doc.get("id"), str):
        return doc["id"], str(doc.get("abstract") or "")
    return None


# -- the library -------------------------------------------------------------------


class Library:
    """All papers of one library, in memory, backed by the files described above.

    Reads never touch the disk (but abstracts: :meth:`abstract` reads one). Every change goes
    through :meth:`_commit`, which takes the lock, catches up with changes made
    by other processes, computes the change against the current state, makes it
    durable, and only then applies it in memory.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        clock: Callable[[], str] = now_iso,
        lock_timeout: float = 30.0,
        auto_compact: bool = True,
        backup_interval: float = BACKUP_INTERVAL,
        backup_keep: int = BACKUP_KEEP,
    ) -> None:
        self.path = Path(path)
        self.abstracts_path = self.path.with_name(
            f"{self.path.stem}.abstracts{self.path.suffix}" if self.path.suffix else f"{self.path.name}.abstracts"
        )
        self.wal_path = self.path.with_name(self.path.name + ".wal")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.snapshot_path = self.path.with_name(self.path.name + ".snapshot")
        self.clock = clock
        self.lock_timeout = lock_timeout
        self.auto_compact = auto_compact
        self.backup_interval = backup_interval  # seconds between automatic backups; 0: never
        self.backup_keep = backup_keep
        self.backups_dir = self.path.with_name(self.path.name + ".backups")
        self.generation = 0  # bumps on every change applied in memory (ours or others')
        self.warnings: list[str] = []  # problems that did not stop a change (callers may show them)

        self._papers: dict[str, Paper] = {}
        # Abstracts learned from the journal (newer than the file's); all of them once loaded.
        self._abstracts: dict[str, str] = {}
        self._abstracts_loaded = False
        self._abstracts_dirty = False  # abstracts changed since the abstracts file was written
        self._spans: _Spans | None = None  # where each abstract is in the abstracts file
        self._other_tables: dict[str, dict] = {}
        self._history: list[dict] = []  # oldest first; see _remember()
        self._seq = 0
        self._main_sig: tuple[int, int, int] | None = None
        self._wal_token: str | None = None
        self._wal_offset = 0
        self._wal_records = 0
        self._by_title: dict[str, str] | None = None
        self._by_arxiv: dict[str, str] | None = None
        self._mutex = threading.RLock()
        self.opened_from_snapshot = False  # the last load used the snapshot (see reader.snapshot)
        self._snapshot_current = False  # the snapshot matches library.json as it is now
        self._saved_spans_file: tuple[int, int, int] | None = None  # the abstracts file library.json's offsets describe
        # (generation, ids changed) for the last changes; None means "reloaded: everything".
        self._change_log: list[tuple[int, frozenset[str] | None]] = []

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, **kwargs) -> "Library":
        library = cls(path, **kwargs)
        library.load()
        return library

    def load(self) -> None:
        """(Re)load everything from disk. Raises :class:`LibraryError` for a file that does not load."""
        with self._mutex, self._lock(shared=True):
            self._load_locked()

    def _load_locked(self) -> None:
        self._load_main()
        self._wal_token, self._wal_offset, self._wal_records = None, 0, 0
        self._read_wal()
        self.generation += 1
        self._log_change(None)

    def _log_change(self, ids: frozenset[str] | None) -> None:
        self._change_log.append((self.generation, ids))
        if len(self._change_log) > 1000:
            del self._change_log[:500]

    def changes_since(self, generation: int) -> set[str] | None:
        """Ids changed after ``generation`` (ours or other processes'); None: assume everything."""
        if generation >= self.generation:
            return set()
        if not self._change_log or self._change_log[0][0] > generation + 1:
            return None
        changed: set[str] = set()
        for gen, ids in self._change_log:
            if gen <= generation:
                continue
            if ids is None:
                return None
            changed |= ids
        return changed

    def _read_bytes(self, path: Path) -> bytes | None:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise LibraryError(f"{path} is a directory, not a library file") from None
        except OSError as exc:
            raise _os_error("read", path, exc) from None
        return data

    def _parse_json(self, path: Path, data: bytes) -> dict:
        if not data.strip():
            raise LibraryError(f"{path} is empty (truncated?); it was not changed")
        try:
            value = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise LibraryError(f"{path} is not valid JSON ({exc}); it was not changed") from None
        if not isinstance(value, dict):
            raise LibraryError(f"{path} is not a TinyDB database (top level is not an object); it was not changed")
        return value

    def _read_json_file(self, path: Path) -> dict | None:
        data = self._read_bytes(path)
        return None if data is None else self._parse_json(path, data)

    def _load_main(self) -> None:
        with _gc_paused():
            self._load_main_files()

    def _load_main_files(self) -> None:
        sig = file_signature(self.path)
        raw = self._read_bytes(self.path)
        snapshot = None
        if raw is not None and os.path.exists(self.snapshot_path):
            source = bytes_signature(raw)
            del raw  # not held while the snapshot loads (we hold the lock: the file cannot change)
            snapshot = read_snapshot(self.snapshot_path, source, schema=SCHEMA_VERSION)
            if snapshot is None:
                raw = self._read_bytes(self.path)
        if snapshot is not None:
            # The same content as the JSON below, in about half the time (reader.snapshot).
            papers, seq, history, others = snapshot.papers, snapshot.seq, snapshot.history, snapshot.others
            spans = _Spans.from_doc(snapshot.spans_doc)
        else:
            data = None if raw is None else self._parse_json(self.path, raw)
            del raw
            papers, seq, history, others, spans = self._parse_main(data)
        self.opened_from_snapshot = self._snapshot_current = snapshot is not None
        self._saved_spans_file = spans.file if spans is not None else None
        self._papers = papers
        self._seq = seq
        self._main_sig = sig
        self._other_tables = others
        self._history = history
        self._abstracts = {}
        self._abstracts_loaded = False
        self._abstracts_dirty = False
        self._spans = spans
        self._by_title = None
        self._by_arxiv = None

    def _parse_main(self, data: dict | None):
        """(papers, seq, history, other tables, spans) from the parsed papers file."""
        papers: dict[str, Paper] = {}
        seq = 0
        others: dict[str, dict] = {}
        history: list[dict] = []
        spans: _Spans | None = None
        if data is not None:
            meta = self._meta_from(data)
            schema = meta.get("schema")
            if not isinstance(schema, int):
                raise LibraryError(f"{self.path} has no schema version; is it a reader library? It was not changed")
            if schema > SCHEMA_VERSION:
                raise LibraryError(
                    f"{self.path} was written by a newer reader (schema {schema}, this one reads {SCHEMA_VERSION}); "
                    "upgrade reader. The file was not changed"
                )
            seq = meta.get("seq", 0)
            if not isinstance(seq, int):
                raise LibraryError(f"{self.path}: meta.seq is not a number; the file was not changed")
            table = data.get("papers", {})
            if not isinstance(table, dict):
                raise LibraryError(f"{self.path}: table 'papers' is not an object; the file was not changed")
            for doc_id, doc in table.items():
                try:
                    paper = Paper.from_doc(doc)
                except ValueError as exc:
                    raise LibraryError(f"{self.path}: paper document {doc_id} is malformed ({exc}); not changed") from None
                papers[paper.id] = paper
            history = _history_records(data.get("history", {}))
            spans_table = data.get("abstracts_at")
            if isinstance(spans_table, dict) and spans_table:
                spans = _Spans.from_doc(next(iter(spans_table.values())))
            others = _other_tables(data)
        return papers, seq, history, others, spans

    def _meta_from(self, data: dict) -> dict:
        meta_table = data.get("meta")
        if not isinstance(meta_table, dict) or not meta_table:
            raise LibraryError(f"{self.path} has no 'meta' table; is it a reader library? It was not changed")
        meta = next(iter(meta_table.values()))
        if not isinstance(meta, dict) or meta.get("app") != APP_MARKER:
            raise LibraryError(f"{self.path} is not a reader library (meta table not recognised); it was not changed")
        return meta

    def _read_wal(self, *, reloaded: bool = False) -> bool:
        """Apply journal records newer than what we have; returns True if anything changed.

        Each journal file starts with a header naming it by a random token;
        compaction starts a new journal with a new token, so a reader notices
        the swap even when the file system reuses the old file's inode. A gap
        in sequence numbers means another process compacted records we never
        saw into the TinyDB files: reload those, once.
        """
        try:
            handle = open(self.wal_path, "rb")
        except FileNotFoundError:
            self._wal_token, self._wal_offset, self._wal_records = None, 0, 0
            return False
        except OSError as exc:
            raise _os_error("read", self.wal_path, exc) from None
        with handle:
            header = _decode_record(handle.readline(4096).rstrip(b"\n"))
            token = header.get("journal") if header else None
            if token is None or token != self._wal_token:
                self._wal_token, self._wal_offset, self._wal_records = token, 0, 0
            size = os.fstat(handle.fileno()).st_size
            if size == self._wal_offset:
                return False
            handle.seek(self._wal_offset)
            data = handle.read()
        changed = False
        position = 0
        while True:
            end = data.find(b"\n", position)
            if end < 0:
                break  # an unfinished last line: a write in progress or cut short
            record = _decode_record(data[position:end])
            if record is None:
                following = data.find(b"\n", end + 1)
                if following >= 0 and _decode_record(data[end + 1 : following]):
                    raise LibraryError(
                        f"{self.wal_path} is damaged in the middle (byte {self._wal_offset + position}); "
                        "nothing was changed. Move it aside to open the library without its latest changes"
                    )
                break
            position = end + 1
            if "journal" in record:
                continue  # the header
            self._wal_records += 1
            if record["seq"] <= self._seq:
                continue
            if record["seq"] != self._seq + 1:
                if reloaded:
                    raise LibraryError(
                        f"{self.wal_path} continues from change {record['seq']} but {self.path} holds changes "
                        f"only up to {self._seq} (was the library file replaced by an older copy?). Nothing was "
                        "changed; move the .wal file aside to open the library as its file has it"
                    )
                # We missed records that were compacted away: reload, then read again.
                self._load_main()
                self._wal_token, self._wal_offset, self._wal_records = None, 0, 0
                self._read_wal(reloaded=True)
                self.generation += 1
                self._log_change(None)
                return True
            self._apply_record(record)
            changed = True
        self._wal_offset += position
        return changed

    def _apply_record(self, record: dict, papers: Iterable[Paper] | None = None) -> None:
        """Apply one change record; ``papers`` are its "put" documents as Paper objects, if at hand."""
        inserted = False
        for paper in papers if papers is not None else map(Paper.from_doc, record.get("put", ())):
            old = self._papers.get(paper.id)
            if old is None:
                # A new paper has no abstract unless the record gives one (whatever an
                # older abstracts file holds under its id, from a deleted paper).
                self._abstracts[paper.id] = ""
                inserted = True
            self._index_forget(old)
            self._papers[paper.id] = paper
            self._index_add(paper)
        for pid in record.get("delete", ()):
            self._index_forget(self._papers.pop(pid, None))
            self._abstracts.pop(pid, None)
        for pid, text in (record.get("abstracts") or {}).items():
            self._abstracts[pid] = text
        if inserted or record.get("abstracts") or record.get("delete"):
            self._abstracts_dirty = True
        self._remember(record)
        self._seq = record["seq"]
        self.generation += 1
        self._log_change(
            frozenset(doc["id"] for doc in record.get("put", ()))
            | frozenset(record.get("delete", ()))
            | frozenset(record.get("abstracts") or ())
        )

    # -- locking -------------------------------------------------------------------

    @contextmanager
    def _lock(self, *, shared: bool, failure: str = ""):
        """``failure`` prefixes the message when the lock cannot be taken (e.g. "change not saved: ")."""
        if fcntl is None:  # pragma: no cover - no advisory locks on this platform
            yield
            return
        try:
            handle = open(self.lock_path, "a+b")
        except FileNotFoundError:
            if shared:  # no library directory yet: nothing to read, nothing to lock
                yield
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                handle = open(self.lock_path, "a+b")
            except OSError as exc:
                raise LibraryError(failure + str(_os_error("create", self.lock_path, exc))) from None
        except OSError as exc:
            if shared:  # read-only directory: read without a lock
                yield
                return
            raise LibraryError(
                failure + str(_os_error("write to the library directory", self.path.parent, exc))
            ) from None
        try:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            deadline = time.monotonic() + self.lock_timeout
            delay = 0.001
            while True:
                try:
                    fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LibraryBusy(
                            f"{failure}{self.path} is busy: another reader process kept it locked for "
                            f"{self.lock_timeout:.0f} s; try again"
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            seq = self._seq
            yield
            if not shared and self._seq != seq:
                self._changed_under_lock()
        finally:
            handle.close()  # releases the lock

    def _changed_under_lock(self) -> None:
        """Every change, whatever made it, ends here while the writer lock is still held: the
        search index beside the library (if it has one) takes the changed papers (see
        :mod:`reader.search.engine`; it never raises, and a failure is a warning)."""
        from reader.search.engine import library_changed

        library_changed(self)

    def changed_since(self, seq: int) -> set[str] | None:
        """Ids of the papers the changes after change number ``seq`` touched (created, changed
        or deleted); None when the history does not reach back that far."""
        if seq == self._seq:
            return set()
        entries = [entry for entry in self._history if entry["seq"] > seq]
        numbers = sorted(entry["seq"] for entry in entries)
        if not numbers or numbers != list(range(seq + 1, self._seq + 1)):
            return None
        changed: set[str] = set()
        for entry in entries:
            changed.update(entry["before"], entry.get("created") or (), entry.get("before_abstracts") or ())
        return changed

    # -- catching up with other processes ---------------------------------------------

    def refresh(self) -> bool:
        """Pick up changes other processes made. Returns True when anything changed."""
        with self._mutex, self._lock(shared=True):
            return self._catch_up()

    def _catch_up(self) -> bool:
        sig = file_signature(self.path)
        if sig != self._main_sig:
            on_disk_seq = self._peek_main_seq()
            # Another writer's compaction of what we hold already has our sequence number: keep
            # our state. A higher one holds more; a lower one is an older state put back (a
            # restored backup): both are read again.
            if on_disk_seq is None or on_disk_seq != self._seq or sig is None:
                self._load_locked()
                return True
            self._main_sig = sig
        return self._read_wal()

    def _newest_seq_on_disk(self) -> int:
        """The highest change number in the papers file and the journal, read leniently (0: none)."""
        newest = self._peek_main_seq() or 0
        try:
            with open(self.wal_path, "rb") as handle:
                for line in handle:
                    record = _decode_record(line.rstrip(b"\n"))
                    if record is not None and isinstance(record.get("seq"), int):
                        newest = max(newest, record["seq"])
        except OSError:
            pass  # no journal, or none readable: the papers file's number stands
        return newest

    def _peek_main_seq(self) -> int | None:
        """The journal sequence number the papers file includes, read from its first bytes."""
        try:
            with open(self.path, "rb") as handle:
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
        except (ValueError, KeyError, TypeError, StopIteration):
            return None

    # -- reading ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._papers)

    def __contains__(self, pid: object) -> bool:
        return pid in self._papers

    def get(self, pid: str) -> Paper | None:
        return self._papers.get(pid)

    def papers(self) -> list[Paper]:
        """Every paper, oldest first (the order they were added)."""
        return list(self._papers.values())

    def ids(self) -> list[str]:
        return list(self._papers)

    @property
    def seq(self) -> int:
        return self._seq

    def resolve(self, ref: str) -> Paper:
        """A paper by id, short id or unique id prefix; :class:`UnknownPaper` otherwise."""
        ref = ref.strip()
        if not ref:
            raise UnknownPaper("empty paper id")
        paper = self._papers.get(ref) or self._papers.get(ref.lower())
        if paper is not None:
            return paper
        arxiv = normalise_arxiv_id(ref)
        if arxiv and self._arxiv_index().get(arxiv):
            return self._papers[self._arxiv_index()[arxiv]]
        prefix = ref.lower()
        matches = [pid for pid in self._papers if pid.startswith(prefix)] if len(prefix) >= 4 else []
        if len(matches) == 1:
            return self._papers[matches[0]]
        if not matches:
            raise UnknownPaper(f"no paper with id {ref!r} (see `reader list` for ids)")
        shown = ", ".join(short_id(pid) for pid in matches[:5])
        raise UnknownPaper(f"id {ref!r} is ambiguous: it matches {len(matches)} papers ({shown}...); type more of it")

    def tag_counts(self) -> Counter:
        counts: Counter = Counter()
        for paper in self._papers.values():
            counts.update(paper.tags)
        return counts

    def abstract(self, pid: str) -> str:
        """One paper's abstract ("" if none), read from the abstracts file by offset.

        Does not load the other abstracts (unless the file is not laid out as
        reader writes it and cannot be indexed: then they are all loaded).
        """
        text = self._abstracts.get(pid)
        if text is not None:
            return text
        if self._abstracts_loaded or pid not in self._papers:
            return ""
        text = self._read_abstract_at(pid)
        if text is None:
            # No offsets, or not for this file (another process compacted, a backup
            # was restored, TinyDB rewrote it): find them again with one scan.
            self._index_abstracts_file()
            text = self._read_abstract_at(pid)
        if text is None:
            self.load_abstracts()
            return self._abstracts.get(pid, "")
        return text

    def _read_abstract_at(self, pid: str) -> str | None:
        """``pid``'s abstract read by offset; None when the offsets cannot be trusted for this file."""
        spans = self._spans
        if spans is None:
            return None
        try:
            fd = os.open(self.abstracts_path, os.O_RDONLY)
        except OSError:
            return None
        try:
            if _file_signature(os.fstat(fd)) != spans.file:
                return None
            where = spans.where(pid)
            if where is None:
                return ""  # the file these offsets describe holds no abstract for it
            offset, length = where
            os.lseek(fd, offset, os.SEEK_SET)
            raw = os.read(fd, length)
        except OSError:
            return None
        finally:
            os.close(fd)
        try:
            doc = json.loads(raw)
        except ValueError:
            return None
        found = _abstract_of(doc)
        if found is None or found[0] != pid:
            return None
        return found[1]

    def _index_abstracts_file(self) -> None:
        """Find where each document of the abstracts file is (one streaming pass, no text kept)."""
        ids: list[str] = []
        spans = array("q")
        try:
            with open(self.abstracts_path, "rb") as handle:
                signature = _file_signature(os.fstat(handle.fileno()))
                for offset, length, doc in _scan_documents(handle):
                    found = _abstract_of(doc)
                    if found is not None:
                        ids.append(found[0])
                        spans.append(offset)
                        spans.append(length)
        except (OSError, _OtherLayout):
            return  # the caller falls back to reading the file whole
        self._spans = _Spans(ids, spans, signature)

    def abstracts(self) -> dict[str, str]:
        """All abstracts by paper id (loads them on first use and keeps them)."""
        if not self._abstracts_loaded:
            self.load_abstracts()
        return self._abstracts

    def iter_abstracts(self) -> Iterator[tuple[str, str]]:
        """(id, abstract) of every paper that has an abstract entry, without keeping them in memory.

        Streams the abstracts file in chunks, then yields the abstracts learned
        from the journal. The same pairs :meth:`abstracts` holds, in some order.
        """
        if self._abstracts_loaded:
            yield from list(self._abstracts.items())
            return
        journal = dict(self._abstracts)  # newer than the file's
        papers = self._papers
        seen: set[str] = set()
        for pid, text in self._file_abstracts():
            if pid in papers and pid not in journal and pid not in seen:
                seen.add(pid)
                yield pid, text
        for pid, text in journal.items():
            if pid in papers:
                yield pid, text

    def _file_abstracts(self) -> Iterator[tuple[str, str]]:
        """(id, abstract) of each document of the abstracts file, streamed; read whole if it is not
        laid out as reader writes it (then pairs already yielded may come again)."""
        try:
            handle = open(self.abstracts_path, "rb")
        except FileNotFoundError:
            return
        except IsADirectoryError:
            raise LibraryError(f"{self.abstracts_path} is a directory, not a library file") from None
        except OSError as exc:
            raise _os_error("read", self.abstracts_path, exc) from None
        with handle:
            try:
                for _offset, _length, doc in _scan_documents(handle):
                    found = _abstract_of(doc)
                    if found is not None:
                        yield found
                return
            except _OtherLayout:
                pass
            except OSError as exc:
                raise _os_error("read", self.abstracts_path, exc) from None
        data = self._read_json_file(self.abstracts_path)
        if data is None:
            return
        table = data.get("abstracts", {})
        if not isinstance(table, dict):
            raise LibraryError(f"{self.abstracts_path}: table 'abstracts' is not an object; not changed")
        for doc in table.values():
            found = _abstract_of(doc)
            if found is not None:
                yield found

    def load_abstracts(self) -> None:
        """Load every abstract and keep them (streamed from the file, one document at a time)."""
        with self._mutex:
            if self._abstracts_loaded:
                return
            papers = self._papers
            loaded: dict[str, str] = {}
            with _gc_paused():
                for pid, text in self._file_abstracts():
                    if pid in papers:
                        loaded[pid] = text
            # Abstracts we learned from the journal are newer than the file's.
            for pid, text in self._abstracts.items():
                if pid in papers:
                    loaded[pid] = text
            self._abstracts = loaded
            self._abstracts_loaded = True

    def read_abstracts(self, pids: Iterable[str]) -> dict[str, str]:
        """Abstracts of ``pids`` (papers of the library) read by offset, the file opened once.

        For a few thousand papers (a phrase checked against candidate abstracts)
        this is several times faster than one :meth:`abstract` call each.
        """
        wanted = [pid for pid in dict.fromkeys(pids) if pid in self._papers]
        found: dict[str, str] = {}
        todo: list[tuple[int, int, str]] = []
        spans = self._spans
        for pid in wanted:
            text = self._abstracts.get(pid)
            if text is not None:
                found[pid] = text
            elif self._abstracts_loaded:
                found[pid] = ""
            else:
                where = spans.where(pid) if spans is not None else None
                if where is None:
                    found[pid] = self.abstract(pid)  # handles stale or missing offsets
                else:
                    todo.append((where[0], where[1], pid))
        if not todo:
            return found
        todo.sort()
        try:
            fd = os.open(self.abstracts_path, os.O_RDONLY)
        except OSError:
            fd = None
        try:
            trusted = fd is not None and _file_signature(os.fstat(fd)) == spans.file
            for offset, length, pid in todo:
                text = None
                if trusted:
                    try:
                        got = _abstract_of(json.loads(os.pread(fd, length, offset)))
                    except (OSError, ValueError):
                        got = None
                    if got is not None and got[0] == pid:
                        text = got[1]
                found[pid] = text if text is not None else self.abstract(pid)
        finally:
            if fd is not None:
                os.close(fd)
        return found

    def _abstracts_of(self, pids: Iterable[str]) -> dict[str, str]:
        """The current abstracts of ``pids`` (papers of the library), reading the file once for many."""
        wanted = [pid for pid in dict.fromkeys(pids) if pid in self._papers]
        if self._abstracts_loaded or len(wanted) < ABSTRACTS_SCAN_MIN:
            return {pid: self.abstract(pid) for pid in wanted}
        found = dict.fromkeys(wanted, "")
        for pid, text in self.iter_abstracts():
            if pid in found:
                found[pid] = text
        return found

    # -- indexes used to dedupe imports ------------------------------------------------

    def _title_index(self) -> dict[str, str]:
        if self._by_title is None:
            self._by_title = {_title_key(p.title): p.id for p in self._papers.values()}
        return self._by_title

    def _arxiv_index(self) -> dict[str, str]:
        if self._by_arxiv is None:
            self._by_arxiv = {p.arxiv_id: p.id for p in self._papers.values() if p.arxiv_id}
        return self._by_arxiv

    def _index_add(self, paper: Paper) -> None:
        if self._by_title is not None:
            self._by_title.setdefault(_title_key(paper.title), paper.id)
        if self._by_arxiv is not None and paper.arxiv_id:
            self._by_arxiv.setdefault(paper.arxiv_id, paper.id)

    def _index_forget(self, paper: Paper | None) -> None:
        if paper is None:
            return
        if self._by_title is not None and self._by_title.get(_title_key(paper.title)) == paper.id:
            del self._by_title[_title_key(paper.title)]
        if self._by_arxiv is not None and paper.arxiv_id and self._by_arxiv.get(paper.arxiv_id) == paper.id:
            del self._by_arxiv[paper.arxiv_id]

    def find_existing(self, title: str, arxiv_id: str | None = None, *, key: str | None = None) -> Paper | None:
        """The paper a source's entry is the same paper as: by arXiv id, then by title."""
        if arxiv_id:
            pid = self._arxiv_index().get(arxiv_id) or (arxiv_id if arxiv_id in self._papers else None)
            if pid:
                return self._papers[pid]
        pid = self._title_index().get(key if key is not None else _title_key(title))
        return self._papers.get(pid) if pid else None

    # -- committing changes ---------------------------------------------------------------

    def _commit(
        self,
        label: str,
        compute: Callable[[], tuple[dict[str, Paper], dict[str, str], list[str]]],
        *,
        meta: dict | None = None,
    ) -> Change:
        """Run ``compute`` under the lock on up-to-date state and make its result durable.

        ``compute`` returns (papers to put, abstracts to put, ids to delete);
        it must not change anything itself. Nothing in memory changes unless
        the change reached the disk. ``compute`` may fill ``meta`` with a
        ``label`` (replacing ``label``) and ``undoes`` (the seq it reverts).
        """
        with self._mutex, self._lock(shared=False, failure="change not saved: "):
            self._catch_up()
            puts, new_abstracts, deletes = compute()
            meta = meta or {}
            label = meta.get("label", label)
            undoes = meta.get("undoes")
            deletes = [pid for pid in deletes if pid in self._papers]
            if not puts and not deletes and not new_abstracts:
                return Change(label, [], self._seq)
            # What the papers looked like before: this is what undo restores.
            before: dict[str, dict] = {}
            created: list[str] = []
            for pid in dict.fromkeys([*puts, *deletes, *new_abstracts]):
                old = self._papers.get(pid)
                if old is None:
                    created.append(pid)
                else:
                    before[pid] = old.to_stored_doc()
            before_abstracts = self._abstracts_of([*deletes, *new_abstracts])
            record = {
                "seq": self._seq + 1,
                "at": self.clock(),
                "label": label,
                "delete": deletes,
                "before": before,
                "created": created,
            }
            if new_abstracts:
                record["abstracts"] = new_abstracts
            if before_abstracts:
                record["before_abstracts"] = before_abstracts
            if undoes is not None:
                record["undoes"] = undoes
            if self.backup_interval and self._main_sig is not None:
                self._backup_if_due()
            if len(puts) + len(deletes) > DIRECT_WRITE_PAPERS:
                self._write_direct(record, puts.values())
            else:
                record["put"] = [paper.to_stored_doc() for paper in puts.values()]
                self._append(record)
                self._apply_record(record, puts.values())
                if self._main_sig is None or (self.auto_compact and self.needs_compaction()):
                    # The change is saved in the journal; compaction is housekeeping
                    # (first change: create the TinyDB files too). If it fails, the
                    # journal stays valid and a later change or `reader compact` retries.
                    try:
                        self._compact_locked()
                    except LibraryError as exc:
                        self.warnings.append(f"change saved, but compaction failed: {exc}")
            return Change(label, list(puts) + deletes, self._seq)

    def _append(self, record: dict) -> None:
        """Append one record to the journal and fsync it (called under the lock, caught up)."""
        line = _encode_record(record)
        try:
            if not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.wal_path.exists()
            fd = os.open(self.wal_path, os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LibraryError(f"change not saved: cannot write {self.wal_path}: {exc.strerror or exc}") from None
        offset = self._wal_offset
        token = self._wal_token
        try:
            if token is None:
                # No journal yet (or only a torn header): start one.
                token = os.urandom(8).hex()
                offset = 0
                line = _encode_record({"seq": self._seq, "journal": token}) + line
            # Drop an unfinished line left by a crashed writer before appending.
            if os.fstat(fd).st_size != offset:
                os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, self._wal_offset if self._wal_token else 0)
            except OSError:
                pass  # the torn tail fails its checksum and is dropped by the next writer
            raise LibraryError(
                f"change not saved: cannot write {self.wal_path}: {exc.strerror or exc}"
            ) from None
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.wal_path.parent)
        self._wal_token = token
        self._wal_offset = offset + len(line)
        self._wal_records += 1

    def _write_direct(self, record: dict, papers: Iterable[Paper]) -> None:
        """Apply a large change by rewriting the TinyDB files (one atomic rename)."""
        history = [dict(entry) for entry in self._history]
        saved = (dict(self._papers), dict(self._abstracts), self._seq, self._abstracts_dirty, self._spans)
        self._apply_record(record, papers)
        try:
            self._compact_locked()
        except LibraryError as exc:
            self._papers, self._abstracts, self._seq, self._abstracts_dirty, self._spans = saved
            self._history = history
            self._by_title = self._by_arxiv = None
            self.generation += 1
            self._log_change(None)
            raise LibraryError(f"change not saved: {exc}") from None

    # -- compaction -------------------------------------------------------------------------

    def needs_compaction(self) -> bool:
        return self._wal_records >= COMPACT_RECORDS or self._wal_offset >= COMPACT_BYTES

    def compact(self) -> None:
        """Fold the journal into the TinyDB files. Safe to run at any time, from any process."""
        with self._mutex, self._lock(shared=False):
            self._catch_up()
            self._compact_locked()

    def _compact_locked(self) -> None:
        self._remove_stale_temporaries()
        previous_abstracts = None
        spans = self._spans
        current = self._abstracts_signature()
        rewrite = self._abstracts_dirty or current is None or spans is None or spans.file != current
        if rewrite:
            where: list[tuple[str, int, int]] = []
            # Keep the old abstracts file at hand: if writing the papers file fails
            # below, it goes back, so a failed compaction leaves the files as they were.
            previous_abstracts = self._keep_aside(self.abstracts_path)
            try:
                atomic_write(self.abstracts_path, _abstracts_file_chunks(self._abstracts_to_write(), where))
                signature = _file_signature(os.stat(self.abstracts_path))
            except OSError as exc:
                self._drop_aside(previous_abstracts)
                raise _os_error("read", self.abstracts_path, exc) from None
            except BaseException:
                self._drop_aside(previous_abstracts)
                raise
            packed = array("q")
            for _pid, offset, length in where:
                packed.append(offset)
                packed.append(length)
            spans = _Spans([pid for pid, _o, _l in where], packed, signature)
            del where
        try:
            self._write_papers_file(spans)
        except LibraryError:
            if previous_abstracts is not None:
                try:
                    os.replace(previous_abstracts, self.abstracts_path)
                except OSError as exc:
                    self.warnings.append(f"could not put back {self.abstracts_path}: {exc.strerror or exc}")
            raise
        finally:
            self._drop_aside(previous_abstracts)
        self._spans = spans
        self._saved_spans_file = spans.file if spans is not None else None
        if rewrite and not self._abstracts_loaded:
            self._abstracts = {}  # they are all in the file now, where abstract() finds them
        self._finish_compaction()

    def _abstracts_to_write(self) -> Iterator[tuple[str, str]]:
        """(id, abstract) for every paper: the journal's abstracts over the file's, streamed."""
        papers = self._papers
        if self._abstracts_loaded:
            for pid in papers:
                yield pid, self._abstracts.get(pid, "")
            return
        journal = self._abstracts
        written: set[str] = set()
        for pid, text in self._file_abstracts():
            if pid in papers and pid not in written:
                written.add(pid)
                yield pid, journal.get(pid, text)  # in the file's order: documents keep their place
        for pid in papers:
            if pid not in written:
                yield pid, journal.get(pid, "")

    def _keep_aside(self, path: Path) -> Path | None:
        """A hard link to ``path`` (which is about to be replaced), or None if that is not possible."""
        if not path.exists():
            return None
        aside = path.with_name(f".{path.name}.tmp-{os.getpid()}-aside")
        try:
            if aside.exists():
                aside.unlink()
            os.link(path, aside)
        except OSError as exc:
            # No hard links here: a failed compaction could leave the newer abstracts
            # (harmless: loading ignores abstracts of papers it does not hold).
            self.warnings.append(f"could not keep {path.name} aside while compacting: {exc.strerror or exc}")
            return None
        return aside

    @staticmethod
    def _drop_aside(aside: Path | None) -> None:
        if aside is not None:
            try:
                aside.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                pass  # a leftover is removed by the next compaction (_remove_stale_temporaries)

    def _write_papers_file(self, spans: "_Spans | None") -> None:
        meta = {"app": APP_MARKER, "schema": SCHEMA_VERSION, "seq": self._seq}
        tables: dict[str, Iterable[dict]] = {
            "meta": [meta],
            "papers": (paper.to_stored_doc() for paper in self._papers.values()),
        }
        tables["history"] = self._history[-HISTORY_KEEP:]
        for name, table in self._other_tables.items():
            tables[name] = list(table.values())
        if spans is not None:
            # Last, so that reading the meta table from the file's first bytes stays cheap.
            tables["abstracts_at"] = [spans.to_doc()]
        self._snapshot_current = False
        written = [0, 0]  # size and CRC-32 of the bytes written: what the snapshot is checked against

        def signed(chunks: Iterable[str]) -> Iterator[str]:
            for chunk in chunks:
                data = chunk.encode("utf-8")  # as the file is written
                written[0] += len(data)
                written[1] = zlib.crc32(data, written[1])
                yield chunk

        atomic_write(self.path, signed(self._database_chunks(tables)))
        self._write_snapshot(spans, (written[0], written[1]))

    @property
    def needs_snapshot(self) -> bool:
        """Big enough for a snapshot but without a usable one (written by an older reader, a
        restored backup, another program's edit): :meth:`compact` writes it."""
        return len(self._papers) >= SNAPSHOT_MIN_PAPERS and not self._snapshot_current

    @property
    def needs_tidying(self) -> bool:
        """A big library that would open or read faster after :meth:`tidy`: no usable snapshot,
        or abstract offsets recorded for another abstracts file (a copied or restored library),
        which the first abstract read must find again by scanning the whole file."""
        if len(self._papers) < SNAPSHOT_MIN_PAPERS or not os.access(self.path.parent, os.W_OK):
            return False  # small, or nothing can be written here (a read-only library) anyway
        if self.needs_snapshot:
            return True
        current = self._abstracts_signature()
        return current is not None and self._saved_spans_file != current

    def _abstracts_signature(self) -> tuple[int, int, int] | None:
        """The abstracts file's signature as offsets record it (see _Spans.file); None: no such file."""
        try:
            return _file_signature(os.stat(self.abstracts_path))
        except OSError:
            return None

    def tidy(self) -> None:
        """Find stale abstract offsets again and compact, which saves them and writes the snapshot.

        Changes no paper; safe at any time (the TUI runs it in the background
        when :attr:`needs_tidying`).
        """
        with self._mutex:
            if not self._abstracts_loaded and not self._abstracts_dirty:
                current = self._abstracts_signature()
                if current is not None and (self._spans is None or self._spans.file != current):
                    # One scan records where each abstract is in the file as it is, so compacting
                    # saves those offsets instead of rewriting the whole abstracts file.
                    self._index_abstracts_file()
            self.compact()

    def _write_snapshot(self, spans: "_Spans | None", source: tuple[int, int]) -> None:
        """After the papers file was written: its snapshot, for fast opening (reader.snapshot).

        Optional: when it cannot be written, opening parses the JSON as before
        (a stale snapshot never matches the new file, so it is never used).
        ``source`` is the signature of the bytes just written (not read back:
        without a lock, as on Windows, another writer may have replaced them).
        """
        if len(self._papers) >= SNAPSHOT_MIN_PAPERS:
            try:
                # History and other tables as reading the file gives them back.
                history = _history_records(_json_trip(_numbered(self._history[-HISTORY_KEEP:])))
                others = _json_trip({name: _numbered(table.values()) for name, table in self._other_tables.items()})
                write_snapshot(
                    self.snapshot_path,
                    source,
                    schema=SCHEMA_VERSION,
                    seq=self._seq,
                    papers=list(self._papers.values()),
                    history=history,
                    others=others,
                    spans_doc=spans.to_doc() if spans is not None else None,
                )
                self._snapshot_current = True
                return
            except (OSError, ValueError, TypeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.warnings.append(
                    f"could not write {self.snapshot_path} ({reason}); the library is saved, "
                    "it only opens more slowly until the next compaction"
                )
        try:
            os.unlink(self.snapshot_path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.warnings.append(f"could not remove the old snapshot {self.snapshot_path}: {exc.strerror or exc}")

    def _finish_compaction(self) -> None:
        self._abstracts_dirty = False
        self._main_sig = file_signature(self.path)
        # Every journal record is now in the TinyDB files: start a new journal.
        token = os.urandom(8).hex()
        header = _encode_record({"seq": self._seq, "journal": token}).decode("ascii")
        try:
            atomic_write(self.wal_path, [header])
        except LibraryError as exc:
            # Harmless: the old journal's records are all in the files now and are
            # skipped on replay; keep appending to it.
            self.warnings.append(f"could not start a new journal: {exc}")
            return
        self._wal_token = token
        self._wal_offset = len(header)
        self._wal_records = 0

    def _remove_stale_temporaries(self) -> None:
        """Delete temporary files a killed process left behind.

        The library's own files are written only by holders of the exclusive
        lock, which we hold: none of their temporaries is in use. The search
        caches are written without the lock (by ``reader.search_build`` in a
        child process, for one): theirs go only once the process named in the
        file name (``.NAME.tmp-PID-THREAD``) is gone.
        """
        own = tuple(f".{p.name}.tmp-" for p in (self.path, self.abstracts_path, self.wal_path, self.snapshot_path))
        caches = tuple(f".{self.path.name}.{suffix}.tmp-" for suffix in ("search", "phrases"))
        try:
            entries = list(os.scandir(self.path.parent))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(own) or (entry.name.startswith(caches) and not writer_alive(entry.name)):
                try:
                    os.unlink(entry.path)
                except OSError as exc:
                    self.warnings.append(f"could not remove the stale file {entry.path}: {exc.strerror or exc}")

    @staticmethod
    def _database_chunks(tables: dict[str, Iterable[dict]]) -> Iterator[str]:
        yield "{"
        names = list(tables)
        for index, name in enumerate(names):
            yield from _table_chunks(name, tables[name], last=index == len(names) - 1)
        yield "}\n"

    # -- changes people make ----------------------------------------------------------------

    def _resolve_all(self, refs: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.resolve(ref).id for ref in refs))

    @staticmethod
    def _clean_tags(tags: Iterable[str]) -> list[str]:
        cleaned: list[str] = []
        for tag in tags:
            normal = normalise_tag(tag)
            if not normal:
                raise ReaderError("empty tag: tags need at least one visible character")
            if normal not in cleaned:
                cleaned.append(normal)
        if not cleaned:
            raise ReaderError("no tags given")
        return cleaned

    def tag(self, refs: Iterable[str], tags: Iterable[str]) -> Change:
        ids = self._resolve_all(refs)
        wanted = self._clean_tags(tags)

        def compute():
            puts = {}
            for pid in ids:
                paper = self._papers.get(pid)
                if paper is None:
                    continue
                new = tuple(paper.tags) + tuple(t for t in wanted if t not in paper.tags)
                if new != paper.tags:
                    puts[pid] = replace(paper, tags=new)
            return puts, {}, []

        return self._commit(f"tag {len(ids)} paper(s) +{' +'.join(wanted)}", compute)

    def untag(self, refs: Iterable[str], tags: Iterable[str]) -> Change:
        ids = self._resolve_all(refs)
        unwanted = set(self._clean_tags(tags))

        def compute():
            puts = {}
            for pid in ids:
                paper = self._papers.get(pid)
                if paper is not None and unwanted & set(paper.tags):
                    puts[pid] = replace(paper, tags=tuple(t for t in paper.tags if t not in unwanted))
            return puts, {}, []

        return self._commit(f"untag {len(ids)} paper(s) -{' -'.join(sorted(unwanted))}", compute)

    def set_read(self, refs: Iterable[str], read: bool = True) -> Change:
        ids = self._resolve_all(refs)
        stamp = self.clock()

        def compute():
            puts = {}
            for pid in ids:
                paper = self._papers.get(pid)
                if paper is not None and paper.read != read:
                    puts[pid] = replace(paper, read=read, read_at=stamp if read else None)
            return puts, {}, []

        return self._commit(f"mark {len(ids)} paper(s) {'read' if read else 'unread'}", compute)

    def set_notes(self, ref: str, notes: str) -> Change:
        pid = self.resolve(ref).id

        def compute():
            paper = self._papers.get(pid)
            if paper is None or paper.notes == notes:
                return {}, {}, []
            return {pid: replace(paper, notes=notes)}, {}, []

        return self._commit(f"edit notes of {short_id(pid)}", compute)

    def put(self, papers: Iterable[Paper], abstracts: dict[str, str] | None = None, *, label: str) -> Change:
        """Store ``papers`` exactly as given (insert or replace by id), as one change.

        The low-level form used by restores (JSON backups), which must keep
        ids, dates and read state as they were.
        """
        papers = list(papers)
        abstracts = dict(abstracts or {})

        def compute():
            wanted = [
                replace(p, has_abstract=bool(abstracts[p.id])) if p.id in abstracts else p for p in papers
            ]
            puts = {p.id: p for p in wanted if self._papers.get(p.id) != p}
            current = self._abstracts_of(pid for pid in abstracts if pid not in puts)
            changed_abstracts = {
                pid: text
                for pid, text in abstracts.items()
                if pid in puts or current.get(pid, "") != text
            }
            return puts, changed_abstracts, []

        return self._commit(label, compute)

    def transact(
        self,
        label: str,
        compute: Callable[[], tuple[Iterable[Paper], dict[str, str], Iterable[str]]],
    ) -> Change:
        """The general change: ``compute`` runs under the lock on up-to-date state.

        It reads the library (``get``, ``find_existing``, ``abstract``...) and
        returns (papers to store, abstracts to store, ids to delete); it must not
        change anything itself. Everything it returns is saved as one change (one
        undo step), or nothing is. Use this when what to write depends on what
        is there, so that another process's change in between is never lost.
        """

        def wrapped():
            papers, abstracts, deletes = compute()
            return {p.id: p for p in papers}, dict(abstracts or {}), list(deletes or ())

        return self._commit(label, wrapped)

    def modify(self, refs: Iterable[str], update: Callable[[Paper], Paper], label: str) -> Change:
        """Apply ``update`` to each paper (on its latest state, under the lock) and save the result.

        The general form of a change, for callers outside this module (e.g.
        enriching papers with data fetched online). ``update`` returns the
        paper unchanged to skip it; it must not change the id.
        """
        ids = self._resolve_all(refs)

        def compute():
            puts = {}
            for pid in ids:
                paper = self._papers.get(pid)
                if paper is None:
                    continue
                new = update(paper)
                if new.id != pid:
                    raise ValueError("modify() must not change a paper's id")
                if new != paper:
                    puts[pid] = new
            return puts, {}, []

        return self._commit(label, compute)

    def delete(self, refs: Iterable[str]) -> Change:
        ids = self._resolve_all(refs)
        return self._commit(f"delete {len(ids)} paper(s)", lambda: ({}, {}, list(ids)))

    # -- backups ----------------------------------------------------------------------------

    def _backup_if_due(self) -> None:
        """Housekeeping before a change: a failure here is a warning, never a failed change."""
        try:
            newest = self.list_backups()[:1]
            if newest and time.time() - newest[0].created < self.backup_interval:
                return
            self._backup_locked()
        except LibraryError as exc:
            self.warnings.append(f"automatic backup failed: {exc}")

    def backup(self) -> "Backup":
        """Take a backup now (``reader backup``); returns it."""
        with self._mutex, self._lock(shared=True):
            return self._backup_locked()

    def _backup_locked(self, *, prune: bool = True) -> "Backup":
        """Copy the library's files into a new folder under ``backups_dir``.

        Files that have not changed since the previous backup are hard-linked to
        that backup's copy (nothing ever writes to a backup in place), so a
        backup costs a copy of the journal plus whatever was compacted since.
        """
        now_ns = time.time_ns()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now_ns / 1e9)) + f".{now_ns % 10**9:09d}"
        previous = self.list_backups()[:1]
        target = self.backups_dir / stamp
        partial = self.backups_dir / f".partial-{stamp}-{os.getpid()}"
        try:
            partial.mkdir(parents=True, exist_ok=True)
            for source in (self.path, self.abstracts_path, self.wal_path):
                if not source.exists():
                    continue
                dest = partial / source.name
                old = previous[0].path / source.name if previous else None
                if (
                    source is not self.wal_path
                    and old is not None
                    and old.exists()
                    and _same_content_signature(source, old)
                ):
                    os.link(old, dest)
                else:
                    shutil.copyfile(source, dest)
                    os.utime(dest, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns))
            os.replace(partial, target)
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise _os_error("back up the library into", self.backups_dir, exc) from None
        _fsync_dir(self.backups_dir)
        if prune:
            self._prune_backups()
        return Backup(target, os.path.getmtime(target))

    def _prune_backups(self) -> None:
        for stale in self.list_backups()[self.backup_keep :]:
            shutil.rmtree(stale.path, ignore_errors=True)

    def list_backups(self) -> list["Backup"]:
        """Backups, newest first."""
        try:
            entries = [e for e in os.scandir(self.backups_dir) if e.is_dir() and not e.name.startswith(".")]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _os_error("read", self.backups_dir, exc) from None
        backups = [Backup(Path(e.path), e.stat().st_mtime) for e in entries]
        backups.sort(key=lambda b: (b.path.name, b.created), reverse=True)
        return backups

    def restore_backup(self, number: int) -> "Backup":
        """Put backup ``number`` (1 = newest) in place of the library; the current state is backed up first."""
        backups = self.list_backups()
        if not 1 <= number <= len(backups):
            raise ReaderError(f"no backup number {number} (there are {len(backups)}; see `reader backup list`)")
        chosen = backups[number - 1]
        probe = Library(chosen.path / self.path.name, backup_interval=0)
        try:
            probe._load_locked()
        except LibraryError as exc:
            raise ReaderError(f"backup {number} does not load either: {exc}") from None
        with self._mutex, self._lock(shared=False):
            newest_seq = max(self._seq, self._newest_seq_on_disk())  # the library may not load: no catch-up
            if self.path.exists():
                try:
                    self._backup_locked(prune=False)  # so that restoring can itself be taken back
                except LibraryError as exc:
                    raise ReaderError(f"not restoring: could not back up the current library first: {exc}") from None
            for name, dest in (
                (self.abstracts_path.name, self.abstracts_path),
                (self.wal_path.name, self.wal_path),
                (self.path.name, self.path),
            ):
                source = chosen.path / name
                if source.exists():
                    atomic_copy(source, dest)
                elif dest == self.wal_path and dest.exists():
                    atomic_write(dest, [])  # the current journal continues a state we are leaving
            self._load_locked()
            # The restored state gets a sequence number above any the library had, so that every
            # other process (the TUI, say) sees it as newer than what it holds and reads it again.
            self._seq = max(self._seq, newest_seq) + 1
            self._compact_locked()
            self._prune_backups()
        return chosen

    # -- history and undo -----------------------------------------------------------------

    def _remember(self, record: dict) -> None:
        entry = {
            "seq": record["seq"],
            "at": record.get("at", ""),
            "label": record.get("label", ""),
            "before": record.get("before") or {},
            "created": record.get("created") or [],
            "before_abstracts": record.get("before_abstracts") or {},
            "undoes": record.get("undoes"),
            "undone": False,
        }
        target = record.get("undoes")
        if target is not None:
            for old in self._history:
                if old["seq"] == target:
                    old["undone"] = True
        self._history.append(entry)
        if len(self._history) > 2 * HISTORY_KEEP:
            del self._history[: len(self._history) - HISTORY_KEEP]

    def history(self, limit: int = 20) -> list[HistoryEntry]:
        """Recent changes, newest first."""
        entries = []
        for raw in reversed(self._history[-limit:] if limit else self._history):
            entries.append(
                HistoryEntry(
                    seq=raw["seq"],
                    at=raw["at"],
                    label=raw["label"],
                    papers=len(raw["before"]) + len(raw.get("created") or ()),
                    undone=bool(raw["undone"]),
                    is_undo=raw.get("undoes") is not None,
                )
            )
        return entries

    def _undo_target(self) -> dict | None:
        for entry in reversed(self._history):
            if entry.get("undoes") is None and not entry.get("undone"):
                return entry
        return None

    def can_undo(self) -> bool:
        return self._undo_target() is not None

    def undo(self) -> Change:
        """Revert the latest change that has not been undone yet (repeatable)."""
        meta: dict = {}

        def compute():
            target = self._undo_target()
            if target is None:
                raise ReaderError("nothing to undo")
            meta["undoes"] = target["seq"]
            meta["label"] = f"undo: {target['label']}"
            puts: dict[str, Paper] = {}
            deletes: list[str] = []
            deletes.extend(target.get("created") or ())
            for pid, doc in target["before"].items():
                if doc is None:  # older records listed created papers this way
                    deletes.append(pid)
                else:
                    puts[pid] = Paper.from_doc(doc)
            abstracts = dict(target["before_abstracts"])
            return puts, abstracts, deletes

        return self._commit("undo", compute, meta=meta)

    # -- importing --------------------------------------------------------------------------

    def import_candidates(
        self,
        candidates: Iterable[Candidate],
        *,
        skipped: Iterable[Skipped] = (),
        sources: Iterable[str] = (),
        label: str = "import",
    ) -> ImportReport:
        """Add new papers and merge known ones; never touches tags, read state or notes.

        The whole batch is one change: it is saved entirely or not at all.
        """
        candidates = list(candidates)
        report = ImportReport(skipped=list(skipped), entries=len(candidates), sources=list(sources))

        def compute():
            report.added.clear()
            report.merged.clear()
            report.updated.clear()
            added: set[str] = set()
            merged_ids: set[str] = set()
            stamp = self.clock()
            puts: dict[str, Paper] = {}
            new_abstracts: dict[str, str] = {}
            batch_titles: dict[str, str] = {}
            batch_arxiv: dict[str, str] = {}
            for cand in candidates:
                title = cand.title.strip()
                if not title:
                    report.skipped.append(Skipped(cand.source, cand.line, "entry without a title"))
                    continue
                arxiv = normalise_arxiv_id(cand.arxiv_id) if cand.arxiv_id else None
                key = _title_key(title)
                pid = (batch_arxiv.get(arxiv) if arxiv else None) or batch_titles.get(key)
                existing = puts.get(pid) if pid else None
                if existing is None:
                    existing = self.find_existing(title, arxiv, key=key)
                linked = cand.linked_arxiv_id if not arxiv else None
                if linked and (linked in batch_arxiv or self._arxiv_index().get(linked) or linked in self._papers):
                    linked = None  # another paper has it: the abstract links that paper, not its own
                if existing is None:
                    new_id = paper_id(title, arxiv, key=key)
                    paper = Paper(
                        id=new_id,
                        title=title,
                        links=tuple(cand.links),
                        added=stamp,
                        sources=(cand.source,) if cand.source else (),
                        arxiv_id=arxiv or linked,
                        authors=tuple(cand.authors),
                        published=cand.published,
                        upvotes=cand.upvotes,
                        extra={"listed": cand.listed} if cand.listed else {},
                        has_abstract=bool(cand.abstract),
                    )
                    puts[new_id] = paper
                    new_abstracts[new_id] = cand.abstract
                    report.added.append(new_id)
                    added.add(new_id)
                else:
                    merged = _merge(existing, cand, arxiv or linked)
                    if cand.abstract and not merged.has_abstract:
                        new_abstracts[existing.id] = cand.abstract
                        merged = replace(merged, has_abstract=True)
                    if merged != existing:
                        puts[existing.id] = merged
                    if existing.id not in added and existing.id not in merged_ids:
                        report.merged.append(existing.id)
                        merged_ids.add(existing.id)
                    paper = merged
                batch_titles[key] = paper.id
                if paper.arxiv_id:
                    batch_arxiv[paper.arxiv_id] = paper.id
            report.updated.extend(
                pid for pid in dict.fromkeys(list(puts) + list(new_abstracts)) if pid not in added
            )
            return puts, new_abstracts, []

        names = report.sources
        what = ", ".join(names) if len(names) <= 2 else f"{names[0]} and {len(names) - 1} more"
        self._commit(f"{label}: {what or 'papers'}", compute)
        return report


def _merge(paper: Paper, cand: Candidate, arxiv: str | None) -> Paper:
    """What a known paper looks like after another source described it."""
    changes: dict = {}
    if cand.source and cand.source not in paper.sources:
        changes["sources"] = paper.sources + (cand.source,)
    known = {link.url.rstrip("/").lower() for link in paper.links}
    extra_links = tuple(link for link in cand.links if link.url.rstrip("/").lower() not in known)
    if extra_links:
        changes["links"] = paper.links + extra_links
    if arxiv and not paper.arxiv_id:
        changes["arxiv_id"] = arxiv
    if cand.authors and not paper.authors:
        changes["authors"] = tuple(cand.authors)
    if cand.published and not paper.published:
        changes["published"] = cand.published
    if cand.upvotes is not None and cand.upvotes != paper.upvotes:
        changes["upvotes"] = cand.upvotes
    if cand.listed and not paper.extra.get("listed"):
        changes["extra"] = {**paper.extra, "listed": cand.listed}
    return replace(paper, **changes) if changes else paper


__all__ = ["Library", "ImportReport", "Change", "Link", "SCHEMA_VERSION"]
