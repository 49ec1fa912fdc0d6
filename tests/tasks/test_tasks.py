"""The tasks the CLI and the TUI share, run on their own: no CLI, no TUI, HTTP over MockTransport."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import httpx
import pytest

from reader.errors import ReaderError
from reader.importers import Candidate
from reader.store import Library
from reader.online.http import make_client
from reader.papers import Link, Paper
from reader.tasks.days import days_from_options, parse_days
from reader.tasks.enrich import enrich
from reader.tasks.fetch import fetch_daily
from reader.tasks.importing import import_files, import_samples, load_files
from reader.tasks.links import check_paper_links
from reader.tasks.resolve import resolve_from_abstracts

FIXTURES = Path(__file__).parent.parent / "fixtures" / "online"
DAY = json.loads((FIXTURES / "daily_papers_2024-03-13.json").read_text())
REPO = json.loads((FIXTURES / "github_repo.json").read_text())


def client(handler) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(handler))


class Recorder:
    """A commit that counts the changes a task makes, and a progress that keeps every call."""

    def __init__(self):
        self.commits = 0
        self.progress: list[tuple[int, int, str]] = []

    def commit(self, call):
        self.commits += 1
        return call()

    def show(self, done, total, note):
        self.progress.append((done, total, note))


@pytest.fixture
def library(tmp_path):
    return Library.open(tmp_path / "library.json")


# -- fetch -----------------------------------------------------------------------------------------


def test_fetch_stores_every_day_as_one_change_and_counts_papers_repeated_across_days(library):
    """The same four papers on two days: 8 entries, 4 new, 4 repeated; the numbers add up."""
    rec = Recorder()
    days = [date(2024, 3, 12), date(2024, 3, 13)]
    with client(lambda request: httpx.Response(200, json=DAY)) as http:
        outcome = fetch_daily(library, http, days, base_url="https://hf.test/api", progress=rec.show, commit=rec.commit)
    assert rec.commits == 1 and len(library) == 4
    assert [(done, total) for done, total, _ in rec.progress] == [(1, 2), (2, 2)]
    assert sorted(note for _, _, note in rec.progress) == ["2024-03-12: 4 papers", "2024-03-13: 4 papers"]
    assert outcome.ok and outcome.severity == "information"
    assert outcome.headline() == (
        "Fetched 2 of 2 days: 8 entries: 4 new papers, 4 repeated across the days, 0 already present "
        "(0 of them updated), 0 skipped."
    )
    assert [h.label for h in library.history(limit=5)][0].startswith("fetch: ")


def test_a_fetch_stopped_before_it_starts_fetches_nothing_and_says_so(library):
    stop = threading.Event()
    stop.set()
    with client(lambda request: pytest.fail("no request once stopped")) as http:
        outcome = fetch_daily(library, http, [date(2024, 3, 13)], base_url="https://hf.test/api", stop=stop)
    assert outcome.cancelled and not outcome.ok and len(library) == 0
    assert outcome.summary().startswith("Stopped: 1 day not fetched. Fetched 0 of 1 day; nothing imported.")


def test_a_failed_day_is_named_in_the_summary_and_the_problems(library):
    def handler(request):
        if request.url.params["date"] == "2024-03-12":
            return httpx.Response(502)
        return httpx.Response(200, json=DAY)

    with client(handler) as http:
        outcome = fetch_daily(library, http, [date(2024, 3, 12), date(2024, 3, 13)], base_url="https://hf.test/api")
    assert not outcome.ok and outcome.severity == "warning" and len(library) == 4
    assert outcome.problems() == ["1 of 2 days failed; the other days were imported"]
    assert "1 day failed: 2024-03-12: " in outcome.summary() and "502" in outcome.summary()


# -- days ------------------------------------------------------------------------------------------


def test_days_are_parsed_once_for_the_dialog_and_the_options():
    today = date(2024, 3, 15)
    assert parse_days("2024-03-11..2024-03-13", today) == [date(2024, 3, d) for d in (11, 12, 13)]
    assert parse_days("2024-03-14 to 2024-03-20", today) == [date(2024, 3, 14), date(2024, 3, 15)]
    assert days_from_options(None, "2024-03-14", None, today) == [date(2024, 3, 14), date(2024, 3, 15)]
    assert days_from_options(None, None, None, today) == [today]
    with pytest.raises(ReaderError, match="in the future"):
        parse_days("2024-03-16", today)
    with pytest.raises(ReaderError, match="in the future"):
        days_from_options("2024-03-16", None, None, today)
    with pytest.raises(ReaderError, match="either --date or --since"):
        days_from_options("2024-03-11", "2024-03-11", None, today)
    with pytest.raises(ReaderError, match="--until needs --since"):
        days_from_options(None, None, "2024-03-11", today)


# -- import ----------------------------------------------------------------------------------------


def test_importing_the_samples_twice_counts_repeats_and_papers_already_present(library, tmp_path):
    first = import_samples(library)
    assert first.entries == first.new + first.repeated + first.present + first.skipped
    assert first.repeated > 0 and first.present == 0  # the sample pages list some papers twice
    again = import_samples(library)
    assert again.new == 0 and again.present == first.new and again.repeated == first.repeated


def test_a_bad_file_among_good_ones_stops_the_import_before_any_change(library, tmp_path):
    good = tmp_path / "list.md"
    good.write_text("# Reading list\n\n- [ ] [A paper](https://arxiv.org/abs/2401.00001)\n", encoding="utf-8")
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReaderError):
        load_files([good, bad])
    outcome = import_files(library, load_files([good]))
    assert outcome.pages is None and len(outcome.lists) == 1 and len(library) == 1


# -- enrich, links, resolve --------------------------------------------------------------------------


def _paper_with(library, title: str, *links: Link, abstract: str = "An abstract.") -> str:
    library.import_candidates([Candidate(title=title, abstract=abstract, source="t", links=links)], sources=["t"])
    return library.find_existing(title).id


def test_enrich_stores_github_metadata_as_one_change_and_reports_the_cache(library, tmp_path):
    pid = _paper_with(library, "Paper with code", Link("https://github.com/owner/repo", "code"))
    _paper_with(library, "Paper without code")
    rec = Recorder()

    def handler(request):
        return httpx.Response(200, json={**REPO, "full_name": "owner/repo", "stargazers_count": 321})

    with client(handler) as http:
        outcome = enrich(
            library, http, library.papers(), base_url="https://gh.test", cache_path=tmp_path / "gh.json",
            progress=rec.show, commit=rec.commit,
        )
    assert rec.commits == 1 and rec.progress == [(1, 1, "owner/repo")]
    assert library.get(pid).extra["github"]["stars"] == 321
    assert outcome.ok and outcome.headline() == (
        "GitHub: 1 repository for 1 paper: 1 fetched, 0 from the cache. Updated 1 paper."
    )
    with client(lambda request: pytest.fail("cached")) as http:
        again = enrich(library, http, library.papers(), base_url="https://gh.test", cache_path=tmp_path / "gh.json")
    assert again.headline() == "GitHub: 1 repository for 1 paper: 0 fetched, 1 from the cache. Updated 0 papers."


def test_check_links_marks_dead_links_and_names_their_papers(library):
    pid = _paper_with(library, "Gone paper", Link("https://a.test/gone", "code"), Link("https://a.test/ok", "project"))

    def handler(request):
        return httpx.Response(404 if request.url.path == "/gone" else 200)

    with client(handler) as http:
        outcome = check_paper_links(library, http, library.papers())
    assert outcome.headline() == "Checked 2 links of 1 paper: 1 ok, 1 dead."
    assert outcome.owners["https://a.test/gone"] == pid and outcome.severity == "warning"
    assert library.get(pid).extra["links"]["https://a.test/gone"]["ok"] is False
    assert "Dead: https://a.test/gone (HTTP 404" in outcome.summary()


def test_resolve_from_abstracts_takes_linked_arxiv_ids_without_the_network(library):
    """A paper stored before imports read abstracts for arXiv links (no arXiv id yet)."""
    old = Paper(id="a1b2c3d4e5f60718", title="Linked paper", added="2026-01-01T00:00:00Z", has_abstract=True)
    library.put([old], {old.id: "See https://arxiv.org/abs/2402.11111 for more."}, label="restore")
    rec = Recorder()
    outcome = resolve_from_abstracts(library, library.papers(), commit=rec.commit)
    assert outcome.found == {old.id: "2402.11111"} and rec.commits == 1
    assert library.get(old.id).arxiv_id == "2402.11111"
    assert outcome.summary() == "Took the arXiv id of 1 paper from links in their abstracts."
    again = resolve_from_abstracts(library, library.papers())
    assert again.summary() == "Of 1 paper, no abstract links an arXiv id that is not known yet."


def test_offline_the_same_error_is_said_once_naming_the_days_it_hit(library):
    def handler(request):
        raise httpx.ConnectError("connection refused", request=request)

    days = [date(2024, 3, d) for d in range(1, 6)]
    with client(handler) as http:
        outcome = fetch_daily(library, http, days, base_url="https://hf.test/api", concurrency=1)
    lines = outcome.failure_lines()
    assert len(lines) == 2, lines  # the refused connection once, the days left untried once
    assert lines[0].startswith("2024-03-01: ") and "refused" in lines[0]
    assert lines[1].startswith("2024-03-02, 2024-03-03, 2024-03-04 and 1 more: ")
    assert outcome.summary().count("refused") == 1


def test_an_unreachable_github_is_not_blamed_on_a_missing_token(library, tmp_path):
    _paper_with(library, "Code paper", Link("https://github.com/o/r", "code"))

    def handler(request):
        raise httpx.ConnectError("connection refused", request=request)

    with client(handler) as http:
        outcome = enrich(library, http, library.papers(), base_url="https://gh.test", cache_path=tmp_path / "gh.json")
    assert not outcome.ok and "GITHUB_TOKEN" not in outcome.summary()


def test_a_resolve_the_server_refuses_changes_nothing_and_says_why(library, tmp_path):
    from reader.tasks.resolve import resolve, unresolved

    old = Paper(id="0f0e0d0c0b0a0908", title="An Unresolved Paper", added="2026-01-01T00:00:00Z")
    library.put([old], label="restore")
    assert unresolved(library.papers()) == [library.get(old.id)]
    rec = Recorder()
    with client(lambda request: httpx.Response(500)) as http:
        outcome = resolve(
            library, http, library.papers(), base_url="https://hf.test/api", cache_path=tmp_path / "hf.json",
            progress=rec.show, commit=rec.commit,
        )
    assert not outcome.ok and outcome.severity == "error" and rec.commits == 0
    summary = outcome.summary()
    assert summary.startswith("Stopped: ") and "nothing was changed" in summary and "500" in summary
    assert library.get(old.id).arxiv_id is None
