"""`reader enrich`: GitHub repository metadata for papers with code, cached, rate-limit aware."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from reader.cli import main
from reader.importers import Candidate
from reader.store import Library
from reader.online.github import GitHubCache, apply_enrichment, enrich_papers, repo_of
from reader.online.http import make_client
from reader.papers import Link
from tests.helpers.network import answer_with, unreachable

FIXTURES = Path(__file__).parent.parent / "fixtures" / "online"
REPO_JSON = json.loads((FIXTURES / "github_repo.json").read_text())
RATE_LIMITED = (FIXTURES / "github_rate_limited.json").read_bytes()
NOT_FOUND = (FIXTURES / "github_not_found.json").read_bytes()
BASE = "https://gh.test"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def client_for(handler) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(handler))


def repo_body(owner: str, name: str, stars: int = 10) -> dict:
    return {**REPO_JSON, "full_name": f"{owner}/{name}", "name": name,
            "html_url": f"https://github.com/{owner}/{name}", "stargazers_count": stars}


class FakeGitHub:
    """Answers /repos/{owner}/{name}; records requests; can run out of quota."""

    def __init__(self, quota: int | None = None, missing=(), broken=()):
        self.requests: list[httpx.Request] = []
        self.quota = quota
        self.missing = set(missing)
        self.broken = set(broken)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        _, _, owner, name = request.url.path.split("/")
        repo = f"{owner}/{name}"
        if self.quota is not None:
            if self.quota <= 0:
                return httpx.Response(403, content=RATE_LIMITED, headers={
                    "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(int((NOW + timedelta(minutes=37)).timestamp())),
                })
            self.quota -= 1
        if repo in self.missing:
            return httpx.Response(404, content=NOT_FOUND)
        if repo in self.broken:
            return httpx.Response(200, text="{not json")
        return httpx.Response(200, json=repo_body(owner, name, stars=len(name) * 100))


def add_papers(library: Library, repos: list[str], extra_links=()) -> list[str]:
    cands = [
        Candidate(title=f"Paper about {repo}", abstract="An abstract.", source="test",
                  links=(Link(f"https://github.com/{repo}", "code"), *extra_links))
        for repo in repos
    ]
    library.import_candidates(cands, sources=["test"])
    return [library.find_existing(c.title).id for c in cands]


def test_repo_of_reads_owner_and_name_from_github_urls_only():
    assert repo_of("https://github.com/PixDeep/MHS-VM") == "PixDeep/MHS-VM"
    assert repo_of("https://github.com/a/b.git") == "a/b"
    assert repo_of("https://github.com/a/b/tree/main/src") == "a/b"
    assert repo_of("https://github.com/a") is None
    assert repo_of("https://gitlab.com/a/b") is None
    assert repo_of("https://github.com/a/b%2F..") is None


def test_stars_description_archived_and_push_are_stored_in_one_change_keeping_tags(library):
    ids = add_papers(library, ["layerdiffusion/LayerDiffuse", "PixDeep/MHS-VM"])
    library.tag([ids[0]], ["layers"])
    history = len(library.history(0))
    fake = FakeGitHub()
    with client_for(fake) as client:
        updates, report = enrich_papers(client, library.papers(), base_url=BASE, now=lambda: NOW)
    change = apply_enrichment(library, updates)
    assert sorted(change.ids) == sorted(ids)
    assert len(library.history(0)) == history + 1
    paper = library.get(ids[0])
    assert paper.tags == ("layers",)
    assert paper.extra["github"] == {
        "repo": "layerdiffusion/LayerDiffuse",
        "url": "https://github.com/layerdiffusion/LayerDiffuse",
        "stars": 1200,
        "description": "Transparent Image Layer Diffusion using Latent Transparency",
        "archived": False,
        "pushed_at": "2024-03-02T19:44:10Z",
        "checked": "2026-01-01T12:00:00Z",
    }
    assert report.complete and sorted(report.fetched) == ["PixDeep/MHS-VM", "layerdiffusion/LayerDiffuse"]
    request = fake.requests[0]
    assert request.headers["accept"] == "application/vnd.github+json"
    assert "authorization" not in request.headers  # unauthenticated by default


def test_a_token_is_sent_as_a_bearer_header_when_given(library):
    add_papers(library, ["a/b"])
    fake = FakeGitHub()
    with client_for(fake) as client:
        enrich_papers(client, library.papers(), base_url=BASE, token="ghp_example")
    assert fake.requests[0].headers["authorization"] == "Bearer ghp_example"


def test_a_second_run_within_the_ttl_sends_no_request_and_an_old_entry_is_refetched(library, tmp_path):
    add_papers(library, ["a/one", "b/two"])
    cache_path = tmp_path / "cache" / "github.json"
    cache = GitHubCache.load(cache_path)  # no file yet: an empty cache
    assert cache.entries == {} and cache.problem is None
    fake = FakeGitHub()
    with client_for(fake) as client:
        enrich_papers(client, library.papers(), base_url=BASE, cache=cache, now=lambda: NOW)
    cache.save()
    assert len(fake.requests) == 2
    loaded = GitHubCache.load(cache_path)
    assert set(loaded.entries) == {"a/one", "b/two"}

    later = NOW + timedelta(hours=23)
    with client_for(fake) as client:
        updates, report = enrich_papers(client, library.papers(), base_url=BASE, cache=loaded, now=lambda: later)
    assert len(fake.requests) == 2 and len(report.cached) == 2 and len(updates) == 2

    much_later = NOW + timedelta(hours=25)
    with client_for(fake) as client:
        _, report = enrich_papers(client, library.papers(), base_url=BASE, cache=loaded, now=lambda: much_later)
    assert len(fake.requests) == 4 and len(report.fetched) == 2


def test_a_cache_file_that_does_not_load_is_ignored_and_replaced(tmp_path):
    path = tmp_path / "github.json"
    path.write_text("{truncated")
    cache = GitHubCache.load(path)
    assert cache.entries == {} and "ignored a cache file that does not load" in cache.problem
    cache.put("o/r", {"repo": "o/r", "stars": 1, "checked": "2026-01-01T12:00:00Z"})
    cache.save()
    assert GitHubCache.load(path).get("O/R", NOW, timedelta(hours=1))["stars"] == 1


def test_a_rate_limit_stops_the_batch_keeps_what_was_fetched_and_says_when_to_retry(library):
    add_papers(library, [f"o/r{n}" for n in range(6)])
    fake = FakeGitHub(quota=2)
    with client_for(fake) as client:
        updates, report = enrich_papers(client, library.papers(), base_url=BASE, concurrency=1, now=lambda: NOW)
    assert len(report.fetched) == 2 and len(updates) == 2
    assert len(fake.requests) == 3  # the one that hit the limit, then nothing more
    assert len(report.not_fetched) == 4
    assert report.stopped == "GitHub rate limit reached (HTTP 403); retry after 12:37 UTC (in 37 min)"
    assert report.retry_at == "2026-01-01T12:37:00Z"
    assert not report.complete


def test_a_429_with_retry_after_also_stops_the_batch(library):
    add_papers(library, ["o/a", "o/b"])

    def handler(request):
        return httpx.Response(429, headers={"retry-after": "120"})

    with client_for(handler) as client:
        updates, report = enrich_papers(client, library.papers(), base_url=BASE, concurrency=1, now=lambda: NOW)
    assert updates == {} and "retry after 12:02 UTC" in report.stopped


def test_missing_repositories_are_recorded_and_broken_answers_do_not_stop_the_others(library):
    ids = add_papers(library, ["o/gone", "o/broken", "o/fine"])
    fake = FakeGitHub(missing={"o/gone"}, broken={"o/broken"})
    with client_for(fake) as client:
        updates, report = enrich_papers(client, library.papers(), base_url=BASE, now=lambda: NOW)
    apply_enrichment(library, updates)
    assert library.get(ids[0]).extra["github"] == {
        "repo": "o/gone", "missing": True, "error": "not found (HTTP 404)", "checked": "2026-01-01T12:00:00Z"
    }
    assert "github" not in library.get(ids[1]).extra
    assert library.get(ids[2]).extra["github"]["stars"] == 400
    assert report.missing == ["o/gone"]
    assert report.failed == [("o/broken", "GitHub sent invalid JSON for o/broken (Expecting property name "
                              "enclosed in double quotes: line 1 column 2 (char 1))")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**REPO_JSON, "stargazers_count": "many"}, "'stargazers_count' should be a number, got str"),
        ({**REPO_JSON, "archived": None}, "'archived' should be true or false, got nothing"),
        ([REPO_JSON], "is not an object"),
    ],
)
def test_an_answer_of_the_wrong_shape_fails_that_repository_only(library, body, message):
    add_papers(library, ["o/x"])
    with client_for(lambda r: httpx.Response(200, json=body)) as client:
        updates, report = enrich_papers(client, library.papers(), base_url=BASE)
    assert updates == {} and message in report.failed[0][1]


def test_a_rejected_token_stops_the_batch(library):
    add_papers(library, ["o/a", "o/b", "o/c"])
    fake_calls = []

    def handler(request):
        fake_calls.append(request)
        return httpx.Response(401, json={"message": "Bad credentials"})

    with client_for(handler) as client:
        _, report = enrich_papers(client, library.papers(), base_url=BASE, token="bad", concurrency=1)
    assert len(fake_calls) == 1
    assert "rejected the token in GITHUB_TOKEN" in report.stopped


def test_a_renamed_repository_is_followed_with_its_token_on_the_same_host(library):
    add_papers(library, ["old/name"])
    seen = []

    def handler(request):
        seen.append((request.url.path, request.headers.get("authorization")))
        if request.url.path == "/repos/old/name":
            return httpx.Response(301, headers={"location": "https://gh.test/repositories/42"})
        return httpx.Response(200, json=repo_body("new", "name"))

    with client_for(handler) as client:
        updates, _ = enrich_papers(client, library.papers(), base_url=BASE, token="t")
    assert seen == [("/repos/old/name", "Bearer t"), ("/repositories/42", "Bearer t")]
    assert next(iter(updates.values()))["repo"] == "new/name"


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def cli_library(tmp_path, monkeypatch):
    monkeypatch.setenv("READER_GITHUB_API_URL", BASE)
    db = tmp_path / "lib.json"
    library = Library.open(db)
    add_papers(library, ["o/alpha", "o/beta", "o/gamma"])
    library.import_candidates([Candidate(title="No code here", abstract="x", source="test")])
    return db


def test_enrich_command_summarises_uses_the_cache_and_a_query(cli_library, monkeypatch, capsys):
    fake = FakeGitHub()
    answer_with(monkeypatch, fake)
    code = main(["enrich", "--db", str(cli_library)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "GitHub: 3 repositories for 3 papers: 3 fetched, 0 from the cache." in out
    assert "Updated 3 papers." in out
    stars = sorted(p.extra["github"]["stars"] for p in Library.open(cli_library).papers() if p.extra)
    assert stars == [400, 500, 500]

    code = main(["enrich", "--db", str(cli_library)])
    out, _ = capsys.readouterr()
    assert code == 0 and "0 fetched, 3 from the cache" in out and "Updated 0 papers." in out
    assert len(fake.requests) == 3

    code = main(["enrich", "--max-age", "0", "beta", "--db", str(cli_library)])
    out, _ = capsys.readouterr()
    assert "GitHub: 1 repository for 1 paper: 1 fetched" in out
    assert len(fake.requests) == 4


def test_enrich_command_on_a_rate_limit_saves_what_it_got_and_exits_non_zero(cli_library, monkeypatch, capsys):
    answer_with(monkeypatch, FakeGitHub(quota=1))
    code = main(["enrich", "--jobs", "1", "--db", str(cli_library)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "GitHub rate limit reached (HTTP 403); retry after" in err
    assert "2 repositories not fetched (set GITHUB_TOKEN for a higher limit); what was fetched is saved" in err
    assert "Updated 1 paper." in out
    assert sum(1 for p in Library.open(cli_library).papers() if "github" in p.extra) == 1


def test_enrich_command_reads_the_token_from_the_environment(cli_library, monkeypatch, capsys):
    fake = FakeGitHub()
    answer_with(monkeypatch, fake)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_from_env")
    assert main(["enrich", "--db", str(cli_library)]) == 0
    assert {r.headers["authorization"] for r in fake.requests} == {"Bearer ghp_from_env"}


def test_enrich_command_with_no_code_papers_says_so(tmp_path, monkeypatch, capsys):
    db = tmp_path / "lib.json"
    Library.open(db).import_candidates([Candidate(title="No code here", abstract="x", source="t")])

    def handler(request):  # pragma: no cover - must not be called
        raise AssertionError("no request expected")

    answer_with(monkeypatch, handler)
    assert main(["enrich", "--db", str(db)]) == 0
    assert "nothing to enrich" in capsys.readouterr().out


def test_enrich_command_when_offline_fails_cleanly_and_writes_nothing(cli_library, monkeypatch, capsys):
    answer_with(monkeypatch, unreachable("[Errno -3] Temporary failure in name resolution"))
    before = cli_library.read_bytes()
    code = main(["enrich", "--db", str(cli_library)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "cannot resolve host gh.test" in err and "Traceback" not in err
    assert "Updated 0 papers." in out
    assert cli_library.read_bytes() == before
