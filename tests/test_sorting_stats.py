"""One sort function for the CLI, the exporters and the TUI; reading statistics; and their commands."""

from __future__ import annotations

import json
from datetime import date

import pytest

from reader.store import Library
from reader.papers import Paper
from reader.sorting import SORTS, SortError, check_sort, describe_sort, sort_ids, sort_papers
from reader.stats import bar, reading_stats, summary_lines, week_lines

from tests.conftest import run_cli


def _papers() -> dict[str, Paper]:
    papers = [
        Paper("a", "beta", added="2026-01-03T00:00:00Z", published="2025-06-01", upvotes=5,
              extra={"github": {"stars": 10}}),
        Paper("b", "Alpha", added="2026-01-01T00:00:00Z", upvotes=50),
        Paper("c", "gamma", added="2026-01-02T00:00:00Z", published="2025-01-01", extra={"github": {"stars": 900}}),
        Paper("d", "Ébauche", added="2026-01-02T00:00:00Z", published="2025-09-09", upvotes=5),
    ]
    return {paper.id: paper for paper in papers}


RANKED = ["c", "a", "d", "b"]


@pytest.mark.parametrize(
    "order, expected, reversed_",
    [
        ("rank", ["c", "a", "d", "b"], ["b", "d", "a", "c"]),
        ("added", ["a", "c", "d", "b"], ["b", "c", "d", "a"]),  # c and d tie: rank order both ways
        ("published", ["d", "a", "c", "b"], ["c", "a", "d", "b"]),  # no date: last both ways
        ("title", ["b", "a", "d", "c"], ["c", "d", "a", "b"]),  # accents and case folded
        ("upvotes", ["b", "a", "d", "c"], ["a", "d", "b", "c"]),
        ("stars", ["c", "a", "d", "b"], ["a", "c", "d", "b"]),
    ],
)
def test_each_order_and_its_reverse(order, expected, reversed_):
    papers = _papers()
    assert sort_ids(RANKED, papers, order) == expected
    assert sort_ids(RANKED, papers, order, reverse=True) == reversed_


def test_sort_names_are_checked_and_described():
    assert check_sort(" Stars ") == "stars"
    with pytest.raises(SortError, match="unknown sort order 'titel': use one of rank, added"):
        check_sort("titel")
    assert describe_sort("added", True) == "date added, oldest first"
    assert all(describe_sort(name) for name in SORTS)
    assert sort_ids(["x", "a"], _papers(), "title") == ["a"]  # unknown ids dropped
    assert [p.id for p in sort_papers(list(_papers().values()), "upvotes")] == ["b", "a", "d", "c"]


def test_stats_count_weeks_ratio_tags_and_sources():
    papers = [
        Paper("1", "t", added="2026-01-05T10:00:00Z", read=True, read_at="2026-01-12T00:00:00Z",
              tags=("nlp", "to-read"), sources=("page-a",)),
        Paper("2", "t", added="2026-01-06T10:00:00Z", tags=("nlp",), sources=("page-a", "page-b")),
        Paper("3", "t", added="2025-10-01T00:00:00Z", read=True, read_at="2026-01-13T00:00:00Z"),
        Paper("4", "t", added="not a date"),
    ]
    stats = reading_stats(papers, date(2026, 1, 14), weeks=3)
    assert [w.start for w in stats.weeks] == [date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12)]
    assert [(w.added, w.read) for w in stats.weeks] == [(0, 0), (2, 0), (0, 2)]
    assert stats.papers == 4 and stats.read == 2 and stats.read_ratio == 0.5
    assert stats.top_tags == [("nlp", 2), ("to-read", 1)] and stats.untagged == 2
    assert stats.sources == [("page-a", 2), ("page-b", 1)] and stats.without_source == 2
    assert reading_stats(papers, "2026-01-14T09:00:00Z", weeks=3).to_dict() == stats.to_dict()
    lines = week_lines(stats, width=10)
    assert lines[1].startswith("2026-01-05  added     2 ██████████")
    assert "read ratio 50.0%" in summary_lines(stats)[0]
    assert "#nlp 2" in summary_lines(stats)[1]


def test_bars_scale_in_eighths():
    assert bar(0, 10, 10) == "" and bar(10, 10, 4) == "████"
    assert bar(1, 100, 10) == "▏"  # never invisible when not zero
    assert bar(5, 10, 3) == "█▌"


def test_empty_library_stats():
    stats = reading_stats([], date(2026, 1, 1))
    assert stats.read_ratio == 0 and len(stats.weeks) == 12
    assert summary_lines(stats)[1:] == ["Top tags: none yet", "Imports per source: none"]


# -- commands -----------------------------------------------------------------------------------------


@pytest.fixture
def sorted_db(tmp_path):
    db = tmp_path / "lib.json"
    library = Library.open(db)
    library.put(_papers().values(), {pid: "" for pid in _papers()}, label="seed")
    return db


def _listed(db, *args) -> list[str]:
    result = run_cli("list", "--json", *args, db=db)
    assert result.returncode == 0, result.stderr
    return [doc["id"] for doc in json.loads(result.stdout)]


def test_cli_list_sort_and_reverse(sorted_db):
    assert _listed(sorted_db, "--sort", "upvotes") == ["b", "a", "d", "c"]
    assert _listed(sorted_db, "--sort", "title", "--reverse") == ["c", "d", "a", "b"]
    assert _listed(sorted_db, "--sort", "stars", "--limit", "1") == ["c"]  # sorted first, then cut
    assert _listed(sorted_db, "--sort", "published", "-tag:x") == ["d", "a", "c", "b"]


def test_cli_unknown_sort_is_a_one_line_error(sorted_db):
    for command in (("list", "--sort", "titel"), ("export", "--order", "titel")):
        result = run_cli(*command, db=sorted_db)
        assert result.returncode == 1
        assert result.stderr.decode() == (
            "reader: error: unknown sort order 'titel': use one of rank, added, published, title, upvotes, stars\n"
        )


def test_cli_export_order_takes_the_same_names(sorted_db):
    result = run_cli("export", "--order", "upvotes", db=sorted_db)
    titles = [line.split("**")[1] for line in result.stdout.decode().splitlines() if line.startswith("- [")]
    assert titles == ["Alpha", "beta", "Ébauche", "gamma"]
    result = run_cli("export", "--order", "added", "--reverse", db=sorted_db)
    titles = [line.split("**")[1] for line in result.stdout.decode().splitlines() if line.startswith("- [")]
    assert titles == ["Alpha", "Ébauche", "gamma", "beta"]  # c and d tie: rank (newest first) order


def test_cli_stats_text_and_json_agree(sorted_db):
    Library.open(sorted_db).tag(["a", "b"], ["nlp"])
    as_json = json.loads(run_cli("stats", "--json", "--weeks", "4", db=sorted_db).stdout)
    assert as_json["papers"] == 4 and as_json["top_tags"] == [{"tag": "nlp", "papers": 2}]
    assert len(as_json["weeks"]) == 4
    text = run_cli("stats", "--weeks", "4", db=sorted_db).stdout.decode()
    assert "4 papers: 0 read, 4 unread (read ratio 0.0%)" in text and "#nlp 2" in text
    assert len([line for line in text.splitlines() if line.startswith("  20")]) == 4
    bad = run_cli("stats", "--weeks", "0", db=sorted_db)
    assert bad.returncode == 1 and bad.stderr.count(b"\n") == 1
