"""`reader fetch`: Hugging Face Daily Papers over (mock) HTTP into the library."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from datetime import date
from pathlib import Path

import httpx
import pytest

from reader.cli import main
from reader.store import Library
from reader.online import daily
from reader.online.daily import fetch_days
from reader.online.http import make_client
from reader.papers import title_id

from tests.conftest import run_cli

FIXTURES = Path(__file__).parent.parent / "fixtures" / "online"
DAY_BODY = (FIXTURES / "daily_papers_2024-03-13.json").read_bytes()
BASE = "https://hf.test/api"
LAYER_TITLE = "Transparent Image Layer Diffusion using Latent Transparency"


def client_for(handler) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(handler))


def serve_day(day: str, body: bytes = DAY_BODY):
    def handler(request):
        assert request.url.path == "/api/daily_papers"
        if request.url.params.get("date") == day:
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})
        return httpx.Response(200, json=[])

    return handler


@pytest.fixture
def use_handler(monkeypatch):
    """Route the CLI's client through a MockTransport running ``handler``."""
    monkeypatch.setenv("READER_HF_API_URL", BASE)

    def install(handler):
        monkeypatch.setattr(
            "reader.cli.context.make_client", lambda **kw: make_client(transport=httpx.MockTransport(handler))
        )

    return install


# -- the domain function ------------------------------------------------------------------


def test_one_failed_day_is_reported_and_the_other_days_are_kept():
    def handler(request):
        day = request.url.params["date"]
        if day == "2024-03-12":
            return httpx.Response(502)
        if day == "2024-03-13":
            return httpx.Response(200, content=DAY_BODY)
        return httpx.Response(200, json=[])

    days = [date(2024, 3, 11), date(2024, 3, 12), date(2024, 3, 13)]
    seen = []
    with client_for(handler) as client:
        candidates, report = fetch_days(client, days, base_url=BASE, on_day=lambda r, d, t: seen.append((r.day, d, t)))
    assert [c.source for c in candidates] == ["hf-daily-2024-03-13"] * 4
    assert [(d.day, d.ok, d.candidates) for d in report.days] == [
        ("2024-03-11", True, 0),
        ("2024-03-12", False, 0),
        ("2024-03-13", True, 4),
    ]
    assert "HTTP 502" in report.failed[0].error
    assert report.sources == ["hf-daily-2024-03-11", "hf-daily-2024-03-13"]
    assert sorted(done for _, done, _ in seen) == [1, 2, 3] and {total for _, _, total in seen} == {3}
    assert {day for day, _, _ in seen} == {"2024-03-11", "2024-03-12", "2024-03-13"}


def test_pages_announced_by_a_link_header_are_followed_on_the_same_host_only():
    entries = json.loads(DAY_BODY)

    def handler(request):
        page = request.url.params.get("p", "0")
        if request.url.host != "hf.test":
            raise AssertionError("followed a link to another host")
        if page == "0":
            return httpx.Response(200, json=entries[:2],
                                  headers={"link": '<https://hf.test/api/daily_papers?date=2024-03-13&p=1>; rel="next"'})
        return httpx.Response(200, json=entries[2:],
                              headers={"link": '<https://evil.test/api/daily_papers?p=2>; rel="next"'})

    with client_for(handler) as client:
        parsed = daily.fetch_day(client, date(2024, 3, 13), base_url=BASE)
    assert len(parsed.candidates) == 4
    assert [c.line for c in parsed.candidates] == [1, 2, 3, 4]


def test_no_more_requests_are_in_flight_than_allowed():
    lock = threading.Lock()
    state = {"now": 0, "max": 0}
    threads = set()
    barrier = threading.Barrier(2, timeout=10)

    def handler(request):
        with lock:
            threads.add(threading.current_thread().name)
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            barrier.wait()  # two requests really do run at once
        except threading.BrokenBarrierError:
            pass
        with lock:
            state["now"] -= 1
        return httpx.Response(200, json=[])

    days = [date(2024, 3, d) for d in range(1, 9)]
    with client_for(handler) as client:
        _, report = fetch_days(client, days, base_url=BASE, concurrency=2)
    assert all(d.ok for d in report.days)
    assert state["max"] == 2
    assert len(threads) == 2


