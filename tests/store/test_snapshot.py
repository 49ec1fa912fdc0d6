"""The papers-file snapshot (reader/snapshot.py): a big library opens from it, and it never
shows anything but what library.json holds."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from tinydb import TinyDB

import reader.store.compaction
import reader.store.snapshot
from reader.store import Library, LibraryError
from tests.helpers.limits import use_limits
from reader.papers import Link


@pytest.fixture(autouse=True)
def small_libraries_get_snapshots(monkeypatch):
    use_limits(monkeypatch, snapshot_min_papers=1)


def state(library: Library) -> dict:
    return {
        "papers": [paper for paper in library.papers()],
        "order": library.ids(),
        "history": library._history.entries,
        "others": library._state.others,
        "seq": library.seq,
        "abstracts": {pid: library.abstract(pid) for pid in library.ids()},
    }


def from_json(db_path, monkeypatch) -> Library:
    """The library opened the slow way, ignoring any snapshot."""
    with monkeypatch.context() as patch:
        patch.setattr(reader.store.snapshot, "read_snapshot", lambda *args, **kwargs: None)
        library = Library.open(db_path)
    assert not library.opened_from_snapshot
    return library


def awkward_library(sample_library: Library) -> Library:
    """Every kind of value a paper can hold, including the ones stored by leaving them out."""
    ids = sample_library.ids()
    sample_library.tag(ids[:5], ["to-read", "ünïcode tag"])
    sample_library.set_read(ids[2:8], True)
    sample_library.set_read(ids[6:7], False)  # read, then unread again
    sample_library.set_notes(ids[1], "line one\nline two \u202e reversed")
    hostile = "\x1b[31m[bold]red[/] \ud800 lone surrogate \u0000 nul"

    def odd(paper):
        return replace(
            paper,
            title=paper.title if paper.id != ids[3] else hostile,
            extra={"stars": 12, "nested": {"list": [1, 2.5, None, True]}, "tuple": (1, 2)},
            upvotes=0,
            arxiv_id="",
            published="",
            links=paper.links + (Link("https://example.org/x?a=1&b=2", "project"),),
            read=paper.id != ids[4],  # unread with a read time left over: stored without it
            read_at="2026-01-01T00:00:00Z",
        )

    sample_library.modify(ids[3:5], odd, "odd values")
    return sample_library


def test_a_compacted_library_opens_from_its_snapshot_with_exactly_the_same_content(
    sample_library, db_path, monkeypatch
):
    library = awkward_library(sample_library)
    library.compact()
    assert library.snapshot_path.exists()

    fast = Library.open(db_path)
    assert fast.opened_from_snapshot
    slow = from_json(db_path, monkeypatch)
    assert state(fast) == state(slow)
    assert [p.id for p in fast.papers()] == [p.id for p in slow.papers()]
    hostile = fast.get(library.ids()[3])
    assert "\ud800" in hostile.title and hostile.extra["tuple"] == [1, 2]


def test_changes_after_the_snapshot_come_from_the_journal(sample_library, db_path):
    sample_library.compact()
    count = len(sample_library)
    tagged, deleted = sample_library.ids()[10], sample_library.ids()[11]
    sample_library.tag([tagged], ["later"])
    sample_library.delete([deleted])

    reopened = Library.open(db_path)
    assert reopened.opened_from_snapshot
    assert "later" in reopened.get(tagged).tags
    assert reopened.get(deleted) is None and len(reopened) == count - 1
    reopened.undo()  # the history came back with the snapshot: the delete is undone
    assert Library.open(db_path).get(deleted) is not None


def test_a_file_rewritten_by_another_program_is_read_not_the_stale_snapshot(sample_library, db_path):
    sample_library.compact()
    pid = sample_library.ids()[0]
    with TinyDB(db_path) as db:  # another program edits the TinyDB file directly
        papers = db.table("papers")
        doc = next(d for d in papers.all() if d["id"] == pid)
        papers.update({"title": "Renamed by another program"}, doc_ids=[doc.doc_id])

    reopened = Library.open(db_path)
    assert not reopened.opened_from_snapshot
    assert reopened.get(pid).title == "Renamed by another program"


def test_a_restored_backup_is_read_not_the_snapshot_of_the_newer_file(sample_library, db_path):
    library = Library.open(db_path, backup_interval=0)
    library.backup()
    library.tag(library.ids()[:3], ["after-backup"])
    library.compact()
    library.restore_backup(1)

    reopened = Library.open(db_path)
    assert not any("after-backup" in paper.tags for paper in reopened.papers())


@pytest.mark.parametrize(
    "damage",
    ["truncated", "flipped", "garbage", "empty", "header-only", "huge-length", "directory"],
)
def test_a_damaged_snapshot_is_ignored(sample_library, db_path, monkeypatch, damage):
    sample_library.tag(sample_library.ids()[:2], ["kept"])
    sample_library.compact()
    expected = state(from_json(db_path, monkeypatch))
    path = sample_library.snapshot_path
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        path.write_bytes(data[:-100] + bytes([data[-100] ^ 0x40]) + data[-99:])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff" * 5000)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "header-only":
        path.write_bytes(data[:60])
    elif damage == "huge-length":
        head = bytearray(data[:64])
        head[16 + 28 : 16 + 36] = (1 << 62).to_bytes(8, "little")  # the payload size field
        path.write_bytes(bytes(head) + data[64:])
    else:
        path.unlink()
        path.mkdir()

    reopened = Library.open(db_path)
    assert not reopened.opened_from_snapshot
    assert state(reopened) == expected


def test_a_newer_schema_is_refused_even_with_a_snapshot_beside_it(sample_library, db_path):
    sample_library.compact()
    data = json.loads(db_path.read_text())
    data["meta"]["1"]["schema"] = 99
    db_path.write_text(json.dumps(data))
    with pytest.raises(LibraryError, match="newer reader"):
        Library.open(db_path)


def test_small_libraries_have_no_snapshot(sample_library, db_path, monkeypatch):
    sample_library.compact()
    assert sample_library.snapshot_path.exists()
    use_limits(monkeypatch, sample_library, snapshot_min_papers=len(sample_library) + 1)
    sample_library.compact()  # the library is now "small": its old snapshot goes
    assert not sample_library.snapshot_path.exists()
    assert not Library.open(db_path).opened_from_snapshot


def test_a_snapshot_that_cannot_be_written_is_a_warning_and_the_change_is_saved(sample_library, db_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reader.store.compaction, "write_snapshot", full_disk)
    pid = sample_library.ids()[0]
    sample_library.tag([pid], ["saved"])
    sample_library.compact()
    assert any("snapshot" in warning and "No space left" in warning for warning in sample_library.warnings)
    reopened = Library.open(db_path)
    assert not reopened.opened_from_snapshot
    assert "saved" in reopened.get(pid).tags


def test_a_library_opened_without_its_snapshot_says_so_until_compacted(sample_library, db_path, monkeypatch):
    sample_library.snapshot_path.unlink(missing_ok=True)  # as a library written by an older reader
    assert Library.open(db_path).needs_snapshot
    sample_library.compact()
    reopened = Library.open(db_path)
    assert not reopened.needs_snapshot
    reopened.tag(reopened.ids()[:1], ["journal only"])
    assert not reopened.needs_snapshot  # the journal goes on top of the snapshot
    use_limits(monkeypatch, reopened, snapshot_min_papers=len(reopened) + 1)
    assert not Library.open(db_path).needs_snapshot  # small libraries do without


def test_a_paper_the_json_would_refuse_gets_no_snapshot_that_would_hide_it(sample_library, db_path):
    pid = sample_library.ids()[0]
    sample_library.modify([pid], lambda paper: replace(paper, tags=("fine", 3)), "a bad value from a bug")
    sample_library.compact()
    assert any("could not write" in warning and "snapshot" in warning for warning in sample_library.warnings)
    with pytest.raises(LibraryError, match="malformed"):
        Library.open(db_path)  # the file says what is wrong; no snapshot pretends it is fine


def test_a_read_only_library_is_not_tidied(sample_library, db_path, monkeypatch):
    import os

    sample_library.snapshot_path.unlink(missing_ok=True)
    reopened = Library.open(db_path)
    assert reopened.needs_tidying
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if mode == os.W_OK else real_access(path, mode))
    assert not reopened.needs_tidying  # every start would fail to compact it
