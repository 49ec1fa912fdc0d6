"""A big library's first search index is built in a child process, then loaded from its saved file."""

from __future__ import annotations

import pytest

import reader.tui.searching as searching
from reader.library import Library
from reader.search import SearchIndex, forget_index, index_for
from reader.tui.searching import Searcher


def test_first_index_of_a_big_library_is_built_in_a_child(sample_library, monkeypatch):
    sample_library.compact()
    monkeypatch.setattr(searching, "CHILD_BUILD_PAPERS", 100)  # the sample library counts as big here
    cache = sample_library.path.with_name(sample_library.path.name + ".search")
    assert not cache.exists()
    searcher = Searcher(sample_library)
    searcher.warm_up()
    assert cache.exists(), "the child saved the index"
    assert searcher.ready
    result = searcher.search("trasnformer bayesian", limit=3)
    assert result.ids and sample_library.get(result.ids[0]).title == "Transformers Can Do Bayesian Inference"
    assert searcher.index is index_for(sample_library)


def test_small_libraries_build_in_process(sample_library, monkeypatch):
    calls = []
    monkeypatch.setattr(Searcher, "_build_in_child", lambda self: calls.append(1) or False)
    searcher = Searcher(sample_library)
    searcher.warm_up()
    assert calls == [] and searcher.ready


# -- the phrases file of a library whose saved index is reused ---------------------------------------


def _phrases(library):
    return library.path.with_name(library.path.name + ".phrases")


def _saved_without_phrases(library, monkeypatch):
    """A library whose saved search index has no phrases file beside it (as an older version left it)."""
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 100)  # the sample library counts as big enough
    library.compact()
    SearchIndex(library).prepare()
    _phrases(library).unlink()
    return library.path.with_name(library.path.name + ".search")


def _abstracts(library) -> int:
    return sum(1 for paper in library.papers() if paper.has_abstract)


def test_a_big_library_gets_its_missing_phrases_file_from_a_child(sample_library, monkeypatch):
    cache = _saved_without_phrases(sample_library, monkeypatch)
    cached = cache.stat().st_mtime_ns
    monkeypatch.setattr(searching, "CHILD_BUILD_PAPERS", 100)
    searcher = Searcher(sample_library)
    searcher.warm_up()
    assert searcher.ready  # searches do not wait for the phrases file
    assert searcher.wait_for_phrases(timeout=120)
    assert searcher.phrases_problem is None
    assert _phrases(sample_library).exists(), "the child wrote the phrases file"
    assert cache.stat().st_mtime_ns == cached  # and only that
    abstracts = _abstracts(sample_library)
    assert searcher.index.phrases_coverage() == (abstracts, abstracts)
    # The app's index uses the new file on its next phrase query: no abstract is read.
    read: list[str] = []
    original = sample_library.read_abstracts

    def counting(pids):
        pids = list(pids)
        read.extend(pids)
        return original(pids)

    monkeypatch.setattr(sample_library, "read_abstracts", counting)
    result = searcher.search('"large language models"')
    assert result.total >= 10 and read == []


def test_a_phrases_file_covering_too_few_abstracts_is_written_again(sample_library, db_path, clock, monkeypatch):
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 100)
    sample_library.compact()
    SearchIndex(sample_library).prepare()
    before = _phrases(sample_library).stat().st_mtime_ns
    other = Library.open(db_path, clock=clock)
    papers = [paper for paper in other.papers() if paper.has_abstract][:60]  # more than 10%
    other.put(papers, {paper.id: "A new abstract about walrus migration." for paper in papers}, label="edit")
    other.compact()
    library = Library.open(db_path, clock=clock)
    monkeypatch.setattr(searching, "CHILD_BUILD_PAPERS", 100)
    searcher = Searcher(library)
    searcher.warm_up()
    abstracts = _abstracts(library)
    assert searcher.wait_for_phrases(timeout=120) and searcher.phrases_problem is None
    assert _phrases(library).stat().st_mtime_ns != before
    assert searcher.index.phrases_coverage() == (abstracts, abstracts)
    assert searcher.search('"walrus migration"').total == 60


def test_a_smaller_library_writes_its_phrases_file_in_the_worker(sample_library, monkeypatch):
    _saved_without_phrases(sample_library, monkeypatch)
    monkeypatch.setattr(Searcher, "_start_phrases_child", lambda self: pytest.fail("no child below CHILD_BUILD_PAPERS"))
    searcher = Searcher(sample_library)
    searcher.warm_up()
    abstracts = _abstracts(sample_library)
    assert _phrases(sample_library).exists()  # written before warm_up returned
    assert searcher.index.phrases_coverage() == (abstracts, abstracts)


def test_a_current_phrases_file_or_a_small_library_starts_nothing(sample_library, monkeypatch):
    monkeypatch.setattr(Searcher, "_start_phrases_child", lambda self: pytest.fail("nothing to write"))
    monkeypatch.setattr(SearchIndex, "write_phrases", lambda self: pytest.fail("nothing to write"))
    sample_library.compact()
    searcher = Searcher(sample_library)  # below persist_min_papers (5,000): nothing is saved
    searcher.warm_up()
    assert searcher.ready and not _phrases(sample_library).exists()
    monkeypatch.setattr(searching, "CHILD_BUILD_PAPERS", 100)
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 100)
    SearchIndex(sample_library).prepare()  # writes both files (a full build)
    forget_index(sample_library)
    searcher = Searcher(sample_library)
    searcher.warm_up()
    assert searcher.ready and searcher.wait_for_phrases(timeout=0)


def test_no_child_when_the_phrases_file_could_not_be_written_or_is_being_written(sample_library, monkeypatch):
    import os

    _saved_without_phrases(sample_library, monkeypatch)
    monkeypatch.setattr(searching, "CHILD_BUILD_PAPERS", 100)
    started = []
    monkeypatch.setattr(Searcher, "_start_phrases_child", lambda self: started.append(1))
    searcher = Searcher(sample_library)
    searcher.warm_up()
    assert started == [1]  # the file is missing: a child writes it

    # Another window of reader is writing it right now (its temporary file, its live process).
    writing = _phrases(sample_library).with_name(f".{_phrases(sample_library).name}.tmp-{os.getpid()}-1")
    writing.write_bytes(b"half")
    searcher = Searcher(sample_library)
    searcher.warm_up()
    assert started == [1]
    writing.unlink()

    # Writing it failed in this process (a read-only directory, a full disk): a child would fail too.
    searcher = Searcher(sample_library)
    searcher.index.phrases_error = "cannot save the phrase index: Read-only file system"
    searcher.warm_up()
    assert started == [1]
