"""`reader check-links`: HEAD then GET, careful redirects, dead links marked, offline detected."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import httpx
import pytest

from reader.cli import main
from reader.importers import Candidate
from reader.store import Library
from reader.online.http import NetworkError, make_client
from reader.online.linkcheck import apply_link_results, check_links, check_url
from reader.papers import Link
from tests.helpers.network import answer_with, unreachable

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def client_for(handler) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(handler))


def site(request: httpx.Request) -> httpx.Response:
    """A small web: paths say how they behave."""
    path = request.url.path
    if request.url.host == "down.test":
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
    if request.url.host == "slow.test":
        raise httpx.ReadTimeout("timed out", request=request)
    if path == "/ok":
        return httpx.Response(200)
    if path == "/no-head":
        return httpx.Response(405 if request.method == "HEAD" else 200)
    if path == "/head-hangs-up":
        if request.method == "HEAD":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(200)
    if path == "/gone":
        return httpx.Response(404)
    if path == "/moved":
        return httpx.Response(301, headers={"location": "https://new.test/ok"})
    if path == "/to-ftp":
        return httpx.Response(302, headers={"location": "ftp://files.test/paper.pdf"})
    if path.startswith("/loop"):
        return httpx.Response(302, headers={"location": path + "x"})
    raise AssertionError(f"unexpected {request.method} {request.url}")


def status_of(url: str, handler=site, **kwargs):
    with client_for(handler) as client:
        return check_url(client, url, now=lambda: NOW, **kwargs)


def test_a_working_link_needs_only_a_head_request():
    methods = []

    def handler(request):
        methods.append(request.method)
        return site(request)

    result = status_of("https://a.test/ok", handler)
    assert (result.ok, result.status, result.error, result.checked) == (True, 200, None, "2026-01-01T12:00:00Z")
    assert methods == ["HEAD"]


@pytest.mark.parametrize("path", ["/no-head", "/head-hangs-up"])
def test_get_is_tried_when_head_is_refused_or_mishandled(path):
    result = status_of(f"https://a.test{path}")
    assert result.ok is True and result.status == 200


def test_dead_links_and_bad_redirects_are_marked_with_a_reason():
    gone = status_of("https://a.test/gone")
    assert (gone.ok, gone.status, gone.error) == (False, 404, "HTTP 404 Not Found")
    moved = status_of("https://a.test/moved")
    assert moved.ok is True and moved.final_url == "https://new.test/ok"
    ftp = status_of("https://a.test/to-ftp")
    assert ftp.ok is False and "redirects to a non-http(s) URL (ftp://files.test/paper.pdf)" in ftp.error
    loop = status_of("https://a.test/loop", max_redirects=3)
    assert loop.ok is False and "more than 3 redirects" in loop.error
    down = status_of("https://down.test/x")
    assert down.ok is False and down.error == "connection refused by down.test"
    slow = status_of("https://slow.test/x", timeout=0.5)
    assert slow.ok is False and slow.error == "timed out waiting for slow.test"
    local = status_of("mailto:someone@example.org")
    assert local.ok is False and "not an http(s) link" in local.error


def test_the_per_request_timeout_reaches_the_transport():
    seen = []

    def handler(request):
        seen.append(request.extensions["timeout"])
        return httpx.Response(200)

    status_of("https://a.test/ok", handler, timeout=2.5)
    assert seen[0]["read"] == 2.5 and seen[0]["connect"] == 2.5


def test_a_short_retry_after_is_waited_out_and_a_long_one_leaves_the_link_unchecked():
    calls = []
    slept = []

    def handler(request):
        calls.append(request.method)
        if len(calls) == 1:
            return httpx.Response(429, headers={"retry-after": "2"})
        return httpx.Response(200)

    with client_for(handler) as client:
        result = check_url(client, "https://a.test/x", sleep=slept.append, now=lambda: NOW)
    assert result.ok is True and slept == [2.0]

    with client_for(lambda r: httpx.Response(429, headers={"retry-after": "3600"})) as client:
        result = check_url(client, "https://a.test/x", sleep=slept.append, now=lambda: NOW)
    assert result.ok is None and result.status == 429 and slept == [2.0]


def test_requests_to_one_host_are_limited_even_with_many_workers():
    lock = threading.Lock()
    state = {"now": 0, "max": 0}
    barrier = threading.Barrier(2, timeout=10)

    def handler(request):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        with lock:
            state["now"] -= 1
        return httpx.Response(200)

    urls = [f"https://arxiv.test/abs/{n}" for n in range(10)]
    with client_for(handler) as client:
        results = check_links(client, urls, concurrency=8, per_host=2)
    assert all(r.ok for r in results.values())
    assert state["max"] == 2


def test_when_nothing_answers_at_all_it_is_an_error_not_a_wall_of_dead_links():
    def handler(request):
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    with client_for(handler) as client, pytest.raises(NetworkError, match="could not reach any of the 2 link"):
        check_links(client, ["https://a.test/1", "https://b.test/2"])


def test_results_are_stored_per_paper_in_one_change_and_unchecked_links_keep_old_results(library):
    library.import_candidates([
        Candidate(title="Paper A", abstract="x", source="t",
                  links=(Link("https://a.test/ok", "project"), Link("https://a.test/gone", "code"))),
        Candidate(title="Paper B", abstract="y", source="t", links=(Link("https://limited.test/x", "project"),)),
    ])
    a = library.find_existing("Paper A")
    b = library.find_existing("Paper B")
    old = {"ok": True, "status": 200, "error": None, "checked": "2025-12-01T00:00:00Z"}
    library.modify([b.id], lambda p: _with_links(p, {"https://limited.test/x": old}), "an earlier check")
    library.tag([a.id], ["keep"])
    history = len(library.history(0))

    def handler(request):
        if request.url.host == "limited.test":
            return httpx.Response(429, headers={"retry-after": "9999"})
        return site(request)

    with client_for(handler) as client:
        results = check_links(client, [link.url for p in library.papers() for link in p.links], now=lambda: NOW)
    change = apply_link_results(library, results, [a.id, b.id])
    assert change.ids == [a.id]
    assert len(library.history(0)) == history + 1
    paper_a = library.get(a.id)
    assert paper_a.tags == ("keep",)
    assert paper_a.extra["links"] == {
        "https://a.test/ok": {"ok": True, "status": 200, "error": None, "checked": "2026-01-01T12:00:00Z"},
        "https://a.test/gone": {"ok": False, "status": 404, "error": "HTTP 404 Not Found",
                                "checked": "2026-01-01T12:00:00Z"},
    }
    assert library.get(b.id).extra["links"] == {"https://limited.test/x": old}


def _with_links(paper, links):
    from dataclasses import replace

    return replace(paper, extra={**paper.extra, "links": links})


# -- the command --------------------------------------------------------------------------------


@pytest.fixture
def cli_library(tmp_path):
    db = tmp_path / "lib.json"
    Library.open(db).import_candidates([
        Candidate(title="Working Paper", abstract="x", source="t", links=(Link("https://a.test/ok", "project"),)),
        Candidate(title="Broken Paper", abstract="y", source="t",
                  links=(Link("https://a.test/gone", "code"), Link("https://a.test/to-ftp", "project"))),
    ])
    return db


def test_check_links_command_prints_a_summary_with_dead_links(cli_library, monkeypatch, capsys):
    answer_with(monkeypatch, site)
    code = main(["check-links", "--db", str(cli_library)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Checked 3 links of 2 papers: 1 ok, 2 dead." in out
    assert "https://a.test/gone  HTTP 404 Not Found" in out
    assert "redirects to a non-http(s) URL" in out
    library = Library.open(cli_library)
    broken = library.find_existing("Broken Paper")
    assert broken.extra["links"]["https://a.test/gone"]["ok"] is False
    assert library.find_existing("Working Paper").extra["links"]["https://a.test/ok"]["ok"] is True


def test_check_links_command_with_a_query_checks_only_matching_papers(cli_library, monkeypatch, capsys):
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return site(request)

    answer_with(monkeypatch, handler)
    assert main(["check-links", "working", "--db", str(cli_library)]) == 0
    assert seen == ["https://a.test/ok"]


def test_check_links_command_offline_exits_non_zero_and_marks_nothing(cli_library, monkeypatch, capsys):
    answer_with(monkeypatch, unreachable("[Errno -2] Name or service not known"))
    before = cli_library.read_bytes()
    code = main(["check-links", "--db", str(cli_library)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "could not reach any of the 3 link(s) checked (offline?)" in err and "nothing was marked" in err
    assert cli_library.read_bytes() == before
