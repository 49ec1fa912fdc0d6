"""The library: import merging, changes, persistence, undo, and refusing bad files."""

from __future__ import annotations

import os
import json

import pytest
from tinydb import TinyDB

from reader.errors import LibraryError, ReaderError, UnknownPaper
from reader.importers import Candidate
from reader.importers.hf_pages import parse_page_file
from reader.store import Library
from tests.helpers.limits import use_limits
from reader.papers import Link, Paper, title_id

from tests.conftest import SAMPLE_FILES


def import_samples(library):
    parsed = [parse_page_file(path) for path in SAMPLE_FILES]
    return library.import_candidates(
        [c for item in parsed for c in item.candidates], sources=[item.source for item in parsed]
    )


def test_import_samples_merges_duplicates_and_remembers_every_page(library):
    report = import_samples(library)
    assert report.entries == 477
    assert len(report.added) == 442
    assert len(library) == 442
    multi = [p for p in library.papers() if len(p.sources) > 1]
    assert multi, "papers seen on several pages remember each page"
    pointer = library.get(title_id("Pointer Networks"))
    assert len(pointer.sources) >= 2
    assert len(set(pointer.sources)) == len(pointer.sources)


def test_reimport_adds_nothing_and_keeps_user_state(library, db_path):
    import_samples(library)
    paper = library.get(title_id("Pointer Networks"))
    library.tag([paper.id], ["to-read", "classic"])
    library.set_read([paper.id])
    library.set_notes(paper.id, "my notes")
    before = {p.id: p for p in library.papers()}
    seq = library.seq

    report = import_samples(library)
    assert report.added == []
    assert len(report.merged) == 442
    assert report.updated == []
    assert library.seq == seq, "an import that changes nothing writes nothing"
    reopened = Library.open(db_path)
    assert {p.id: p for p in reopened.papers()} == before
    kept = reopened.get(paper.id)
    assert kept.tags == ("to-read", "classic") and kept.read and kept.notes == "my notes"


def test_overlapping_import_adds_source_and_links_but_not_state(library):
    first = Candidate("Pointer Networks", "An abstract. " * 30, "page-a")
    library.import_candidates([first])
    pid = title_id("Pointer Networks")
    library.tag([pid], ["seq2seq"])
    library.set_read([pid])
    again = Candidate(
        "pointer networks",  # same paper, other case
        "Another abstract. " * 30,
        "page-b",
        links=(Link("https://github.com/a/ptr", "code"),),
        arxiv_id="1506.03134",
        authors=("Oriol Vinyals",),
    )
    report = library.import_candidates([again])
    assert report.added == [] and report.merged == [pid] and report.updated == [pid]
    paper = library.get(pid)
    assert paper.sources == ("page-a", "page-b")
    assert paper.links == (Link("https://github.com/a/ptr", "code"),)
    assert paper.arxiv_id == "1506.03134" and paper.authors == ("Oriol Vinyals",)
    assert paper.tags == ("seq2seq",) and paper.read is True
    assert library.abstract(pid).startswith("An abstract."), "the first abstract is kept"


def test_arxiv_id_matches_before_title(library):
    library.import_candidates([Candidate("Old Title", "x " * 200, "p", arxiv_id="2401.00001")])
    report = library.import_candidates([Candidate("New Title v2", "y " * 200, "q", arxiv_id="2401.00001v2")])
    assert report.added == [] and report.merged == ["2401.00001"]
    assert len(library) == 1


def test_changes_persist_and_tags_are_normalised(library, db_path):
    import_samples(library)
    pid = title_id("Pointer Networks")
    library.tag([pid[:7]], ["  ML ", "ml", "Deep Learning"])
    library.tag([pid], ["ML"])  # already there: no change
    library.untag([pid], ["deep-learning"])
    library.set_read([pid])
    reopened = Library.open(db_path)
    paper = reopened.get(pid)
    assert paper.tags == ("ml",)
    assert paper.read and paper.read_at
    library.set_read([pid], read=False)
    assert Library.open(db_path).get(pid).read_at is None


def test_bad_ids_and_tags_change_nothing(library, db_path):
    import_samples(library)
    seq = library.seq
    with pytest.raises(UnknownPaper, match="no paper with id"):
        library.tag(["zzzzzzz"], ["x"])
    with pytest.raises(ReaderError, match="empty tag"):
        library.tag([title_id("Pointer Networks")], ["  "])
    assert library.seq == seq
    assert Library.open(db_path).seq == seq


