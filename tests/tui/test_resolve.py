"""Resolving papers in the TUI (I), the arXiv / PDF / HF keys (a, P, H), and links when no browser starts.

Requests go to an ``httpx.MockTransport`` handed in through ``http_client_factory``.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from conftest import ATTENTION, GRAPHS, MAMBA, detail_text, notifications, settle, press, running

from reader.online.http import make_client
from reader.tui.modals.confirm import ConfirmModal
from reader.tui.widgets.online_status import OnlineStatus

ATTENTION_ID = "1706.03762"


def _factory(handler):
    def factory(**kwargs):
        return make_client(transport=httpx.MockTransport(handler), **kwargs)

    return factory


def _hf(requests: list[str] | None = None, gate: threading.Event | None = None, started=None):
    """Hugging Face that knows only 'Attention Is All You Need'."""

    def handler(request: httpx.Request) -> httpx.Response:
        query = request.url.params.get("q", "") or request.url.path
        if requests is not None:
            requests.append(query)
        if started is not None:
            started.set()
        if gate is not None:
            gate.wait(10)
        if request.url.path != "/api/papers/search":
            return httpx.Response(404, json={"error": "Paper not found"})
        if query != ATTENTION:
            return httpx.Response(200, json=[])
        paper = {
            "id": ATTENTION_ID, "title": ATTENTION, "summary": "",
            "authors": [{"name": "Ashish Vaswani", "hidden": False}, {"name": "Noam Shazeer", "hidden": False}],
            "publishedAt": "2017-06-12T17:57:34.000Z", "upvotes": 99,
            "ai_keywords": ["Transformer", "attention"],
        }
        return httpx.Response(200, json=[{"paper": paper, "title": ATTENTION, "numComments": 2}])

    return handler


async def _select_title(app, pilot, title: str) -> None:
    """Move the cursor from the top down until the detail pane shows ``title``."""
    await press(pilot, "g")
    for _ in range(10):
        if detail_text(app).startswith(title):
            return
        await press(pilot, "j")
    raise AssertionError(f"{title!r} not reached")


async def test_I_resolves_the_list_fills_authors_keeps_tags_and_u_undoes(small_library, make_app, clipboard):
    library, ids = small_library
    library.tag([ids[ATTENTION]], ["classic"])
    asked: list[str] = []
    app = make_app(library, http_client_factory=_factory(_hf(asked)))
    async with running(app) as pilot:
        await press(pilot, "I")
        # Mamba's abstract links its arXiv page: that id is asked first (unknown here), then its title.
        assert sorted(asked) == sorted(
            [ATTENTION, GRAPHS, MAMBA, "Diffusion Models Beat GANs on Image Synthesis", "/api/papers/2312.00752"]
        )
        paper = library.get(ids[ATTENTION])
        assert paper.arxiv_id == ATTENTION_ID and paper.authors[0] == "Ashish Vaswani"
        assert paper.tags == ("classic",)
        [note] = [text for text in notifications(app) if "matched" in text]
        assert note.startswith("1 matched, 0 ambiguous, 3 unmatched.") and "u undoes" in note
        await _select_title(app, pilot, ATTENTION)
        shown = detail_text(app)
        assert "Authors: Ashish Vaswani, Noam Shazeer" in shown
        assert "published 2017-06-12" in shown and "▲ 99 upvotes" in shown
        assert "HF keywords: Transformer, attention" in shown
        assert "https://arxiv.org/pdf/1706.03762" in shown and "https://huggingface.co/papers/1706.03762" in shown
        await press(pilot, "y", "b")
        entry = clipboard.copied[-1]
        assert entry.startswith("@misc{vaswani2017attention,") and "archivePrefix = {arXiv}" in entry
        assert "author        = {Ashish Vaswani and Noam Shazeer}" in entry and "eprint        = {1706.03762}" in entry
        await press(pilot, "y", "p")
        assert clipboard.copied[-1].startswith("Ashish Vaswani and Noam Shazeer (2017). Attention Is All You Need.")
        await press(pilot, "u")
        assert library.get(ids[ATTENTION]).arxiv_id is None
        assert "Authors:" not in detail_text(app)


async def test_I_with_a_server_error_changes_nothing_and_says_so(small_library, make_app):
    library, ids = small_library
    before = library.papers()
    app = make_app(library, http_client_factory=_factory(lambda request: httpx.Response(500)))
    async with running(app) as pilot:
        await press(pilot, "I")
        assert library.papers() == before
        [note] = [text for text in notifications(app) if "Stopped" in text]
        assert "HTTP 500" in note and "nothing was changed" in note


async def test_escape_stops_resolving(small_library, make_app):
    library, _ = small_library
    gate, started = threading.Event(), threading.Event()
    asked: list[str] = []
    app = make_app(library, http_client_factory=_factory(_hf(asked, gate, started)))
    async with running(app) as pilot:
        await pilot.press("I")
        assert await asyncio.to_thread(started.wait, 10)
        await pilot.pause()
        status = app.main_screen.query_one(OnlineStatus)
        assert "Resolving 4 papers on Hugging Face" in status.text and "Esc stops" in status.text
        await pilot.press("escape")
        assert "stopping" in status.text
        gate.set()
        await settle(pilot)
        assert len(asked) <= 3  # at most the requests under way (3 at once); the rest never asked
        assert library.get(next(p.id for p in library.papers() if p.title == MAMBA)).arxiv_id in (None, "2312.00752")
        [note] = [text for text in notifications(app) if "not tried" in text]
        assert note.startswith("Stopped.")


async def test_a_P_H_open_the_arxiv_page_pdf_and_hf_page(small_library, make_app, browser):
    library, ids = small_library
    library.modify([ids[ATTENTION]], lambda p: __import__("dataclasses").replace(p, arxiv_id=ATTENTION_ID), "id")
    app = make_app(library)
    async with running(app) as pilot:
        await _select_title(app, pilot, ATTENTION)
        for key in ("a", "P", "H"):
            await press(pilot, key)
        assert browser.opened == [
            "https://arxiv.org/abs/1706.03762",
            "https://arxiv.org/pdf/1706.03762",
            "https://huggingface.co/papers/1706.03762",
        ]
        # The derived links are numbered after the stored ones: 2 is the arXiv page here.
        await press(pilot, "2")
        assert browser.opened[-1] == "https://arxiv.org/abs/1706.03762"
        await _select_title(app, pilot, GRAPHS)
        await press(pilot, "P")
        assert len(browser.opened) == 4
        assert any("No arXiv id, so no PDF" in text for text in notifications(app))


async def test_without_a_browser_the_link_is_offered_for_copying(small_library, make_app, browser, clipboard):
    library, _ = small_library
    app = make_app(library, browser_check=lambda: "no web browser can be started here (BROWSER is unset)")
    async with running(app) as pilot:
        await _select_title(app, pilot, ATTENTION)
        await press(pilot, "o")
        assert isinstance(app.screen, ConfirmModal)
        assert "BROWSER is unset" in app.screen.question
        assert not any(text.startswith("Opening") for text in notifications(app))
        await press(pilot, "y")
        assert browser.opened == []
        assert clipboard.copied == ["https://github.com/tensorflow/tensor2tensor"]
        assert any("Copied the link" in text for text in notifications(app))
