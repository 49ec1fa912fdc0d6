"""The lock cannot be lost: deleting or replacing the lock file never lets a second writer in (issue 14 item 5)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from reader.errors import LibraryBusy
from reader.store import Library
from tests.conftest import ROOT

_HOLDER = """
import sys
from reader.store import Library

library = Library.open(sys.argv[1])
with library.writing():
    print("locked", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def holder(sample_library, db_path):
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db_path)],
        cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "locked"
        yield child
    finally:
        if child.poll() is None:
            child.stdin.write("go\n")
            child.stdin.flush()
        child.wait(timeout=30)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_second_writer_stays_out_while_the_lock_file_is_deleted_or_replaced(holder, sample_library, db_path, how):
    lock_file = sample_library.lock_path
    lock_file.unlink()
    if how == "replaced":
        lock_file.write_text("")
    other = Library(db_path, lock_timeout=0.3)  # not loaded: loading needs the lock too
    paper = sample_library.papers()[0]
    with pytest.raises(LibraryBusy):
        other.transact("second writer", lambda: ([dataclasses.replace(paper, tags=("second writer",))], {}, []))
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.wait(timeout=30) == 0
    other.load()
    other.tag(sample_library.ids()[:1], ["second writer"])
    assert "second-writer" in Library.open(db_path).get(sample_library.ids()[0]).tags


def test_two_libraries_in_one_directory_take_turns_but_both_change(tmp_path):
    from reader.importers import Candidate

    first = Library.open(tmp_path / "a.json")
    second = Library.open(tmp_path / "b.json")
    first.import_candidates([Candidate("Paper A", "x", "s")], sources=["s"])
    second.import_candidates([Candidate("Paper B", "y", "s")], sources=["s"])
    assert [p.title for p in Library.open(tmp_path / "a.json").papers()] == ["Paper A"]
    assert [p.title for p in Library.open(tmp_path / "b.json").papers()] == ["Paper B"]
