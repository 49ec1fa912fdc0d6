"""Markdown reading lists render as the literal titles and safe links, in CommonMark and GFM alike.

Each test renders the exported Markdown with markdown-it-py (CommonMark, plus
the task-list plugin GitHub's checkboxes correspond to) and asserts on the HTML.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from reader.exporters import OutputExists, write_output
from reader.exporters.markdown import iter_reading_list, render_reading_list
from reader.papers import CODE, PROJECT, Link, Paper

from tests.conftest import SAMPLE_FILES, run_cli

HOSTILE_TITLES = [
    "*Emphasis* and **strong** and ***both***",
    "_under_ score __double__ snake_case_name",
    "[Not a link](https://example.com) and [ref][1] and ![img](x.png)",
    "Back`ticks` and ``double`` and ```fence```",
    "<script>alert('x')</script> and <img src=x onerror=alert(1)> <b>bold</b>",
    "Pipes | in | a | title |",
    "# Heading at line start",
    "## Closing hashes ##",
    "- looks like a list item",
    "1. looks like an ordered item",
    "> looks like a quote",
    "= setext underline",
    "Entities &amp; &#35; &copy; and R&D",
    "Strike ~~through~~ and $math$ and \\backslash\\",
    "Autolink <https://evil.example> and <mailto:a@b.c>",
    "javascript:alert(1) and file:///etc/passwd and data:text/html,<h1>x</h1>",
    "Trailing backslash \\",
    "[x] A title that starts like a checkbox",
    "  Leading and   inner   spaces\tand tab  ",
    "Line\nbreak and \r carriage return",
    "Ünïcödé — “quotes” · ™ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀",
    "***",
    "---",
]

HOSTILE_LINKS = [
    ("https://example.com/path_(with)_parens)", CODE),
    ("https://example.com/a b c", PROJECT),
    ("https://example.com/<angle>", CODE),
    ("https://example.com/back\\slash", PROJECT),
    ("javascript:alert(1)", CODE),
    ("JavaScript:alert(1)", PROJECT),
    ("file:///etc/passwd", CODE),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", PROJECT),
    ("vbscript:msgbox", CODE),
]

ALLOWED_TAGS = {"h1", "h2", "p", "ul", "li", "input", "strong", "a", "code", "details", "summary", "blockquote"}


def commonmark(markdown: str) -> str:
    return MarkdownIt("commonmark").use(tasklists_plugin).render(markdown)


def gfm_like(markdown: str) -> str:
    """Closer to GitHub: tables, strikethrough and autolinks of bare URLs (with a scheme or www.) on."""
    md = MarkdownIt("gfm-like").use(tasklists_plugin)
    md.linkify.set({"fuzzy_link": False})  # GitHub does not link bare domains such as "01.AI"
    return md.render(markdown)


class ListHTML(HTMLParser):
    """The parts of a rendered list the tests look at."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[dict] = []
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.headings: list[str] = []
        self._strong = 0
        self._heading = False
        self._stack: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "li":
            self.items.append({"checked": None, "strong": "", "hrefs": [], "codes": [], "text": ""})
        elif tag == "input" and self.items:
            self.items[-1]["checked"] = "checked" in attrs
        elif tag == "strong":
            self._strong += 1
        elif tag == "a":
            self.hrefs.append(attrs.get("href", ""))
            if self.items:
                self.items[-1]["hrefs"].append(attrs.get("href", ""))
        elif tag in ("h1", "h2"):
            self._heading = True
            self.headings.append("")
        if tag != "input":
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "strong":
            self._strong -= 1
        elif tag in ("h1", "h2"):
            self._heading = False
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        if self._heading:
            self.headings[-1] += data
        if not self.items:
            return
        item = self.items[-1]
        item["text"] += data
        if self._strong:
            item["strong"] += data
        if self._stack and self._stack[-1] == "code":
            item["codes"].append(data)


def one_line(text: str) -> str:
    return " ".join(text.split())


def assert_safe(html: str) -> ListHTML:
    parsed = ListHTML(html)
    assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
    for href in parsed.hrefs:
        assert href.startswith(("http://", "https://")), href
    return parsed


def hostile_papers() -> list[Paper]:
    papers = []
    for number, title in enumerate(HOSTILE_TITLES):
        url, kind = HOSTILE_LINKS[number % len(HOSTILE_LINKS)]
        papers.append(
            Paper(
                id=f"p{number}",
                title=title,
                links=(Link(url, kind),),
                tags=("ml", "x`y", "c#", "<b>"),
                read=number % 2 == 0,
            )
        )
    return papers