def test_a_page_dump_paper_gains_arxiv_id_authors_date_and_upvotes_and_keeps_tags(sample_library):
    library = sample_library
    pid = title_id(LAYER_TITLE)
    library.tag([pid], ["layers"])
    library.set_read([pid])
    before = len(library)
    with client_for(serve_day("2024-03-13")) as client:
        candidates, report = fetch_days(client, [date(2024, 3, 13)], base_url=BASE)
    imported = library.import_candidates(candidates, skipped=report.skipped, sources=report.sources, label="fetch")
    paper = library.get(pid)
    assert paper.arxiv_id == "2402.17113"
    assert paper.authors == ("Lvmin Zhang", "Maneesh Agrawala")
    assert paper.published == "2024-02-27" and paper.upvotes == 31
    assert paper.tags == ("layers",) and paper.read
    assert "https://arxiv.org/abs/2402.17113" in [link.url for link in paper.links]
    assert "hf-daily-2024-03-13" in paper.sources
    # Three of the four are in the sample dumps; one is new.
    assert len(imported.added) == 1 and len(imported.merged) == 3
    assert len(library) == before + 1
    # Fetching the same day again changes nothing.
    with client_for(serve_day("2024-03-13")) as client:
        candidates, report = fetch_days(client, [date(2024, 3, 13)], base_url=BASE)
    again = library.import_candidates(candidates, sources=report.sources)
    assert again.added == [] and again.updated == []


# -- the command ------------------------------------------------------------------------------


