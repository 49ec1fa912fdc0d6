"""A big library's first search index is built in a child process, then loaded from its saved file."""

from __future__ import annotations

import reader.tui.searching as searching
from reader.search import index_for
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
