"""Exported lists write link destinations bare, in <...> only when they must (tester item 17).

The copied Markdown link and the exported reading list share one rule
(:func:`reader.exporters.markdown.link_destination`), so they agree.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from reader.copying import markdown_line
from reader.exporters.markdown import paper_line, render_reading_list
from reader.importers.markdown_list import parse_reading_list_text
from reader.papers import Link, Paper

PLAIN = "https://github.com/o/r"
WITH_PARENS = "https://en.wikipedia.org/wiki/A_(b)"
WITH_SPACE = "https://example.org/a b"


def test_an_exported_line_writes_a_plain_url_without_angle_brackets():
    paper = Paper("p1", "A Title", links=(Link(PLAIN, "code"),), arxiv_id="2401.00001")
    line = paper_line(paper)
    assert f"[code]({PLAIN})" in line and "[arXiv](https://arxiv.org/abs/2401.00001)" in line
    assert "<" not in line


@pytest.mark.parametrize(
    "url, written",
    [(PLAIN, PLAIN), (WITH_PARENS, f"<{WITH_PARENS}>"), (WITH_SPACE, "https://example.org/a%20b")],
)
def test_the_exported_list_and_the_copied_link_write_the_same_destination(url, written):
    paper = Paper("p1", "A Title", links=(Link(url, "code"),))
    assert f"[code]({written})" in paper_line(paper)
    assert markdown_line(paper) == f"[A Title]({written})"


def test_bare_and_bracketed_destinations_render_and_read_back_as_the_same_urls():
    papers = [
        Paper("p1", "One", links=(Link(PLAIN, "code"), Link("https://o.github.io/r?a=1&b=2", "project"))),
        Paper("p2", "Two", links=(Link(WITH_PARENS, "code"),)),
    ]
    markdown = render_reading_list(papers)
    html = MarkdownIt("commonmark").render(markdown)
    assert f'href="{PLAIN}"' in html and 'href="https://en.wikipedia.org/wiki/A_(b)"' in html
    parsed = parse_reading_list_text(markdown, "list")
    urls = [[link.url for link in item.links] for item in parsed.items]
    assert urls == [[PLAIN, "https://o.github.io/r?a=1&b=2"], [WITH_PARENS]]