def test_id_prefixes_resolve_when_unique(library):
    library.put([Paper(id="abcd1111", title="One"), Paper(id="abcd2222", title="Two")], label="test")
    assert library.resolve("abcd1").title == "One"
    assert library.resolve("ABCD2222").title == "Two"
    with pytest.raises(UnknownPaper, match="ambiguous"):
        library.resolve("abcd")
    with pytest.raises(UnknownPaper, match="no paper"):
        library.resolve("abc")  # too short to be a prefix


def test_files_are_tinydb_databases(sample_library, db_path):
    sample_library.compact()
    papers = TinyDB(db_path, access_mode="r").table("papers").all()
    assert len(papers) == 442
    assert {doc["id"] for doc in papers} == set(sample_library.ids())
    abstracts = TinyDB(sample_library.abstracts_path, access_mode="r").table("abstracts").all()
    assert len(abstracts) == 442
    assert all(doc["abstract"] for doc in abstracts)


def test_a_second_process_state_is_picked_up(sample_library, db_path):
    other = Library.open(db_path)
    pid = title_id("Pointer Networks")
    other.tag([pid], ["from-other"])
    assert sample_library.get(pid).tags == ()
    generation = sample_library.generation
    assert sample_library.refresh() is True
    assert sample_library.get(pid).tags == ("from-other",)
    assert sample_library.changes_since(generation) == {pid}
    # A change made here now builds on the other process's change.
    sample_library.tag([pid], ["mine"])
    assert Library.open(db_path).get(pid).tags == ("from-other", "mine")


def test_compaction_by_another_process_is_followed(sample_library, db_path):
    pid = title_id("Pointer Networks")
    other = Library.open(db_path)
    other.tag([pid], ["a"])
    other.compact()
    other.tag([pid], ["b"])
    sample_library.refresh()
    assert sample_library.get(pid).tags == ("a", "b")


def test_undo_reverts_changes_one_by_one(sample_library, db_path):
    pid = title_id("Pointer Networks")
    sample_library.tag([pid], ["x"])
    sample_library.set_read([pid])
    sample_library.delete([pid])
    assert pid not in sample_library
    sample_library.undo()
    assert sample_library.get(pid).read is True
    assert sample_library.abstract(pid), "a deleted paper comes back with its abstract"
    sample_library.undo()
    assert sample_library.get(pid).read is False
    sample_library.undo()
    assert sample_library.get(pid).tags == ()
    sample_library.undo()  # the import itself
    assert len(sample_library) == 0
    with pytest.raises(ReaderError, match="nothing to undo"):
        sample_library.undo()
    labels = [h.label for h in Library.open(db_path).history(limit=10)]
    assert labels[0].startswith("undo: import")


def test_big_change_goes_straight_to_the_tinydb_files(library, db_path, monkeypatch):
    use_limits(monkeypatch, library, direct_write_papers=10)
    cands = [Candidate(f"Paper number {i}", "text " * 100, "p") for i in range(30)]
    library.import_candidates(cands)
    assert len(TinyDB(db_path, access_mode="r").table("papers")) == 30
    assert library.wal_path.stat().st_size < 100, "the journal holds only its header"
    library.undo()
    assert len(Library.open(db_path)) == 0


def test_journal_compacts_after_many_changes(library, db_path, monkeypatch):
    use_limits(monkeypatch, library, compact_records=5)
    library.import_candidates([Candidate("Paper A", "text " * 100, "p")])
    pid = title_id("Paper A")
    for i in range(12):
        library.tag([pid], [f"t{i}"])
    assert library.wal_path.stat().st_size < 5 * 2000
    reopened = Library.open(db_path)
    assert reopened.get(pid).tags == tuple(f"t{i}" for i in range(12))


def test_torn_journal_tail_is_ignored_and_then_overwritten(sample_library, db_path):
    pid = title_id("Pointer Networks")
    sample_library.tag([pid], ["kept"])
    with open(sample_library.wal_path, "ab") as handle:
        handle.write(b'1234abcd {"seq": 99, "put": [')  # a crash mid-append
    reopened = Library.open(db_path)
    assert reopened.get(pid).tags == ("kept",)
    reopened.tag([pid], ["after"])
    assert Library.open(db_path).get(pid).tags == ("kept", "after")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b'{"papers": {"1": {"id": "x"', "not valid JSON"),
        (b"[1, 2]", "not a TinyDB database"),
        (b'{"_default": {}}', "no 'meta' table"),
        (b'{"meta": {"1": {"app": "reader", "schema": 99, "seq": 0}}, "papers": {}}', "newer reader"),
        (b'{"meta": {"1": {"app": "reader", "schema": 1, "seq": 0}}, "papers": {"1": {"title": 3}}}', "malformed"),
    ],
)
def test_a_bad_library_file_is_reported_and_never_overwritten(db_path, content, problem):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(content)
    with pytest.raises(LibraryError, match=problem) as info:
        Library.open(db_path)
    assert str(db_path) in str(info.value)
    assert db_path.read_bytes() == content


