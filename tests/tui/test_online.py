"""The online commands in the TUI: fetch, enrich, check links, sort by stars; offline and cancelled.

Every request goes to an ``httpx.MockTransport`` handed to the app through
``http_client_factory``; nothing reaches the network.
"""

from __future__ import annotations

import asyncio
import re
import threading

import httpx
from conftest import press, running
from conftest import (
    ATTENTION,
    DIFFUSION,
    GRAPHS,
    MAMBA,
    detail_text,
    list_rows,
    notifications,
    settle,
    status_text,
)
from textual.widgets import Input

from reader.online.http import make_client
from reader.tasks.days import parse_days
from reader.tui.modals.fetch_dates import FetchDatesModal
from reader.tui.widgets.online_status import OnlineStatus


def _factory(handler):
    def factory(**kwargs):
        return make_client(transport=httpx.MockTransport(handler), **kwargs)

    return factory


def _day_of_papers(day: str, count: int = 2) -> list[dict]:
    compact = day.replace("-", "")
    return [
        {
            "paper": {
                "id": f"{compact[2:6]}.{compact[6:]}{n:03d}",  # unique per day: 2601.01001
                "title": f"Paper {n} of {day}",
                "summary": f"Abstract {n} of {day}.",
                "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
                "publishedAt": f"{day}T12:00:00.000Z",
                "upvotes": 10 + n,
            }
        }
        for n in range(1, count + 1)
    ]


def _daily_handler(bad_days: dict[str, httpx.Response] | None = None, seen: list[str] | None = None):
    bad_days = bad_days or {}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/daily_papers"
        day = request.url.params["date"]
        if seen is not None:
            seen.append(day)
        if day in bad_days:
            return bad_days[day]
        return httpx.Response(200, json=_day_of_papers(day))

    return handler


