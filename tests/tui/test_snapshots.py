"""Snapshots of the screens people see (fixed data, fixed clock). Review the SVG report before updating."""

from __future__ import annotations

from pathlib import Path

from conftest import SIZE, settle

from reader.config import Config


def _app(library, make_app):
    # A fixed settings path, so the help screen reads the same on every machine.
    return make_app(library, config=Config(path=Path("/home/you/.config/reader/config.toml")))


def test_empty_library(library, make_app, snap_compare):
    assert snap_compare(_app(library, make_app), terminal_size=SIZE, run_before=settle)


def test_sample_library(sample_library, make_app, snap_compare):
    assert snap_compare(_app(sample_library, make_app), terminal_size=SIZE, run_before=settle)


def test_search_results(sample_library, make_app, snap_compare):
    async def search(pilot):
        await settle(pilot)
        await pilot.press("slash", *"graph neural", "enter")
        await settle(pilot)

    assert snap_compare(_app(sample_library, make_app), terminal_size=SIZE, run_before=search)


def test_detail_pane(small_library, make_app, snap_compare):
    library, ids = small_library
    library.tag([ids["Attention Is All You Need"]], ["classic", "nlp"])
    library.set_read([ids["Attention Is All You Need"]], True)

    async def go(pilot):
        await settle(pilot)
        await pilot.press("G", "enter")
        await settle(pilot)

    assert snap_compare(_app(library, make_app), terminal_size=SIZE, run_before=go)


def test_tag_editor(small_library, make_app, snap_compare):
    library, ids = small_library
    library.tag([ids["A Survey of Graph Neural Networks"]], ["graph-learning", "survey"])

    async def go(pilot):
        await settle(pilot)
        await pilot.press("t", *"to-read gr")
        await settle(pilot)

    assert snap_compare(_app(library, make_app), terminal_size=SIZE, run_before=go)


def test_help(small_library, make_app, snap_compare):
    library, _ = small_library

    async def go(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(_app(library, make_app), terminal_size=SIZE, run_before=go)
