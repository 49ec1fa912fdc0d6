"""Valid JSON of the wrong shape or type, and JSON nested absurdly deep (issue 14, items 8 and 9).

Wherever reader reads JSON it did not just write (a library's paper documents,
a backup, an API reply, a cache file), a value of the wrong type is one clear
line naming the file and the field, a non-zero exit and nothing changed;
``[[[...]]]`` 100,000 deep is a one-line error, never a RecursionError.
"""

from __future__ import annotations

import json
import httpx
import pytest

from reader import safejson
from reader.errors import ImportProblem
from reader.importers.backup import parse_backup
from reader.importers.hf_api import parse_daily_papers_bytes
from reader.online.github import GitHubCache
from reader.online.http import BadResponse, get_json, make_client
from reader.papers import Paper

from tests.conftest import SAMPLE_FILES, run_cli

DEEP = b"[" * 100_000 + b"]" * 100_000


# -- Paper.from_doc ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("added", 5, "'added'"),
        ("added", ["2026"], "'added'"),
        ("notes", {"a": 1}, "'notes'"),
        ("read_at", 5, "'read_at'"),
        ("arxiv_id", 2401.01234, "'arxiv_id'"),
        ("published", True, "'published'"),
        ("upvotes", "many", "'upvotes'"),
        ("upvotes", 1.5, "'upvotes'"),
        ("links", [{"url": None, "kind": "code"}], "'url'"),
        ("links", [{"url": 1, "kind": "code"}], "'url'"),
        ("links", [{"url": "https://x.org", "kind": 3}], "'kind'"),
        ("links", ["https://x.org"], "link"),
        ("links", {"url": "https://x.org"}, "'links'"),
        ("tags", ["ok", 5], "'tags'"),
        ("sources", "page", "'sources'"),
        ("authors", [None], "'authors'"),
        ("extra", [1, 2], "'extra'"),
    ],
)
def test_a_paper_field_of_the_wrong_type_is_refused_naming_the_field(field, value, named):
    doc = {"id": "p1", "title": "A title", "added": "2026-01-01T00:00:00Z", field: value}
    with pytest.raises(ValueError) as caught:
        Paper.from_doc(doc)
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_a_paper_document_that_is_not_an_object_or_lacks_its_id_is_refused():
    with pytest.raises(ValueError, match="must be an object"):
        Paper.from_doc(["id", "title"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no 'title' field"):
        Paper.from_doc({"id": "p1"})


def _library_with(tmp_path, mutate):
    db = tmp_path / "lib" / "library.json"
    done = run_cli("import", str(SAMPLE_FILES[0]), db=db)
    assert done.returncode == 0, done.stderr
    data = json.loads(db.read_text(encoding="utf-8"))
    mutate(data["papers"])
    db.write_text(json.dumps(data), encoding="utf-8")
    return db


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        (lambda papers: papers["1"].__setitem__("added", 5), "'added'"),
        (lambda papers: papers["1"].__setitem__("links", [{"url": None, "kind": "code"}]), "'url'"),
        (lambda papers: papers["1"].__setitem__("links", [{"url": 1, "kind": "code"}]), "'url'"),
    ],
    ids=["added-5", "link-url-null", "link-url-1"],
)
def test_list_and_export_say_which_file_and_field_is_wrong_and_change_nothing(tmp_path, mutation, field):
    db = _library_with(tmp_path, mutation)
    before = {p.name: p.read_bytes() for p in db.parent.iterdir() if p.is_file()}
    for args in (["list"], ["export", "-o", str(tmp_path / "out.md")]):
        done = run_cli(*args, db=db)
        err = done.stderr.decode()
        assert done.returncode != 0, args
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        assert str(db) in err and field in err, err
    assert not (tmp_path / "out.md").exists()
    assert {p.name: p.read_bytes() for p in db.parent.iterdir() if p.is_file() and p.name in before} == before


# -- backups ----------------------------------------------------------------------------------


