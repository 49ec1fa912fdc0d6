"""Offline enrichment at import: arXiv ids from links in abstracts, the page's date line."""

from __future__ import annotations

from reader.importers.hf_pages import parse_page_text
from reader.links import arxiv_id_from_links, linked_arxiv_ids, mentioned_arxiv_ids, paper_links
from reader.papers import Link

ABSTRACT = "Words words words. " * 30


def test_linked_ids_in_every_form_a_page_writes_them():
    text = (
        "see https://arxiv.org/abs/2401.01234v2, arxiv.org/pdf/2401.01234.pdf and "
        "(https://huggingface.co/papers/2402.00001). Old: http://arxiv.org/abs/hep-th/9901001v3"
    )
    assert linked_arxiv_ids(text) == ["2401.01234", "2402.00001", "hep-th/9901001"]
    assert linked_arxiv_ids("https://arxiv.org/abs/2401.012345") == []  # not an id
    assert linked_arxiv_ids("arxiv.org/list/cs.CL/recent and https://example.org/papers/2401.01234") == []
    assert arxiv_id_from_links("Paper: arxiv.org/abs/2401.01234 code github.com/a/b") == "2401.01234"
    assert arxiv_id_from_links("arxiv.org/abs/2401.01234 builds on arxiv.org/abs/2301.00001") is None


def test_ids_named_in_prose_are_found_but_kept_apart():
    assert mentioned_arxiv_ids("Recent research arXiv:2410.15027 has explored; see ArXiv: 2401.0123.") == [
        "2410.15027", "2401.0123"]
    assert mentioned_arxiv_ids("arXiv is a preprint server") == []
    assert linked_arxiv_ids("Recent research arXiv:2410.15027 has explored") == []


def test_paper_links_adds_the_arxiv_page_pdf_and_hf_page_after_the_stored_links_without_repeats():
    stored = (Link("https://github.com/a/b", "code"), Link("https://arxiv.org/abs/2401.01234", "arxiv"))
    links = paper_links(stored, "2401.01234")
    assert [link.url for link in links] == [
        "https://github.com/a/b",
        "https://arxiv.org/abs/2401.01234",
        "https://arxiv.org/pdf/2401.01234",
        "https://huggingface.co/papers/2401.01234",
    ]
    assert paper_links(stored, None) == list(stored)


def test_each_paper_keeps_the_date_line_it_was_listed_under_without_a_year_made_up():
    page = (
        "Daily Papers\n\nMar 11\n\nFirst Title\n\n" + ABSTRACT + "\n\nSecond Title\n\n" + ABSTRACT
        + "\n\nMar 12, 2024\n\nThird Title\n\n" + ABSTRACT + "\n"
    )
    parsed = parse_page_text(page, "p")
    assert [(c.title, c.listed) for c in parsed.candidates] == [
        ("First Title", "Mar 11"), ("Second Title", "Mar 11"), ("Third Title", "Mar 12, 2024")]
    assert parse_page_text("First Title\n\n" + ABSTRACT, "p").candidates[0].listed is None


def test_the_sample_pages_keep_their_dates(sample_library):
    listed = {paper.extra.get("listed") for paper in sample_library.papers()}
    assert {"Mar 11", "Mar 13", "Sep 9"} <= listed
    assert all(paper.published is None for paper in sample_library.papers())  # no date is invented
    # "Recent research arXiv:2410.15027 has explored ..." names another paper: not taken as this one's.
    lora = sample_library.find_existing("In-Context LoRA for Diffusion Transformers")
    assert lora is not None and lora.arxiv_id is None
