"""Hostile titles and abstracts: stored exactly, shown harmlessly, exported literally.

Paper text comes from the web. A title may hold Rich markup, terminal escape
sequences (ANSI colours, OSC window titles and hyperlinks, C1 controls),
control characters, zero-width and right-to-left override characters, or
be 10,000 characters long. reader must

* store it exactly as given (``Library.get(id).title``, ``Library.abstract(id)``,
  after reopening and after compaction, and as plain TinyDB reads it);
* print it through ``reader list``, ``reader show`` and ``reader history``
  without a single raw control character or bidi override (``printable``),
  and with the markup as literal text;
* export it (Markdown) so that a CommonMark or GitHub-like renderer shows
  its characters literally, and only http(s) URLs are clickable;
* never store ``javascript:``, ``file:`` or ``data:`` URLs found in an
  abstract as links, and never export a stored one as a link.
"""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from reader.importers import Candidate
from reader.links import extract_links, is_openable
from reader.store import Library
from reader.papers import Link, Paper, paper_id
from reader.textsafe import printable

from tests.conftest import run_cli
from tests.helpers.storemodel import tinydb_state

LONG_TITLE = " ".join(f"word{n}" for n in range(2000))[:9_999] + "x"  # 10,000 characters, no sentence

HOSTILE_TITLES = {
    "rich-bold": "[bold]Bold[/bold] claims and [red on white]colour[/] everywhere",
    "rich-close": "Closing [/] tags [/bold] and [/link] with no opener",
    "rich-link": "Click [link=file:///etc/passwd]x[/link] for the dataset",
    "rich-click": "Press [@click=app.quit]x[/] to continue reading",
    "ansi-sgr": "Red \x1b[31mALERT\x1b[0m and \x1b[1;5mblinking\x1b[m text",
    "ansi-cursor": "Clear \x1b[2J\x1b[H the screen and \x1b[10A move up",
    "osc-title": "Window \x1b]0;pwned\x07 title and \x1b]52;c;ZXZpbA==\x07 clipboard",
    "osc8-hyperlink": "Hyper \x1b]8;;file:///etc/passwd\x1b\\link\x1b]8;;\x1b\\ here",
    "c1-controls": "C1 \x9b31m CSI, \x9d0;x\x9c OSC and \x85 NEL",
    "c0-controls": "Bell\x07 back\x08space vt\x0b ff\x0c del\x7f and \x1c\x1d\x1e\x1f separators",
    "zero-width": "Zero\u200bwidth\u200c non\u200djoiner and\ufeff BOM",
    "bidi": "Invoice \u202egnp.exe\u202c and \u2066isolate\u2069 with \u200f marks \u200e and \u061c",
    "long": LONG_TITLE,
    # Only through the API (a page dump cannot carry these: NUL is binary, line ends end the title).
    "nul": "NUL\x00 inside a title",
    "line-breaks": "Line\nbreak, carriage\rreturn, tab\there and \u2028 separator",
}
NOT_IN_PAGES = {"nul", "line-breaks"}

BAD_LINKS = (
    "Try javascript:alert(document.cookie) or JaVaScRiPt:alert(1), file:///etc/passwd, "
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== and vbscript:msgbox(1); "
    "also [click](javascript:alert(1)), <a href=\"javascript:alert(1)\">here</a>, "
    "<javascript:alert(2)> and file://github.com/owner/repo."
)
GOOD_LINK = "https://github.com/real-owner/real-repo"


def abstract_for(title: str) -> str:
    """A long abstract (so page dumps recognise it) full of the same hostility, with one real link."""
    return (
        f"We study {title} in depth. Our method improves accuracy on standard benchmarks. "
        f"{BAD_LINKS} Markup [bold]here[/bold] and \x1b[41mred\x1b[0m and \u202ereversed\u202c text. "
        f"Code is at {GOOD_LINK}. Experiments confirm every claim we make in this paper, at length."
    )


