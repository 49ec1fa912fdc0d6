"""Every screen and dialog at 80x24, the smallest terminal reader promises to be usable in.

Fixed data and clock (see test_snapshots.py). Review the SVGs before updating them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import press
from conftest import settle

from textual.widgets import TextArea

from reader.config import Config

SMALL = (80, 24)


def _app(library, make_app):
    return make_app(
        library, config=Config(path=Path("/home/you/.config/reader/config.toml")), export_dir=Path("/home/you")
    )


def _keys(*keys: str):
    async def go(pilot):
        await settle(pilot)
        await press(pilot, *keys)
        for area in pilot.app.screen.query(TextArea):  # a blinking cursor is drawn on or off at random
            area.cursor_blink = False
        await pilot.pause()

    return go


def test_main_screen(sample_library, make_app, snap_compare):
    assert snap_compare(_app(sample_library, make_app), terminal_size=SMALL, run_before=_keys())


def test_welcome(library, make_app, snap_compare):
    assert snap_compare(_app(library, make_app), terminal_size=SMALL, run_before=_keys())


def test_search_in_a_smart_list(sample_library, make_app, snap_compare):
    """The header says the search is limited to the list, and how to search everything."""
    keys = ("right_square_bracket",) * 3 + ("slash", *"transformer", "enter")
    assert snap_compare(_app(sample_library, make_app), terminal_size=SMALL, run_before=_keys(*keys))


def test_search_error(sample_library, make_app, snap_compare):
    keys = ("slash", *"tag:")
    assert snap_compare(_app(sample_library, make_app), terminal_size=SMALL, run_before=_keys(*keys))


@pytest.mark.parametrize(
    "keys",
    [
        ("question_mark",),
        ("space", "e"),  # export, with a selection: its tallest form
        ("space", "space", "r"),  # confirm
        ("y",),  # copy menu
        ("S",),  # sort menu
        ("F",),  # fetch days
        ("t",),  # tag editor
        ("m",),  # note editor
    ],
    ids=["help", "export", "confirm", "copy", "sort", "fetch", "tags", "note"],
)
def test_dialog(small_library, make_app, snap_compare, keys):
    library, _ = small_library
    assert snap_compare(_app(library, make_app), terminal_size=SMALL, run_before=_keys(*keys))


def test_export_scrolled_to_its_buttons(small_library, make_app, snap_compare):
    library, _ = small_library
    keys = ("space", "e") + ("tab",) * 7
    assert snap_compare(_app(library, make_app), terminal_size=SMALL, run_before=_keys(*keys))
