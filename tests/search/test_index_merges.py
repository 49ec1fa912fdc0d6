"""Index changes and tantivy's writer: merges finish in the background without holding up the change that
started them, and a change waits (instead of failing) while another writer holds the index."""

from __future__ import annotations

import threading

import tantivy

import reader.search.writers as writers
from reader.search import engine_for, search_ids
from reader.search.documents import index_dir
from reader.search.quick import quick_search
from reader.search.query import parse_query


def segments(db_path) -> int:
    return tantivy.Index.open(str(index_dir(db_path))).searcher().num_segments


def hold_merges(monkeypatch):
    """Make the background merge wait for the returned event before it lets tantivy finish."""
    release = threading.Event()
    started = threading.Event()
    finish = writers.Merger._finish

    def held(self, writer):
        started.set()
        release.wait()
        finish(self, writer)

    monkeypatch.setattr(writers.Merger, "_finish", held)
    return started, release


def test_a_change_that_leaves_many_segments_returns_while_they_merge(sample_library, db_path, monkeypatch):
    search_ids(sample_library, "anything")
    engine = engine_for(sample_library)
    engine.max_segments = 3
    started, release = hold_merges(monkeypatch)
    ids = [paper.id for paper in sample_library.papers()[:8]]
    tagged = []
    try:
        for pid in ids:  # each commit leaves a segment: soon more than 3
            sample_library.tag([pid], ["merging"])
            tagged.append(pid)
            if started.is_set():
                break
        assert started.is_set() and engine.merger.running  # the change returned; its merge did not finish
        # Searches meanwhile see every change.
        assert set(search_ids(sample_library, "tag:merging").ids) == set(tagged)
    finally:
        release.set()
    rest = [pid for pid in ids if pid not in tagged]
    for pid in rest:  # the next change waits for the merge (one writer per index), then commits
        sample_library.tag([pid], ["merging"])
    engine.merger.wait()
    assert engine.merger.merges >= 1 and engine.merger.last_error is None
    assert segments(db_path) <= engine.max_segments + 1
    found = quick_search(db_path, parse_query("tag:merging"), None)  # the index on disk is current
    assert found is not None and {hit.paper.id for hit in found} == set(ids)
    assert sample_library.warnings == []


def test_many_changes_keep_the_segments_few(sample_library, db_path):
    search_ids(sample_library, "anything")
    engine = engine_for(sample_library)
    ids = [paper.id for paper in sample_library.papers()[:25]]
    for pid in ids:  # each change commits a small segment of its own
        sample_library.tag([pid], ["many"])
    engine.merger.wait()
    assert segments(db_path) <= engine.max_segments
    assert set(search_ids(sample_library, "tag:many").ids) == set(ids)


def test_a_change_waits_while_another_writer_holds_the_index(sample_library, db_path, monkeypatch):
    search_ids(sample_library, "anything")
    other = tantivy.Index.open(str(index_dir(db_path))).writer(15_000_000, 1)  # as another process's merge
    retrying = threading.Event()
    sleep = writers.time.sleep

    def noticed(seconds):
        retrying.set()
        sleep(seconds)

    monkeypatch.setattr(writers.time, "sleep", noticed)
    pid = sample_library.papers()[0].id
    change = threading.Thread(target=sample_library.tag, args=([pid], ["patient"]))
    change.start()
    assert retrying.wait(10)  # the change found the writer held and waits
    other.rollback()
    del other  # released: the change goes on
    change.join(10)
    assert not change.is_alive()
    assert sample_library.warnings == []
    engine = engine_for(sample_library)
    assert len(engine.writer_waits) == 1
    found = quick_search(db_path, parse_query("tag:patient"), None)  # the index on disk is current
    assert found is not None and [hit.paper.id for hit in found] == [pid]


def test_a_writer_held_too_long_leaves_the_change_saved_and_the_next_search_catches_up(
        sample_library, db_path, monkeypatch):
    search_ids(sample_library, "anything")
    monkeypatch.setattr(writers, "WRITER_WAIT_SECONDS", 0.0)
    other = tantivy.Index.open(str(index_dir(db_path))).writer(15_000_000, 1)
    pid = sample_library.papers()[0].id
    sample_library.tag([pid], ["later"])
    assert pid in {paper.id for paper in sample_library.papers() if "later" in paper.tags}  # the change is saved
    assert len(sample_library.warnings) == 1 and "kept the search index's writer" in sample_library.warnings[0]
    assert quick_search(db_path, parse_query("tag:later"), None) is None  # the index on disk is behind: not used
    other.rollback()
    del other
    assert search_ids(sample_library, "tag:later").ids == [pid]


def test_a_merge_that_fails_leaves_the_index_as_it_was():
    class Broken:
        def wait_merging_threads(self):
            raise ValueError("disk gone")

    merger = writers.Merger()
    merger.start(Broken())
    merger.wait()
    assert merger.merges == 0 and merger.last_error == "disk gone" and not merger.running