# A printed line must hold none of these: C0 (but the line feed), DEL, C1, bidi controls.
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def assert_harmless(output: bytes, what: str) -> str:
    text = output.decode("utf-8")  # also: valid UTF-8
    found = FORBIDDEN.search(text)
    assert found is None, f"{what} printed {found.group(0)!r} at {found.start()}: {text[max(0, found.start() - 40):found.start() + 40]!r}"
    return text


def visible(text: str) -> str:
    """The characters a reader sees: no controls, format characters or spaces."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ" and not ch.isspace())


# -- a library full of hostile text ----------------------------------------------------------


HOSTILE_SOURCE = "page \x1b]0;pwned\x07 \u202eevil"
HOSTILE_TAGS = ["\x1b[31mred", "[bold]b[/bold]", "\u202etxt.exe", "bell\x07"]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("hostile-text") / "lib" / "library.json"
    library = Library.open(db)
    candidates = [
        Candidate(
            title=title,
            abstract=abstract_for(title),
            source=HOSTILE_SOURCE,
            links=tuple(extract_links(abstract_for(title))),
        )
        for title in HOSTILE_TITLES.values()
    ]
    library.import_candidates(candidates, sources=[HOSTILE_SOURCE])
    first = library.ids()[0]
    library.tag([first], HOSTILE_TAGS)
    library.set_read([first], True)
    return db


def ids_by_name(db: Path) -> dict[str, str]:
    library = Library.open(db)
    by_title = {paper.title: paper.id for paper in library.papers()}
    return {name: by_title[title] for name, title in HOSTILE_TITLES.items()}


# -- stored exactly ----------------------------------------------------------------------------


def test_hostile_titles_and_abstracts_are_stored_exactly(hostile_db, tmp_path):
    library = Library.open(hostile_db)
    assert len(library) == len(HOSTILE_TITLES)
    for name, pid in ids_by_name(hostile_db).items():
        title = HOSTILE_TITLES[name]
        assert library.get(pid).title == title, name
        assert library.abstract(pid) == abstract_for(title), name
    assert len(library.get(ids_by_name(hostile_db)["long"]).title) == 10_000
    assert library.get(library.ids()[0]).tags == tuple(tag.casefold() for tag in HOSTILE_TAGS)

    # After compaction, the same, and plain TinyDB reads the same titles.
    copy = tmp_path / "copy" / "library.json"
    copy.parent.mkdir()
    for path in hostile_db.parent.iterdir():
        if path.is_file():
            (copy.parent / path.name).write_bytes(path.read_bytes())
    compacted = Library.open(copy)
    compacted.compact()
    reopened = Library.open(copy)
    assert {p.id: p.title for p in reopened.papers()} == {p.id: p.title for p in library.papers()}
    assert reopened.abstracts() == library.abstracts()
    assert {pid: title for pid, (title, _, _) in tinydb_state(copy).items()} == {
        p.id: p.title for p in library.papers()
    }


def test_bad_schemes_in_abstracts_never_become_links(hostile_db):
    assert [link.url for link in extract_links(abstract_for("x"))] == [GOOD_LINK]
    library = Library.open(hostile_db)
    for paper in library.papers():
        assert [link.url for link in paper.links] == [GOOD_LINK], paper.title[:40]
        assert all(is_openable(link.url) for link in paper.links)


# -- through a page dump ------------------------------------------------------------------------


def page_dump(titles: list[str]) -> str:
    return "Daily Papers\n\nbyAK and the research community\n\n" + "".join(
        f"{title}\n\n{abstract_for(title)}\n\n" for title in titles
    )


def test_hostile_page_dump_is_imported_exactly_through_the_cli(tmp_path):
    names = [name for name in HOSTILE_TITLES if name not in NOT_IN_PAGES]
    page = tmp_path / "hostile-page.txt"
    page.write_text(page_dump([HOSTILE_TITLES[n] for n in names]), encoding="utf-8")
    db = tmp_path / "lib" / "library.json"
    result = run_cli("import", str(page), db=db)
    assert result.returncode == 0, result.stderr.decode()
    out = assert_harmless(result.stdout, "reader import")
    assert f"{len(names)} new papers" in out and "0 skipped" in out, out
    library = Library.open(db)
    stored = {paper.title: paper for paper in library.papers()}
    for name in names:
        title = HOSTILE_TITLES[name]
        assert title in stored, f"{name}: stored as {[t for t in stored if t[:5] == title[:5]]!r}"
        assert library.abstract(stored[title].id) == abstract_for(title), name
        assert [link.url for link in stored[title].links] == [GOOD_LINK], name


def test_hostile_title_without_abstract_is_reported_harmlessly(tmp_path):
    title = HOSTILE_TITLES["ansi-sgr"] + " " + HOSTILE_TITLES["bidi"]
    page = tmp_path / "page.txt"
    page.write_text(page_dump(["A Normal Paper Title"]) + title + "\n", encoding="utf-8")
    result = run_cli("import", str(page), db=tmp_path / "lib" / "library.json")
    assert result.returncode == 0, result.stderr.decode()
    out = assert_harmless(result.stdout, "reader import")
    assert "title without an abstract" in out and "1 new paper," in out, out


# -- shown harmlessly ----------------------------------------------------------------------------


def test_list_prints_every_title_literally_without_control_characters(hostile_db):
    result = run_cli("list", db=hostile_db)
    assert result.returncode == 0, result.stderr.decode()
    out = assert_harmless(result.stdout, "reader list")
    assert_harmless(result.stderr, "reader list (stderr)")
    rows = out.splitlines()
    assert len(rows) == len(HOSTILE_TITLES)
    for name, title in HOSTILE_TITLES.items():
        assert sum(printable(title) in row for row in rows) == 1, name
    # The markup is there, as text.
    assert "[link=file:///etc/passwd]x[/link]" in out and "[@click=app.quit]x[/]" in out
    for tag in HOSTILE_TAGS:
        assert "#" + printable(tag.casefold()) in out


@pytest.mark.parametrize("name", ["ansi-sgr", "osc8-hyperlink", "c1-controls", "bidi", "nul", "line-breaks", "long"])
def test_show_prints_title_abstract_and_links_harmlessly(name, hostile_db):
    pid = ids_by_name(hostile_db)[name]
    result = run_cli("show", pid, db=hostile_db)
    assert result.returncode == 0, result.stderr.decode()
    out = assert_harmless(result.stdout, "reader show")
    lines = out.splitlines()
    title = HOSTILE_TITLES[name]
    assert lines[0] == printable(title)
    # Nothing visible lost or added (control characters are shown as symbols such as \u241b).
    assert visible(re.sub("[\u2400-\u2426\ufffd]", "", lines[0])) == visible(title)
    assert printable(abstract_for(title)) in lines
    assert f"[1] code: {GOOD_LINK}" in lines and len([x for x in lines if x.startswith("[")]) >= 1
    assert "javascript" not in "\n".join(x for x in lines if x.startswith("[")).lower()


def test_history_prints_hostile_sources_and_tags_harmlessly(hostile_db):
    result = run_cli("history", db=hostile_db)
    assert result.returncode == 0, result.stderr.decode()
    out = assert_harmless(result.stdout, "reader history")
    assert len(out.splitlines()) == 3  # import, tag, read
    assert printable(HOSTILE_SOURCE) in out
    assert printable("[bold]b[/bold]") in out


# -- exported literally ---------------------------------------------------------------------------


class RenderedList(HTMLParser):
    """Per list item: the bold title's text and the whole text; every href and element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[dict] = []
        self.hrefs: list[str] = []
        self.elements: set[str] = set()
        self._strong = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.add(tag)
        if tag == "li":
            self.items.append({"strong": "", "text": ""})
        elif tag == "strong":
            self._strong += 1
        elif tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag == "strong":
            self._strong -= 1

    def handle_data(self, data):
        if self.items:
            self.items[-1]["text"] += data
            if self._strong:
                self.items[-1]["strong"] += data


