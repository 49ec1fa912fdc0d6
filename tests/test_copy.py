"""Copy formats, and copying without ever touching a real clipboard."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

import reader.copying as copying
from reader.cli import main
from reader.copying import ClipboardUnavailable, CopyError, bibtex_entry, copy_to_clipboard, render_copy
from reader.papers import ARXIV, CODE, PROJECT, Link, Paper

from tests.conftest import SAMPLE_FILES, run_cli


@pytest.fixture(autouse=True)
def no_real_clipboard(monkeypatch):
    """Any test that reaches pyperclip without replacing it fails loudly."""
    import pyperclip

    def refuse(text):
        raise AssertionError("a test touched the real clipboard")

    monkeypatch.setattr(pyperclip, "copy", refuse)


FULL = Paper(
    id="1706.03762",
    title="Attention Is All\nYou Need",
    links=(
        Link("https://github.com/tensorflow/tensor2tensor", CODE),
        Link("https://attention.github.io", PROJECT),
    ),
    arxiv_id="1706.03762",
    authors=("Ashish Vaswani", "Noam Shazeer"),
    published="2017-06-12",
)
BARE = Paper(id="bare", title="Only a title")
HOSTILE = Paper(
    id="hostile",
    title="{Unbalanced} } \\textbf{x} 100% $x_1^2$ & #1 ~ [a](javascript:alert(1)) <b>",
    links=(Link("https://example.com/a}b{c d", PROJECT), Link("javascript:alert(1)", CODE)),
)


def test_title_code_and_abstract():
    assert render_copy(FULL, "title").text == "Attention Is All You Need"
    assert render_copy(FULL, "code").text == "https://github.com/tensorflow/tensor2tensor"
    assert render_copy(FULL, "abstract", abstracts={FULL.id: "We propose..."}).text == "We propose..."
    with pytest.raises(CopyError, match="no code link"):
        render_copy(BARE, "code")
    with pytest.raises(CopyError, match="no code link"):
        render_copy(HOSTILE, "code")  # a javascript: link is not a code link to copy
    with pytest.raises(CopyError, match="no abstract"):
        render_copy(BARE, "abstract", abstracts={})


def test_markdown_line_links_the_best_link_and_renders_literally():
    assert render_copy(FULL, "markdown").text == "[Attention Is All You Need](https://arxiv.org/abs/1706.03762)"
    assert render_copy(BARE, "markdown").text == "Only a title"
    html = MarkdownIt("commonmark").render(render_copy(HOSTILE, "markdown").text)
    assert html.count("<a ") == 1 and 'href="https://example.com/a%7Db%7Bc%20d"' in html
    assert "&lt;b&gt;" in html and "javascript" not in html.split(">", 1)[0]


def test_bibtex_entry():
    entry = render_copy(FULL, "bibtex").text
    assert entry.startswith("@misc{vaswani2017attention,\n")
    assert "  title         = {{Attention Is All You Need}},\n" in entry
    assert "  author        = {Ashish Vaswani and Noam Shazeer},\n" in entry
    assert "  year          = {2017},\n" in entry
    assert "  eprint        = {1706.03762},\n  archivePrefix = {arXiv},\n" in entry
    assert "  url           = {https://arxiv.org/abs/1706.03762},\n" in entry
    assert "  note          = {Code: \\url{https://github.com/tensorflow/tensor2tensor}}\n}" in entry


def test_bibtex_escapes_and_balances_braces():
    entry = bibtex_entry(HOSTILE)
    depth = 0
    for char in entry.replace("\\textbraceleft{}", "").replace("\\textbraceright{}", ""):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    assert "\\textbraceleft{}Unbalanced\\textbraceright{}" in entry
    assert "100\\%" in entry and "\\$x\\_1\\^{}2\\$" in entry and "\\& \\#1 \\~{}" in entry
    assert "url   = {https://example.com/a%7Db%7Bc%20d}" in entry
    with pytest.raises(CopyError, match="no link or arXiv id"):
        render_copy(BARE, "bibtex")
    only_arxiv = Paper(id="x", title="T", links=(Link("https://arxiv.org/abs/2401.00001", ARXIV),))
    assert "url   = {https://arxiv.org/abs/2401.00001}" in bibtex_entry(only_arxiv)


def test_several_papers_skip_those_without_data_and_keep_keys_unique():
    twin = Paper(id="twin", title="Attention is all you need too", arxiv_id="1706.99999", authors=("A Vaswani",))
    result = render_copy([FULL, BARE, twin], "bibtex")
    assert result.count == 2 and [p.id for p, _ in result.skipped] == ["bare"]
    assert "@misc{vaswani2017attention," in result.text and "@misc{vaswani2017attentionb," in result.text
    listed = render_copy([FULL, BARE], "markdown").text.splitlines()
    assert listed == ["- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)", "- Only a title"]
    with pytest.raises(CopyError, match="none of the 2 papers"):
        render_copy([BARE, HOSTILE], "code")


def test_clipboard_methods_are_tried_in_order():
    copied = []

    def unavailable(text):
        raise ClipboardUnavailable("no display")

    assert copy_to_clipboard("x", methods=[("a", unavailable), ("b", copied.append)]) == "b"
    assert copied == ["x"]
    assert copy_to_clipboard("x", methods=[("a", unavailable)]) is None


def test_pyperclip_is_the_default_method(monkeypatch):
    import pyperclip

    copied = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    assert copy_to_clipboard("hello") == "pyperclip" and copied == ["hello"]

    def missing(text):
        raise pyperclip.PyperclipException("could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", missing)
    assert copy_to_clipboard("hello") is None


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "lib.json"
    assert main(["import", str(SAMPLE_FILES[0]), "--db", str(path)]) == 0
    return path


def test_cli_copy_uses_the_clipboard(db, monkeypatch, capsys):
    from reader.store import Library

    paper = next(p for p in Library.open(db).papers() if p.has_code)
    copied = []
    monkeypatch.setattr(copying, "_pyperclip_copy", copied.append)
    capsys.readouterr()
    assert main(["copy", paper.short_id, "--format", "markdown", "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert copied == [render_copy(paper, "markdown").text] and copied[0].startswith("[")
    assert out == "" and "Copied the Markdown link of 1 paper to the clipboard (pyperclip)" in err


def test_cli_copy_prints_when_no_clipboard(db, monkeypatch, capsys):
    from reader.papers import title_id

    def unavailable(text):
        raise ClipboardUnavailable("none")

    monkeypatch.setattr(copying, "_pyperclip_copy", unavailable)
    capsys.readouterr()
    assert main(["copy", title_id("Pointer Networks"), "-f", "title", "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert out == "Pointer Networks\n" and "copy it by hand" in err
    # Pointer Networks has no code link: one-line error, nothing copied or printed.
    assert main(["copy", title_id("Pointer Networks"), "-f", "code", "--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "reader: error: 'Pointer Networks': no code link\n"


def test_cli_copy_print_and_errors(tmp_path):
    db = tmp_path / "lib.json"
    run_cli("import", str(SAMPLE_FILES[0]), db=db)
    from reader.papers import title_id

    printed = run_cli("copy", title_id("Pointer Networks"), "-f", "title", "--print", db=db)
    assert printed.returncode == 0 and printed.stdout.decode() == "Pointer Networks\n"
    missing = run_cli("copy", "nosuchid", "--print", db=db)
    assert missing.returncode == 1 and missing.stderr.decode().startswith("reader: error: no paper")