def test_fetch_command_imports_and_prints_a_line_per_day_when_not_a_terminal(tmp_path, use_handler, capsys):
    use_handler(serve_day("2024-03-13"))
    db = tmp_path / "lib.json"
    code = main(["fetch", "--since", "2024-03-12", "--until", "2024-03-13", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "2024-03-12: 0 papers" in err and "2024-03-13: 4 papers" in err
    assert "\r" not in err  # no progress bar drawing into a pipe
    assert "Fetched 2 of 2 days: 4 entries: 4 new papers," in out
    library = Library.open(db)
    paper = library.get("2402.17113")
    assert paper is not None and paper.upvotes == 31 and paper.sources == ("hf-daily-2024-03-13",)
    assert [h.label for h in library.history()] == ["fetch: hf-daily-2024-03-12, hf-daily-2024-03-13"]


def test_fetch_json_output_reports_days_and_import(tmp_path, use_handler, capsys):
    use_handler(serve_day("2024-03-13"))
    code = main(["fetch", "--json", "--date", "2024-03-13", "--db", str(tmp_path / "lib.json")])
    out, _ = capsys.readouterr()
    data = json.loads(out)
    assert code == 0
    assert data["fetch"]["days"][0]["papers"] == 4
    assert len(data["import"]["added"]) == 4


def endless_body():
    for _ in range(400):
        yield b" " * 65536  # 25 MB of whitespace: never a complete answer


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("timed out", request=r)), "timed out waiting for hf.test"),
        (lambda r: (_ for _ in ()).throw(httpx.ConnectError("[Errno 111] Connection refused", request=r)),
         "connection refused by hf.test"),
        (lambda r: (_ for _ in ()).throw(httpx.ConnectError("[Errno -2] Name or service not known", request=r)),
         "cannot resolve host hf.test"),
        (lambda r: httpx.Response(500), "HTTP 500 Internal Server Error"),
        (lambda r: httpx.Response(404), "HTTP 404 Not Found"),
        (lambda r: httpx.Response(429, headers={"retry-after": "7200"}), "rate limiting requests (HTTP 429)"),
        (lambda r: httpx.Response(200, text="<!doctype html><p>maintenance"), "invalid JSON"),
        (lambda r: httpx.Response(200, json={"papers": []}), "expected a list of papers"),
        (lambda r: httpx.Response(200, json=[{"paper": 1}, {"title": "x"}]), "none of the 2 entries"),
        (lambda r: httpx.Response(200, content=endless_body()), "more than the 16 MB allowed"),
        (lambda r: httpx.Response(302, headers={"location": "file:///etc/passwd"}), "redirects to a non-http(s) URL"),
    ],
    ids=["timeout", "refused", "dns", "500", "404", "429", "invalid-json", "wrong-shape", "bad-entries",
         "enormous", "bad-redirect"],
)
def test_each_network_failure_is_one_clear_line_a_non_zero_exit_and_no_write(
    tmp_path, use_handler, capsys, respond, message
):
    use_handler(respond)
    db = tmp_path / "lib.json"
    code = main(["fetch", "--date", "2024-03-13", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert "reader: error: 2024-03-13: " in err and "nothing was imported" in err
    assert err.count(message) == 1
    # Said once, with its error: no "2024-03-13: failed" line before it, no "2024-03-13: 2024-03-13: ...".
    assert "2024-03-13: failed" not in err and "2024-03-13: 2024-03-13" not in err
    assert not db.exists()  # nothing written


def test_a_failed_day_in_a_range_still_imports_the_others_but_exits_non_zero(tmp_path, use_handler, capsys):
    def handler(request):
        if request.url.params["date"] == "2024-03-12":
            return httpx.Response(503)
        return serve_day("2024-03-13")(request)

    use_handler(handler)
    db = tmp_path / "lib.json"
    code = main(["fetch", "--since", "2024-03-11", "--until", "2024-03-13", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "reader: error: 2024-03-12:" in err and "1 of 3 days failed; the other days were imported" in err
    assert len(Library.open(db)) == 4


def test_skipped_entries_are_listed_and_make_the_exit_status_non_zero(tmp_path, use_handler, capsys):
    use_handler(serve_day("2024-03-08", (FIXTURES / "daily_papers_bad_entries.json").read_bytes()))
    db = tmp_path / "lib.json"
    code = main(["fetch", "--date", "2024-03-08", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "6 entries: 1 new paper," in out and "5 skipped" in out
    assert "'upvotes' should be a number" in out
    assert "5 entries had an unexpected shape" in err
    assert len(Library.open(db)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "13/03/2024"], "not a date: '13/03/2024' (use YYYY-MM-DD"),
        (["--since", "2024-03-13", "--until", "2024-03-01"], "is after --until"),
        (["--date", "2999-01-01"], "is in the future"),
        (["--until", "2024-03-01"], "--until needs --since"),
        (["--since", "2020-01-01", "--until", "2024-01-01"], "fetch at most 366 days"),
        (["--date", "2024-03-13", "--since", "2024-03-01"], "either --date or --since/--until"),
    ],
)
def test_bad_dates_are_refused_before_any_request(tmp_path, use_handler, capsys, args, message):
    def handler(request):  # pragma: no cover - must not be called
        raise AssertionError("no request expected")

    use_handler(handler)
    code = main(["fetch", *args, "--db", str(tmp_path / "lib.json")])
    _, err = capsys.readouterr()
    assert code == 1 and message in err


def test_a_base_url_that_is_not_http_is_a_config_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("READER_HF_API_URL", "ftp://mirror.example/api")
    code = main(["fetch", "--date", "2024-03-13", "--db", str(tmp_path / "lib.json")])
    _, err = capsys.readouterr()
    assert code == 1 and "$READER_HF_API_URL must be an http(s) URL" in err


# -- end to end: a real local server, the real client, a subprocess -------------------------------


class _DailyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        self.server.agents.append(self.headers.get("user-agent"))  # type: ignore[attr-defined]
        if self.path.startswith("/api/daily_papers?date=2024-03-13"):
            body = DAY_BODY
        else:
            body = b"[]"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DailyHandler)
    server.paths = []
    server.agents = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_against_a_local_server_named_by_the_environment(tmp_path, local_server):
    db = tmp_path / "lib.json"
    port = local_server.server_address[1]
    result = run_cli("fetch", "--date", "2024-03-13", db=db, env={"READER_HF_API_URL": f"http://127.0.0.1:{port}/api"})
    assert result.returncode == 0, result.stderr.decode()
    assert "4 entries: 4 new papers," in result.stdout.decode()
    assert local_server.paths == ["/api/daily_papers?date=2024-03-13"]
    assert local_server.agents[0].startswith("reader/")


def test_fetch_from_a_closed_port_says_connection_refused(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = tmp_path / "lib.json"
    result = run_cli("fetch", "--date", "2024-03-13", db=db, env={"READER_HF_API_URL": f"http://127.0.0.1:{port}/api"})
    err = result.stderr.decode()
    assert result.returncode == 1
    assert f"connection refused by 127.0.0.1:{port}" in err and "Traceback" not in err
    assert not db.exists()
