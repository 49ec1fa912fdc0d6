"""The store never loses an acknowledged change, and never reports a saved change as failed.

Each test here reproduces one way a change that a command acknowledged
(or a failure it reported) disagrees with what the files hold afterwards:

* a long-lived ``Library`` (the TUI holds one for its whole session) that
  catches up after someone ran ``reader compact`` more than once: the new
  journal file can get the inode number of the one it last read, so the
  library resumes reading at its old byte offset in a different file;
* a big change written straight into the TinyDB files that fails half-way;
* a change whose journal append succeeded but whose compaction failed;
* a ``library.json`` put back from an older copy while the journal holds
  newer changes.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from reader.errors import LibraryError, ReaderError
from reader.importers import Candidate
from reader.store import Library
from tests.helpers.limits import use_limits

from tests.conftest import ROOT

# Every title has the same length, so equal changes make equal journal records.
TITLES = [f"Paper number {number} about equal lengths" for number in range(10, 40)]
STAMP = "2026-01-01T00:00:00Z"


def constant_clock() -> str:
    return STAMP


def seed_library(path) -> Library:
    library = Library.open(path, clock=constant_clock)
    library.import_candidates(
        [Candidate(title=title, abstract="An abstract. " * 30, source="page") for title in TITLES],
        sources=["page"],
    )
    library.compact()
    return library


def state(library: Library) -> dict:
    return {paper.id: (paper.title, paper.tags, paper.read) for paper in library.papers()}


def compact_until_journal_inode_is(library: Library, inode: int, tries: int = 30) -> None:
    """Run `reader compact` (as another process would) until the new journal reuses ``inode``."""
    for _ in range(tries):
        library.compact()
        if os.stat(library.wal_path).st_ino == inode:
            return
    pytest.skip("this filesystem did not reuse the journal's inode number; the bug needs that")


@pytest.mark.parametrize("other_tag", ["a", "axyz"], ids=["same-size-records", "longer-records"])
def test_long_lived_library_keeps_its_change_after_repeated_compactions(db_path, other_tag):
    """A TUI session tags a paper after a script compacted twice and tagged others: nothing is lost.

    With records of the same size the TUI's change is acknowledged and then
    ignored by every reader (duplicate sequence number). With longer records
    the TUI truncates the other process's last acknowledged record before
    appending its own, and both are lost.
    """
    script = seed_library(db_path)
    ids = script.ids()
    tui = Library.open(db_path, clock=constant_clock)
    for number in range(3):
        tui.tag([ids[number]], [f"b{number}"])
    seen = os.stat(tui.wal_path)

    script.refresh()
    compact_until_journal_inode_is(script, seen.st_ino)
    for number in range(3):
        script.tag([ids[10 + number]], [f"{other_tag}{number}"])
    if other_tag == "a":
        assert os.stat(script.wal_path).st_size == seen.st_size  # the precondition of the silent loss
    else:
        assert 2 * os.stat(script.wal_path).st_size / 3 < seen.st_size < os.stat(script.wal_path).st_size

    tui.tag([ids[20]], ["tui-change"])

    reopened = Library.open(db_path)
    tags = {tag for paper in reopened.papers() for tag in paper.tags}
    assert tags == {"b0", "b1", "b2", f"{other_tag}0", f"{other_tag}1", f"{other_tag}2", "tui-change"}
    assert state(tui) == state(reopened)


def failing_replace(src, dst):
    """os.replace as on a full disk (the rename of a freshly written TinyDB file fails)."""
    os.unlink(src)
    raise OSError(errno.ENOSPC, "No space left on device")


def test_failed_big_change_leaves_history_equal_to_disk(db_path, monkeypatch):
    library = seed_library(db_path)
    ids = library.ids()
    library.tag([ids[0]], ["kept"])
    with monkeypatch.context() as patch:
        use_limits(patch, library, direct_write_papers=5)
        patch.setattr(os, "replace", failing_replace)
        with pytest.raises(LibraryError):
            library.tag(ids, ["bulk"])

    on_disk = Library.open(db_path)
    assert state(library) == state(on_disk)
    assert [h.label for h in library.history()] == [h.label for h in on_disk.history()]
    # The next undo reverts the last change that happened, not the one that failed.
    change = library.undo()
    assert change.label == "undo: tag 1 paper(s) +kept"
    assert "kept" not in Library.open(db_path).get(ids[0]).tags


def test_a_change_reported_as_failed_is_not_saved(db_path, monkeypatch):
    library = seed_library(db_path)
    ids = library.ids()
    with monkeypatch.context() as patch:
        use_limits(patch, library, compact_records=1)  # this change triggers a compaction
        patch.setattr(os, "replace", failing_replace)
        try:
            library.set_read([ids[0]], True)
            failed = False
        except ReaderError:
            failed = True
    saved = Library.open(db_path).get(ids[0]).read
    assert state(library) == state(Library.open(db_path))
    assert failed != saved, "a change must be reported as failed exactly when it was not saved"


def test_older_library_file_put_back_is_reported_not_a_traceback(db_path, tmp_path):
    """Someone copies an old library.json back while the journal continues a newer one."""
    library = seed_library(db_path)
    ids = library.ids()
    old_copy = db_path.read_bytes()
    library.tag([ids[0]], ["one"])
    library.compact()
    library.tag([ids[1]], ["two"])  # the journal now starts after the old copy's last change
    db_path.write_bytes(old_copy)
    before = {p.name: p.read_bytes() for p in db_path.parent.iterdir() if p.is_file()}

    result = subprocess.run(
        [sys.executable, "-m", "reader", "list", "--db", str(db_path)],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    if result.returncode != 0:
        assert len(result.stderr.strip().splitlines()) == 1
        assert str(db_path.name) in result.stderr
    after = {p.name: p.read_bytes() for p in db_path.parent.iterdir() if p.is_file()}
    assert after == before  # nothing was rewritten while the problem stands
