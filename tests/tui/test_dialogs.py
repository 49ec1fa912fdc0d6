"""Dialogs: drawn before they take keys, usable at 80x24, the export dialog's path and its safe choice."""

from __future__ import annotations

from textual import events
from textual.widgets import Button, Input

from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.export import ExportModal
from tests.tui.conftest import settle

SMALL = (80, 24)


async def test_a_confirmation_ignores_keys_typed_before_it_was_drawn(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        answers: list[bool | None] = []
        modal = ConfirmModal("Mark 2 selected papers read?")
        app.push_screen(modal, answers.append)
        # A "y" already on its way when the question appears (typed ahead, or the app was busy).
        app.post_message(events.Key("y", "y"))
        await pilot.pause()
        assert answers == [] and app.screen is modal
        assert modal.shown  # drawn now
        await pilot.press("y")
        assert answers == [True]


async def test_the_export_dialog_is_usable_at_80x24_and_shows_the_full_path(
    small_library, make_app, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    library, ids = small_library
    app = make_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("space", "e")  # a selection: the dialog's tallest form (scope choice)
        assert isinstance(app.screen, ExportModal)
        where = str(app.screen.query_one("#export-where").render())
        assert where == f"Writes {tmp_path / 'reading-list-2026-01-01.md'}"
        for _ in range(12):  # Tab reaches the buttons, and each one scrolls into view
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None
            assert app.screen.region.contains_region(focused.region), focused
            if isinstance(focused, Button) and focused.id == "export":
                break
        else:
            raise AssertionError("Tab never reached the Export button")
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "reading-list-2026-01-01.md").exists()


async def test_a_second_export_the_same_day_focuses_keep_and_keep_returns_to_the_dialog(
    small_library, make_app, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "reading-list-2026-01-01.md"
    existing.write_text("this morning's list\n", encoding="utf-8")
    library, ids = small_library
    app = make_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("e", "enter")
        assert isinstance(app.screen, ConfirmModal)
        assert app.focused is not None and app.focused.id == "no"  # Keep
        await pilot.press("enter")  # Enter takes the focused, safe choice
        assert isinstance(app.screen, ExportModal)  # back in the dialog, not closed
        assert existing.read_text(encoding="utf-8") == "this morning's list\n"
        assert "kept it" in str(app.screen.query_one("#export-error").render())
        app.screen.query_one("#export-path", Input).value = "other.md"
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "other.md").exists()
        assert existing.read_text(encoding="utf-8") == "this morning's list\n"
