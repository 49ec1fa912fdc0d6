"""Abstracts stay on disk: one is read by offset, all are streamed, none kept unless asked."""

from __future__ import annotations

import json
import os

import pytest
from tinydb import TinyDB

from reader.errors import LibraryError
from reader.importers import Candidate
from reader.store import Library
from tests.helpers.limits import use_limits


def _abstract(n: int) -> str:
    # Different lengths, quotes, backslashes and non-ASCII text: offsets must still be exact.
    return f"Abstract {n}: " + "word " * (n % 7) + 'a "quoted" \\ path, café ✓ 🚀' + "." * n


def _fill(library: Library, count: int = 12, *, start: int = 0, source: str = "dump.html") -> dict[str, str]:
    candidates = [
        Candidate(title=f"Paper number {n} about topic {n * 7}", abstract=_abstract(n), source=source)
        for n in range(start, start + count)
    ]
    report = library.import_candidates(candidates, sources=[source])
    return {pid: _abstract(start + i) for i, pid in enumerate(report.added)}


def _reopen(library: Library) -> Library:
    return Library.open(library.path, clock=library.clock, backup_interval=0)


def _no_scan(monkeypatch):
    """Fail the test if the abstracts file is scanned or loaded whole."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("the abstracts file was scanned or loaded whole")

    from reader.store.abstracts import Abstracts
    from reader.store.abstracts_file import AbstractsFile

    monkeypatch.setattr(AbstractsFile, "index", refuse)
    monkeypatch.setattr(Abstracts, "load", refuse)


def test_offsets_recorded_at_compaction_read_one_abstract(library, monkeypatch):
    expected = _fill(library)
    library.compact()
    fresh = _reopen(library)
    _no_scan(monkeypatch)
    for pid, text in expected.items():
        assert fresh.abstract(pid) == text
    assert fresh._abstracts.loaded is False
    assert fresh._abstracts.known == {}


def test_files_stay_tinydb_databases_with_ascii_abstracts(library):
    expected = _fill(library)
    library.compact()
    raw = library.abstracts_path.read_bytes()
    assert raw.isascii()
    with TinyDB(library.abstracts_path) as db:
        stored = {doc["id"]: doc["abstract"] for doc in db.table("abstracts").all()}
    assert stored == expected
    with TinyDB(library.path) as db:
        assert {doc["id"] for doc in db.table("papers").all()} == set(expected)


def test_offsets_carried_over_when_abstracts_file_not_rewritten(library, monkeypatch):
    expected = _fill(library)
    library.compact()
    before = os.stat(library.abstracts_path)
    pid = next(iter(expected))
    library.tag([pid], ["later"])
    library.compact()
    after = os.stat(library.abstracts_path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    fresh = _reopen(library)
    assert "later" in fresh.get(pid).tags
    _no_scan(monkeypatch)
    for pid, text in expected.items():
        assert fresh.abstract(pid) == text


def test_abstracts_learned_from_the_journal(library, monkeypatch):
    first = _fill(library, 5)
    library.compact()
    second = _fill(library, 3, start=100, source="later.html")  # in the journal only
    assert library.wal_path.stat().st_size > 200
    fresh = _reopen(library)
    _no_scan(monkeypatch)
    for pid, text in {**first, **second}.items():
        assert fresh.abstract(pid) == text
    assert fresh._abstracts.loaded is False
    # Compaction rewrites the file with the journal's abstracts; then they are read from it.
    monkeypatch.undo()
    fresh.compact()
    assert fresh._abstracts.known == {}
    again = _reopen(fresh)
    _no_scan(monkeypatch)
    for pid, text in {**first, **second}.items():
        assert again.abstract(pid) == text


def test_another_process_compacting_makes_offsets_stale(library):
    expected = _fill(library)
    library.compact()
    other = _reopen(library)
    pids = list(expected)
    # The other process lengthens the first abstract: every later document moves.
    paper = other.get(pids[0])
    other.put([paper], {pids[0]: "A much longer abstract. " * 40}, label="edit")
    other.compact()
    # Not refreshed: its offsets describe the old file, which is gone.
    for pid in pids[1:]:
        assert library.abstract(pid) == expected[pid]
    assert library._abstracts.loaded is False  # found again by one scan, not loaded
    assert library._abstracts.spans.file == other._abstracts.spans.file  # the offsets now describe the new file
    library.refresh()
    assert library.abstract(pids[0]) == "A much longer abstract. " * 40


def test_abstract_changed_in_place_by_another_process_reads_the_new_text(library):
    expected = _fill(library)
    library.compact()
    other = _reopen(library)
    pid = list(expected)[4]
    same_length = "X" * len(json.dumps(expected[pid])[1:-1])  # the document keeps its place and size
    other.put([other.get(pid)], {pid: same_length}, label="edit")
    other.compact()
    assert library.abstracts_path.stat().st_size == other._abstracts.spans.file[0]
    assert library.abstract(pid) == same_length  # the file's text, not what the old offsets pointed at


def test_file_rewritten_by_tinydb_same_layout(library):
    expected = _fill(library)
    library.compact()
    pid = next(iter(expected))
    with TinyDB(library.abstracts_path) as db:
        db.table("abstracts").update({"abstract": "edited by hand"}, lambda doc: doc["id"] == pid)
    fresh = _reopen(library)
    assert fresh.abstract(pid) == "edited by hand"
    others = [p for p in expected if p != pid]
    assert [fresh.abstract(p) for p in others] == [expected[p] for p in others]
    assert dict(fresh.iter_abstracts()) == {**expected, pid: "edited by hand"}


@pytest.mark.parametrize("options", [{"indent": 2}, {"ensure_ascii": False}])
def test_file_rewritten_by_tinydb_other_layout_falls_back(library, options):
    expected = _fill(library)
    library.compact()
    with TinyDB(library.abstracts_path) as db:
        docs = db.table("abstracts").all()
    library.abstracts_path.unlink()
    with TinyDB(library.abstracts_path, **options) as db:
        db.table("abstracts").insert_multiple(docs)
    fresh = _reopen(library)
    pid = next(iter(expected))
    assert fresh.abstract(pid) == expected[pid]
    assert dict(fresh.iter_abstracts()) == expected
    assert fresh.abstracts() == expected


def test_missing_offsets_are_found_by_a_scan(library):
    expected = _fill(library)
    library.compact()
    with TinyDB(library.path) as db:
        db.drop_table("abstracts_at")  # as written by an older reader
    fresh = _reopen(library)
    assert fresh._abstracts.spans is None
    assert [fresh.abstract(p) for p in expected] == list(expected.values())
    assert fresh._abstracts.loaded is False


def test_corrupt_abstracts_file_is_reported_and_never_overwritten(library):
    expected = _fill(library)
    library.compact()
    raw = library.abstracts_path.read_bytes()
    damaged = raw[: len(raw) // 2]
    library.abstracts_path.write_bytes(damaged)
    fresh = _reopen(library)
    pid = list(expected)[-1]
    with pytest.raises(LibraryError, match="abstracts.json is not valid JSON"):
        fresh.abstract(pid)
    with pytest.raises(LibraryError, match="not valid JSON"):
        list(fresh.iter_abstracts())
    fresh.tag([pid], ["kept"])  # changes that do not need abstracts still work
    with pytest.raises(LibraryError, match="not valid JSON"):
        fresh.compact()
    with pytest.raises(LibraryError, match="not valid JSON"):
        fresh.delete([pid])
    assert library.abstracts_path.read_bytes() == damaged
    assert not [p for p in library.path.parent.iterdir() if ".tmp-" in p.name]
    assert pid in _reopen(library)


def test_iter_abstracts_yields_what_abstracts_holds(library, monkeypatch):
    _fill(library, 20)
    library.compact()
    _fill(library, 4, start=50, source="more.html")  # journal
    ids = library.ids()
    library.delete([ids[3], ids[-1]])
    paper = library.get(ids[5])
    library.put([paper], {ids[5]: "replaced"}, label="edit")
    use_limits(monkeypatch, stream_chunk=7)  # many chunk boundaries
    streamed = list(_reopen(library).iter_abstracts())
    whole = _reopen(library).abstracts()
    assert len(streamed) == len({pid for pid, _ in streamed})
    assert dict(streamed) == whole
    assert ids[3] not in whole and whole[ids[5]] == "replaced"
    iterating = _reopen(library)
    list(iterating.iter_abstracts())
    assert iterating._abstracts.loaded is False


def test_deleted_paper_added_again_without_abstract_has_none(library):
    expected = _fill(library, 3)
    library.compact()
    pid = next(iter(expected))
    paper = library.get(pid)
    library.delete([pid])
    library.put([paper], {}, label="restore without abstract")
    assert library.abstract(pid) == ""
    assert _reopen(library).abstract(pid) == ""
    library.compact()
    assert _reopen(library).abstract(pid) == ""


def test_undo_of_an_abstract_change_restores_it(library):
    expected = _fill(library, 4)
    library.compact()
    fresh = _reopen(library)
    pid = list(expected)[1]
    fresh.put([fresh.get(pid)], {pid: "changed"}, label="edit")
    assert fresh.abstract(pid) == "changed"
    fresh.undo()
    assert fresh.abstract(pid) == expected[pid]
    assert fresh._abstracts.loaded is False
    fresh.compact()
    assert json.loads(fresh.abstracts_path.read_text())["abstracts"]  # still a TinyDB table
    assert _reopen(fresh).abstract(pid) == expected[pid]


def _search_library(library: Library, count: int = 30) -> dict[str, str]:
    candidates = [
        Candidate(
            title=f"Study {n} of things",
            abstract=f"Common words here. Marker{n}x appears once; the zebra crossing {n}.",
            source="s.html",
        )
        for n in range(count)
    ]
    report = library.import_candidates(candidates, sources=["s.html"])
    library.compact()
    return dict(zip(report.added, (c.abstract for c in candidates), strict=True))


@pytest.mark.parametrize("saved", [False, True])
def test_search_index_searches_abstracts_without_keeping_them(library, saved):
    from reader.search import search

    expected = _search_library(library)
    pids = list(expected)
    if saved:  # an index to reuse, then one abstract changed by another process
        search(_reopen(library), "anything")
        library.put([library.get(pids[2])], {pids[2]: "Now about a giraffe."}, label="edit")
        library.compact()
    fresh = _reopen(library)
    assert [hit.paper.title for hit in search(fresh, "marker7x")] == ["Study 7 of things"]
    assert len(search(fresh, '"zebra crossing"', limit=100)) == len(pids) - saved
    assert [hit.paper.title for hit in search(fresh, "giraffe")] == (["Study 2 of things"] if saved else [])
    assert fresh._abstracts.loaded is False


def test_search_index_with_abstracts_out_of_slot_order(library, monkeypatch):
    from reader.search import search

    expected = _search_library(library, 12)
    real = Library.iter_abstracts

    def backwards(self):
        yield from reversed(list(real(self)))

    fresh = _reopen(library)
    monkeypatch.setattr(Library, "iter_abstracts", backwards)
    for n in range(12):
        assert [hit.paper.title for hit in search(fresh, f"marker{n}x")] == [f"Study {n} of things"]
    assert len(search(fresh, "zebra", limit=100)) == len(expected)


def test_damage_in_the_middle_of_the_abstracts_file_is_reported(library, monkeypatch):
    expected = _fill(library, 30)
    library.compact()
    raw = library.abstracts_path.read_bytes()
    middle = raw.index(b'"abstract": ', len(raw) // 2)
    library.abstracts_path.write_bytes(raw[:middle] + b'"abstract" ' + raw[middle + 12 :])  # a colon lost
    use_limits(monkeypatch, stream_chunk=64, max_document=4096)  # gives up scanning early
    fresh = _reopen(library)
    with pytest.raises(LibraryError, match="abstracts.json is not valid JSON"):
        fresh.abstract(list(expected)[-1])
    with pytest.raises(LibraryError, match="not valid JSON"):
        dict(fresh.iter_abstracts())


def test_read_abstracts_reads_many_by_offset_at_once(library, monkeypatch):
    expected = _fill(library, 30)
    library.compact()
    reopened = _reopen(library)
    _no_scan(monkeypatch)
    got = reopened.read_abstracts(list(expected)[::-1])
    assert got == expected
    assert reopened._abstracts.loaded is False

