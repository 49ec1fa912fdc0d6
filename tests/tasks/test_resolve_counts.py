"""`reader resolve` counts papers asked without an answer apart from those not tried (tester item 15).

Offline it said "4 not tried (3 requests)": three papers had been asked. And
the reason it stopped was cut at 160 characters ("(a server probl…").
"""

from __future__ import annotations

import threading

import httpx

from reader.online.http import make_client
from reader.papers import Paper
from reader.tasks.resolve import resolve


def _papers(library, count: int) -> None:
    library.put(
        [Paper(id=f"{n:016x}", title=f"An Unresolved Paper Number {n}", added="2026-01-01T00:00:00Z")
         for n in range(count)],
        label="restore",
    )


def test_offline_papers_asked_and_papers_not_tried_are_told_apart(library, tmp_path):
    _papers(library, 4)
    started = threading.Barrier(2, timeout=10)

    def handler(request: httpx.Request) -> httpx.Response:
        started.wait()  # two requests under way at once: both were asked, neither answered
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with make_client(transport=httpx.MockTransport(handler)) as http:
        outcome = resolve(library, http, library.papers(), base_url="https://hf.test/api",
                          cache_path=tmp_path / "hf.json", concurrency=2)
    report = outcome.report
    assert report.requests == 2 and len(report.failed) == 2 and len(report.not_tried) == 4
    assert outcome.counts() == "0 matched, 0 ambiguous, 0 unmatched, 2 asked without an answer, 2 not tried"
    assert "of 4 papers, 2 asked without an answer, 2 not tried; nothing was changed" in outcome.stop_reason()


def test_a_long_reason_is_given_whole(library, tmp_path):
    _papers(library, 1)
    host = "huggingface-mirror.research-computing.department-of-informatics.example-university.ac.uk"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    with make_client(transport=httpx.MockTransport(handler)) as http:
        outcome = resolve(library, http, library.papers(), base_url=f"https://{host}/api",
                          cache_path=tmp_path / "hf.json")
    reason = outcome.stop_reason() or ""
    assert "…" not in reason and reason.endswith("nothing was changed"), reason
    assert host in reason and "(a server problem; try again later)" in reason


def test_fetch_gives_a_long_failure_reason_whole(library):
    from datetime import date

    from reader.tasks.fetch import fetch_daily

    host = "huggingface-mirror.research-computing.department-of-informatics.example-university.ac.uk"
    with make_client(transport=httpx.MockTransport(lambda request: httpx.Response(503))) as http:
        outcome = fetch_daily(library, http, [date(2024, 3, 11)], base_url=f"https://{host}/api")
    [line] = outcome.failure_lines()
    assert "…" not in line and host in line and line.endswith("(a server problem; try again later)"), line
