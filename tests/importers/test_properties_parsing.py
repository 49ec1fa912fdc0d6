"""Property tests (hypothesis) for the page-dump parser and the link finder.

The parser and the link finder read text from the web, so they must never
raise on any input, and what they return must keep its promises: every
candidate has a title and an abstract and points at its title's line; every
link is an http(s) URL a person can click, without the sentence punctuation
around it.
"""

from __future__ import annotations

import os
import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reader.importers.hf_pages import parse_page_text
from reader.links import extract_links, is_openable, normalise_url

# READER_HYPOTHESIS_EXAMPLES=5000 for a long hunt; the default keeps the suite quick.
PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=int(os.environ.get("READER_HYPOTHESIS_EXAMPLES", "60")),
)

SENTENCE_PUNCTUATION = ".,;:!?'\"*"

# -- text that looks like page dumps --------------------------------------------------

CHROME = [
    "new", "Subscribe", "Daily Papers", "Get trending papers in your email inbox!",
    "Get trending papers in your email inbox once a day!", "byAK and the research community",
    "by AK and the research community", "Mar 11", "Sep 9", "Dec 31, 2023",
]
WORDS = [
    "Scaling", "Diffusion", "Models", "for", "Video", "Generation", "Efficient", "Attention", "LLMs",
    "Vision-Language", "Agents", "3D", "Reasoning", "with", "Chain-of-Thought", "Poincaré", "Über",
    "模型", "Ω-Net", "GPT-4o", "v2", "(RL)", "Learning:", "Zero-Shot", "Benchmark?", "Sparse",
]
VOCABULARY = [
    "we", "propose", "a", "method", "that", "improves", "results", "on", "benchmarks", "the", "model",
    "learns", "from", "data", "and", "generalises", "across", "tasks", "our", "experiments", "show",
    "state-of-the-art", "performance", "with", "fewer", "parameters", "code", "is", "available",
]
URLS = [
    "https://github.com/acme/tool", "https: //github.com/acme/typo", "github.com/owner/repo",
    "https://acme.github.io/project/", "http://example.org/a?b=1#c", "huggingface.co/datasets/acme/set",
    "www.example.com/page", "javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>",
]

titles = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)


@st.composite
def abstracts(draw) -> str:
    sentences = []
    while sum(len(s) + 1 for s in sentences) < 320:
        words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=8, max_size=25))
        sentence = " ".join(words).capitalize()
        if draw(st.booleans()) and draw(st.booleans()):
            sentence += " at " + draw(st.sampled_from(URLS)) + draw(st.sampled_from(["", ")", ".", ","]))
        sentences.append(sentence + ".")
    return " ".join(sentences)


junk_lines = st.one_of(
    st.text(max_size=80),
    st.sampled_from(CHROME),
    st.sampled_from(["", " ", "\t", "\u00a0", "\ufeff", "\u2028", "\x0b", "\x1c", "\r"]),
    titles,
    abstracts(),
)


