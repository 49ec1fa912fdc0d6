"""Notes, sorting, the date column, the New list, triage, statistics and the remembered theme, in the TUI."""

from __future__ import annotations


import pytest
from conftest import press, running
from conftest import ATTENTION, DIFFUSION, GRAPHS, MAMBA, SIZE, detail_text, list_rows, notifications, settle
from conftest import screen_text, status_text
from textual.widgets import TextArea

from reader.config import Config, load_config
from reader.store import Library
from reader.newmark import NewMarks
from reader.notes import CONFLICT_LINE, EditorError, save_note
from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.note_editor import NoteEditorModal
from reader.tui.modals.sort import SortModal
from reader.tui.screens.stats import StatsScreen
from reader.tui.screens.triage import TriageScreen


def _order(app) -> list[str]:
    return list(app.main_screen.rows)


ADDED = {ATTENTION: "2025-12-01T08:00:00Z", DIFFUSION: "2025-12-10T08:00:00Z", GRAPHS: "2025-12-20T08:00:00Z",
         MAMBA: "2025-12-30T08:00:00Z"}


def _spread_dates(library, ids) -> None:
    """Give the four papers different added dates (an import stamps them all alike)."""
    from dataclasses import replace

    for title, stamp in ADDED.items():
        library.modify([ids[title]], lambda paper, stamp=stamp: replace(paper, added=stamp), "date")


# -- notes --------------------------------------------------------------------------------------


async def test_m_writes_a_note_that_is_shown_literally_and_undone_with_u(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "m")
        assert isinstance(app.screen, NoteEditorModal)
        app.screen.query_one(TextArea).insert("[bold]not markup[/bold] *md* \\e")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, NoteEditorModal)
        assert library.get(ids[MAMBA]).notes == "[bold]not markup[/bold] *md* \\e"
        assert "[bold]not markup[/bold] *md* \\e" in detail_text(app)
        assert "Note saved. u undoes." in notifications(app)
        await press(pilot, "u")
        assert library.get(ids[MAMBA]).notes == ""
        assert "Notes" not in detail_text(app)


async def test_note_editor_esc_asks_when_unsaved_and_ctrl_s_without_change_saves_nothing(small_library, make_app):
    library, ids = small_library
    save_note(library, ids[MAMBA], "kept")
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "m")
        assert app.screen.query_one(TextArea).text == "kept"
        await press(pilot, "escape")  # nothing typed: closes at once
        assert not isinstance(app.screen, (NoteEditorModal, ConfirmModal))
        await pilot.press("m", "x")
        await press(pilot, "escape")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "n")  # keep editing
        assert isinstance(app.screen, NoteEditorModal)
        await press(pilot, "escape", "y")  # discard
        assert not isinstance(app.screen, (NoteEditorModal, ConfirmModal))
        assert library.get(ids[MAMBA]).notes == "kept"
        seq = library.seq
        await press(pilot, "m", "ctrl+s")
        assert library.seq == seq  # no change recorded


async def test_quitting_with_an_unsaved_note_asks(small_library, make_app):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("m", "a", "b")
        await press(pilot, "ctrl+q")
        assert isinstance(app.screen, ConfirmModal) and app.is_running
        await press(pilot, "n")
        assert isinstance(app.screen, NoteEditorModal)
        await press(pilot, "ctrl+q", "y")
    assert app.return_code == 0 and not app.is_running


async def test_a_big_hostile_note_round_trips_through_the_editor(small_library, make_app):
    library, ids = small_library
    note = ("# [red]x[/red] \\n `code` <b>bold</b>\n" * 30_000)[:1_000_000]
    save_note(library, ids[MAMBA], note)
    app = make_app(library)
    async with running(app) as pilot:
        assert "more characters (m shows the whole note)" in detail_text(app)
        await press(pilot, "m")
        assert app.screen.query_one(TextArea).text == note
        await press(pilot, "end", "Z", "ctrl+s")
    first_line_end = note.index("\n")
    assert library.get(ids[MAMBA]).notes == note[:first_line_end] + "Z" + note[first_line_end:]


