"""The journal (``PATH.wal``): every change, appended and fsynced before the change is applied.

Format: one record per line, ``CRC32 JSON`` (eight hex digits, a space, the
record as compact JSON). The first line is a header ``{"seq": N, "journal":
TOKEN}``: ``N`` is the change number the papers file held when this journal
was started, ``TOKEN`` a random name; compaction starts a new journal with a
new token, so a reader notices the swap even when the file system reuses the
old file's inode. Each other record is one change::

    {"seq": N, "at": ISO-TIME, "label": TEXT, "put": [paper documents],
     "delete": [ids], "abstracts": {id: text}, "before": {id: document},
     "created": [ids], "before_abstracts": {id: text}, "undoes": SEQ, "redoes": SEQ}

A record with ``"keeps": true`` changes nothing: it is written just before a
large change is saved straight into the papers files (replacing the abstracts
file first), holding the abstracts that change takes from papers the files
hold, so that a crash between the two files reads the old library back
(:meth:`reader.store.writer.Writer._journal_kept_abstracts`). It is not in the history.

Invariants:

* **Journal before memory.** A change is appended and fsynced here before
  anything in memory changes; a change that could not be written changes
  nothing and its command fails.
* **Only a torn last line is dropped.** A crash can leave the last line cut
  short: it fails its checksum and is ignored (its command never returned),
  and the next writer truncates it before appending. Any other damaged line
  makes reading fail with an error naming the file and the record; the file
  is not changed.
* **Change numbers** (``seq``) increase by one per change. The papers file
  records the last one it includes; replay skips records at or below it.
"""

from __future__ import annotations

import json
import os
import stat
import zlib
from pathlib import Path

from reader.errors import LibraryError
from reader.fileio import atomic_write, fsync_dir
from reader.papers import Paper
from reader.store.files import open_regular


def encode_record(record: dict) -> bytes:
    body = json.dumps(record, separators=(",", ":")).encode("utf-8")
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def decode_record(line: bytes) -> dict | None:
    """The record on one line (without its newline); None if the line is not a whole record."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        record = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("seq"), int) else None


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _text_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(text, str) for text in value.values())


def record_problem(record: dict) -> str | None:
    """What is wrong with a change record's shape (None: nothing); its "put" papers are checked apart."""
    checks = (
        ("put", lambda v: isinstance(v, list) and all(isinstance(doc, dict) for doc in v)),
        ("delete", _strings),
        ("created", _strings),
        ("abstracts", _text_map),
        ("before_abstracts", _text_map),
        ("before", lambda v: isinstance(v, dict) and all(doc is None or isinstance(doc, dict) for doc in v.values())),
        ("label", lambda v: isinstance(v, str)),
        ("at", lambda v: isinstance(v, str)),
        ("undoes", lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool))),
        ("redoes", lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool))),
    )
    for key, valid in checks:
        if key in record and not valid(record[key]):
            return f"{key!r} is not what a change holds ({type(record[key]).__name__})"
    if isinstance(record["seq"], bool) or record["seq"] < 0:
        return "'seq' is not a change number"
    return None


