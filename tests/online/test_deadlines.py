"""Every request and every batch has an overall deadline (issue 14, item 12).

A server on 127.0.0.1 that sends its answer one byte at a time, never
stalling long enough for a read timeout, would keep `reader fetch` running
for ever. With tiny deadlines set (the settings READER_REQUEST_DEADLINE and
READER_BATCH_DEADLINE), each request and each batch ends at its deadline with
a one-line reason. (The assertions allow generous slack: they check that the
deadline ends the work, not how fast the machine is.)
"""

from __future__ import annotations

import socketserver
import threading
import time
from datetime import date

import pytest

from reader.online.daily import fetch_days
from reader.online.deadline import Batch, DeadlineSettingError, request_deadline, working_for
from reader.online.http import DeadlineExceeded, Stopped, get_json, make_client, request

from tests.conftest import run_cli

BODY = b'[{"paper": {"id": "2403.05530", "title": "A paper", "summary": "An abstract."}}]'


class Trickle(socketserver.ThreadingTCPServer):
    """Answers every request one byte every ``pause`` seconds (headers too when ``headers_too``)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, pause: float = 0.2, headers_too: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), TrickleHandler)
        self.pause = pause
        self.headers_too = headers_too
        self.done = threading.Event()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class TrickleHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: Trickle = self.server  # type: ignore[assignment]
        server.requests += 1
        self.request.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (len(BODY) * 50)
        try:
            if not server.headers_too:
                self.request.sendall(head)
                head = b""
            for byte in (head + BODY * 50)[:400]:  # bounded: the server stops by itself
                if server.done.wait(server.pause):
                    return
                self.request.sendall(bytes([byte]))
        except OSError:
            return  # the client gave up: what the test wants


@pytest.fixture(params=[False, True], ids=["body", "headers"])
def trickle(request):
    server = Trickle(headers_too=request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.done.set()
    server.shutdown()
    server.server_close()


def test_a_trickling_server_cannot_keep_a_request_past_its_deadline(trickle):
    with make_client(request_deadline=1.0, batch_deadline=60) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="1 s request deadline"):
            get_json(client, trickle.url + "/api/daily_papers", what="a test")
        assert time.monotonic() - started < 6


def test_a_trickling_server_cannot_keep_a_batch_past_its_deadline(trickle):
    days = [date(2024, 3, day) for day in range(1, 9)]
    with make_client(request_deadline=600, batch_deadline=1.0) as client:
        started = time.monotonic()
        candidates, report = fetch_days(client, days, base_url=trickle.url + "/api", concurrency=2)
        assert time.monotonic() - started < 8
    assert candidates == [] and len(report.days) == 8 and all(not day.ok for day in report.days)
    assert report.stopped and "READER_BATCH_DEADLINE" in report.stopped
    assert trickle.requests <= 4  # the days not started were never asked for


def test_fetch_ends_at_the_request_deadline_set_in_the_environment(trickle):
    started = time.monotonic()
    done = run_cli(
        "fetch", "--date", "2024-03-11",
        env={"READER_HF_API_URL": trickle.url + "/api", "READER_REQUEST_DEADLINE": "1"},
    )
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err
    assert "request deadline" in err, err
    assert time.monotonic() - started < 30


def test_a_stopped_batch_ends_its_request_at_once(trickle):
    stop = threading.Event()
    with make_client(request_deadline=600, batch_deadline=600) as client:
        threading.Timer(0.5, stop.set).start()
        started = time.monotonic()
        with working_for(Batch(stop=stop, grace=0.2)), pytest.raises(Stopped):
            request(client, "GET", trickle.url + "/x")
        assert time.monotonic() - started < 6


def test_deadline_settings_are_checked():
    assert request_deadline({"READER_REQUEST_DEADLINE": "2.5"}) == 2.5
    assert request_deadline({}, configured=7) == 7
    assert request_deadline({}) == 60
    for bad in ("0", "-1", "soon", "nan", "inf"):
        with pytest.raises(DeadlineSettingError, match="READER_REQUEST_DEADLINE must be a positive number"):
            request_deadline({"READER_REQUEST_DEADLINE": bad})


def test_a_bad_deadline_in_the_environment_is_one_line(tmp_path):
    done = run_cli("fetch", "--date", "2024-03-11",
                   env={"READER_HF_API_URL": "http://127.0.0.1:9/api", "READER_BATCH_DEADLINE": "soon"})
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err and "READER_BATCH_DEADLINE" in err
    assert len(err.strip().splitlines()) == 1


def test_a_deadline_in_the_config_file_is_read(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text("[online]\nrequest_deadline = 3\nbatch_deadline = 9.5\n", encoding="utf-8")
    monkeypatch.setenv("READER_CONFIG_DIR", str(config))
    with make_client() as client:
        assert (client.request_deadline, client.batch_deadline) == (3, 9.5)
    monkeypatch.setenv("READER_REQUEST_DEADLINE", "4")
    with make_client() as client:
        assert client.request_deadline == 4


def test_a_request_of_a_batch_already_stopped_is_not_sent():
    import httpx

    sent = []
    stop = threading.Event()
    stop.set()
    with make_client(transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200)),
                     request_deadline=5, batch_deadline=5) as client:
        with working_for(Batch(stop=stop)), pytest.raises(Stopped, match="before this request was sent"):
            request(client, "GET", "https://example.test/")
    assert sent == []


def test_the_settings_are_checked_when_the_config_loads(tmp_path):
    from reader.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text("[online]\nbatch_deadline = -5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[online\] batch_deadline must be a positive number"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match=r"\$READER_REQUEST_DEADLINE must be a positive number"):
        load_config(tmp_path / "none.toml", environ={"READER_REQUEST_DEADLINE": "soon"})
    config = load_config(path, environ={"READER_BATCH_DEADLINE": "90"})
    assert config.batch_deadline == 90 and config.request_deadline is None


def test_a_request_that_runs_out_its_deadline_stops_the_days_after_it(trickle):
    """Tester item 12: each day used to wait out its own deadline against the same slow server."""
    days = [date(2024, 3, day) for day in range(1, 11)]
    with make_client(request_deadline=0.5, batch_deadline=600) as client:
        started = time.monotonic()
        candidates, report = fetch_days(client, days, base_url=trickle.url + "/api", concurrency=2)
        elapsed = time.monotonic() - started
    assert candidates == [] and trickle.requests <= 2  # the days after the first two were never asked for
    assert elapsed < 5  # one deadline (plus the stop's grace), not five rounds of it
    assert report.stopped and report.stopped.startswith("the server is too slow (127.0.0.1:")
    assert "0.5 s request deadline" in report.stopped and not report.unreachable
    not_tried = [day.error for day in report.days if "request deadline" not in (day.error or "")]
    assert len(not_tried) >= 8 and set(not_tried) == {"not fetched: the server is too slow"}


def test_enrich_stops_at_the_first_repository_that_runs_out_its_deadline(trickle):
    from reader.online.github import enrich_papers
    from reader.papers import Link, Paper

    papers = [Paper(f"p{n}", f"Paper {n}", links=(Link(f"https://github.com/o/r{n}", "code"),)) for n in range(8)]
    with make_client(request_deadline=0.5, batch_deadline=600) as client:
        updates, report = enrich_papers(client, papers, base_url=trickle.url, concurrency=2)
    assert updates == {} and trickle.requests <= 2
    assert report.stopped and report.stopped.startswith("the server is too slow") and not report.unreachable
    assert len(report.not_fetched) >= 6


def test_a_slow_host_does_not_stop_the_link_checks_of_other_hosts(trickle):
    """Link checks talk to many hosts: one that trickles says nothing about the others."""
    import httpx

    from reader.online.linkcheck import check_links

    real = httpx.HTTPTransport()

    class Split(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host.endswith(".test"):
                return httpx.Response(200)
            return real.handle_request(request)

    slow = trickle.url + "/slow"
    fast = [f"https://fast{n}.test/" for n in range(4)]
    with make_client(transport=Split(), request_deadline=0.5, batch_deadline=600) as client:
        results = check_links(client, [slow, *fast], concurrency=2)
    assert all(results[url].ok for url in fast)
    assert results[slow].ok is not False  # not called dead for being slow
