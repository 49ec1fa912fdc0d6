"""`reader resolve`: papers matched on the Hugging Face papers API, only when confidently the same paper.

Fixtures are in the shape huggingface_hub's ``list_papers`` / ``paper_info`` read
(``/api/papers/search`` answers a list of ``{"paper": {...}, ...}`` entries,
``/api/papers/{id}`` the paper object). No network: httpx.MockTransport, or a
server on 127.0.0.1 for the hang.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from reader.cli import main
from reader.importers import Candidate
from reader.online.http import make_client
from reader.papers import Link
from reader.online.resolve import (
    ResolveCache,
    apply_resolution,
    claimed_by,
    judge,
    parse_search,
    resolve_offline,
    resolve_papers,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "online"
SEARCH = json.loads((FIXTURES / "hf_papers_search.json").read_text())
ONE = json.loads((FIXTURES / "hf_paper_2401.09417.json").read_text())
BASE = "https://hf.test/api"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
VIM_TITLE = SEARCH[0]["paper"]["title"]
VIM_ABSTRACT = SEARCH[0]["paper"]["summary"]


class FakeHF:
    """Answers /api/papers/search?q= and /api/papers/{id}; records what was asked."""

    def __init__(self, search=None, papers=None, status: int | None = None, body: bytes | None = None,
                 headers: dict | None = None):
        self.search = SEARCH if search is None else search
        self.papers = {ONE["id"]: ONE} if papers is None else papers
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status is not None:
            return httpx.Response(self.status, content=self.body or b"", headers=self.headers)
        if self.body is not None:
            return httpx.Response(200, content=self.body)
        path = request.url.path
        assert path.startswith("/api/papers/")
        tail = path[len("/api/papers/"):]
        if tail == "search":
            return httpx.Response(200, json=self.search)
        if tail in self.papers:
            return httpx.Response(200, json=self.papers[tail])
        return httpx.Response(404, json={"error": "Paper not found"})


def client_for(handler, **kwargs) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(handler), **kwargs)


def add(library, title: str, abstract: str = VIM_ABSTRACT, **fields) -> str:
    library.import_candidates([Candidate(title=title, abstract=abstract, source="page", **fields)], sources=["page"])
    return library.find_existing(title).id


def run(library, handler, papers=None, **kwargs):
    with client_for(handler) as client:
        return resolve_papers(
            client,
            papers if papers is not None else library.papers(),
            abstracts=library.abstract,
            base_url=BASE,
            claimed=claimed_by(library),
            now=kwargs.pop("now", lambda: NOW),
            sleep=kwargs.pop("sleep", lambda seconds: None),
            **kwargs,
        )


def test_the_fixture_parses_in_the_shape_huggingface_hub_reads():
    records = parse_search(SEARCH, "test")
    assert [r.arxiv_id for r in records] == ["2401.09417", "2403.09338"]
    vim = records[0]
    assert vim.authors[:2] == ("Lianghui Zhu", "Bencheng Liao")
    assert vim.published == "2024-01-17"
    assert vim.upvotes == 46
    assert vim.github_repo == "https://github.com/hustvl/Vim"
    assert "Mamba" in vim.ai_keywords and vim.ai_summary.startswith("Vim,")


def test_an_exact_title_match_fills_id_authors_date_upvotes_code_keywords_and_keeps_tags(library):
    pid = add(library, VIM_TITLE)
    library.tag([pid], ["mamba"])
    library.set_read([pid])
    library.set_notes(pid, "read section 3")
    fake = FakeHF()
    resolutions, report = run(library, fake)
    assert report.matched == [(pid, "2401.09417", "title")]
    assert fake.requests[0].url.params["q"] == VIM_TITLE
    change = apply_resolution(library, resolutions, stamp="2026-01-01T12:00:00Z")
    paper = library.get(pid)
    assert change.ids == [pid]
    assert paper.arxiv_id == "2401.09417"
    assert paper.authors[0] == "Lianghui Zhu" and len(paper.authors) == 6
    assert paper.published == "2024-01-17"
    assert paper.upvotes == 46
    assert paper.code_link.url == "https://github.com/hustvl/Vim"
    assert paper.extra["hf"]["ai_keywords"][1] == "Mamba"
    assert paper.extra["hf"]["ai_summary"].startswith("Vim,")
    assert paper.tags == ("mamba",) and paper.read and paper.notes == "read section 3"
    # One undo step puts it back as it was.
    library.undo()
    back = library.get(pid)
    assert back.arxiv_id is None and back.authors == () and back.code_link is None
    assert back.tags == ("mamba",) and back.read


def test_a_code_link_the_paper_has_is_kept(library):
    pid = add(library, VIM_TITLE, links=(Link("https://github.com/me/mine", "code"),))
    resolutions, _ = run(library, FakeHF())
    apply_resolution(library, resolutions)
    assert [link.url for link in library.get(pid).links] == ["https://github.com/me/mine"]


def test_a_nearly_equal_title_is_accepted_when_the_abstract_agrees(library):
    pid = add(library, "Vision Mamba: Efficient Visual Representation Learning with a Bidirectional State Space Model")
    _, report = run(library, FakeHF())
    assert report.matched == [(pid, "2401.09417", "title")]


def test_a_look_alike_title_with_another_abstract_is_refused(library):
    title = "Vision Mamba: Efficient Visual Representation Learning with Bidirectional State Space Models"
    pid = add(library, title, abstract="We study birdsong with microphones in forests; nothing about vision. " * 5)
    resolutions, report = run(library, FakeHF())
    assert resolutions == {}
    assert report.unmatched[0][0] == pid and "look-alike" in report.unmatched[0][1]


def test_an_equal_title_of_another_paper_is_refused_when_the_abstracts_clearly_differ():
    verdict = judge(VIM_TITLE, "A survey of medieval tax records from three abbeys in northern France. " * 4,
                    parse_search(SEARCH, "t"))
    assert verdict.kind == "unmatched"


def test_several_papers_that_would_do_are_ambiguous_and_refused(library):
    pid = add(library, VIM_TITLE)
    twin = copy.deepcopy(SEARCH[0])
    twin["paper"]["id"] = "2402.00001"
    resolutions, report = run(library, FakeHF(search=[SEARCH[0], twin]))
    assert resolutions == {}
    assert report.ambiguous == [(pid, ["2401.09417", "2402.00001"])]


def test_no_result_leaves_the_paper_unmatched(library):
    pid = add(library, "A Paper Nobody Has Heard Of")
    resolutions, report = run(library, FakeHF(search=[]))
    assert resolutions == {} and report.unmatched == [(pid, "no paper with this title")]


def test_a_paper_already_resolved_is_skipped_without_a_request(library):
    pid = add(library, VIM_TITLE, arxiv_id="2401.09417", authors=("Lianghui Zhu",))
    fake = FakeHF()
    _, report = run(library, fake)
    assert report.skipped == [pid] and fake.requests == []


def test_an_arxiv_id_without_authors_is_completed_by_id_and_checked(library):
    pid = add(library, VIM_TITLE, arxiv_id="2401.09417")
    fake = FakeHF()
    resolutions, report = run(library, fake)
    assert [r.url.path for r in fake.requests] == ["/api/papers/2401.09417"]
    assert report.matched == [(pid, "2401.09417", "id")]
    apply_resolution(library, resolutions)
    assert library.get(pid).project_link.url == "https://hustvl.github.io/Vim/"


def test_an_id_named_in_the_abstract_is_used_only_when_that_paper_has_this_title(library):
    # The sample's "Recent research arXiv:2410.15027 has explored ..." names another paper.
    other = copy.deepcopy(ONE)
    other.update(id="2410.15027", title="Group Diffusion Transformers are Unsupervised Multitask Learners")
    pid = add(library, VIM_TITLE, abstract="Recent research arXiv:2410.15027 has explored this. " + VIM_ABSTRACT)
    fake = FakeHF(papers={"2410.15027": other})
    _, report = run(library, fake)
    assert [r.url.path for r in fake.requests] == ["/api/papers/2410.15027", "/api/papers/search"]
    assert report.matched == [(pid, "2401.09417", "title")]
    pid2 = add(library, "Another paper", abstract="Our paper is arXiv:2401.09417 on HF. " + VIM_ABSTRACT)
    library.delete([pid])
    _, report = run(library, FakeHF(search=[]), papers=[library.get(pid2)])
    assert report.unmatched  # the named paper is Vision Mamba, not "Another paper"


def test_an_id_the_library_already_has_is_not_given_to_a_second_paper(library):
    add(library, "Vision Mamba (the arXiv entry)", arxiv_id="2401.09417", authors=("X",))
    pid = add(library, VIM_TITLE)
    resolutions, report = run(library, FakeHF())
    assert resolutions == {}
    assert report.unmatched[0][0] == pid and "already another paper" in report.unmatched[0][1]


def test_a_404_for_an_id_is_an_answer_not_an_error(library):
    pid = add(library, "Known only here", arxiv_id="2401.00001")
    _, report = run(library, FakeHF(papers={}))
    assert report.unmatched == [(pid, "Hugging Face does not know 2401.00001")]
    assert report.stopped is None


@pytest.mark.parametrize(
    "fake, says",
    [
        (FakeHF(status=500, body=b'{"error": "Internal Error"}'), "HTTP 500"),
        (FakeHF(body=b"<html>not json"), "invalid JSON"),
        (FakeHF(search={"papers": []}), "expected a list of papers"),
        (FakeHF(search=[{"paper": {"id": "2401.09417", "title": 5}}]), "'title' should be text"),
        (FakeHF(status=429, headers={"retry-after": "3600"}), "retry after"),
    ],
    ids=["500", "invalid-json", "wrong-shape", "wrong-field", "429-long"],
)
def test_a_server_error_or_bad_answer_changes_nothing_and_says_so_in_one_line(library, fake, says):
    pid = add(library, VIM_TITLE)
    before = library.get(pid)
    resolutions, report = run(library, fake)
    assert resolutions == {} and report.not_tried == [pid]
    assert says in report.stopped and "\n" not in report.stopped
    assert apply_resolution(library, resolutions) is None
    assert library.get(pid) == before


def test_a_short_retry_after_is_waited_out_then_the_answer_used(library):
    pid = add(library, VIM_TITLE)
    answers = [httpx.Response(429, headers={"retry-after": "2"}), httpx.Response(200, json=SEARCH)]
    waited: list[float] = []
    _, report = run(library, lambda request: answers.pop(0), sleep=waited.append)
    assert waited == [2.0]
    assert report.matched == [(pid, "2401.09417", "title")]


def test_a_rate_limit_stops_the_batch_and_keeps_what_matched_before(library):
    first = add(library, VIM_TITLE)
    second = add(library, "Some Later Paper")
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(200, json=SEARCH)
        return httpx.Response(429, headers={"retry-after": "600"})

    resolutions, report = run(library, handler, concurrency=1)
    assert list(resolutions) == [first]
    assert report.not_tried == [second]
    assert "rate limiting" in report.stopped and report.retry_at == "2026-01-01T12:10:00Z"


def test_a_server_that_hangs_meets_the_deadline(library):
    pid = add(library, VIM_TITLE)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []
    done = threading.Event()

    def accept():
        try:
            conn, _ = server.accept()
            accepted.append(conn)  # never answers
        except OSError:
            pass
        done.wait()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        with make_client(timeout=0.3) as client:
            resolutions, report = resolve_papers(
                client, library.papers(), abstracts=library.abstract,
                base_url=f"http://127.0.0.1:{server.getsockname()[1]}/api", now=lambda: NOW,
            )
    finally:
        done.set()
        server.close()
        for conn in accepted:
            conn.close()
    assert resolutions == {} and report.not_tried == [pid]
    assert "timed out" in report.stopped


def test_answers_are_cached_for_the_ttl(library, tmp_path):
    add(library, VIM_TITLE)
    cache = ResolveCache.load(tmp_path / "cache.json")
    fake = FakeHF()
    run(library, fake, cache=cache)
    cache.save()
    again = ResolveCache.load(tmp_path / "cache.json")
    fake2 = FakeHF()
    _, report = run(library, fake2, cache=again)
    assert fake2.requests == [] and report.cached == 1 and len(report.matched) == 1
    later = NOW + timedelta(hours=2)
    _, report = run(library, fake2, cache=again, max_age=timedelta(hours=1), now=lambda: later)
    assert len(fake2.requests) == 1 and report.cached == 0


def test_stop_leaves_the_rest_not_tried(library):
    add(library, VIM_TITLE)
    stop = threading.Event()
    stop.set()
    fake = FakeHF()
    resolutions, report = run(library, fake, stop=stop)
    assert fake.requests == [] and resolutions == {} and len(report.not_tried) == 1


def test_offline_an_abstract_linking_one_arxiv_id_gives_it(library):
    # A library imported before import looked at links: resolve --offline takes them.
    pid = add(library, "Linked", abstract="Code and paper: https://arxiv.org/abs/2402.11111v2 and github.com/a/b")
    two = add(library, "Two links", abstract="See arxiv.org/abs/2402.22222 and arxiv.org/pdf/2402.33333.")
    add(library, "Named", abstract="Recent research arXiv:2410.15027 has explored this.")
    taken = add(library, "Taken", abstract="huggingface.co/papers/2402.44444", arxiv_id=None)
    add(library, "Owner", abstract="x", arxiv_id="2402.44444")
    found = resolve_offline(library.papers(), library.abstract, claimed_by(library))
    assert found == {pid: "2402.11111"}
    change = apply_resolution(library, {}, found)
    assert change.ids == [pid] and library.get(pid).arxiv_id == "2402.11111"
    assert library.get(two).arxiv_id is None and library.get(taken).arxiv_id is None


def test_import_takes_the_one_linked_arxiv_id_and_the_listed_date_but_never_steals_an_id(library):
    from reader.importers.hf_pages import parse_page_text

    page = (
        "Daily Papers\n\nMar 11\n\nFirst Paper\n\n" + "Words. " * 60 + "Paper: https://arxiv.org/abs/2403.01234v1.\n\n"
        "Second Paper\n\nRecent research arXiv:2410.15027 has explored. " + "Words. " * 60 + "\n\n"
        "Third Paper\n\n" + "Words. " * 60 + "huggingface.co/papers/2403.01234\n"
    )
    parsed = parse_page_text(page, "mar-11")
    assert [c.linked_arxiv_id for c in parsed.candidates] == ["2403.01234", None, "2403.01234"]
    assert [c.listed for c in parsed.candidates] == ["Mar 11"] * 3
    library.import_candidates(parsed.candidates, sources=["mar-11"])
    first, second, third = (library.find_existing(t) for t in ("First Paper", "Second Paper", "Third Paper"))
    assert first.arxiv_id == "2403.01234" and first.extra["listed"] == "Mar 11"
    assert first.id != "2403.01234"  # ids (and which paper is which) never come from an abstract
    assert second.arxiv_id is None  # a named id is another paper's
    assert third.arxiv_id is None  # the first paper has that id already


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture
def cli_library(tmp_path, monkeypatch):
    from reader.store import Library

    db = tmp_path / "lib.json"
    library = Library.open(db)
    add(library, VIM_TITLE)
    add(library, "A Paper Nobody Has Heard Of")
    monkeypatch.setenv("READER_HF_API_URL", BASE)
    return db


def use(monkeypatch, handler):
    import reader.cli.context as online

    monkeypatch.setattr(online, "make_client", lambda **kw: client_for(handler))


def test_resolve_command_reports_and_stores_one_undoable_change(cli_library, monkeypatch, capsys):
    from reader.store import Library

    fake = FakeHF()
    fake.search = SEARCH
    use(monkeypatch, lambda request: fake(request) if "Vision" in request.url.params.get("q", "")
        else httpx.Response(200, json=[]))
    assert main(["resolve", "--db", str(cli_library)]) == 0
    out = capsys.readouterr().out
    assert "1 matched, 0 ambiguous, 1 unmatched" in out
    assert "no paper with this title" in out
    library = Library.open(cli_library)
    assert [p.arxiv_id for p in library.papers()] == ["2401.09417", None]
    assert library.history(1)[0].label.startswith("resolve 1 paper")


def test_resolve_command_json_and_a_failure_exit_1_with_one_line(cli_library, monkeypatch, capsys):
    use(monkeypatch, FakeHF(status=500))
    assert main(["resolve", "--json", "--db", str(cli_library)]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["matched"] == [] and len(data["not_tried"]) == 2
    errors = [line for line in captured.err.splitlines() if line]
    assert len(errors) == 1 and "HTTP 500" in errors[0] and "nothing was changed" in errors[0]


def test_resolve_command_offline_needs_no_network(cli_library, monkeypatch, capsys):
    use(monkeypatch, lambda request: pytest.fail("no request expected"))
    assert main(["resolve", "--offline", "--db", str(cli_library)]) == 0
    assert "no abstract links an arXiv id" in capsys.readouterr().out



def test_without_the_network_the_command_still_takes_linked_ids_and_says_why(tmp_path, monkeypatch, capsys):
    from reader.store import Library

    db = tmp_path / "lib.json"
    library = Library.open(db)
    pid = add(library, "Linked Only", abstract="Paper: https://arxiv.org/abs/2402.11111 . " + VIM_ABSTRACT)
    monkeypatch.setenv("READER_HF_API_URL", BASE)

    def offline(request):
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    use(monkeypatch, offline)
    assert main(["resolve", "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert "Took the arXiv id of 1 paper from links in their abstracts." in captured.out
    assert "cannot resolve host hf.test" in captured.err and "what matched before is saved" in captured.err
    assert Library.open(db).get(pid).arxiv_id == "2402.11111"


def test_resolve_command_offline_stores_linked_ids(tmp_path, monkeypatch, capsys):
    from reader.store import Library

    db = tmp_path / "lib.json"
    library = Library.open(db)
    pid = add(library, "Linked Only", abstract="See huggingface.co/papers/2402.11111 for more.")
    use(monkeypatch, lambda request: pytest.fail("no request expected"))
    assert main(["resolve", "--offline", "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["found"] == [{"id": pid, "arxiv_id": "2402.11111"}]
    assert Library.open(db).get(pid).arxiv_id == "2402.11111"


@pytest.mark.parametrize(
    "entry, says",
    [
        ("a string", "not an object"),
        ({"paper": []}, "'paper' is not an object"),
        ({"paper": {"id": "nope", "title": "T"}}, "no arXiv id"),
        ({"paper": {"id": "2401.00001"}}, "has no title"),
        ({"paper": {"id": "2401.00001", "title": "T", "authors": "A B"}}, "'authors' of 2401.00001 should be a list"),
        ({"paper": {"id": "2401.00001", "title": "T", "authors": [{"name": 5}]}}, "a name of type int"),
        ({"paper": {"id": "2401.00001", "title": "T", "publishedAt": "yesterday"}}, "is not a date"),
        ({"paper": {"id": "2401.00001", "title": "T", "upvotes": -1}}, "should be a count"),
        ({"paper": {"id": "2401.00001", "title": "T", "ai_keywords": "x"}}, "should be a list of words"),
    ],
)
def test_entries_of_the_wrong_shape_are_named_in_one_line(entry, says):
    from reader.online.http import BadResponse

    with pytest.raises(BadResponse, match=says):
        parse_search([entry], "the search")


def test_an_answer_about_another_id_is_a_bad_answer(library):
    add(library, VIM_TITLE, arxiv_id="2401.00001")
    _, report = run(library, FakeHF(papers={"2401.00001": ONE}))
    assert "the answer is about paper 2401.09417" in report.stopped


def test_two_papers_of_one_batch_matching_one_id_are_both_left_alone(library):
    first = add(library, VIM_TITLE)
    second = add(library, VIM_TITLE.replace("with", "with a"))  # a near twin, with the same abstract
    resolutions, report = run(library, FakeHF())
    assert resolutions == {}
    assert sorted(report.ambiguous) == sorted([(first, ["2401.09417"]), (second, ["2401.09417"])])


def test_answers_of_another_base_url_are_not_reused(library):
    add(library, VIM_TITLE)
    cache = ResolveCache(None)
    run(library, FakeHF(), cache=cache)
    fake = FakeHF()
    with client_for(fake) as client:
        resolve_papers(client, library.papers(), abstracts=library.abstract, base_url="https://mirror.test/api",
                       cache=cache, now=lambda: NOW)
    assert len(fake.requests) == 1