def _backup(papers) -> bytes:
    return json.dumps({"format": "reader-backup", "version": 1, "papers": papers}).encode()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_backup([{"id": "p", "title": "T", "links": [{"url": None, "kind": "code"}]}]), "'links'"),
        (_backup([{"id": "p", "title": "T", "added": 5}]), "'added'"),
        (_backup([{"id": "p", "title": "T", "extra": []}]), "'extra'"),
        (_backup({"p": {"id": "p", "title": "T"}}), '"papers" list'),
        (b'{"format": "reader-backup", "version": "1", "papers": []}', '"version"'),
        (DEEP, "nested deeper than"),
        (_backup([{"id": "p", "title": "T", "extra": {"deep": json.loads("[" * 500 + "]" * 500)}}]),
         "nested deeper than"),
    ],
    ids=["link-null", "added-5", "extra-list", "papers-object", "version-string", "deep", "deep-extra"],
)
def test_a_backup_of_the_wrong_shape_or_depth_is_refused_in_one_line(text, reason):
    with pytest.raises(ImportProblem) as caught:
        parse_backup(text, "b.json")
    assert reason in str(caught.value) and "b.json" in str(caught.value)


def test_importing_a_deeply_nested_backup_is_one_line_and_changes_nothing(tmp_path):
    db = tmp_path / "lib" / "library.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    before = db.read_bytes()
    for name, body in (("deep.json", DEEP), ("deep-object.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000)):
        path = tmp_path / name
        path.write_bytes(body)
        done = run_cli("import", str(path), db=db)
        err = done.stderr.decode()
        assert done.returncode != 0
        assert "Traceback" not in err and "RecursionError" not in err
        assert len(err.strip().splitlines()) == 1 and name in err, err
    assert db.read_bytes() == before


# -- API replies --------------------------------------------------------------------------------


def test_a_deeply_nested_daily_papers_reply_is_an_import_problem():
    with pytest.raises(ImportProblem, match="nested deeper than"):
        parse_daily_papers_bytes(DEEP, "hf-daily-2024-03-11")


def test_a_deeply_nested_api_reply_is_a_bad_response_not_a_recursion_error():
    client = make_client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=DEEP)))
    with pytest.raises(BadResponse, match="nested deeper than"):
        get_json(client, "https://api.example.org/x", what="a test")


# -- cache files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [DEEP, b'{"version": 1, "repos": ' * 1 + b"[" * 100_000 + b"]" * 100_000 + b"}"],
    ids=["deep", "deep-section"],
)
def test_a_deeply_nested_cache_file_is_ignored_and_rebuilt(tmp_path, body):
    path = tmp_path / "github-cache.json"
    path.write_bytes(body)
    cache = GitHubCache.load(path)
    assert cache.entries == {} and cache.problem and "nested deeper than" in cache.problem
    cache.put("o/r", {"repo": "o/r", "stars": 1, "checked": "2026-01-01T00:00:00Z"})
    cache.save()
    again = GitHubCache.load(path)
    assert again.problem is None and "o/r" in again.entries


# -- the shared loader --------------------------------------------------------------------------------


def test_the_safe_loader_refuses_depth_size_and_absurd_cost_and_reads_the_rest():
    assert safejson.loads(b'{"a": [1, {"b": "c"}]}') == {"a": [1, {"b": "c"}]}
    assert safejson.depth_of({"a": [1, {"b": "c"}]}) == 3
    nested = "[" * 64 + "]" * 64
    assert safejson.loads(nested)  # 64 levels: the limit itself is fine
    with pytest.raises(safejson.JSONLimitError, match="nested deeper than 64"):
        safejson.loads("[" + nested + "]")
    with pytest.raises(safejson.JSONLimitError, match="more than"):
        safejson.loads(b"[1, 2, 3]", max_bytes=4)
    # 10 MB of empty arrays would take ~600 MB as Python lists: refused before decoding.
    with pytest.raises(safejson.JSONLimitError, match="memory"):
        safejson.loads(b"[" + b"[]," * 3_500_000 + b"[]]")


def test_a_cached_github_entry_of_the_wrong_shape_is_fetched_again_not_stored(tmp_path):
    from datetime import datetime, timezone

    from reader.online.github import enrich_papers
    from reader.papers import Link

    papers = [Paper("p1", "A paper", links=(Link("https://github.com/o/r", "code"),))]
    path = tmp_path / "github-cache.json"
    stale = {"repo": "o/r", "url": "https://github.com/o/r", "stars": "lots", "description": None,
             "archived": "no", "pushed_at": None, "checked": "2026-01-01T00:00:00Z"}
    path.write_text(json.dumps({"version": 1, "repos": {"o/r": stale}}), encoding="utf-8")
    asked = []

    def handler(request):
        asked.append(request.url.path)
        return httpx.Response(200, json={"full_name": "o/r", "stargazers_count": 7, "archived": False,
                                         "description": "d", "pushed_at": None, "html_url": "https://github.com/o/r"})

    with make_client(transport=httpx.MockTransport(handler)) as client:
        updates, report = enrich_papers(client, papers, base_url="https://api.github.test",
                                        cache=GitHubCache.load(path),
                                        now=lambda: datetime(2026, 1, 1, 1, tzinfo=timezone.utc))
    assert asked == ["/repos/o/r"] and report.fetched == ["o/r"]
    assert [doc["stars"] for doc in updates.values()] == [7]


