"""Moving around: list keys, search, smart lists, panes, help, palette, quit."""

from __future__ import annotations

from conftest import ATTENTION, DIFFUSION, GRAPHS, MAMBA, detail_text, list_rows, settle, status_text, press, running
from textual.widgets import Input

from reader.tui.screens.help import HelpScreen
from reader.tui.widgets.paper_list import PaperList
from reader.tui.widgets.sidebar import SmartListSidebar


async def test_first_screen_lists_papers_newest_first_with_marks(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app):
        rows = list_rows(app)
        assert [row.split("  ")[0] for row in rows]  # something is drawn
        assert MAMBA[:40] in rows[0] and ATTENTION[:20] in rows[3]
        assert "</>" in rows[0]  # Mamba has code
        assert "</>" not in rows[1]  # the graph survey has no links
        assert "●" in rows[0]  # unread
        assert status_text(app) == "4 papers"
        detail = detail_text(app)
        assert MAMBA in detail
        assert "code" in detail and "https://github.com/state-spaces/mamba" in detail
        assert "Foundation models on selective state spaces" in detail  # the abstract, loaded in a worker


async def test_cursor_keys_move_and_the_detail_follows(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        paper_list = app.main_screen.query_one(PaperList)
        assert paper_list.current_id == ids[MAMBA]
        await pilot.press("j")
        assert paper_list.current_id == ids[GRAPHS]
        await pilot.press("down", "down")
        assert paper_list.current_id == ids[ATTENTION]
        await settle(pilot)
        assert ATTENTION in detail_text(app)
        assert "14,250 GitHub stars" in detail_text(app)
        await pilot.press("down")  # already at the end
        assert paper_list.current_id == ids[ATTENTION]
        await pilot.press("k")
        assert paper_list.current_id == ids[DIFFUSION]
        await pilot.press("g")
        assert paper_list.cursor == 0
        await pilot.press("G")
        assert paper_list.cursor == 3
        await pilot.press("pageup")
        assert paper_list.cursor == 0
        await pilot.press("pagedown")
        assert paper_list.cursor == 3
        await pilot.press("up", "home")
        assert paper_list.cursor == 0
        await pilot.press("end")
        assert paper_list.cursor == 3


async def test_page_keys_move_by_a_screenful(sample_library, make_app):
    app = make_app(sample_library)
    async with running(app) as pilot:
        paper_list = app.main_screen.query_one(PaperList)
        height = paper_list.scrollable_content_region.height
        await pilot.press("pagedown")
        assert paper_list.cursor == height - 1
        await pilot.press("G")
        assert paper_list.cursor == 441
        assert paper_list.scroll_offset.y == 442 - height  # the last row is on screen
        assert len(list_rows(app)) == height
        await pilot.press("pageup")
        assert paper_list.cursor == 441 - (height - 1)


async def test_search_shows_matches_live_and_escape_leaves(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("slash")
        search = app.main_screen.query_one("#search", Input)
        assert search.has_focus
        await press(pilot, *"graph")
        assert status_text(app) == "1 match"
        rows = list_rows(app)
        assert len(rows) == 1 and GRAPHS[:30] in rows[0]
        assert GRAPHS in detail_text(app)
        await pilot.press("escape")
        assert app.main_screen.query_one(PaperList).has_focus
        assert search.value == "graph"  # the query stays visible
        await pilot.press("slash", "ctrl+u")  # clear the field
        await press(pilot, *"zzzz")
        assert status_text(app) == "0 matches"
        assert [row.strip() for row in list_rows(app)] == ["No papers match the search."]
        assert "Nothing selected." in detail_text(app)


async def test_a_malformed_query_shows_why_and_the_app_keeps_running(small_library, make_app):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "slash", *"is:maybe")
        assert status_text(app) == "Search error"
        assert "is: takes read or unread" in str(app.main_screen.query_one("#search-message").render())
        assert app.is_running
        await press(pilot, "ctrl+u", *"is:unread")  # the query language of `reader list`
        assert status_text(app) == "4 matches"


async def test_enter_in_the_search_goes_to_the_list(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "slash", *"diffusion", "enter")
        paper_list = app.main_screen.query_one(PaperList)
        assert paper_list.has_focus
        assert paper_list.current_id == ids[DIFFUSION]
        await pilot.press("slash", "down")  # Down leaves the search bar too
        assert paper_list.has_focus
        assert paper_list.current_id == ids[DIFFUSION]


async def test_smart_lists_filter_and_show_counts(small_library, make_app):
    library, ids = small_library
    library.set_read([ids[GRAPHS]], True)
    library.tag([ids[DIFFUSION], ids[MAMBA]], ["generative"])
    app = make_app(library)
    async with running(app) as pilot:
        sidebar = app.main_screen.query_one(SmartListSidebar)
        prompts = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
        assert prompts[0].split() == ["All", "4"]
        assert prompts[1].split() == ["Unread", "3"]
        assert prompts[2].split() == ["Read", "1"]
        assert prompts[3].split() == ["Has", "code", "2"]
        assert prompts[4].split() == ["New", "4"]  # no New mark given: every paper is new
        assert prompts[5].split() == ["#generative", "2"]
        await press(pilot, "right_square_bracket")  # Unread
        assert status_text(app) == "3 papers in Unread"
        assert all(GRAPHS[:20] not in row for row in list_rows(app))
        await press(pilot, "right_square_bracket", "right_square_bracket")  # Has code
        assert status_text(app) == "2 papers in Has code"
        await press(pilot, "right_square_bracket", "right_square_bracket")  # New, #generative
        assert status_text(app) == "2 papers in #generative"
        await press(pilot, *["left_square_bracket"] * 5)
        assert status_text(app) == "4 papers"


async def test_sidebar_keys_choose_a_list(small_library, make_app):
    library, ids = small_library
    library.set_read([ids[GRAPHS]], True)
    app = make_app(library)
    async with running(app) as pilot:
        app.main_screen.query_one(SmartListSidebar).focus()
        await press(pilot, "j", "j")  # All -> Unread -> Read
        assert status_text(app) == "1 paper in Read"
        assert len(list_rows(app)) == 1
        await press(pilot, "k")
        assert status_text(app) == "3 papers in Unread"


async def test_search_within_a_smart_list(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")  # Has code
        await press(pilot, "slash", *"selective")
        assert status_text(app) == "1 match in Has code"
        assert MAMBA[:30] in list_rows(app)[0]


async def test_tab_moves_between_panes(small_library, make_app):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(app.focused.id)
        assert set(seen) == {"search", "sidebar", "papers", "detail"}
        await pilot.press("shift+tab")
        assert app.focused.id == seen[-2]


async def test_enter_goes_to_the_detail_pane_and_escape_back(small_library, make_app):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("enter")
        assert app.focused.id == "detail"
        await pilot.press("j")  # scrolls the pane, does not move the list
        assert app.main_screen.query_one(PaperList).cursor == 0
        await pilot.press("escape")
        assert app.focused.id == "papers"


async def test_help_lists_every_key_and_closes(small_library, make_app):
    import io

    from rich.console import Console

    from reader.tui import keys
    from reader.tui.screens.help import help_table

    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())  # wide: no description wraps
        console.print(help_table(app, app.keymap))
        lines = [line.split() for line in console.export_text().splitlines()]
        text = "\n".join(" ".join(words) for words in lines)
        for spec in keys.KEYS:
            if spec.id.startswith(("open_link_", "triage_link_")):
                assert "Open link 1 … 9" in text and "Triage: open link 1 … 9" in text
                continue
            assert " ".join(spec.description.split()) in text
            assert any(words and words[-1] == spec.id for words in lines), spec.id
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(small_library, make_app):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code in (0, None)


async def test_q_in_the_search_field_is_a_letter(small_library, make_app):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("slash", "q")
        assert app.is_running
        assert app.main_screen.query_one("#search", Input).value == "q"


async def test_the_palette_offers_every_action(small_library, make_app):
    from reader.tui import keys

    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        titles = [command.title for command in app.get_system_commands(app.main_screen)]
        for spec in keys.KEYS:
            if spec.palette and keys.MAIN in spec.owners:
                assert spec.description in titles, spec.id
        assert "Show list: Unread" in titles
        assert "Theme" in titles
        # Run one through the palette UI: mark the current paper read.
        await pilot.press("ctrl+p")
        await press(pilot, *"Toggle read")
        await press(pilot, "enter")
        assert library.get(ids[MAMBA]).read


async def test_a_big_result_list_arrives_whole(sample_library, make_app):
    app = make_app(sample_library)
    async with running(app) as pilot:
        await press(pilot, "slash", *"is:unread", "enter")  # every paper: more than the first page
        assert status_text(app) == "442 matches"
        assert len(app.main_screen.rows) == 442
        await pilot.press("G")
        assert app.main_screen.query_one(PaperList).cursor == 441


async def test_a_query_contradicting_the_smart_list_matches_nothing(small_library, make_app):
    library, ids = small_library
    library.set_read([ids[GRAPHS]], True)
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("right_square_bracket")  # Unread
        await press(pilot, "slash", *"is:read")
        assert status_text(app) == "0 matches in Unread"
        await press(pilot, "escape", "right_square_bracket")  # back to the list, then: Read
        assert status_text(app) == "1 match in Read"


async def test_keys_typed_in_a_burst_after_slash_land_in_the_search(small_library, make_app):
    """A fast typist (or a paste): '/graph' then Enter and 'r' arrive before any is handled."""
    from textual import events

    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        burst = [("slash", "/"), *((char, char) for char in "graph")]
        for key, character in burst:
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert app.main_screen.query_one("#search", Input).value == "graph"
        assert status_text(app) == "1 match"
        for key, character in (("enter", "\r"), ("r", "r")):
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert app.main_screen.query_one("#search", Input).value == "graph"
        assert library.get(ids[GRAPHS]).read  # the 'r' reached the list, not the search bar


async def test_clicking_a_row_moves_the_cursor_there(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.click(PaperList, offset=(20, 3))  # the third row: y=0 is the border
        await settle(pilot)
        paper_list = app.main_screen.query_one(PaperList)
        assert paper_list.current_id == ids[DIFFUSION]
        assert DIFFUSION in detail_text(app)


async def test_every_builtin_theme_works(small_library, make_app):
    library, _ = small_library
    app = make_app(library)
    async with running(app) as pilot:
        themes = sorted(app.available_themes)
        assert len(themes) > 5
        for theme in themes:
            app.theme = theme
            await pilot.pause()
            assert MAMBA[:30] in list_rows(app)[0]
        assert app.is_running
