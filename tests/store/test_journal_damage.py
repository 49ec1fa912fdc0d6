"""A damaged or malformed journal never silently drops changes (issue 14 items 3, 8 and 9)."""

from __future__ import annotations

import json
import zlib

import pytest

from reader.errors import LibraryError
from reader.importers import Candidate
from reader.store import Library
from tests.conftest import run_cli


def _journaled(library: Library, changes: int = 11) -> list[str]:
    library.import_candidates([Candidate(f"Paper {n}", "An abstract.", "seed") for n in range(3)], sources=["seed"])
    library.compact()  # the import is in the papers file; the tags below only in the journal
    pid = library.ids()[0]
    for n in range(changes):
        library.tag([pid], [f"t{n}"])
    return library.wal_path.read_bytes().split(b"\n")


def _flip(line: bytes) -> bytes:
    at = line.index(b'"label"')
    return line[:at] + bytes([line[at] ^ 0x01]) + line[at + 1 :]


def test_two_damaged_lines_in_the_middle_are_an_error_naming_the_file_and_the_line(library, db_path):
    lines = _journaled(library)
    lines[4], lines[5] = _flip(lines[4]), _flip(lines[5])  # line 1 is the header
    damaged = b"\n".join(lines)
    library.wal_path.write_bytes(damaged)
    with pytest.raises(LibraryError) as info:
        Library.open(db_path)
    message = str(info.value)
    assert str(library.wal_path) in message and "line 5" in message and "backup" in message
    assert library.wal_path.read_bytes() == damaged
    # A process that read those lines before the damage appends after them; it truncates nothing.
    library.tag([library.ids()[1]], ["after"])
    assert library.wal_path.read_bytes().startswith(damaged)
    with pytest.raises(LibraryError, match="line 5"):
        Library.open(db_path)


def test_cli_names_the_damaged_record_and_the_newest_backup_that_loads(library, db_path):
    library.backup_interval = 0.001  # a backup before each change
    lines = _journaled(library)
    lines[6] = _flip(lines[6])
    library.wal_path.write_bytes(b"\n".join(lines))
    for args in (("list",), ("tag", library.ids()[1], "x")):
        result = run_cli(*args, db=db_path)
        err = result.stderr.decode()
        assert result.returncode == 1 and err.count("\n") == 1, err
        assert "line 7" in err and str(library.wal_path) in err and "Newest good backup: number 1" in err
    assert library.wal_path.read_bytes() == b"\n".join(lines)


def test_only_a_torn_last_line_is_dropped(library, db_path):
    lines = _journaled(library, changes=3)
    pid = library.ids()[0]
    lines[-2] = _flip(lines[-2])  # the last record, its newline written: cut short by a crash
    library.wal_path.write_bytes(b"\n".join(lines))
    reopened = Library.open(db_path)
    assert reopened.get(pid).tags == ("t0", "t1")
    reopened.tag([pid], ["after"])
    assert Library.open(db_path).get(pid).tags == ("t0", "t1", "after")


def _append_record(library: Library, record: dict) -> None:
    body = json.dumps(record, separators=(",", ":")).encode()
    with open(library.wal_path, "ab") as handle:
        handle.write(b"%08x " % zlib.crc32(body) + body + b"\n")


@pytest.mark.parametrize(
    "record",
    [
        {"put": 5},
        {"put": [{"id": "p", "title": "T", "links": [{"url": 1, "kind": "code"}]}]},
        {"put": [{"id": "p", "title": "T", "links": [{"url": None, "kind": "code"}]}]},
        {"put": [{"id": "p", "title": "T", "added": 5}]},
        {"delete": "abc"},
        {"abstracts": {"p": 3}},
        {"before": []},
    ],
)
def test_a_record_of_the_wrong_shape_is_one_clear_error_and_changes_nothing(library, db_path, record):
    _journaled(library, changes=1)
    _append_record(library, {"seq": library.seq + 1, **record})
    _append_record(library, {"seq": library.seq + 2, "put": [], "label": "later"})
    before = library.wal_path.read_bytes(), db_path.read_bytes()
    result = run_cli("list", db=db_path)
    err = result.stderr.decode()
    assert result.returncode == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    assert f"(change {library.seq + 1}) is malformed" in err
    assert (library.wal_path.read_bytes(), db_path.read_bytes()) == before


def test_a_deeply_nested_journal_line_is_damage_not_a_recursion_error(library, db_path):
    _journaled(library, changes=1)
    body = b'{"seq":%d,"put":' % (library.seq + 1) + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with open(library.wal_path, "ab") as handle:
        handle.write(b"%08x " % zlib.crc32(body) + body + b"\n")
    _append_record(library, {"seq": library.seq + 2, "put": [], "label": "later"})
    result = run_cli("list", db=db_path)
    err = result.stderr.decode()
    assert result.returncode == 1 and "RecursionError" not in err and "is damaged" in err, err
