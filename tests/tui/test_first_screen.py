"""The first screen before the library is loaded: its newest papers come from the search index, the
library opens in a worker meanwhile and takes their place unnoticed (same rows, same cursor); keys
that need the library say so, a search typed meanwhile runs once it is in, and a library whose index
is not current opens first, as it always did."""

from __future__ import annotations

import shutil
import threading
from contextlib import asynccontextmanager

import pytest

from tests.tui.conftest import SIZE, detail_text, list_rows, notifications, press, screen_text, settle, status_text

from reader.errors import LibraryError
from reader.search import search
from reader.search.documents import index_dir
from reader.search.firstpage import first_page
from reader.store import Library
from reader.tui import app as app_module
from reader.tui.app import FIRST_ROWS, run_app_opening
from reader.tui.core import PendingLibrary


class HeldOpen:
    """Opens the library only when the test lets it (``release``), as a slow disk would."""

    def __init__(self, db_path, error: Exception | None = None) -> None:
        self.db_path = db_path
        self.error = error
        self.released = threading.Event()
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if not self.released.wait(timeout=30):
            raise AssertionError("the test never released the library")
        if self.error is not None:
            raise self.error
        return Library.open(self.db_path)


@asynccontextmanager
async def opening(make_app, db_path, *, error: Exception | None = None, rows: int = FIRST_ROWS):
    """An app on the library at ``db_path`` whose index is current, the library held back: yields (app, pilot, opener)."""
    page = first_page(db_path, rows)
    assert page is not None
    opener = HeldOpen(db_path, error)
    app = make_app(None, pending=PendingLibrary(page, opener))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            yield app, pilot, opener
            opener.released.set()
    finally:
        opener.released.set()


async def let_it_open(pilot, opener) -> None:
    opener.released.set()
    await settle(pilot)


def newest_titles(library, count: int) -> list[str]:
    return [paper.title for paper in reversed(library.papers())][:count]


async def test_the_first_rows_come_from_the_index_and_stay_when_the_library_is_in(sample_library, db_path, make_app):
    search(sample_library, "")  # the index is current
    async with opening(make_app, db_path) as (app, pilot, opener):
        assert app.opening and app.library is None and opener.calls == 1  # asked for after the first frame
        before = list_rows(app)
        titles = newest_titles(sample_library, 5)
        for row, title in zip(before, titles, strict=False):
            assert title[:40] in row
        assert status_text(app).startswith("442 papers")  # the library's count, from the index
        await pilot.press("j", "j", "j")
        current = app.main_screen.paper_list.current_id
        assert current == list(reversed(sample_library.ids()))[3]
        assert sample_library.get(current).title[:30] in detail_text(app)

        await let_it_open(pilot, opener)
        assert not app.opening and app.library is not None
        assert list_rows(app) == before  # the same rows, in the same order
        assert app.main_screen.paper_list.cursor == 3 and app.main_screen.paper_list.current_id == current
        assert len(app.main_screen.rows) == 442 and app.catalog.counts is not None  # now counted
        abstract = sample_library.abstract(current)
        assert abstract[:40] in detail_text(app).replace("\n", " ")  # the abstract, once the library is in

    # The same screen as an app started on the loaded library.
    reference = make_app(Library.open(db_path))
    async with reference.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert list_rows(reference) == before


async def test_once_the_library_is_in_the_screen_is_the_one_a_loaded_start_shows(sample_library, db_path, make_app):
    search(sample_library, "")
    reference = make_app(Library.open(db_path))
    async with reference.run_test(size=SIZE) as pilot:
        await settle(pilot)
        expected = screen_text(reference)
    async with opening(make_app, db_path) as (app, pilot, opener):
        await let_it_open(pilot, opener)
        assert screen_text(app) == expected


async def test_keys_that_need_the_library_say_so_while_it_opens(sample_library, db_path, make_app):
    search(sample_library, "")
    async with opening(make_app, db_path) as (app, pilot, opener):
        first = app.main_screen.paper_list.current_id
        await pilot.press("r")  # mark read: needs the library
        assert any("Still opening the library" in note for note in notifications(app))
        await pilot.press("t")  # tags
        assert len(app.screen_stack) == 1  # no dialog opened
        count = len(notifications(app))
        await pilot.press("u")  # undo: whether there is anything to undo is not known yet
        assert len(notifications(app)) == count + 1 and "Still opening" in notifications(app)[-1]
        await let_it_open(pilot, opener)
        assert not app.library.get(first).read  # nothing was changed behind the user's back
        await press(pilot, "r")  # and now it works
        assert app.library.get(first).read
        await press(pilot, "u")  # and so does undo
        assert not app.library.get(first).read and notifications(app)[-1].startswith("Undone")


