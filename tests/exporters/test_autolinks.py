"""Exported Markdown never becomes a non-http(s) link on GitHub (issue 14, item 14).

GitHub's dialect links more than CommonMark does: ``www.example.org``, bare
e-mail addresses, ``ftp://``, ``mailto:`` and ``xmpp:`` in plain text. Titles,
abstracts and notes are untrusted text, so the exported list must show those
characters without making them clickable; only http(s) links may be. Checked
with a CommonMark renderer and a GFM-like one with linkify (markdown-it), and
read back with reader's own list importer (the round trip).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from reader.exporters.markdown import escape_text, note_lines, render_reading_list
from reader.importers.markdown_list import parse_reading_list_text
from reader.papers import Link, Paper

BAIT = [
    "Mirror at ftp://ftp.example.org/pub/data.tar",
    "Write to mailto:authors@example.org today",
    "Contact first.last+ml@uni.example.ac.uk for access",
    "See www.example.org/project for videos",
    "Chat on xmpp:room@conference.example.org",
    "Protocol-relative //cdn.example.org/x.js here",
    "Sftp sftp://host.example.org/~u and irc://irc.example.org/#chan",
    "Mixed (WWW.EXAMPLE.ORG) and <ann@example.org>, then ftp://x.example.org.",
]
SAFE = "Code at https://github.com/o/r and http://example.org/p (fine: http)"

RENDERERS = {
    "commonmark": lambda: MarkdownIt("commonmark").use(tasklists_plugin),
    "gfm-like": lambda: MarkdownIt("gfm-like").use(tasklists_plugin),  # linkify, as GitHub autolinks
}


class Hrefs(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "src"):
            if attributes.get(name) is not None:
                self.hrefs.append(attributes[name])

    def handle_data(self, data):
        self.text += data


def _papers() -> tuple[list[Paper], dict[str, str]]:
    papers = [
        Paper(f"p{number}", title, links=(Link("https://github.com/o/r", "code"),))
        for number, title in enumerate(BAIT + [SAFE])
    ]
    abstracts = {paper.id: f"Abstract: {paper.title}. Again: {paper.title}" for paper in papers}
    return papers, abstracts


@pytest.mark.parametrize("renderer", list(RENDERERS))
@pytest.mark.parametrize("abstracts", ["details", "quote"])
def test_titles_and_abstracts_never_become_links_other_than_http(renderer, abstracts):
    papers, texts = _papers()
    markdown = render_reading_list(papers, abstracts=abstracts, abstract_texts=texts)
    rendered = Hrefs(RENDERERS[renderer]().render(markdown))
    assert rendered.hrefs and all(href.startswith(("http://", "https://")) for href in rendered.hrefs), rendered.hrefs
    assert not any("www." in href.lower() for href in rendered.hrefs)  # www. is not made a link either
    for paper in papers:
        assert paper.title in rendered.text and texts[paper.id] in rendered.text


def test_the_list_reads_back_with_the_same_titles_and_abstracts():
    papers, texts = _papers()
    parsed = parse_reading_list_text(render_reading_list(papers, abstracts="quote", abstract_texts=texts), "list")
    assert [item.title for item in parsed.items] == [paper.title for paper in papers]
    assert [item.abstract for item in parsed.items] == [texts[paper.id] for paper in papers]
    assert not parsed.unrecognised


@pytest.mark.parametrize("renderer", list(RENDERERS))
def test_a_note_keeps_its_markdown_and_http_links_but_no_other_link(renderer):
    note = "\n".join(
        [
            "**Important**: see [the code](https://github.com/o/r).",
            "Ask www.example.org or ann@example.org, files on ftp://ftp.example.org.",
            "`inline www.example.org stays code`",
            "```",
            "fenced ann@example.org stays as written",
            "```",
        ]
    )
    markdown = "\n".join(note_lines(note))
    html = RENDERERS[renderer]().render(markdown)
    rendered = Hrefs(html)
    assert rendered.hrefs == ["https://github.com/o/r"]
    assert "<strong>Important</strong>" in html
    assert "fenced ann@example.org stays as written" in rendered.text
    assert "Ask www.example.org or ann@example.org, files on ftp://ftp.example.org." in rendered.text


@pytest.mark.parametrize("renderer", list(RENDERERS))
@pytest.mark.parametrize(
    "line",
    [
        "[write](mailto:ann@example.org)",
        "[write to us](mailto:ann@example.org)",
        "<ftp://ftp.example.org/x>",
        "<ann@example.org>",
        '<a href="mailto:ann@example.org">mail</a>',
        "[run](javascript:alert(1))",
        '<img src="file:///etc/passwd">',
        "[rel](notes.html)",
    ],
)
def test_a_note_with_a_link_elsewhere_shows_it_as_text(renderer, line):
    markdown = "\n".join(note_lines(f"Before {line} after [ok](https://ok.example.org)"))
    rendered = Hrefs(RENDERERS[renderer]().render(markdown))
    assert all(href.startswith(("http://", "https://")) for href in rendered.hrefs), rendered.hrefs


def test_a_single_word_of_ten_megabytes_of_bait_becomes_one_code_span():
    word = "a:" * 2_500_000 + "@" * 1_000_000 + "www." * 500_000
    escaped = escape_text(word)
    assert escaped.startswith("`") and escaped.endswith("`")


def test_a_note_keeps_indented_code_and_an_unmatched_backtick_as_written():
    note = "Notes:\n\n    indented code ann@example.org\n\nA lone ` then www.example.org here"
    markdown = "\n".join(note_lines(note))
    html = MarkdownIt("gfm-like").render(markdown)
    rendered = Hrefs(html)
    assert rendered.hrefs == []
    assert "indented code ann@example.org\n</code></pre>" in html
    assert "A lone ` then www.example.org here" in rendered.text


GLUED = [
    "Dot .ftp://a.example.org/c",
    "Digit 1ftp://a.example.org/c",
    "Dash -ftp://a.example.org",
    "Plus +ftp://a.example.org",
    "Abbreviation e.g.ftp://a.example.org",
    "Underscore _ftp://a.example.org and colon x:ftp://a.example.org",
    "Inside (ftp://a.example.org), then 2mailto:ann@example.org",
]


@pytest.mark.parametrize("text", GLUED)
def test_a_scheme_glued_to_punctuation_or_a_digit_is_not_linked_by_github(text):
    """cmark-gfm walks back from '://' over letters only: '.ftp://x' links ftp://x there."""
    import cmarkgfm

    markdown = render_reading_list([Paper("p", text)], abstracts="quote", abstract_texts={"p": text})
    for html in (cmarkgfm.github_flavored_markdown_to_html(markdown), RENDERERS["gfm-like"]().render(markdown)):
        rendered = Hrefs(html)
        assert rendered.hrefs == [], rendered.hrefs
        assert rendered.text.count(text) == 2  # the title and the abstract show every character


def test_glued_http_links_stay_links_and_words_stay_text():
    html = __import__("cmarkgfm").github_flavored_markdown_to_html(
        escape_text("See (https://github.com/o/r), 2https://example.org and R&D: 1.5x")
    )
    assert Hrefs(html).hrefs == ["https://github.com/o/r", "https://example.org"]
    assert "R&amp;D: 1.5x" in html
