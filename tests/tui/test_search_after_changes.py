"""A query typed while changes the user asked for are still on their way shows them once they land; a
change asked for after the query leaves the rows where they are (marking papers read in a filtered
list does not make the next one jump under the cursor)."""

from __future__ import annotations

import threading

from tests.tui.conftest import MAMBA, list_rows, press, running, settle, status_text


class HeldChange:
    """Wraps a library method so that the change waits until the test lets it through."""

    def __init__(self, method) -> None:
        self.method = method
        self.entered = threading.Event()
        self.released = threading.Event()

    def __call__(self, *args, **kwargs):
        self.entered.set()
        if not self.released.wait(timeout=30):
            raise AssertionError("the test never released the change")
        return self.method(*args, **kwargs)


async def until(pilot, condition, what: str) -> None:
    for _ in range(2000):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"never happened: {what}")


async def test_a_query_typed_while_a_change_is_on_its_way_shows_it_once_it_lands(make_app, small_library,
                                                                                 monkeypatch):
    library, _ = small_library
    held = HeldChange(library.set_read)
    monkeypatch.setattr(library, "set_read", held)
    app = make_app(library)
    try:
        async with running(app) as pilot:
            await pilot.press("r")  # the newest paper (Mamba) read: the change waits on its way
            await until(pilot, held.entered.is_set, "the change started")
            await pilot.press("slash", *"is:read")
            screen = app.main_screen
            await until(pilot, lambda: screen.query_text == "is:read" and not screen.searching, "the search ran")
            assert not any(MAMBA in row for row in list_rows(app))  # not read yet when the search ran
            held.released.set()
            await settle(pilot)
            rows = [row for row in list_rows(app) if row.strip()]
            assert len(rows) == 1 and MAMBA[:30] in rows[0]
            assert "1 match" in status_text(app)
    finally:
        held.released.set()


async def test_a_change_asked_for_after_the_query_leaves_the_rows_in_place(make_app, small_library):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "slash", *"is:unread", "enter")
        before = [row for row in list_rows(app) if row.strip()]
        assert len(before) == 4
        await press(pilot, "r")  # the paper under the cursor read: it stays, marked, until the query runs again
        after = [row for row in list_rows(app) if row.strip()]
        assert len(after) == 4
        assert sum(paper.read for paper in library.papers()) == 1