# -- every title renders as itself ------------------------------------------------------------


@pytest.mark.parametrize("render", [commonmark, gfm_like], ids=["commonmark", "gfm-like"])
def test_every_sample_title_renders_literally(sample_library, render):
    papers = sample_library.papers()
    sample_library.set_read([papers[0].id, papers[5].id])
    sample_library.tag([papers[1].id], ["needs_review*"])
    papers = sample_library.papers()
    html = render(render_reading_list(papers, title="Sample [list] *all*"))
    parsed = assert_safe(html)
    assert len(parsed.items) == len(papers) == 442
    for item, paper in zip(parsed.items, papers, strict=True):
        assert item["strong"] == one_line(paper.title)
        assert item["checked"] is paper.read
        expected = [link.url for link in (paper.code_link, paper.project_link) if link]
        assert [unquote(href) for href in item["hrefs"]] == expected
        assert [code for code in item["codes"]] == [f"#{tag}" for tag in paper.tags]
    assert parsed.headings[0] == "Sample [list] *all*"


@pytest.mark.parametrize("render", [commonmark, gfm_like], ids=["commonmark", "gfm-like"])
@pytest.mark.parametrize("abstracts", ["none", "details", "quote"])
@pytest.mark.parametrize("group_by", ["none", "tag"])
def test_hostile_titles_links_and_tags_render_as_text(render, abstracts, group_by):
    papers = hostile_papers()
    texts = {p.id: "Abstract with " + p.title + " <iframe src=x> [click](javascript:alert(1))" for p in papers}
    markdown = render_reading_list(
        papers, title="# <b>Title</b> | *", group_by=group_by, abstracts=abstracts, abstract_texts=texts
    )
    parsed = assert_safe(render(markdown))
    assert "script" not in parsed.tags and "img" not in parsed.tags and "iframe" not in parsed.tags
    listed = parsed.items if group_by == "none" else parsed.items[: len(papers)]  # tag groups repeat papers
    assert [item["strong"] for item in listed] == [one_line(p.title) for p in papers]
    assert [item["checked"] for item in listed] == [p.read for p in papers]
    for item, paper in zip(listed, papers, strict=True):
        url = paper.links[0].url
        # GitHub (like gfm-like here) turns bare http(s) URLs in text into links; those are safe.
        hrefs = [h for h in item["hrefs"] if h not in item["text"]]
        if url.lower().startswith("https://"):
            assert [unquote(h) for h in hrefs] == [url]
        else:
            # Not clickable: shown as code, so a person still sees what it was.
            assert hrefs == [] and url in item["codes"]
        tags = ["#ml", "#x`y", "#c#", "#<b>"]  # then the abstract's code (a mailto: word, never a link)
        assert any(item["codes"][i : i + 4] == tags for i in range(len(item["codes"]))), item["codes"]
        if abstracts != "none":
            assert one_line(texts[paper.id]) in item["text"]
    assert parsed.headings[0] == "# <b>Title</b> | *"


def test_hostile_title_at_line_start_of_heading_and_abstract_is_not_a_block():
    paper = Paper(id="a", title="# Not a heading", read=False)
    markdown = render_reading_list([paper], title="- not a list", abstracts="quote", abstract_texts={"a": "1. not a list"})
    html = commonmark(markdown)
    assert "<h1>- not a list</h1>" in html
    assert "<ol" not in html and html.count("<ul") == 1
    assert "<blockquote>\n<p>1. not a list</p>" in html


# -- options ----------------------------------------------------------------------------------


def paper(pid, title, *, read=False, tags=(), added="2026-01-01T00:00:00Z", sources=()):
    return Paper(id=pid, title=title, read=read, tags=tuple(tags), added=added, sources=tuple(sources))


def test_summary_line_counts_papers_read_and_unread():
    papers = [paper("a", "A", read=True), paper("b", "B"), paper("c", "C")]
    html = commonmark(render_reading_list(papers, title="Mine"))
    assert "<h1>Mine</h1>\n<p>3 papers: 1 read, 2 unread.</p>" in html
    assert "1 paper: 0 read, 1 unread." in render_reading_list([paper("a", "A")])


def test_group_by_tag_lists_a_paper_under_each_of_its_tags_untagged_last():
    papers = [paper("a", "Alpha", tags=["vision", "nlp"]), paper("b", "Beta"), paper("c", "Gamma", tags=["nlp"])]
    parsed = ListHTML(commonmark(render_reading_list(papers, group_by="tag")))
    assert parsed.headings[1:] == ["#nlp (2)", "#vision (1)", "Untagged (1)"]
    assert [item["strong"] for item in parsed.items] == ["Alpha", "Gamma", "Alpha", "Beta"]
    assert "3 papers: 0 read, 3 unread." in render_reading_list(papers, group_by="tag")


