"""After the first connection failure a batch stops and says once that the network is unreachable.

(Issue 17.) Fetching several days, enriching from GitHub, resolving on
Hugging Face and checking links all share :class:`reader.online.pool.NetworkWatch`:
with no network, the batch sends one request (link checks: a few, since one
gone host is a dead link, not an outage), and the report holds one line
saying the network is unreachable, instead of one error per item.
"""

from __future__ import annotations

import threading
from datetime import date

import httpx
import pytest

from reader.online.daily import fetch_days
from reader.online.github import enrich_papers
from reader.online.http import NetworkError, make_client
from reader.online.linkcheck import check_links
from reader.online.resolve import resolve_papers
from reader.papers import Link, Paper


class Offline:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(str(request.url))
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)


def _client(handler) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(handler), request_deadline=30, batch_deadline=60)


def test_fetch_over_many_days_stops_at_the_first_failure_and_says_so_once():
    offline = Offline()
    days = [date(2024, 3, day) for day in range(1, 11)]
    with _client(offline) as client:
        candidates, report = fetch_days(client, days, base_url="https://hf.test/api", concurrency=1)
    assert len(offline.requests) == 1
    assert candidates == [] and report.unreachable
    assert report.stopped and report.stopped.startswith("the network is unreachable")
    errors = [day.error for day in report.days]
    assert "cannot resolve host hf.test" in errors[0]
    assert errors[1:] == ["not fetched: the network is unreachable"] * 9
    assert report.to_dict()["unreachable"] is True


def test_a_day_that_fails_otherwise_does_not_stop_the_others():
    asked = []

    def handler(request):
        asked.append(request.url.params["date"])
        if request.url.params["date"] == "2024-03-01":
            return httpx.Response(500, json={"error": "boom"})
        return httpx.Response(200, json=[])

    days = [date(2024, 3, day) for day in range(1, 5)]
    with _client(handler) as client:
        _, report = fetch_days(client, days, base_url="https://hf.test/api", concurrency=1)
    assert len(asked) == 4 and not report.unreachable and report.stopped is None


def _papers(count: int) -> list[Paper]:
    return [
        Paper(f"p{n}", f"Paper number {n}", links=(Link(f"https://github.com/o/r{n}", "code"),))
        for n in range(count)
    ]


def test_enrich_stops_at_the_first_connection_failure():
    offline = Offline()
    with _client(offline) as client:
        updates, report = enrich_papers(client, _papers(6), base_url="https://api.github.test", concurrency=1)
    assert len(offline.requests) == 1 and updates == {}
    assert report.unreachable and report.stopped and report.stopped.startswith("the network is unreachable")
    assert [repo for repo, _ in report.failed] == ["o/r0"] and len(report.not_fetched) == 5


def test_resolve_stops_at_the_first_connection_failure():
    offline = Offline()
    papers = [Paper(f"p{n}", f"A title number {n}") for n in range(5)]
    with _client(offline) as client:
        resolutions, report = resolve_papers(client, papers, abstracts=lambda pid: "", base_url="https://hf.test/api",
                                             concurrency=1)
    assert len(offline.requests) == 1 and resolutions == {}
    assert report.unreachable and report.stopped and report.stopped.startswith("the network is unreachable")
    assert len(report.not_tried) == 5  # the first one too: it got no answer


def test_link_checks_stop_after_a_few_connection_failures_when_nothing_answered():
    offline = Offline()
    urls = [f"https://host{n}.test/" for n in range(20)]
    with _client(offline) as client, pytest.raises(NetworkError, match="the network is unreachable"):
        check_links(client, urls, concurrency=1)
    assert len(offline.requests) == 3  # not 20


def test_a_gone_host_among_answering_ones_is_a_dead_link_not_an_outage():
    def handler(request):
        if request.url.host.startswith("gone"):
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)
        return httpx.Response(200)

    urls = ["https://ok.test/"] + [f"https://gone{n}.test/" for n in range(5)]
    with _client(handler) as client:
        results = check_links(client, urls, concurrency=1)
    assert results["https://ok.test/"].ok is True
    assert [results[url].ok for url in urls[1:]] == [False] * 5