def test_failed_write_leaves_memory_equal_to_disk(sample_library, db_path, monkeypatch):
    pid = title_id("Pointer Networks")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("reader.store.journal.os.fsync", full_disk)
    with pytest.raises(LibraryError, match="change not saved.*No space left"):
        sample_library.tag([pid], ["lost"])
    monkeypatch.undo()
    assert sample_library.get(pid).tags == ()
    assert Library.open(db_path).get(pid).tags == ()
    sample_library.tag([pid], ["saved"])
    assert Library.open(db_path).get(pid).tags == ("saved",)


def test_unknown_tables_survive_compaction(sample_library, db_path):
    sample_library.compact()
    data = json.loads(db_path.read_text())
    data["notes_by_user"] = {"1": {"hello": "world"}}
    db_path.write_text(json.dumps(data))
    lib = Library.open(db_path)
    lib.compact()
    assert json.loads(db_path.read_text())["notes_by_user"] == {"1": {"hello": "world"}}


def test_backups_rotate_and_restore(sample_library, db_path, monkeypatch):
    pid = title_id("Pointer Networks")
    sample_library.backup_interval = 0.000001  # a backup before every change
    sample_library.backup_keep = 3
    for tag in ("a", "b", "c", "d"):
        sample_library.tag([pid], [tag])
    backups = sample_library.list_backups()
    assert len(backups) == 3
    # The newest backup was taken just before tagging "d".
    newest = Library.open(backups[0].path / db_path.name)
    assert newest.get(pid).tags == ("a", "b", "c")
    restored = sample_library.restore_backup(3)
    assert restored.path == backups[2].path
    assert sample_library.get(pid).tags == ("a",)
    assert Library.open(db_path).get(pid).tags == ("a",)
    # Restoring backed up the state it replaced, so it can be taken back.
    latest = sample_library.list_backups()[0]
    assert Library.open(latest.path / db_path.name).get(pid).tags == ("a", "b", "c", "d")
    with pytest.raises(ReaderError, match="no backup number 9"):
        sample_library.restore_backup(9)


def test_backups_are_rate_limited(sample_library):
    pid = title_id("Pointer Networks")
    sample_library.backup_interval = 3600
    for tag in ("a", "b", "c"):
        sample_library.tag([pid], [tag])
    assert len(sample_library.list_backups()) == 1


def test_unchanged_files_are_shared_between_backups(sample_library, db_path):
    pid = title_id("Pointer Networks")
    sample_library.backup_interval = 0.000001
    sample_library.tag([pid], ["a"])
    sample_library.tag([pid], ["b"])
    first, second = sample_library.list_backups()[:2]
    a = (first.path / sample_library.abstracts_path.name).stat()
    b = (second.path / sample_library.abstracts_path.name).stat()
    assert a.st_ino == b.st_ino, "the big abstracts file is not copied again when unchanged"


def test_a_missing_abstract_is_filled_by_a_later_import(library, db_path):
    library.import_candidates([Candidate("Lonely Paper", "", "page-a")])
    pid = title_id("Lonely Paper")
    assert library.get(pid).has_abstract is False
    library.import_candidates([Candidate("Lonely Paper", "Now with an abstract. " * 20, "page-b")])
    reopened = Library.open(db_path)
    assert reopened.abstract(pid).startswith("Now with an abstract.")
    assert reopened.get(pid).has_abstract
    assert reopened.get(pid).sources == ("page-a", "page-b")


def test_compaction_removes_temporaries_left_by_a_killed_process(sample_library, db_path):
    stale = db_path.parent / f".{db_path.name}.tmp-99999-1"
    stale.write_text("half a library")
    other = db_path.parent / "notes.txt"
    other.write_text("mine")
    sample_library.compact()
    assert not stale.exists()
    assert other.read_text() == "mine"


def test_compaction_leaves_a_running_index_build_alone_and_cleans_up_after_a_dead_one(sample_library, db_path):
    """reader.search_build writes the search caches without the library's lock, from another process."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(done.stdout)  # a process that has exited
    running = db_path.parent / f".{db_path.name}.search.tmp-{os.getpid()}-7"
    dead = db_path.parent / f".{db_path.name}.phrases.tmp-{dead_pid}-7"
    for path in (running, dead):
        path.write_bytes(b"half an index")
    sample_library.compact()
    assert running.exists(), "a build in progress lost its file"
    assert not dead.exists()