def _offline(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def _online_status(app) -> OnlineStatus:
    return app.main_screen.query_one(OnlineStatus)


def _titles(library) -> set[str]:
    return {paper.title for paper in library.papers()}


# -- the days dialog's parsing --------------------------------------------------------------


def test_parse_days_reads_a_day_or_a_range():
    from datetime import date

    from reader.errors import ReaderError

    today = date(2026, 1, 1)
    assert parse_days("2025-12-31", today) == [date(2025, 12, 31)]
    assert parse_days("2025-12-30..2026-01-01", today) == [date(2025, 12, 30), date(2025, 12, 31), today]
    assert parse_days("2025-12-31 to 2026-01-05", today) == [date(2025, 12, 31), today]  # capped at today
    for bad in ("", "yesterday", "2026-01-02", "2026-01-01..2025-12-01", "2025-01-01 2025-01-02 2025-01-03"):
        try:
            parse_days(bad, today)
        except ReaderError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


# -- fetch ------------------------------------------------------------------------------------


async def test_fetch_today_imports_the_days_papers(small_library, make_app):
    library, _ = small_library
    seen: list[str] = []
    app = make_app(library, http_client_factory=_factory(_daily_handler(seen=seen)))
    async with running(app) as pilot:
        await press(pilot, "f")
        assert seen == ["2026-01-01"]  # "today" is the app's clock's day
        assert {"Paper 1 of 2026-01-01", "Paper 2 of 2026-01-01"} <= _titles(library)
        rows = "\n".join(list_rows(app))
        assert "Paper 1 of 2026-01-01" in rows and "Paper 2 of 2026-01-01" in rows
        assert "6 papers" in status_text(app)
        assert any("Fetched 1 of 1 day: 2 entries: 2 new papers" in text for text in notifications(app))
        assert not _online_status(app).has_class("-active")  # the progress line is gone
        paper = next(p for p in library.papers() if p.title == "Paper 1 of 2026-01-01")
        assert paper.arxiv_id == "2601.01001" and paper.authors == ("Ada Lovelace", "Alan Turing")


async def test_fetch_from_the_welcome_of_an_empty_library(library, make_app):
    from reader.tui.screens.main import MainScreen
    from reader.tui.screens.welcome import WelcomeScreen

    seen: list[str] = []
    app = make_app(library, http_client_factory=_factory(_daily_handler(seen=seen)))
    async with running(app) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        assert "f  to fetch today's daily papers" in str(app.screen.query_one("#welcome-text").render())
        await press(pilot, "f")
        assert seen == ["2026-01-01"]
        assert _titles(library) == {"Paper 1 of 2026-01-01", "Paper 2 of 2026-01-01"}
        assert isinstance(app.screen, MainScreen)  # papers arrived: the welcome made way
        assert "Paper 1 of 2026-01-01" in "\n".join(list_rows(app))
        assert any("Fetching daily papers of 2026-01-01" in text for text in notifications(app))


async def test_fetch_a_range_keeps_the_good_days_and_reports_the_failing_one(small_library, make_app):
    library, _ = small_library
    bad = {
        "2025-12-31": httpx.Response(200, content=b"<html>maintenance</html>"),  # bad data
        "2025-12-29": httpx.Response(503, json={"error": "overloaded"}),
    }
    app = make_app(library, http_client_factory=_factory(_daily_handler(bad)))
    async with running(app) as pilot:
        await pilot.press("F")
        assert isinstance(app.screen, FetchDatesModal)
        field = app.screen.query_one(Input)
        field.value = ""
        await pilot.press(*"2026-01-02")  # the future: refused in the dialog
        await pilot.press("enter")
        assert isinstance(app.screen, FetchDatesModal)
        assert "future" in str(app.screen.query_one("#fetch-error").render())
        field.value = ""
        await press(pilot, *"2025-12-29..2026-01-01", "enter")
        titles = _titles(library)
        assert {"Paper 1 of 2025-12-30", "Paper 2 of 2026-01-01"} <= titles
        assert not any("2025-12-31" in title or "2025-12-29" in title for title in titles)
        assert "8 papers" in status_text(app)
        [note] = [text for text in notifications(app) if "Fetched" in text]
        assert "Fetched 2 of 4 days: 4 entries: 4 new papers" in note
        assert "2 days failed" in note
        assert "2025-12-31" in note and "invalid JSON" in note
        assert "2025-12-29" in note and "503" in note


async def test_fetch_offline_is_a_notification_and_changes_nothing(small_library, make_app):
    library, _ = small_library
    before = library.generation
    app = make_app(library, http_client_factory=_factory(_offline))
    async with running(app) as pilot:
        await press(pilot, "f")
        assert library.generation == before
        assert len(library) == 4
        [note] = [text for text in notifications(app) if "Fetched" in text]
        assert "nothing imported" in note and "connection refused" in note
        assert app.is_running


async def test_fetching_five_days_offline_stops_at_the_first_failure_and_says_so_once(small_library, make_app):
    from reader.tui.modals.fetch_dates import FetchDatesModal

    library, _ = small_library
    calls: list[str] = []

    def offline(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return _offline(request)

    app = make_app(library, http_client_factory=_factory(offline))
    async with running(app) as pilot:
        await pilot.press("F")
        assert isinstance(app.screen, FetchDatesModal)
        app.screen.query_one(Input).value = "2025-12-27..2025-12-31"
        await press(pilot, "enter")
        [note] = [text for text in notifications(app) if "Fetched" in text]
        assert note.startswith("Fetched 0 of 5 days; nothing imported.")
        assert note.lower().count("connection refused") == 1  # the error once, not once per day
        assert note.count("the server is unreachable") == 1  # and why the other days were not tried
        assert len(calls) < 5  # the days after the first failure were not tried


async def test_a_second_task_waits_for_the_first(small_library, make_app):
    library, _ = small_library
    started, release = threading.Event(), threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        release.wait(10)
        return httpx.Response(200, json=_day_of_papers(request.url.params["date"]))

    app = make_app(library, http_client_factory=_factory(slow))
    async with running(app) as pilot:
        await pilot.press("f")
        assert await asyncio.to_thread(started.wait, 10)
        await pilot.press("E")
        await pilot.pause()
        assert any("still running" in text for text in notifications(app))
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "Fetch daily papers for a date…" in commands and "Check links of every paper in the list" in commands
        stop = commands["Stop: Fetching daily papers of 2026-01-01"]  # the palette's way to stop
        stop.callback()
        assert "stopping" in _online_status(app).text
        release.set()
        await settle(pilot)
        assert "Paper 1 of 2026-01-01" in _titles(library)  # the day under way when stopped is kept
        assert not any(command.title.startswith("Stop:") for command in app.get_system_commands(app.screen))


async def test_escape_stops_a_fetch_and_keeps_the_days_already_fetched(small_library, make_app):
    library, _ = small_library
    lock = threading.Lock()
    requested: list[str] = []
    four_started, release = threading.Event(), threading.Event()

    def blocking(request: httpx.Request) -> httpx.Response:
        day = request.url.params["date"]
        with lock:
            requested.append(day)
            if len(requested) == 4:  # as many as are fetched at once
                four_started.set()
        release.wait(10)
        return httpx.Response(200, json=_day_of_papers(day, count=1))

    app = make_app(library, http_client_factory=_factory(blocking))
    async with running(app) as pilot:
        await pilot.press("F")
        app.screen.query_one(Input).value = "2025-12-23..2026-01-01"  # ten days
        await pilot.press("enter")
        assert await asyncio.to_thread(four_started.wait, 10)
        await pilot.pause()
        status = _online_status(app)
        assert status.has_class("-active") and "Esc stops" in status.text
        await pilot.press("escape")
        assert "stopping" in status.text
        release.set()
        await settle(pilot)
        assert len(requested) == 4  # the six days not started were never asked for
        fetched = {title for title in _titles(library) if title.startswith("Paper 1 of")}
        assert fetched == {f"Paper 1 of {day}" for day in requested}
        [note] = [text for text in notifications(app) if "Fetched" in text]
        assert note.startswith("Stopped: 6 days not fetched.") and "Fetched 4 of 10 days" in note
        assert not status.has_class("-active")


# -- enrich and sort by stars -----------------------------------------------------------------------


def _github_handler(stars: dict[str, int], calls: list[str] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "api.github.com"
        repo = request.url.path.removeprefix("/repos/")
        if calls is not None:
            calls.append(repo)
        if repo not in stars:
            return httpx.Response(404, json={"message": "Not Found"})
        return httpx.Response(
            200,
            json={
                "full_name": repo,
                "html_url": f"https://github.com/{repo}",
                "stargazers_count": stars[repo],
                "description": f"The code of {repo}",
                "archived": False,
                "pushed_at": "2025-12-01T10:00:00Z",
            },
        )

    return handler


async def test_enrich_shows_stars_and_sorting_by_them_orders_the_list(small_library, make_app):
    library, ids = small_library
    calls: list[str] = []
    stars = {"tensorflow/tensor2tensor": 15_600, "state-spaces/mamba": 21_000}
    app = make_app(library, http_client_factory=_factory(_github_handler(stars, calls)))
    async with running(app) as pilot:
        assert "★" not in detail_text(app)  # Mamba (newest, first) has no stars yet
        await press(pilot, "E")
        assert sorted(calls) == sorted(stars)
        assert library.get(ids[MAMBA]).extra["github"]["stars"] == 21_000
        assert "★ 21,000 GitHub stars" in detail_text(app)
        assert any("2 fetched" in text and "Updated 2 papers" in text for text in notifications(app))

        newest_first = [MAMBA, GRAPHS, DIFFUSION, ATTENTION]
        _assert_order(list_rows(app), newest_first)
        await press(pilot, "S", "s")  # the sort dialog, then s: GitHub stars
        rows = list_rows(app)
        _assert_order(rows, [MAMBA, ATTENTION, GRAPHS, DIFFUSION])  # by stars, papers without them last
        assert "★ 21.0k" in rows[0] and "★ 15.6k" in rows[1] and "★" not in rows[2]
        assert "by GitHub stars, most first" in status_text(app)
        await press(pilot, "S", "r")  # back to relevance (newest first without a query)
        _assert_order(list_rows(app), newest_first)
        assert "by " not in status_text(app)
        assert "★" not in "".join(list_rows(app))


def _assert_order(rows: list[str], titles: list[str]) -> None:
    assert len(rows) == len(titles), rows
    for row, title in zip(rows, titles, strict=True):
        assert title[:30] in row, (row, title)


async def test_enrich_rate_limited_says_when_to_retry(small_library, make_app):
    library, ids = small_library
    before = library.get(ids[ATTENTION]).extra

    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"},  # 2100-01-01
            json={"message": "API rate limit exceeded"},
        )

    app = make_app(library, http_client_factory=_factory(limited))
    async with running(app) as pilot:
        await press(pilot, "E")
        [note] = [text for text in notifications(app) if "GitHub" in text]
        assert "rate limit" in note and "retry after 2100-01-01 00:00 UTC" in note
        assert library.get(ids[ATTENTION]).extra == before
        assert app.is_running


# -- check links -----------------------------------------------------------------------------------


async def test_check_links_marks_a_dead_link_in_the_detail_pane(small_library, make_app):
    library, ids = small_library
    methods: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append((request.method, str(request.url)))
        if request.url.host == "mamba.github.io":
            return httpx.Response(404)
        return httpx.Response(200)

    app = make_app(library, http_client_factory=_factory(handler))
    async with running(app) as pilot:
        await press(pilot, "l")  # the current paper: Mamba, four links
        checks = library.get(ids[MAMBA]).extra["links"]
        assert checks["https://mamba.github.io"]["ok"] is False
        assert sum(1 for doc in checks.values() if doc["ok"]) == 3
        assert ("GET", "https://mamba.github.io") in methods  # HEAD failed, GET tried too
        text = detail_text(app)
        dead_line = next(line for line in text.splitlines() if "mamba.github.io" in line)
        assert "✗ dead" in dead_line and "HTTP 404 Not Found" in dead_line
        assert re.search(r"checked \d{4}-\d{2}-\d{2}", dead_line)
        assert re.search(r"Links checked \d{4}-\d{2}-\d{2} \(4 of 4: 1 dead\)", text)
        live_line = next(line for line in text.splitlines() if "github.com/state-spaces" in line)
        assert "dead" not in live_line
        assert any("Checked 4 links of 1 paper: 3 ok, 1 dead" in note for note in notifications(app))
        assert library.get(ids[ATTENTION]).extra.get("links") is None  # only this paper


async def test_check_links_offline_marks_nothing(small_library, make_app):
    library, _ = small_library
    before = library.generation
    app = make_app(library, http_client_factory=_factory(_offline))
    async with running(app) as pilot:
        await press(pilot, "L")  # every paper in the list
        assert library.generation == before
        assert not any("links" in paper.extra for paper in library.papers())
        assert any("could not reach any" in note and "nothing was marked" in note for note in notifications(app))
        assert "dead" not in detail_text(app)


async def test_enrich_offline_is_a_notification_and_changes_nothing(small_library, make_app):
    library, _ = small_library
    before = library.generation
    app = make_app(library, http_client_factory=_factory(_offline))
    async with running(app) as pilot:
        await press(pilot, "E")
        assert library.generation == before
        [note] = [text for text in notifications(app) if "GitHub" in text]
        # The first connection failure stops the batch, and the note says so once (no rate-limit hint).
        assert note.startswith("the server is unreachable (connection refused by api.github.com); stopped")
        # (two requests may already be under way when the first fails: 1 or 2 failed)
        assert note.count("is unreachable") == 1 and "Updated 0 papers" in note
        assert "GITHUB_TOKEN" not in note
        assert not _online_status(app).has_class("-active")
