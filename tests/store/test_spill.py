"""A big batch's abstracts wait in a spill file, and read exactly the same (issue 14 item 13).

Importing 100,000 papers in one batch held every abstract (150 MB) in memory
until the batch was saved. Past ``StoreLimits.batch_abstracts_bytes`` they now
wait in an anonymous temporary file (:mod:`reader.store.spill`); every way of
reading an abstract gives the text, inside the batch and after it, whether the
batch is saved by a direct write or through the journal, undone or redone.
"""

from __future__ import annotations

import errno
import os

import pytest

from reader.errors import LibraryError
from reader.importers import Candidate
from reader.store import Library, StoreLimits
from reader.store.spill import Spilled


def _candidates(count: int, start: int = 0) -> list[Candidate]:
    return [Candidate(f"Spilled Paper {n}", f"Abstract of paper {n}, ünïcode ✓ {'x' * n}.", "page")
            for n in range(start, start + count)]


def _abstracts(library: Library) -> dict[str, str]:
    return {p.title: library.abstract(p.id) for p in library.papers()}


def _open(db, **limits) -> Library:
    return Library.open(db, limits=StoreLimits(batch_abstracts_bytes=1, **limits), backup_interval=0)


@pytest.mark.parametrize("direct_write", [5, 2000], ids=["direct-write", "journal"])
def test_abstracts_set_aside_in_a_batch_read_the_same_inside_it_after_it_and_after_undo(db_path, direct_write):
    library = _open(db_path, direct_write_papers=direct_write)
    library.import_candidates(_candidates(3), sources=["page"])
    wanted = {c.title: c.abstract for c in _candidates(20)}
    with library.batch("two imports"):
        library.import_candidates(_candidates(10, start=3), sources=["page"])
        library.import_candidates(_candidates(7, start=13), sources=["page"])
        known = library._replica.abstracts.known
        assert any(isinstance(value, Spilled) for value in known.values())  # set aside, not in memory
        assert _abstracts(library) == wanted
        ids = library.ids()
        assert set(library.read_abstracts(ids).values()) == set(wanted.values())
        assert sorted(text for _pid, text in library.iter_abstracts()) == sorted(wanted.values())
    assert _abstracts(library) == wanted
    assert _abstracts(Library.open(db_path)) == wanted
    if direct_write == 2000:  # saved through the journal: the record holds the text itself
        assert "Abstract of paper 19" in db_path.with_name("library.json.wal").read_text(encoding="utf-8")
    library.undo()
    assert _abstracts(Library.open(db_path)) == {c.title: c.abstract for c in _candidates(3)}
    library.redo()
    assert _abstracts(Library.open(db_path)) == wanted


def test_a_library_holding_every_abstract_still_gives_text_after_a_batch_set_some_aside(db_path):
    library = _open(db_path, direct_write_papers=5)
    library.import_candidates(_candidates(3), sources=["page"])
    library.load_abstracts()
    with library.batch("import"):
        library.import_candidates(_candidates(10, start=3), sources=["page"])
        inside = library.abstracts()
        assert all(type(text) is str for text in inside.values()) and len(inside) == 13
        assert sorted(text for _pid, text in library.iter_abstracts()) == sorted(c.abstract for c in _candidates(13))
    every = library.abstracts()
    assert all(type(text) is str for text in every.values())
    assert sorted(every.values()) == sorted(c.abstract for c in _candidates(13))


def test_a_batch_that_fails_after_setting_abstracts_aside_leaves_nothing_behind(db_path):
    library = _open(db_path, direct_write_papers=5)
    library.import_candidates(_candidates(3), sources=["page"])
    before = sorted(os.listdir(db_path.parent))
    with pytest.raises(RuntimeError):
        with library.batch("import"):
            library.import_candidates(_candidates(10, start=3), sources=["page"])
            raise RuntimeError("stop")
    assert len(library) == 3 and _abstracts(library) == _abstracts(Library.open(db_path))
    assert sorted(os.listdir(db_path.parent)) == before


def test_a_spill_file_that_cannot_be_made_is_a_one_line_error_and_changes_nothing(db_path, monkeypatch):
    library = _open(db_path, direct_write_papers=5)
    library.import_candidates(_candidates(3), sources=["page"])
    seq = library.seq

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("reader.store.spill.tempfile.TemporaryFile", disk_full)
    with pytest.raises(LibraryError, match="No space left on device") as raised:
        with library.batch("import"):
            library.import_candidates(_candidates(10, start=3), sources=["page"])
    assert "\n" not in str(raised.value)
    assert library.seq == seq and len(library) == 3 and len(Library.open(db_path)) == 3


def test_a_named_spill_file_of_a_process_that_is_gone_is_removed_and_a_live_ones_kept(db_path):
    """Where a spill file must keep a name while open, a killed process leaves it behind."""
    library = _open(db_path, direct_write_papers=5)
    library.import_candidates(_candidates(3), sources=["page"])
    gone = db_path.with_name(f".{db_path.name}.spill.tmp-999999999-abc")
    live = db_path.with_name(f".{db_path.name}.spill.tmp-{os.getpid()}-abc")
    gone.write_bytes(b"old")
    live.write_bytes(b"in use")
    library.compact()
    assert not gone.exists() and live.exists()