@st.composite
def messy_pages(draw) -> str:
    """Page-like text: chrome, titles, abstracts and junk in any order, any line endings."""
    lines = draw(st.lists(junk_lines, max_size=40))
    text = ""
    for line in lines:
        text += line + draw(st.sampled_from(["\n", "\n\n", "\r\n", "\r", "\r\n\r\n"]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


@st.composite
def well_formed_pages(draw) -> tuple[str, list[tuple[str, str]]]:
    """A page in one of the two real layouts, and the (title, abstract) pairs it holds."""
    papers = draw(st.lists(st.tuples(titles, abstracts()), min_size=1, max_size=8, unique_by=lambda p: p[0]))
    compact = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    head = draw(st.lists(st.sampled_from(CHROME[2:7]), max_size=3))
    if compact:
        body = [f"Subscribe{papers[0][0]}", papers[0][1]] + [line for pair in papers[1:] for line in pair]
        lines = head + body
        joiner = newline
    else:
        lines = head + ["Subscribe"] + [line for pair in papers for line in pair]
        joiner = newline * 2
    return joiner.join(lines) + newline, papers


# -- the parser ---------------------------------------------------------------------------


def physical_lines(text: str) -> list[str]:
    """Lines as a person's editor numbers them (\\n, \\r\\n and \\r end a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def squeeze(text: str) -> str:
    return " ".join(text.lstrip("\ufeff").split())


def check_parse(text: str) -> None:
    parsed = parse_page_text(text, "page")
    lines = physical_lines(text)
    previous = 0
    for cand in parsed.candidates:
        assert cand.title.strip() and cand.abstract.strip()
        assert "\n" not in cand.title and "\r" not in cand.title
        assert previous < cand.line <= len(lines), "candidates come in page order with real line numbers"
        previous = cand.line
        shown = squeeze(lines[cand.line - 1])
        assert shown.endswith(squeeze(cand.title)), (cand.line, lines[cand.line - 1], cand.title)
        assert shown[: len(shown) - len(squeeze(cand.title))] in ("", "Subscribe", "Subscribe "), (
            "the line number points at the title's line"
        )
        for link in cand.links:
            assert is_openable(link.url), link
    for skip in parsed.skipped:
        assert 1 <= skip.line <= len(lines)
        assert skip.reason


@PROPERTY
@given(st.text())
def test_parser_never_raises_on_any_text(text):
    check_parse(text)


@PROPERTY
@given(messy_pages())
@example("SubscribeA Title\n" + "Some abstract text that goes on. " * 12 + "\n")
@example("Title\u2028with separator\n\n" + "Abstract sentence number one. " * 12 + "\n")
def test_parser_on_page_like_text_keeps_its_promises(text):
    check_parse(text)


@PROPERTY
@given(well_formed_pages())
def test_parser_finds_every_paper_of_a_well_formed_page(page):
    text, papers = page
    parsed = parse_page_text(text, "page")
    assert [(c.title, c.abstract) for c in parsed.candidates] == papers
    assert parsed.skipped == []
    check_parse(text)


# -- links --------------------------------------------------------------------------------


def check_url(url: str) -> None:
    assert url.startswith(("http://", "https://")), url
    assert is_openable(url), url
    assert url[-1] not in SENTENCE_PUNCTUATION, url


@PROPERTY
@given(st.text())
@example("see (https://github.com/a/b).")
@example("https: //")
@example("http://[::1")
def test_extract_links_never_raises_and_returns_clickable_urls(text):
    links = extract_links(text)
    for link in links:
        check_url(link.url)
    keys = [link.url.rstrip("/").lower() for link in links]
    assert len(keys) == len(set(keys)), "no link twice"
    for link in links:
        assert not any(ch.isspace() for ch in link.url), link  # a link found in text never spans a space


@PROPERTY
@given(st.text())
@example("http://[::1")
@example("github.com/.")
def test_normalise_url_never_raises_and_returns_clickable_url_or_none(raw):
    url = normalise_url(raw)
    if url is not None:
        check_url(url)


@PROPERTY
@given(st.text())
@example("Coming soon. Stay tuned")
@example("see paper.pdf")
def test_normalise_url_never_returns_a_url_with_whitespace(raw):
    url = normalise_url(raw)
    assert url is None or not any(ch.isspace() for ch in url), url


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]\.(com|org|io|ai|dev)", fullmatch=True)
paths = st.lists(st.text(string.ascii_letters + string.digits + "-_~", min_size=1, max_size=10), max_size=4).map(
    lambda parts: "".join("/" + part for part in parts)
)


@PROPERTY
@given(
    host=hosts,
    path=paths,
    before=st.sampled_from(["", "Code: ", "see ", "(", "at <"]),
    after=st.sampled_from(["", ".", ",", ";", ")", ").", ":", "!", "?", "'", '"', "*", ">"]),
    scheme=st.sampled_from(["https://", "http://", "https: //"]),
)
def test_a_link_in_a_sentence_is_found_without_its_punctuation(host, path, before, after, scheme):
    url = f"{scheme}{host}{path}"
    text = f"We release everything. {before}{url}{after} More text follows."
    found = [link.url for link in extract_links(text)]
    clean_scheme = scheme.replace(" ", "")
    wanted = normalise_url(f"{clean_scheme}{host}{path}")
    assert found == [wanted], (text, found)
    assert wanted.lower().rstrip("/") == f"{clean_scheme}{host}{path}".lower().rstrip("/")