RENDERERS = {
    "commonmark": lambda: MarkdownIt("commonmark").use(tasklists_plugin),
    "gfm-like": lambda: MarkdownIt("gfm-like").use(tasklists_plugin),
}


@pytest.mark.parametrize("renderer", list(RENDERERS))
def test_markdown_export_renders_hostile_text_literally_and_links_only_http(renderer, hostile_db):
    result = run_cli("export", "--abstracts", "quote", db=hostile_db)
    assert result.returncode == 0, result.stderr.decode()
    markdown = result.stdout.decode("utf-8")
    raw = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", markdown)
    assert raw is None, f"the Markdown file holds {raw.group(0)!r}"
    rendered = RenderedList(RENDERERS[renderer]().render(markdown))
    assert rendered.elements <= {"h1", "p", "ul", "li", "input", "strong", "a", "code", "blockquote"}
    assert rendered.hrefs and all(href.startswith(("https://", "http://")) for href in rendered.hrefs), rendered.hrefs
    titles = {visible(title): name for name, title in HOSTILE_TITLES.items()}
    seen = {}
    for item in rendered.items:
        key = visible(item["strong"])
        assert key in titles, f"a rendered title is not any paper's title: {item['strong'][:80]!r}"
        seen[titles[key]] = item
    assert set(seen) == set(HOSTILE_TITLES)
    # Markup and escape residue are shown as the characters they are.
    assert "[link=file:///etc/passwd]x[/link]" in seen["rich-link"]["strong"]
    assert "[@click=app.quit]x[/]" in seen["rich-click"]["strong"]
    assert "[31mALERT" in seen["ansi-sgr"]["strong"]
    for name, title in HOSTILE_TITLES.items():
        assert visible(abstract_for(title)) in visible(seen[name]["text"]), name


