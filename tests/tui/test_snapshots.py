"""Snapshots of the screens people see (fixed data, fixed clock). Review the SVG report before updating."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SIZE, settle, press

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
        await press(pilot, "slash", *"graph neural", "enter")

    assert snap_compare(_app(sample_library, make_app), terminal_size=SIZE, run_before=search)


def test_detail_pane(small_library, make_app, snap_compare):
    library, ids = small_library
    library.tag([ids["Attention Is All You Need"]], ["classic", "nlp"])
    library.set_read([ids["Attention Is All You Need"]], True)

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "G", "enter")

    assert snap_compare(_app(library, make_app), terminal_size=SIZE, run_before=go)


def test_tag_editor(small_library, make_app, snap_compare):
    library, ids = small_library
    library.tag([ids["A Survey of Graph Neural Networks"]], ["graph-learning", "survey"])

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "t", *"to-read gr")

    assert snap_compare(_app(library, make_app), terminal_size=SIZE, run_before=go)


def test_help(small_library, make_app, snap_compare):
    library, _ = small_library

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "question_mark")

    assert snap_compare(_app(library, make_app), terminal_size=SIZE, run_before=go)


def _notebook_library(small_library):
    """The small library with spread dates, a tag, a read paper and a note (for triage and statistics)."""
    from dataclasses import replace

    from reader.notes import save_note

    library, ids = small_library
    days = {"Attention Is All You Need": ("2025-11-20T08:00:00Z", "2025-12-02T08:00:00Z"),
            "Diffusion Models Beat GANs on Image Synthesis": ("2025-12-03T08:00:00Z", None),
            "A Survey of Graph Neural Networks": ("2025-12-16T08:00:00Z", "2025-12-30T08:00:00Z"),
            "Mamba: Linear-Time Sequence Modeling with Selective State Spaces": ("2025-12-30T08:00:00Z", None)}
    for title, (added, read_at) in days.items():
        library.modify(
            [ids[title]],
            lambda p, added=added, read_at=read_at: replace(p, added=added, read=read_at is not None, read_at=read_at),
            "dates",
        )
    library.tag([ids["Mamba: Linear-Time Sequence Modeling with Selective State Spaces"]], ["ssm", "to-read"])
    save_note(library, ids["Mamba: Linear-Time Sequence Modeling with Selective State Spaces"],
              "Compare with **S4**; [not markup] stays literal.")
    return library


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_triage_screen(small_library, make_app, snap_compare, size):
    library = _notebook_library(small_library)

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "i")

    assert snap_compare(_app(library, make_app), terminal_size=size, run_before=go)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_triage_summary(small_library, make_app, snap_compare, size):
    library = _notebook_library(small_library)

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "i", "k", "s", "l", "l")

    assert snap_compare(_app(library, make_app), terminal_size=size, run_before=go)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_statistics_screen(small_library, make_app, snap_compare, size):
    library = _notebook_library(small_library)

    async def go(pilot):
        await settle(pilot)
        await press(pilot, "percent_sign")

    assert snap_compare(_app(library, make_app), terminal_size=size, run_before=go)
