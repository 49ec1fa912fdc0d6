"""Undo never goes past the beginning, and redo takes an undo back (issue 14 item 6)."""

from __future__ import annotations

import pytest

from reader.errors import ReaderError
from reader.importers import Candidate
from reader.store import Library
from tests.conftest import run_cli


def _seeded(library: Library) -> list[str]:
    library.import_candidates([Candidate(f"Paper {n}", f"Abstract {n}.", "seed") for n in range(3)], sources=["seed"])
    ids = library.ids()
    library.tag(ids[:1], ["one"])
    library.set_read(ids[1:2])
    return ids


def _state(library: Library) -> dict:
    return {p.id: (p.tags, p.read) for p in Library.open(library.path).papers()}


def test_undo_more_steps_than_the_history_holds_changes_nothing_and_says_how_many(library):
    _seeded(library)
    before, seq = _state(library), library.seq
    with pytest.raises(ReaderError, match="cannot undo 100000 changes: the history holds 3 that can be undone"):
        library.undo_many(100000)
    assert _state(library) == before and Library.open(library.path).seq == seq


def test_undo_and_redo_counts_below_one_are_refused(library):
    _seeded(library)
    for count in (0, -2):
        with pytest.raises(ReaderError, match="at least 1"):
            library.undo_many(count)
        with pytest.raises(ReaderError, match="at least 1"):
            library.redo_many(count)


def test_redo_takes_back_undos_newest_first_and_can_itself_be_undone(library):
    ids = _seeded(library)
    after = _state(library)
    library.undo_many(2)  # the read mark, then the tag
    assert _state(library)[ids[0]] == ((), False) and not library.get(ids[1]).read
    change = library.redo()
    assert change.label == "redo: tag 1 paper(s) +one"
    assert library.get(ids[0]).tags == ("one",) and not library.get(ids[1]).read
    library.redo()
    assert _state(library) == after
    with pytest.raises(ReaderError, match="nothing to redo"):
        library.redo()
    library.undo()  # the last redo: the read mark goes again
    assert not Library.open(library.path).get(ids[1]).read
    library.redo()
    assert _state(library) == after


def test_a_change_after_an_undo_ends_what_can_be_redone(library):
    ids = _seeded(library)
    library.undo()
    library.tag(ids[2:], ["new"])
    assert not library.can_redo()
    with pytest.raises(ReaderError, match="nothing to redo"):
        library.redo_many(1)


def test_redo_survives_reopening_the_library(library):
    ids = _seeded(library)
    library.undo()
    reopened = Library.open(library.path)
    reopened.redo()
    assert Library.open(library.path).get(ids[1]).read


def test_cli_undo_past_the_beginning_is_refused_and_redo_restores(sample_library, db_path):
    ids = sample_library.ids()
    sample_library.tag(ids[:2], ["kept"])
    before = db_path.read_bytes(), sample_library.wal_path.read_bytes()
    result = run_cli("undo", "100000", db=db_path)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        "reader: error: cannot undo 100000 changes: the history holds 2 that can be undone; nothing was changed"
    )
    assert (db_path.read_bytes(), sample_library.wal_path.read_bytes()) == before
    for bad in ("0", "-3", "many"):
        result = run_cli("undo", bad, db=db_path)
        assert result.returncode == 2 and b"usage:" in result.stderr, bad
    assert run_cli("undo", db=db_path).returncode == 0
    assert "kept" not in Library.open(db_path).get(ids[0]).tags
    result = run_cli("redo", db=db_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("redo: tag 2 papers +kept")
    assert "kept" in Library.open(db_path).get(ids[0]).tags
    result = run_cli("redo", "2", db=db_path)
    assert result.returncode == 1 and b"nothing to redo" in result.stderr