async def test_M_edits_in_the_external_editor_and_keeps_both_texts_on_a_conflict(small_library, make_app, db_path):
    library, ids = small_library
    save_note(library, ids[MAMBA], "original")

    def editor_racing_another_process(text: str) -> str:
        save_note(Library.open(db_path), ids[MAMBA], "written elsewhere")  # while "editing"
        return text + " and ours"

    app = make_app(library, note_editor=editor_racing_another_process)
    async with running(app) as pilot:
        await press(pilot, "M")
        note = library.get(ids[MAMBA]).notes
        assert note == f"written elsewhere\n\n{CONFLICT_LINE}\n\noriginal and ours"
        assert any("changed elsewhere" in text and "both texts are kept" in text for text in notifications(app))


async def test_M_says_when_the_editor_fails(small_library, make_app):
    library, ids = small_library

    def broken(text: str) -> str:
        raise EditorError("could not start the editor 'nope' (No such file or directory); set $VISUAL or $EDITOR")

    app = make_app(library, note_editor=broken)
    async with running(app) as pilot:
        await press(pilot, "M")
        assert any("could not start the editor 'nope'" in text for text in notifications(app))
        assert library.get(ids[MAMBA]).notes == ""


# -- sorting and dates ------------------------------------------------------------------------------


async def test_S_chooses_the_order_and_again_reverses_it(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "S")
        assert isinstance(app.screen, SortModal)
        await press(pilot, "t")
        by_title = [ids[GRAPHS], ids[ATTENTION], ids[DIFFUSION], ids[MAMBA]]
        assert _order(app) == by_title
        assert "by title, A to Z" in status_text(app)
        await press(pilot, "S", "t")  # the same order again: reversed
        assert _order(app) == by_title[::-1]
        assert "by title, Z to A" in status_text(app)
        await press(pilot, "S", "escape")  # cancelled: unchanged
        assert _order(app) == by_title[::-1]
        await press(pilot, "slash", *"has:code")  # a search keeps the order
        assert _order(app) == [ids[MAMBA], ids[ATTENTION]]