def test_group_by_read_state_and_by_source():
    papers = [
        paper("a", "Alpha", read=True, sources=["page-2"]),
        paper("b", "Beta", sources=["page-1", "page-2"]),
        paper("c", "Gamma"),
    ]
    by_read = ListHTML(commonmark(render_reading_list(papers, group_by="read")))
    assert by_read.headings[1:] == ["Unread (2)", "Read (1)"]
    assert [i["strong"] for i in by_read.items] == ["Beta", "Gamma", "Alpha"]
    by_source = ListHTML(commonmark(render_reading_list(papers, group_by="source")))
    assert by_source.headings[1:] == ["page-1 (1)", "page-2 (2)", "No source (1)"]
    assert [i["strong"] for i in by_source.items] == ["Beta", "Alpha", "Beta", "Gamma"]


def test_order_by_title_added_or_given_rank():
    papers = [
        paper("a", "beta", added="2026-01-02T00:00:00Z"),
        paper("b", "Älpha", added="2026-01-03T00:00:00Z"),
        paper("c", "gamma", added="2026-01-01T00:00:00Z"),
    ]

    def titles(order):
        return [i["strong"] for i in ListHTML(commonmark(render_reading_list(papers, order=order))).items]

    assert titles("rank") == ["beta", "Älpha", "gamma"]
    assert titles("title") == ["Älpha", "beta", "gamma"]
    assert titles("added") == ["Älpha", "beta", "gamma"]


@pytest.mark.parametrize("style,container", [("details", "details"), ("quote", "blockquote")])
def test_abstracts_sit_inside_their_item(style, container):
    papers = [paper("a", "Alpha"), paper("b", "Beta"), paper("c", "Gamma")]
    texts = {"a": "About *alpha*.", "c": "About gamma."}
    html = commonmark(render_reading_list(papers, abstracts=style, abstract_texts=texts))
    parsed = ListHTML(html)
    assert [i["strong"] for i in parsed.items] == ["Alpha", "Beta", "Gamma"]
    assert "About *alpha*." in parsed.items[0]["text"] and "About" not in parsed.items[1]["text"]
    assert html.count(f"<{container}>") == 2
    if style == "details":
        assert html.count("<summary>Abstract</summary>") == 2  # collapsed by default
    assert "About" not in render_reading_list(papers)  # off by default
    with pytest.raises(ValueError):
        render_reading_list(papers, abstracts=style)  # no abstract texts given


def test_streamed_lines_equal_the_rendered_text():
    papers = hostile_papers()
    kwargs = dict(group_by="tag", order="title", abstracts="details", abstract_texts={"p1": "x"})
    assert "".join(iter_reading_list(papers, **kwargs)) == render_reading_list(papers, **kwargs)


# -- writing files --------------------------------------------------------------------------


def test_interrupted_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "list.md"

    def chunks():
        yield "- [ ] **half**\n"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_output(target, chunks())
    assert not target.exists()
    target.write_text("old list\n")
    with pytest.raises(KeyboardInterrupt):
        write_output(target, chunks(), replace=True)
    assert target.read_text() == "old list\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.md"]  # no temporary files left


def test_existing_file_is_replaced_only_when_asked(tmp_path):
    target = tmp_path / "list.md"
    target.write_text("mine\n")
    with pytest.raises(OutputExists):
        write_output(target, ["new\n"])
    assert target.read_text() == "mine\n"
    write_output(target, ["new\n"], replace=True)
    assert target.read_text() == "new\n"


def test_cli_export_options(tmp_path):
    db = tmp_path / "lib.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    target = tmp_path / "out.md"
    result = run_cli(
        "export", "transformer", "--group-by", "read", "--order", "title", "--abstracts", "quote",
        "--title", "Transformers", "-o", str(target), db=db,
    )
    assert result.returncode == 0, result.stderr.decode()
    html = commonmark(target.read_text())
    parsed = assert_safe(html)
    titles = [item["strong"] for item in parsed.items]
    assert titles and titles == sorted(titles, key=str.casefold)
    assert parsed.headings[:2] == ["Transformers", f"Unread ({len(titles)})"]
    assert html.count("<blockquote>") == len(titles)
    missing_dir = run_cli("export", "-o", str(tmp_path / "no" / "such" / "out.md"), db=db)
    assert missing_dir.returncode == 1 and "no such directory" in missing_dir.stderr.decode()
