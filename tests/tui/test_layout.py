"""The main screen at 80x24 and 120x40: the sidebar, the list's height, the stars column, the header."""

from __future__ import annotations

import io

from textual.widgets import Static

from reader.tui.screens.help import HelpScreen
from reader.tui.screens.layout import list_height, sidebar_width
from reader.tui.widgets.detail import PaperDetail
from reader.tui.widgets.paper_list import PaperList
from reader.tui.widgets.sidebar import SmartListSidebar
from tests.tui.conftest import ATTENTION, GRAPHS, list_rows, screen_text, settle, status_text, press, running

SMALL = (80, 24)
LARGE = (120, 40)


def test_the_sidebar_and_the_list_share_the_terminal():
    assert sidebar_width(80) == 18 and sidebar_width(120) == 26 and sidebar_width(300) == 30
    assert list_height(30, 3) == 5  # 3 rows and the border
    assert list_height(30, 40) is None  # its share (3/5), the rest for the detail pane


async def test_the_sidebar_is_narrower_at_80_columns_and_b_hides_it(sample_library, make_app):
    app = make_app(sample_library)
    async with running(app, SMALL) as pilot:
        sidebar = app.main_screen.query_one(SmartListSidebar)
        assert sidebar.outer_size.width == 18
        assert "Has code    103" in screen_text(app)  # names and counts fit its width
        titles_before = app.main_screen.query_one(PaperList).scrollable_content_region.width
        await pilot.press("b")
        assert not sidebar.display
        assert app.main_screen.query_one(PaperList).scrollable_content_region.width == titles_before + 18
        await pilot.press("b")
        assert sidebar.display
    app = make_app(sample_library)
    async with running(app, LARGE) as pilot:
        assert app.main_screen.query_one(SmartListSidebar).outer_size.width == 26


async def test_a_short_list_leaves_the_height_to_the_detail_pane(sample_library, make_app):
    app = make_app(sample_library)
    async with running(app, SMALL) as pilot:
        paper_list = app.main_screen.query_one(PaperList)
        full = paper_list.outer_size.height
        await press(pilot, "slash", *"vqgraph", "enter")
        assert status_text(app) == "1 match"
        assert paper_list.outer_size.height == 3  # one row and its border
        assert app.main_screen.query_one(PaperDetail).outer_size.height > full
        await press(pilot, "ctrl+l")  # clears the search: every paper, the list's full share again
        assert status_text(app) == "442 papers"
        assert paper_list.outer_size.height == full


async def test_the_stars_column_shows_only_when_a_listed_paper_has_stars(small_library, make_app):
    library, ids = small_library  # only "Attention Is All You Need" has stars
    app = make_app(library)
    async with running(app, SMALL) as pilot:
        app.main_screen.choose_sort("stars")
        await settle(pilot)
        assert "★" in list_rows(app)[0] and ATTENTION[:20] in list_rows(app)[0]
        await press(pilot, "slash", *"survey", "enter")  # a paper without stars
        assert GRAPHS[:20] in list_rows(app)[0]
        assert not app.main_screen.query_one(PaperList).show_stars
        assert "★" not in list_rows(app)[0]


async def test_a_search_error_is_shown_whole_under_the_search_bar(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app, SMALL) as pilot:
        await press(pilot, "slash", *"tag:")
        message = str(app.main_screen.query_one("#search-message", Static).render())
        assert message.startswith("Search: tag: needs a tag name")
        assert message.rstrip().endswith(")")  # the whole sentence, nothing cut
        assert status_text(app) == "Search error"


async def test_the_index_progress_goes_under_the_search_bar_not_in_it(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app, SMALL) as pilot:
        app.main_screen.search_progress("building the search index: 45%")
        await pilot.pause()
        assert status_text(app) == "4 papers"
        assert "building the search index: 45%" in str(app.main_screen.query_one("#search-message").render())
        assert app.main_screen.query_one("#search-bar").outer_size.height == 3  # one line of text, as always


async def test_a_search_inside_a_smart_list_says_so_and_A_searches_everything(small_library, make_app):
    library, ids = small_library
    library.tag([ids[GRAPHS]], ["transformers"])
    app = make_app(library)
    async with running(app, SMALL) as pilot:
        app.main_screen.show_list("tag:transformers")
        await settle(pilot)
        await press(pilot, "slash", *"attention", "enter")
        assert status_text(app) == "0 matches in #transformers"
        message = str(app.main_screen.query_one("#search-message").render())
        assert "Searching #transformers only: A searches every paper" in message
        await press(pilot, "A")
        assert status_text(app) == "1 match"
        assert ATTENTION[:20] in list_rows(app)[0]
        assert not app.main_screen.query_one("#search-message").display


async def test_help_fits_80_columns(small_library, make_app):
    from rich.console import Console

    from reader.tui import keys
    from reader.tui.screens.help import help_table

    library, ids = small_library
    app = make_app(library)
    async with running(app, SMALL) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box")
        assert box.outer_size.width <= 80
        console = Console(width=box.scrollable_content_region.width, record=True, file=io.StringIO())
        console.print(help_table(app, app.keymap))
        lines = console.export_text().splitlines()
        words = {word for line in lines for word in line.split()}
        # Every id whole (the right-hand column never wraps), the numbered links on one line.
        for spec in keys.KEYS:
            if not spec.id.startswith(("open_link_", "triage_link_")):
                assert spec.id in words, spec.id
        assert any("1 … 9" in line and "open_link_1…9" in line for line in lines)
        copy_line = next(index for index, line in enumerate(lines) if line.lstrip().startswith("y "))
        assert "BibTeX" in " ".join(lines[copy_line : copy_line + 3])