async def test_the_palette_offers_every_order(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        titles = {command.title for command in app.get_system_commands(app.main_screen)}
        assert {"Sort by: relevance", "Sort by: date added", "Sort by: date published", "Sort by: title",
                "Sort by: upvotes", "Sort by: GitHub stars", "Show list: New"} <= titles
        command = next(c for c in app.get_system_commands(app.main_screen) if c.title == "Sort by: GitHub stars")
        command.callback()
        await settle(pilot)
        assert _order(app)[0] == ids[ATTENTION]  # the only paper with stars
        assert "★ 14.2k" in list_rows(app)[0]


async def test_D_shows_the_date_column_and_remembers_it(small_library, make_app, tmp_path):
    library, _ = small_library
    config_file = tmp_path / "config.toml"
    app = make_app(library, config=Config(path=config_file))
    async with running(app) as pilot:
        assert "2026-01-01" not in list_rows(app)[0]
        await press(pilot, "D")
        assert list_rows(app)[0].endswith("2026-01-01")
        assert load_config(config_file, {}).date_column is True
        await press(pilot, "D")
        assert "2026-01-01" not in list_rows(app)[0]
    assert load_config(config_file, {}).date_column is False


async def test_the_date_column_is_on_when_the_config_says_so(small_library, make_app):
    library, _ = small_library
    app = make_app(library, config=Config(date_column=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert all(row.endswith("2026-01-01") for row in list_rows(app))


# -- the New list ---------------------------------------------------------------------------------------


async def test_new_lists_papers_added_after_the_mark(small_library, make_app):
    library, ids = small_library
    _spread_dates(library, ids)
    since = library.get(ids[DIFFUSION]).added  # papers added after Diffusion: Graphs and Mamba
    app = make_app(library, new_since=since)
    async with running(app) as pilot:
        app.main_screen.show_list("new")
        await settle(pilot)
        assert _order(app) == [ids[MAMBA], ids[GRAPHS]]
        assert status_text(app) == "2 papers in New"
        await press(pilot, "slash", *"survey")
        assert _order(app) == [ids[GRAPHS]]
        assert status_text(app) == "1 match in New"


# -- triage ---------------------------------------------------------------------------------------------


async def test_triage_keys_counter_undo_and_summary(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "i")
        assert isinstance(app.screen, TriageScreen)
        text = screen_text(app)
        assert "Triage the library · 1 of 4" in text and MAMBA in text
        assert "Foundation models on selective state spaces" in text  # the abstract, full width
        await press(pilot, "k")  # keep Mamba
        assert "to-read" in library.get(ids[MAMBA]).tags
        assert "2 of 4" in screen_text(app)
        await press(pilot, "s")  # skip Graphs
        assert library.get(ids[GRAPHS]).read
        await press(pilot, "l")  # Diffusion later
        assert "4 of 4" in screen_text(app)
        await press(pilot, "u", "u")  # later, then the skip, undone
        assert "2 of 4" in screen_text(app) and GRAPHS in screen_text(app)
        assert not library.get(ids[GRAPHS]).read
        assert library.history(1)[0].label.startswith("undo: mark 1 paper(s) read")
        await press(pilot, "s", "l", "k")
        text = screen_text(app)
        assert "Done: 4 papers triaged." in text
        assert "Kept 2 (tagged #to-read), skipped 1 (marked read), later 1." in text
        assert "to-read" in library.get(ids[ATTENTION]).tags
        await press(pilot, "escape")
        assert not isinstance(app.screen, TriageScreen)
        assert "#to-read" in list_rows(app)[0]


async def test_triage_opens_links_and_undo_after_another_change_reverts_only_its_paper(small_library, make_app, browser):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "i", "o")  # Mamba's code link
        assert browser.opened == ["https://github.com/state-spaces/mamba"]
        await press(pilot, "2", "9")
        assert browser.opened[-1] == "https://mamba.github.io"
        assert any("there is no link 9" in text for text in notifications(app))
        await press(pilot, "k")
        library.set_read([ids[ATTENTION]], True)  # a change after the decision (say, another window)
        await press(pilot, "u")
        assert "to-read" not in library.get(ids[MAMBA]).tags
        assert library.get(ids[ATTENTION]).read  # the other change stays


async def test_finishing_the_new_list_moves_the_mark(small_library, make_app, tmp_path):
    library, ids = small_library
    _spread_dates(library, ids)
    marks = NewMarks(tmp_path / "state.json")
    since = library.get(ids[DIFFUSION]).added
    app = make_app(library, new_since=since, new_marks=marks)
    async with running(app) as pilot:
        app.main_screen.show_list("new")
        await settle(pilot)
        await press(pilot, "i", "l", "l")
        assert "Done: 2 papers triaged." in screen_text(app)
        await press(pilot, "escape")
        assert status_text(app) == "0 papers in New"
    assert marks.since(library.path) == library.get(ids[MAMBA]).added


async def test_triage_is_offered_only_for_a_list_with_papers(library, make_app):
    library.import_candidates([], sources=[])
    app = make_app(library)
    async with running(app) as pilot:
        app.main_screen.action_triage()
        await settle(pilot)
        assert not isinstance(app.screen, TriageScreen)


# -- statistics and the theme ---------------------------------------------------------------------------


async def test_percent_shows_statistics(small_library, make_app):
    library, ids = small_library
    library.tag([ids[MAMBA], ids[GRAPHS]], ["ssm"])
    library.set_read([ids[GRAPHS]], True)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "percent_sign")
        assert isinstance(app.screen, StatsScreen)
        text = screen_text(app)
        assert "4 papers: 1 read, 3 unread (read ratio 25.0%)" in text
        assert "Top tags: #ssm 2" in text
        assert "Imports per source: test-page 4" in text
        assert "2025-12-29  added     4" in text  # the week of 2026-01-01, a Thursday
        await press(pilot, "escape")
        assert not isinstance(app.screen, StatsScreen)


async def test_the_theme_is_remembered(small_library, make_app, tmp_path):
    library, _ = small_library
    config_file = tmp_path / "config.toml"
    config_file.write_text("# mine\n[keys]\ntoggle_read = \"x\"\n")
    app = make_app(library, config=load_config(config_file, {}))
    async with running(app) as pilot:
        app.theme = "nord"
        await settle(pilot)
    config = load_config(config_file, {})
    assert config.theme == "nord" and config.keys == {"toggle_read": "x"}
    assert config_file.read_text().startswith("# mine\n")
    again = make_app(library, config=config)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_an_unknown_remembered_theme_is_reported(small_library, make_app):
    library, _ = small_library
    app = make_app(library, config=Config(theme="no-such-theme"))
    async with running(app):
        assert any("no theme called 'no-such-theme'" in text for text in notifications(app))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_new_screens_fit_at_both_sizes(small_library, make_app, size):
    library, _ = small_library
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "i")
        text = screen_text(app)
        assert "1 of 4" in text and "k Keep" in text
        await press(pilot, "escape", "m")
        assert "Ctrl+S saves" in screen_text(app)