def test_the_safe_loader_checks_text_as_well_as_bytes():
    with pytest.raises(safejson.JSONLimitError, match="memory"):
        safejson.loads("[" + "[]," * 3_500_000 + "[]]")
    assert safejson.loads('{"a": "b"}') == {"a": "b"}
    assert safejson.describe(ValueError("Expecting value")) == "not valid JSON (Expecting value)"
    assert safejson.size_text(300) == "300 bytes" and safejson.size_text(2048) == "2 KB"


@pytest.mark.parametrize(
    ("text", "papers", "reason"),
    [
        ('{"papers": [{"id": "p", "title": "T"}], "format": "reader-backup", "version": 1}', 1, None),
        ('\ufeff{"format": "reader-backup", "version": 1, "papers": [{"id": "p", "title": "T"}]}', 1, None),
        (' {"format": "reader-backup", "version": 1, "papers": [ ], "count": 0 } ', 0, None),
        ('{"format": "reader-backup", "version": 1, "papers": [{"id": "p", "title": "T"},]}', 0, "not valid JSON"),
        ('{"format": "reader-backup", "version": 1, "papers": [],}', 0, "not valid JSON"),
        ('{"format": "reader-backup", "version": 1 "papers": []}', 0, "not valid JSON"),
        ('{"format": "reader-backup", "version": 1, "papers" []}', 0, "not valid JSON"),
        ('{"format": "reader-backup", "version": 1, "papers": [{"id": "p", "title": "T"} {}]}', 0, "not valid JSON"),
        ('{"format": "reader-backup", "version": 1, "papers": []} []', 0, "not valid JSON"),
        ('{"format": "reader-backup", "version": 1, 5: []}', 0, "not valid JSON"),
        ('{"format": "reader-backup", "version": 1, "papers": {"id": "p"}}', 0, '"papers" list'),
        ('{"format": "other", "version": 1, "papers": []}', 0, "not a reader backup"),
        ('{"format": "reader-backup", "version": 1, "papers": [{"id": "p", "title": "T"}', 0, "not valid JSON"),
    ],
    ids=["papers-first", "bom", "spaces", "trailing-comma-list", "trailing-comma-object", "no-comma",
         "no-colon", "no-comma-between-papers", "extra-data", "number-key", "papers-object", "other-format",
         "truncated"],
)
def test_a_backup_is_read_paper_by_paper_with_the_same_judgement_as_a_whole_read(text, papers, reason):
    if reason is None:
        assert len(parse_backup(text.encode(), "b.json").papers) == papers
    else:
        with pytest.raises(ImportProblem, match=reason):
            parse_backup(text.encode(), "b.json")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_a_backup_read_in_tiny_pieces_gives_the_same_papers_as_a_whole_read(chunk):
    import io

    from reader.importers import backup as backups

    papers = [
        {"id": f"p{n}", "title": f"Tïtle ✓ {n} 模型 \U0001f600", "upvotes": 10 ** n, "abstract": "é" * n,
         "links": [{"url": f"https://x.org/{n}", "kind": "code"}], "extra": {"n": [n, {"m": 1.5}]}}
        for n in range(6)
    ]
    text = json.dumps({"format": "reader-backup", "version": 1, "count": 123456789, "papers": papers,
                       "after": [1, 2]}, ensure_ascii=False, indent=1).encode("utf-8")
    whole = parse_backup(text, "b.json")
    pieces = backups._read_backup(io.BytesIO(b"\xef\xbb\xbf" + text), "b.json", None, chunk=chunk)
    assert pieces.papers == whole.papers and pieces.abstracts == whole.abstracts
    assert [p.upvotes for p in pieces.papers] == [10 ** n for n in range(6)]
    with pytest.raises(ImportProblem, match="not valid JSON"):
        backups._read_backup(io.BytesIO(text[:-30]), "b.json", None, chunk=chunk)
