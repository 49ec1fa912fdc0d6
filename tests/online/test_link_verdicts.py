"""A link check calls a link dead only when the link is at fault (tester item 23).

A 5xx is the server's own trouble and usually passes; a 429 asks to wait; a
server too slow to answer within the deadline is not gone. None of these is
"dead": the link is "not checked" and keeps whatever it had before.
"""

from __future__ import annotations

import httpx
import pytest

from reader.importers import Candidate
from reader.online.http import make_client
from reader.online.linkcheck import check_url
from reader.papers import Link
from reader.store import Library
from reader.tasks.links import check_paper_links


def answer(status: int):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status)

    return handler


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_not_checked_not_dead(status):
    with make_client(transport=httpx.MockTransport(answer(status))) as client:
        result = check_url(client, "https://a.test/paper")
    assert result.ok is None and result.status == status
    assert result.error and result.error.startswith(f"could not check: HTTP {status}") and "server error" in result.error


def test_a_404_is_still_dead():
    with make_client(transport=httpx.MockTransport(answer(404))) as client:
        assert check_url(client, "https://a.test/paper").ok is False


def test_a_link_that_answered_before_keeps_its_result_when_the_server_fails_now(tmp_path):
    library = Library.open(tmp_path / "library.json")
    library.import_candidates([
        Candidate(title="A Paper", abstract="x", source="t", links=(Link("https://a.test/paper", "project"),)),
    ])
    papers = library.papers()
    with make_client(transport=httpx.MockTransport(answer(200))) as client:
        check_paper_links(library, client, papers)
    with make_client(transport=httpx.MockTransport(answer(503))) as client:
        outcome = check_paper_links(library, client, library.papers())
    assert outcome.report.dead == [] and len(outcome.report.not_checked) == 1
    assert outcome.headline() == "Checked 0 links of 1 paper: 0 ok, 0 dead, 1 not checked (a server error; try later)."
    stored = library.get(papers[0].id).extra["links"]["https://a.test/paper"]
    assert stored["ok"] is True and stored["status"] == 200


def test_the_command_lists_a_link_not_checked_with_its_reason_and_exits_0(tmp_path, monkeypatch, capsys):
    from reader.cli import main

    db = tmp_path / "library.json"
    Library.open(db).import_candidates([
        Candidate(title="A Paper", abstract="x", source="t", links=(Link("https://a.test/paper", "project"),)),
    ])
    monkeypatch.setattr("reader.cli.context.make_client",
                        lambda **kw: make_client(transport=httpx.MockTransport(answer(502))))
    code = main(["check-links", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "0 dead, 1 not checked (a server error; try later)." in out
    assert "  not checked  " in out and "https://a.test/paper  could not check: HTTP 502 Bad Gateway" in out
    assert "  dead  " not in out
