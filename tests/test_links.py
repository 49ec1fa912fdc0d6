"""Links as a person would click them, classified by what they point at."""

from __future__ import annotations

import pytest

from reader.importers.hf_pages import parse_page_file
from reader.links import classify_url, extract_links, is_openable, link_label, normalise_url

from tests.conftest import SAMPLE_FILES


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://github.com/thuml/Flowformer.", "https://github.com/thuml/Flowformer"),
        ("(https://github.com/divelab/AIRS).", "https://github.com/divelab/AIRS"),
        ("https: //github.com/Graph-COM/Neighborhood-Aware-Temporal-Network.", "https://github.com/Graph-COM/Neighborhood-Aware-Temporal-Network"),
        ("github.com/facebookresearch/encodec.", "https://github.com/facebookresearch/encodec"),
        ("https://github.com/VinAIResearch/LFM.git.", "https://github.com/VinAIResearch/LFM"),
        ("https://github.com/cambridge-mlg/RECOMBINER/.", "https://github.com/cambridge-mlg/RECOMBINER"),
        ("https://haochen-rye.github.io/HNeRV,", "https://haochen-rye.github.io/HNeRV"),
        ("https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("HTTPS://GitHub.com/Owner/Repo", "https://github.com/Owner/Repo"),
        ("https://sites.google.com/view/mend-editing.", "https://sites.google.com/view/mend-editing"),
    ],
)
def test_normalise_url(raw, url):
    assert normalise_url(raw) == url


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/thuml/Flowformer", "code"),
        ("https://github.com/tensorflow/cleverhans/tree/master/examples/adversarial_patch", "code"),
        ("https://github.com/THUDM", "github-user"),
        ("https://github.com/topics/llm", "other"),
        ("https://crossmae.github.io", "project"),
        ("https://sites.google.com/view/mend-editing", "project"),
        ("https://step-law.org/paper", "project"),
        ("https://huggingface.co/YiDuo1999/Llama-3-Physician-8B-Instruct", "hf-model"),
        ("https://huggingface.co/datasets/acme/corpus", "hf-dataset"),
        ("https://huggingface.co/spaces/acme/demo", "hf-space"),
        ("https://huggingface.co/THUDM", "hf-org"),
        ("https://arxiv.org/abs/2401.01234", "arxiv"),
        ("https://aka.ms/monitors4codegen", "other"),
        ("https://www.youtube.com/watch?v=x", "other"),
    ],
)
def test_classify_url(url, kind):
    assert classify_url(url) == kind


def test_extract_links_in_order_without_repeats():
    text = (
        "Code: https://github.com/a/b. Also see (https://a.github.io/page) and again "
        "https://github.com/a/b and github.com/c/d, plus https: //github.com/e/f."
    )
    assert [(l.url, l.kind) for l in extract_links(text)] == [
        ("https://github.com/a/b", "code"),
        ("https://a.github.io/page", "project"),
        ("https://github.com/c/d", "code"),
        ("https://github.com/e/f", "code"),
    ]


def test_text_without_links_has_none():
    assert extract_links("We study transformers. Results improve by 3.1% on COCO.") == []


def test_seed_links_are_all_clickable_and_mostly_code():
    links = {}
    for path in SAMPLE_FILES:
        for cand in parse_page_file(path).candidates:
            for link in cand.links:
                links[link.url] = link.kind
    assert len(links) == 121
    assert all(is_openable(url) for url in links)
    assert not any(url.endswith((".", ",", ")")) for url in links)
    kinds = list(links.values())
    assert kinds.count("code") == 103
    assert links["https://github.com/Graph-COM/Neighborhood-Aware-Temporal-Network"] == "code"
    assert links["https://github.com/amazon-research/patchcore-inspection"] == "code"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://x.org", True),
        ("http://x.org/a", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("data:text/html,hi", False),
        ("https://", False),
    ],
)
def test_only_http_links_are_openable(url, ok):
    assert is_openable(url) is ok


def test_link_label():
    assert link_label("https://github.com/thuml/Flowformer/tree/main") == "thuml/Flowformer"
    assert link_label("https://crossmae.github.io") == "crossmae.github.io"


def test_a_link_holding_a_control_character_is_not_a_link():
    """Found by the property test: '.\\x1b' became 'https://.\\x1b', a link nothing may open."""
    from reader.links import is_openable, normalise_url

    for raw in (".\x1b", "github.com/a/b\x1b]52;c;eA==\x07", "https://example.org/\x85x"):
        url = normalise_url(raw)
        assert url is None or is_openable(url), (raw, url)
        assert url is None
