"""Dialogs: drawn before they take keys, usable at 80x24, the export dialog's path and its safe choice."""

from __future__ import annotations

from textual import events
from textual.widgets import Button, Input

from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.export import ExportModal
from tests.tui.conftest import press, running

SMALL = (80, 24)


async def test_a_confirmation_ignores_keys_typed_before_it_was_drawn(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app, SMALL) as pilot:
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
    async with running(app, SMALL) as pilot:
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
        await press(pilot, "enter")
        assert (tmp_path / "reading-list-2026-01-01.md").exists()


async def test_a_second_export_the_same_day_focuses_keep_and_keep_returns_to_the_dialog(
    small_library, make_app, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "reading-list-2026-01-01.md"
    existing.write_text("this morning's list\n", encoding="utf-8")
    library, ids = small_library
    app = make_app(library)
    async with running(app, SMALL) as pilot:
        await pilot.press("e", "enter")
        assert isinstance(app.screen, ConfirmModal)
        assert app.focused is not None and app.focused.id == "no"  # Keep
        await pilot.press("enter")  # Enter takes the focused, safe choice
        assert isinstance(app.screen, ExportModal)  # back in the dialog, not closed
        assert existing.read_text(encoding="utf-8") == "this morning's list\n"
        assert "kept it" in str(app.screen.query_one("#export-error").render())
        app.screen.query_one("#export-path", Input).value = "other.md"
        await press(pilot, "enter")
        assert (tmp_path / "other.md").exists()
        assert existing.read_text(encoding="utf-8") == "this morning's list\n"


async def test_the_export_dialog_refuses_an_empty_name_and_a_directory_and_says_where(
    small_library, make_app, tmp_path
):
    library, ids = small_library
    app = make_app(library, export_dir=tmp_path)
    async with running(app, SMALL) as pilot:
        await pilot.press("e")
        field = app.screen.query_one("#export-path", Input)
        field.value = ""
        await pilot.pause()
        assert str(app.screen.query_one("#export-where").render()) == "Give a file name."
        await pilot.press("enter")
        assert isinstance(app.screen, ExportModal)
        assert str(app.screen.query_one("#export-error").render()) == "Give a file name."
        field.value = "."
        await pilot.press("enter")
        assert isinstance(app.screen, ExportModal)
        assert "is a directory; give a file name." in str(app.screen.query_one("#export-error").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, ExportModal)


def test_a_library_read_again_whole_says_why_its_counts_changed():
    from reader.tui.workers.store import replaced_note

    assert replaced_note(5, 4, went_back=True) == (
        "The library was put back to an earlier state by another process (reader backup restore); "
        "read it again: 4 papers now, 5 papers before."
    )
    assert replaced_note(1, 1, went_back=False) == (
        "The library was rewritten by another process (a restored backup, a copy, or many changes at once); "
        "read it again: still 1 paper."
    )


async def test_help_lists_remapped_link_keys_one_by_one(small_library, make_app):
    from reader.config import Config
    from reader.tui import keys
    from reader.tui.screens.help import numbered_names

    library, ids = small_library
    remap = {f"open_link_{n}": f"f{n}" for n in range(1, 10)}
    app = make_app(library, config=Config(keys=remap))
    async with running(app, SMALL):
        specs = [spec for spec in keys.KEYS if spec.id.startswith("open_link_")]
        # f5 already refreshes: that one remap is refused and link 5 keeps its 5
        assert numbered_names(app, specs, app.keymap) == "f1,f2,f3,f4,5,f6,f7,f8,f9"
        assert numbered_names(app, specs, {}) == "1 … 9"
