"""Parsing the Hugging Face Daily Papers API answer into candidates (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.errors import ImportProblem
from reader.importers.hf_api import daily_source_name, parse_daily_papers, parse_daily_papers_bytes
from reader.papers import Link

FIXTURES = Path(__file__).parent.parent / "fixtures" / "online"
DAY = FIXTURES / "daily_papers_2024-03-13.json"
BAD = FIXTURES / "daily_papers_bad_entries.json"


def test_entries_keep_arxiv_id_authors_date_upvotes_and_links():
    parsed = parse_daily_papers_bytes(DAY.read_bytes(), daily_source_name("2024-03-13"))
    assert parsed.source == "hf-daily-2024-03-13"
    assert parsed.skipped == []
    first, second, third, fourth = parsed.candidates
    assert first.title == "Transparent Image Layer Diffusion using Latent Transparency"
    assert first.arxiv_id == "2402.17113"
    assert first.authors == ("Lvmin Zhang", "Maneesh Agrawala")
    assert first.published == "2024-02-27"
    assert first.upvotes == 31
    assert first.links == (
        Link("https://arxiv.org/abs/2402.17113", "arxiv"),
        Link("https://github.com/layerdiffusion/LayerDiffuse", "code"),
    )
    # arXiv's hard line breaks do not survive into the stored abstract.
    assert "\n" not in first.abstract and first.abstract.startswith("We present LayerDiffusion, an approach")
    # The repository is also named in the abstract: one link, not two.
    assert [link.kind for link in second.links] == ["arxiv", "code"]
    assert third.links[1] == Link("https://rayjryang.github.io/LayerDecomp/", "project")
    # Empty githubRepo and null projectPage add nothing; links in the summary are found.
    assert [link.kind for link in fourth.links] == ["arxiv", "hf-model", "hf-space"]
    assert [c.line for c in parsed.candidates] == [1, 2, 3, 4]


def test_entries_of_the_wrong_shape_are_skipped_with_a_reason_and_the_rest_kept():
    parsed = parse_daily_papers(json.loads(BAD.read_text()), "hf-daily-2024-03-08")
    assert [c.title for c in parsed.candidates] == ["Gemma: Open Models Based on Gemini Research and Technology"]
    reasons = {skip.line: skip.reason for skip in parsed.skipped}
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert "'paper' is missing or not an object" in reasons[2]
    assert "'upvotes' should be a number, got str" in reasons[3]
    assert "'paper.title' is missing" in reasons[4]
    assert "'authors' should be a list" in reasons[5]
    assert "entry is int" in reasons[6]
    assert parsed.skipped[1].text == "2403.00002"  # the id helps find the entry


def test_an_entry_with_a_boolean_for_upvotes_or_a_bad_date_is_skipped():
    entries = [
        {"paper": {"id": "2403.00010", "title": "Bool Upvotes", "upvotes": True}},
        {"paper": {"id": "2403.00011", "title": "Bad Date", "publishedAt": "yesterday"}},
        {"paper": {"id": "not-arxiv", "title": "No arXiv Id"}},
    ]
    parsed = parse_daily_papers(entries, "s")
    assert [s.line for s in parsed.skipped] == [1, 2]
    (kept,) = parsed.candidates
    assert kept.arxiv_id is None and kept.links == ()


def test_a_githubrepo_with_a_dangerous_scheme_is_not_kept_as_a_link():
    entries = [{"paper": {"id": "2403.00012", "title": "T", "githubRepo": "javascript:alert(1)",
                          "projectPage": "ftp://files.example/x"}}]
    (cand,) = parse_daily_papers(entries, "s").candidates
    assert all(link.url.startswith("https://") for link in cand.links)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Bad gateway</html>", "not valid JSON"),
        (b'{"error": "Invalid date"}', "the API answered with an error: Invalid date"),
        (b'{"papers": []}', "expected a list of papers, got a JSON dict"),
        (b'"hello"', "expected a list of papers, got a JSON str"),
    ],
)
def test_an_answer_that_is_not_a_list_of_papers_is_an_import_problem(body, message):
    with pytest.raises(ImportProblem, match=message):
        parse_daily_papers_bytes(body, "hf-daily-2024-03-13")
