"""A large change written straight into the papers files, killed between replacing the abstracts
file and the papers file, leaves the old library (issue 14: a kill at any moment leaves the old
library or the new one).

A change touching more than ``StoreLimits.direct_write_papers`` papers (a big
import or restore, deleting many papers) is not journaled: the abstracts file
and then the papers file are replaced. Killed in between, the old papers file
was read with the new abstracts file: papers whose abstract the change filled
in showed the new text, and deleted papers lost theirs, in a library that
otherwise was the old one. Now the abstracts such a change takes from papers
the library holds are journaled first, so the old library reads them back.
``tests/store/test_import_kill.py`` (slow) kills a real import at every step.
"""

from __future__ import annotations

import pytest

from reader.importers import Candidate
from reader.store import Library, StoreLimits
from reader.store.compaction import Compactor


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler puts anything back."""


def _state(db) -> dict:
    library = Library.open(db)
    return {p.title: (p.to_stored_doc(), library.abstract(p.id)) for p in library.papers()}


@pytest.fixture
def library(db_path):
    library = Library.open(db_path, limits=StoreLimits(direct_write_papers=3), backup_interval=0)
    library.import_candidates(
        [Candidate(f"Paper {n}", "" if n < 3 else f"Abstract {n}.", "a") for n in range(10)], sources=["a"]
    )
    library.tag(library.ids()[:2], ["journaled"])  # one change in the journal, after the files
    return library


def _killed_after_the_abstracts_file(monkeypatch, change) -> None:
    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(Compactor, "_write_papers_file", killed)
    with pytest.raises(Killed):
        change()
    monkeypatch.undo()


def test_filling_in_abstracts_killed_between_the_two_files_leaves_the_old_library(library, db_path, monkeypatch):
    old = _state(db_path)
    more = [Candidate(f"Paper {n}", f"Filled in {n}.", "b") for n in range(3)] + [Candidate("New paper", "New.", "b")]
    _killed_after_the_abstracts_file(monkeypatch, lambda: library.import_candidates(more, sources=["b"]))
    assert _state(db_path) == old
    reopened = Library.open(db_path)
    assert reopened.history(limit=1)[0].label.startswith("tag")  # nothing to undo but what was there
    reopened.import_candidates(more, sources=["b"])  # and the change can be made again
    assert Library.open(db_path).abstract(reopened.find_existing("Paper 0").id) == "Filled in 0."


def test_deleting_many_papers_killed_between_the_two_files_keeps_their_abstracts(library, db_path, monkeypatch):
    old = _state(db_path)
    doomed = [p.id for p in library.papers() if p.title in ("Paper 4", "Paper 5", "Paper 6", "Paper 7")]
    _killed_after_the_abstracts_file(monkeypatch, lambda: library.delete(doomed))
    assert _state(db_path) == old
    assert _state(db_path)["Paper 5"][1] == "Abstract 5."


def _failing_papers_file(monkeypatch) -> None:
    from reader.errors import LibraryError

    def disk_full(*args, **kwargs):
        raise LibraryError("cannot write library.json: No space left on device")

    monkeypatch.setattr(Compactor, "_write_papers_file", disk_full)


def test_a_direct_write_that_fails_leaves_the_journal_as_it_was(library, db_path, monkeypatch):
    journal = db_path.with_name("library.json.wal").read_bytes()
    old = _state(db_path)
    _failing_papers_file(monkeypatch)
    more = [Candidate(f"Paper {n}", f"Filled in {n}.", "b") for n in range(4)]
    with pytest.raises(Exception, match="change not saved"):
        library.import_candidates(more, sources=["b"])
    monkeypatch.undo()
    assert db_path.with_name("library.json.wal").read_bytes() == journal  # the kept abstracts went again
    assert _state(db_path) == old and library.seq == Library.open(db_path).seq


def test_a_failed_direct_write_whose_kept_abstracts_cannot_be_cut_off_stays_in_step_with_them(
    library, db_path, monkeypatch
):
    from reader.store.journal import Journal

    old = _state(db_path)
    _failing_papers_file(monkeypatch)
    monkeypatch.setattr(Journal, "rewind", lambda self, mark: False)
    more = [Candidate(f"Paper {n}", f"Filled in {n}.", "b") for n in range(4)]
    with pytest.raises(Exception, match="change not saved"):
        library.import_candidates(more, sources=["b"])
    monkeypatch.undo()
    reopened = Library.open(db_path)
    assert library.seq == reopened.seq  # the record that stayed is counted in memory too
    assert _state(db_path) == old
    assert [entry.label for entry in reopened.history(limit=0)] == [entry.label for entry in library.history(limit=0)]
    library.tag(library.ids()[:1], ["after"])  # and the next change follows on
    assert "after" in Library.open(db_path).get(library.ids()[0]).tags