def test_stored_non_http_links_are_never_exported_as_links(tmp_path):
    """A link restored from a backup is kept as it was, but it is shown as code, not made clickable."""
    db = tmp_path / "lib" / "library.json"
    library = Library.open(db)
    bad = ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<script>alert(1)</script>"]
    papers = [
        Paper(id=paper_id(f"Restored Paper {n}"), title=f"Restored Paper {n}", links=(Link(url, kind),))
        for n, (url, kind) in enumerate(zip(bad, ["code", "project", "code"], strict=True))
    ]
    library.put(papers, label="restore")
    result = run_cli("export", db=db)
    assert result.returncode == 0, result.stderr.decode()
    for renderer in RENDERERS.values():
        rendered = RenderedList(renderer().render(result.stdout.decode()))
        assert rendered.hrefs == [], rendered.hrefs
        for url in bad:
            assert any(url in item["text"] for item in rendered.items), url  # still visible, as text
    listed = json.loads(run_cli("list", "--json", db=db).stdout)
    assert sorted(link["url"] for paper in listed for link in paper["links"]) == sorted(bad)


def test_reading_list_with_non_http_links_stores_none_of_them(tmp_path):
    db = tmp_path / "lib" / "library.json"
    reading_list = tmp_path / "list.md"
    reading_list.write_text(
        "# Reading list\n\n"
        "- [ ] **A Paper With Bad Links** · [code](<javascript:alert(1)>) · "
        "[project](<file:///etc/passwd>) · [arXiv](<https://arxiv.org/abs/2401.01234>)\n"
        "- [x] **Another Paper** · [code](data:text/html,x) · [project](<https://example.org/p>)\n",
        encoding="utf-8",
    )
    result = run_cli("import", str(reading_list), db=db)
    assert result.returncode == 0, result.stderr.decode()
    library = Library.open(db)
    assert len(library) == 2
    for paper in library.papers():
        assert all(is_openable(link.url) for link in paper.links), paper.links
