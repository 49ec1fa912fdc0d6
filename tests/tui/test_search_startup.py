"""The TUI's search start-up: the index is brought up to date (built with a progress line when a
library has none), a rebuild says why, and searches answer from the whole library."""

from __future__ import annotations

import shutil

import reader.search.build as build
from reader.search import search
from reader.search.documents import index_dir
from reader.tui.searching import Searcher
from tests.tui.conftest import press, running


def test_warm_up_builds_a_missing_index_and_reports_progress(sample_library, monkeypatch):
    monkeypatch.setattr(build, "BUILD_BATCH", 100)
    calls = []
    searcher = Searcher(sample_library)
    searcher.warm_up(lambda done, total: calls.append((done, total)))
    total = len(sample_library)
    assert calls[0] == (100, total) and calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert searcher.note is None  # a first build is no news
    assert index_dir(sample_library.path).is_dir()
    result = searcher.search("trasnformer bayesian", limit=3)
    assert sample_library.get(result.ids[0]).title == "Transformers Can Do Bayesian Inference"


async def test_the_app_says_why_it_rebuilt_the_index_and_searches_everything(sample_library, make_app):
    search(sample_library, "anything")
    shutil.rmtree(index_dir(sample_library.path))
    index_dir(sample_library.path).write_text("not an index")  # a file where the directory should be
    app = make_app(sample_library)
    async with running(app) as pilot:
        notes = [notification.message for notification in app._notifications]
        assert any(note.startswith("Search index rebuilt (") for note in notes), notes
        status = app.main_screen.query_one("#search-status")
        await press(pilot, "slash", *"hyperbolic", "enter")  # a word only an abstract has
        assert "1 match" in str(status.render())
        assert app.main_screen.index_progress is None


async def test_a_progress_line_shows_while_the_index_is_built(sample_library, make_app):
    app = make_app(sample_library)
    async with running(app) as pilot:
        main = app.main_screen
        main.search_progress("building the search index: 40%")
        await pilot.pause()
        assert "building the search index: 40%" in str(main.query_one("#search-message").render())
        main.search_progress(None)
        await pilot.pause()
        assert not main.query_one("#search-message").display