async def test_a_search_typed_while_the_library_opens_runs_once_it_is_in(sample_library, db_path, make_app):
    search(sample_library, "")
    async with opening(make_app, db_path) as (app, pilot, opener):
        await pilot.press("slash", *"diffusion")
        main = app.main_screen
        assert main.query_text == "diffusion"
        assert status_text(app).startswith("Opening the library")
        assert list(main.rows) == []  # no rows that are not the results
        await let_it_open(pilot, opener)
        expected = search(Library.open(db_path), "diffusion")
        assert list(main.rows) == [hit.paper.id for hit in expected]
        assert status_text(app).startswith(f"{len(expected)} matches")


async def test_a_smart_list_chosen_while_the_library_opens_is_listed_once_it_is_in(sample_library, db_path, make_app):
    sample_library.set_read(sample_library.ids()[-2:], True)  # the two newest papers are read
    search(sample_library, "")
    async with opening(make_app, db_path) as (app, pilot, opener):
        await pilot.press("right_square_bracket")  # All -> Unread
        main = app.main_screen
        assert main.list_id == "unread" and status_text(app).startswith("Opening the library")
        await let_it_open(pilot, opener)
        assert status_text(app).startswith("440 papers in Unread")
        assert main.rows[0] == sample_library.ids()[-3]  # the newest unread paper


async def test_the_end_key_while_the_library_opens_lands_on_the_last_paper_once_it_is_in(
    sample_library, db_path, make_app
):
    search(sample_library, "")
    async with opening(make_app, db_path, rows=20) as (app, pilot, opener):
        paper_list = app.main_screen.paper_list
        await pilot.press("end")
        assert paper_list.cursor == 441 and paper_list.current_id == ""  # not read yet: a blank row
        await pilot.press("space")  # selecting a row not read yet does nothing
        assert not paper_list.selected
        await let_it_open(pilot, opener)
        assert paper_list.cursor == 441 and paper_list.current_id == sample_library.ids()[0]  # the oldest paper


async def test_a_library_that_does_not_open_ends_the_app_with_the_reason(sample_library, db_path, make_app):
    search(sample_library, "")
    error = LibraryError("library.json: not a library")
    async with opening(make_app, db_path, error=error) as (app, pilot, opener):
        await let_it_open(pilot, opener)
    assert app.open_error is error and app.return_code == 1


def test_without_a_current_index_the_library_opens_first(sample_library, db_path, monkeypatch):
    started = []

    def run_app(library, **kwargs) -> int:
        started.append((library, kwargs))
        return 0

    monkeypatch.setattr(app_module, "run_app", run_app)
    opened = []

    def open_library():
        opened.append(Library.open(db_path))
        return opened[-1]

    assert run_app_opening(db_path, open_library, preview_from=1) == 0  # no index yet
    assert started[-1] == (opened[-1], {}) and len(opened) == 1

    search(sample_library, "")
    run_app_opening(db_path, open_library)  # current, but 442 papers open at once: first, as always
    assert started[-1] == (opened[-1], {}) and len(opened) == 2
    run_app_opening(db_path, open_library, preview_from=442)  # current: the app opens the library itself, later
    library, kwargs = started[-1]
    assert library is None and len(opened) == 2
    assert kwargs["pending"].first.papers[0] == sample_library.get(sample_library.ids()[-1])

    index = index_dir(db_path)
    saved = index.with_name("saved.index")
    shutil.copytree(index, saved)
    sample_library.set_read(sample_library.ids()[:1], True)
    shutil.rmtree(index)
    shutil.copytree(saved, index)  # one change behind the library
    run_app_opening(db_path, open_library, preview_from=1)
    assert started[-1] == (opened[-1], {}) and len(opened) == 3


def test_a_library_that_does_not_open_reaches_the_cli_as_its_error(sample_library, db_path, monkeypatch):
    """run_app_opening, as `reader --db LIB` runs it: the app ends and the library's error is raised
    (the CLI prints it as one line and exits 1)."""
    search(sample_library, "")
    original_run = app_module.ReaderApp.run

    def headless_run(self, **kwargs):
        return original_run(self, headless=True, size=SIZE)

    monkeypatch.setattr(app_module.ReaderApp, "run", headless_run)

    def open_library():
        raise LibraryError("library.json: line 3 is not a change record")

    with pytest.raises(LibraryError, match="line 3"):
        run_app_opening(db_path, open_library, preview_from=1)


def test_pending_rows_are_as_long_as_the_library():
    from reader.tui.catalog import PendingRows

    rows = PendingRows(["c", "b", "a"], 5)
    assert len(rows) == 5 and rows[0] == "c" and rows[-1] == "" and rows[-3] == "a"
    assert rows[1:4] == ["b", "a", ""] and "b" in rows and "" not in rows
    assert rows.index("a") == 2
    for missing in ("", "z"):
        with pytest.raises(ValueError):
            rows.index(missing)
    with pytest.raises(IndexError):
        rows[5]
