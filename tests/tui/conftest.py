"""Helpers for TUI tests: an app wired to a temporary library, with fakes for the outside world."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from reader.config import Config
from reader.tui.app import ReaderApp
from reader.copying import ClipboardUnavailable

SIZE = (120, 40)


@dataclass
class FakeClipboard:
    """Stands in for pyperclip: records what was copied, or fails like a machine without one."""

    available: bool = True
    copied: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> None:
        if not self.available:
            raise ClipboardUnavailable("no copy/paste mechanism (xclip, xsel, wl-copy) found")
        self.copied.append(text)


@dataclass
class FakeBrowser:
    opened: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> None:
        self.opened.append(url)


@pytest.fixture
def clipboard() -> FakeClipboard:
    return FakeClipboard()


@pytest.fixture
def browser() -> FakeBrowser:
    return FakeBrowser()


@pytest.fixture
def make_app(clipboard, browser, clock):
    """``make_app(library, **overrides)``: a ReaderApp with fakes and no background polling."""

    def make(library, **overrides) -> ReaderApp:
        options = dict(
            clock=clock,
            config=Config(),
            clipboard=clipboard,
            url_opener=browser,
            poll_interval=None,
        )
        options.update(overrides)
        return ReaderApp(library, **options)

    return make


async def settle(pilot) -> None:
    """Let workers finish and their messages be handled (no sleeping).

    A worker superseded by a newer one of its group (a search, a catalog
    rebuild) ends cancelled: that is normal, not a failure.
    """
    from textual.worker import WorkerCancelled, WorkerFailed

    app = pilot.app
    for _ in range(20):
        for worker in list(app.workers):
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):  # failures surface as notifications
                pass
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            break
    await pilot.pause()


async def press(pilot, *keys: str) -> None:
    """Press ``keys`` and let what they started finish (:func:`settle`)."""
    await pilot.press(*keys)
    await settle(pilot)


@asynccontextmanager
async def running(app, size: tuple[int, int] = SIZE):
    """``app`` running headless at ``size``, settled after its first screen: yields its pilot."""
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # noqa: SLF001


# Titles of the small library, oldest first (the list shows them newest first).
ATTENTION = "Attention Is All You Need"
DIFFUSION = "Diffusion Models Beat GANs on Image Synthesis"
GRAPHS = "A Survey of Graph Neural Networks"
MAMBA = "Mamba: Linear-Time Sequence Modeling with Selective State Spaces"


@pytest.fixture
def small_library(library):
    """Four papers: one with code (and stars), one with a project page, one without links, one with four links."""
    from reader.importers import Candidate
    from reader.links import extract_links

    abstracts = {
        ATTENTION: "The dominant sequence transduction models are recurrent. "
        "Code: https://github.com/tensorflow/tensor2tensor",
        DIFFUSION: "Diffusion models can achieve image sample quality superior to GANs. "
        "Project page: https://openai.github.io/guided-diffusion",
        GRAPHS: "Graph neural networks are a family of models for graphs.",
        MAMBA: "Foundation models on selective state spaces. Code https://github.com/state-spaces/mamba "
        "project https://mamba.github.io weights https://huggingface.co/state-spaces/mamba-2.8b "
        "paper https://arxiv.org/abs/2312.00752",
    }
    candidates = [
        Candidate(title=title, abstract=text, source="test-page", links=tuple(extract_links(text)))
        for title, text in abstracts.items()
    ]
    library.import_candidates(candidates, sources=["test-page"])
    ids = {paper.title: paper.id for paper in library.papers()}
    paper = library.get(ids[ATTENTION])
    library.modify([paper.id], lambda p: _with_extra(p, {"github": {"stars": 14250}}), "stars")
    return library, ids


def _with_extra(paper, extra):
    from dataclasses import replace

    return replace(paper, extra=extra)


def list_rows(app) -> list[str]:
    """The paper list's visible rows as text (trailing spaces removed)."""
    from reader.tui.widgets.paper_list import PaperList

    paper_list = app.main_screen.query_one(PaperList)
    rows = []
    for y in range(paper_list.scrollable_content_region.height):
        text = paper_list.render_line(y).text.rstrip()
        if text:
            rows.append(text)
    return rows


def detail_text(app) -> str:
    from textual.widgets import Static

    from reader.tui.widgets.detail import PaperDetail

    detail = app.main_screen.query_one(PaperDetail)
    parts = []
    for static in detail.query(Static):
        if static.display:
            parts.append(str(static.render()))
    return "\n".join(parts)


def status_text(app) -> str:
    return str(app.main_screen.query_one("#search-status").render())


def notifications(app) -> list[str]:
    return [notification.message for notification in app._notifications]  # noqa: SLF001