class Journal:
    """Reading and appending the journal; remembers how far this process has read it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.token: str | None = None  # the header's token of the journal read so far
        self.offset = 0  # bytes of it read (and applied) so far
        self.records = 0  # change records in it so far
        self.lines = 0  # whole lines read so far (the header included)

    def reset(self) -> None:
        """Forget what was read: the next :meth:`read_new` starts at the beginning."""
        self.token, self.offset, self.records, self.lines = None, 0, 0, 0

    def needs_compaction(self, max_records: int, max_bytes: int) -> bool:
        return self.records >= max_records or self.offset >= max_bytes

    def read_new(self) -> list[tuple[dict, list[Paper]]]:
        """The whole records after what was read before, oldest first (the header left out), each
        with its "put" documents as papers.

        Advances past them. A journal with another token than the one read
        before was replaced (compacted): it is read from its start. Raises
        :class:`LibraryError` (nothing read, nothing changed) for a damaged or
        malformed record anywhere but the last line, which may be cut short by
        a crash and is then left for the next writer to replace.
        """
        handle = open_regular(self.path)
        if handle is None:
            self.reset()
            return []
        with handle:
            try:
                header = decode_record(handle.readline(4096).rstrip(b"\n"))
                token = header.get("journal") if header else None
                if token is None or token != self.token:
                    self.token, self.offset, self.records, self.lines = token, 0, 0, 0
                size = os.fstat(handle.fileno()).st_size
                if size == self.offset:
                    return []
                handle.seek(self.offset)
                data = handle.read()
            except OSError as exc:
                raise LibraryError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        records: list[tuple[dict, list[Paper]]] = []
        position = 0
        lines = self.lines
        while True:
            end = data.find(b"\n", position)
            if end < 0:
                break  # an unfinished last line: a write in progress or cut short
            record = decode_record(data[position:end])
            if record is None:
                if end + 1 < len(data):
                    raise self._damaged(lines + 1, "is damaged (its checksum or its JSON does not hold)")
                break  # the last line, cut short by a crash: its command never returned
            position = end + 1
            lines += 1
            if "journal" in record:
                continue  # the header
            problem = record_problem(record)
            papers: list[Paper] = []
            if problem is None:
                try:
                    papers = [Paper.from_doc(doc) for doc in record.get("put", ())]
                except ValueError as exc:
                    problem = str(exc)
            if problem is not None:
                raise self._damaged(lines, f"(change {record['seq']}) is malformed: {problem}")
            records.append((record, papers))
        self.offset += position
        self.lines = lines
        self.records += len(records)
        return records

    def _damaged(self, line: int, what: str) -> LibraryError:
        return LibraryError(
            f"{self.path}: line {line} {what}; nothing was read or changed. The changes from that line on "
            "can only come back from a backup (or move the journal aside to open the library without them)"
        )

    def append(self, record: dict, seq: int) -> None:
        """Append one record and fsync it (under the writer lock, caught up); ``seq`` is the
        change number before this record (written in the header of a new journal)."""
        line = encode_record(record)
        try:
            if not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o644)
        except OSError as exc:
            raise LibraryError(f"change not saved: cannot write {self.path}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise LibraryError(f"change not saved: {self.path} is not a regular file (a pipe or a device?)")
        os.set_blocking(fd, True)
        offset = self.offset
        token = self.token
        try:
            if token is None:
                # No journal yet (or only a torn header): start one.
                token = os.urandom(8).hex()
                offset = 0
                line = encode_record({"seq": seq, "journal": token}) + line
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
                os.ftruncate(fd, self.offset if self.token else 0)
            except OSError:
                pass  # the torn tail fails its checksum and is dropped by the next writer
            raise LibraryError(f"change not saved: cannot write {self.path}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)
        self.token = token
        self.offset = offset + len(line)
        self.records += 1

    def mark(self) -> tuple:
        """Where the journal ends now, for :meth:`rewind`."""
        return self.token, self.offset, self.records, self.lines

    def rewind(self, mark: tuple) -> bool:
        """Cut off what was appended since ``mark`` (under the writer lock, so nobody read it);
        False when that cannot be done (the records stay, and whoever reads them applies them)."""
        token, offset, records, lines = mark
        try:
            fd = os.open(self.path, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return False
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return False
            os.ftruncate(fd, offset)
            os.fsync(fd)
        except OSError:
            return False
        finally:
            os.close(fd)
        self.token, self.offset, self.records, self.lines = token, offset, records, lines
        return True

    def start_new(self, seq: int) -> str | None:
        """Replace the journal by an empty one (every record is in the papers file now).

        Returns a warning when that failed (harmless: the old records are all at or
        below ``seq`` and skipped on replay; appending continues on the old journal).
        """
        token = os.urandom(8).hex()
        header = encode_record({"seq": seq, "journal": token}).decode("ascii")
        try:
            atomic_write(self.path, [header])
        except LibraryError as exc:
            return f"could not start a new journal: {exc}"
        self.token = token
        self.offset = len(header)
        self.records = 0
        return None

    def newest_seq(self) -> int:
        """The highest change number of any whole record in the journal, read leniently (0: none)."""
        newest = 0
        try:
            with open(self.path, "rb") as handle:
                for line in handle:
                    record = decode_record(line.rstrip(b"\n"))
                    if record is not None:
                        newest = max(newest, record["seq"])
        except OSError:
            pass  # no journal, or none readable
        return newest


def tail_seq(path: Path) -> int | None:
    """The change number of the journal's last whole record, read from its end (None: no record).

    A big import is one long line: the file is read backwards until that line is whole.
    Raises OSError when the journal cannot be read (FileNotFoundError: there is none).
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        tail = b""
        position = size
        while position > 0:
            step = min(position, max(65536, len(tail)))
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
            lines = tail.split(b"\n")
            complete = lines[1:-1] if position > 0 else lines[:-1]  # the first may be cut; the last is after "\n"
            for line in reversed(complete):
                record = decode_record(line)
                if record is not None:
                    return record["seq"]
            if len(complete) > 1:
                break  # whole lines, none valid: an unfinished last write
    return None
