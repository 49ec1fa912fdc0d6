"""The shared HTTP layer: one client, capped bodies, careful redirects, one-line errors."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from reader import __version__
from reader.online.http import (
    BadResponse,
    NetworkError,
    RateLimited,
    get_json,
    make_client,
    parse_retry_after,
    request,
)

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def client_for(handler) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(handler))


def test_client_names_reader_and_its_version_and_does_not_follow_redirects_itself():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    with client_for(handler) as client:
        data, reply = get_json(client, "https://api.test/x", what="x")
    assert data == {"ok": True}
    assert seen[0].headers["user-agent"] == f"reader/{__version__}"
    assert client.follow_redirects is False
    assert client.timeout.read is not None and client.timeout.connect is not None


def test_redirects_are_followed_up_to_a_limit_and_only_to_http():
    def handler(request):
        path = request.url.path
        if path == "/hop":
            return httpx.Response(302, headers={"location": "/final"})
        if path == "/final":
            return httpx.Response(200, text="here")
        if path == "/ftp":
            return httpx.Response(301, headers={"location": "ftp://files.test/paper.pdf"})
        if path == "/js":
            return httpx.Response(302, headers={"location": "javascript:alert(1)"})
        n = int(path.removeprefix("/").removeprefix("loop") or 0)
        return httpx.Response(302, headers={"location": f"/loop{n + 1}"})

    with client_for(handler) as client:
        reply = request(client, "GET", "https://site.test/hop")
        assert (reply.status, reply.body, reply.url) == (200, b"here", "https://site.test/final")
        assert reply.redirects == ["https://site.test/hop"]
        for path in ("/ftp", "/js"):
            with pytest.raises(NetworkError, match="redirects to a non-http"):
                request(client, "GET", f"https://site.test{path}")
        with pytest.raises(NetworkError, match="more than 3 redirects"):
            request(client, "GET", "https://site.test/loop0", max_redirects=3)


def test_authorization_never_follows_a_redirect_to_another_host():
    seen = {}

    def handler(request):
        seen[request.url.host] = request.headers.get("authorization")
        if request.url.host == "api.test":
            return httpx.Response(301, headers={"location": "https://elsewhere.test/repo"})
        return httpx.Response(200, json={})

    with client_for(handler) as client:
        request(client, "GET", "https://api.test/repo", headers={"Authorization": "Bearer secret"})
    assert seen == {"api.test": "Bearer secret", "elsewhere.test": None}


def test_an_enormous_body_is_refused_without_reading_it_all():
    produced = []

    def endless():
        for _ in range(10_000):
            produced.append(1)
            yield b"x" * 65536

    def handler(request):
        if request.url.path == "/declared":
            return httpx.Response(200, headers={"content-length": str(10**10)}, content=b"[]")
        return httpx.Response(200, content=endless())

    with client_for(handler) as client:
        with pytest.raises(BadResponse, match="more than the 1 MB allowed"):
            request(client, "GET", "https://big.test/declared", max_bytes=1024 * 1024)
        with pytest.raises(BadResponse, match="more than the 1 MB allowed"):
            request(client, "GET", "https://big.test/stream", max_bytes=1024 * 1024)
    assert len(produced) < 40  # stopped after about 1 MB, not 640 MB


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectTimeout("timed out"), "timed out connecting to slow.test"),
        (httpx.ReadTimeout("timed out"), "timed out waiting for slow.test"),
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused by slow.test"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "cannot resolve host slow.test"),
        (httpx.RemoteProtocolError("Server disconnected"), "closed the connection"),
    ],
)
def test_transport_failures_become_one_line_messages(exc, expected):
    def handler(request):
        raise exc

    with client_for(handler) as client, pytest.raises(NetworkError) as info:
        get_json(client, "https://slow.test/api", what="x")
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_error_statuses_and_invalid_json_are_reported():
    def handler(request):
        return {
            "/missing": httpx.Response(404),
            "/broken": httpx.Response(500),
            "/bad-date": httpx.Response(400, json={"error": "Invalid date: 2024-13-45"}),
            "/html": httpx.Response(200, text="<html>Sorry</html>"),
        }[request.url.path]

    with client_for(handler) as client:
        with pytest.raises(NetworkError, match="HTTP 404 Not Found for thing"):
            get_json(client, "https://api.test/missing", what="thing")
        with pytest.raises(NetworkError, match="HTTP 500.*try again later"):
            get_json(client, "https://api.test/broken", what="thing")
        with pytest.raises(NetworkError, match="HTTP 400 Bad Request: 'Invalid date: 2024-13-45' for thing"):
            get_json(client, "https://api.test/bad-date", what="thing")
        with pytest.raises(BadResponse, match="invalid JSON.*<html>"):
            get_json(client, "https://api.test/html", what="thing")


def test_a_short_retry_after_is_waited_out_with_the_injected_sleep():
    calls = []
    slept = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, headers={"retry-after": "3"})
        return httpx.Response(200, json=[1])

    with client_for(handler) as client:
        data, _ = get_json(client, "https://api.test/x", what="x", sleep=slept.append, now=lambda: NOW)
    assert data == [1] and slept == [3.0] and len(calls) == 2


def test_a_long_retry_after_stops_and_says_when_to_retry():
    slept = []

    def handler(request):
        return httpx.Response(429, headers={"retry-after": "3600"})

    with client_for(handler) as client, pytest.raises(RateLimited) as info:
        get_json(client, "https://api.test/x", what="x", sleep=slept.append, now=lambda: NOW)
    assert slept == []
    assert "retry after 13:00 UTC (in 60 min)" in str(info.value)
    assert info.value.retry_at == datetime(2026, 1, 1, 13, 0, tzinfo=timezone.utc)


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("120", NOW) == datetime(2026, 1, 1, 12, 2, tzinfo=timezone.utc)
    assert parse_retry_after("Thu, 01 Jan 2026 12:30:00 GMT", NOW) == datetime(2026, 1, 1, 12, 30, tzinfo=timezone.utc)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_a_non_http_url_is_refused_before_any_request():
    def handler(request):  # pragma: no cover - must not be called
        raise AssertionError("no request expected")

    with client_for(handler) as client, pytest.raises(NetworkError, match="not an http"):
        request(client, "GET", "file:///etc/passwd")