async def test_no_setting_is_written_into_a_config_that_did_not_load(small_library, make_app, tmp_path):
    library, _ = small_library
    config_file = tmp_path / "config.toml"
    app = make_app(library, config=Config(path=config_file), config_error=f"{config_file}: not valid TOML")
    async with running(app) as pilot:
        await press(pilot, "D")
        assert list_rows(app)[0].endswith("2026-01-01")  # on for this session
    assert not config_file.exists()


def test_the_new_screens_bind_only_remappable_keys():
    from reader.tui import keys

    for owner in (NoteEditorModal, TriageScreen, StatsScreen, SortModal):
        for binding in owner.BINDINGS:
            assert binding.id, (owner.__name__, binding)
    for owner in (keys.TRIAGE, keys.NOTE, keys.STATS):
        taken = [key for spec in keys.KEYS if owner in spec.owners for key in spec.keys.split(",")]
        assert len(taken) == len(set(taken)), owner


async def test_clearing_a_note_in_the_editor(small_library, make_app):
    library, ids = small_library
    save_note(library, ids[MAMBA], "to go")
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "m")
        app.screen.query_one(TextArea).text = ""
        await press(pilot, "ctrl+s")
        assert library.get(ids[MAMBA]).notes == ""
        assert "Note cleared. u undoes." in notifications(app)


async def test_triage_shows_authors_survives_a_deleted_paper_and_reports_a_failed_change(
    small_library, make_app, monkeypatch
):
    from dataclasses import replace

    from reader.errors import LibraryBusy

    library, ids = small_library
    library.modify([ids[MAMBA]], lambda p: replace(p, authors=tuple(f"Author {n}" for n in range(25))), "authors")
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "i")
        assert "Author 0, Author 1" in screen_text(app) and "and 5 more" in screen_text(app)
        seq = library.seq
        await press(pilot, "u")  # nothing to undo yet: the key is off
        assert "1 of 4" in screen_text(app) and library.seq == seq
        Library.open(library.path).delete([ids[GRAPHS]])  # the next paper goes away elsewhere
        app.refresh_library()  # as the app's polling does
        await settle(pilot)
        await press(pilot, "l")
        assert "This paper was deleted elsewhere; l moves on." in screen_text(app)
        await press(pilot, "l")

        def busy(*args, **kwargs):
            raise LibraryBusy("the library is locked by another process")

        monkeypatch.setattr(library, "tag", busy)
        await press(pilot, "k")
        assert any("Triage: the library is locked" in text for text in notifications(app))
        assert "to-read" not in library.get(ids[DIFFUSION]).tags
        monkeypatch.undo()
        await press(pilot, "k")  # the worker still runs after a failure
        assert "to-read" in library.get(ids[ATTENTION]).tags


async def test_text_that_could_drive_the_terminal_never_enters_the_editor(small_library, make_app):
    from textual import events

    library, ids = small_library
    hostile = "red \x1b[31mRED\x1b[0m \u202eevil"
    save_note(library, ids[MAMBA], hostile)
    app = make_app(library, note_editor=lambda text: text + "!")
    async with running(app) as pilot:
        assert "\x1b" not in detail_text(app) and "␛[31mRED" in detail_text(app)
        await press(pilot, "m")
        assert not isinstance(app.screen, NoteEditorModal)
        assert any("M edits it in your editor" in text for text in notifications(app))
        await press(pilot, "M")  # the external editor keeps every byte
        assert library.get(ids[MAMBA]).notes == hostile + "!"
        await press(pilot, "j", "m")  # another paper, no note: a paste is made printable
        area = app.screen.query_one(TextArea)
        area.post_message(events.Paste("a\x1b[2Jb\u202ec\nd"))
        await settle(pilot)
        assert area.text == "a␛[2Jbc\nd"
        strips = app.screen._compositor.render_strips()  # noqa: SLF001
        assert not any("\x1b" in segment.text for strip in strips for segment in strip)
