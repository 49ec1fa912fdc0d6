"""Absurd single inputs cost bounded memory (issue 14, item 13).

A Markdown list with one 10 MB line took 1.4 GB (markdown-it builds a token
per piece of markup), and 100 MB of ``[],`` as JSON 2.7 GB. Now an item line
longer than any title is refused in one line without parsing it, long
abstracts are decoded without markdown-it, and JSON whose decoded form would
be far larger than the text is refused before decoding. ``benchmarks/memory.py``
measures the peaks; these tests check the behaviour (and one peak, loosely).
"""

from __future__ import annotations

import pytest

from reader.errors import ImportProblem
from reader.exporters.markdown import escape_text
from reader.importers.markdown_list import (
    MAX_ITEM_CHARS,
    MAX_MARKDOWN_CHARS,
    inline_text,
    parse_reading_list,
    parse_reading_list_text,
)

from tests.conftest import run_cli
from tests.helpers.peakmem import peak_env, read_peak_mb


def test_an_item_line_longer_than_any_title_is_refused_in_one_line_without_parsing():
    line = "- [ ] **" + "*a* " * (MAX_ITEM_CHARS // 2) + "**"
    parsed = parse_reading_list_text(f"# List\n\n{line}\n- [x] **A real title**\n", "list")
    assert [item.title for item in parsed.items] == ["A real title"]
    [skip] = parsed.unrecognised
    assert skip.line == 3 and "too long" in skip.reason and len(skip.text) <= 200
    with pytest.raises(ImportProblem, match="line 3: list item of .* characters; too long"):
        parse_reading_list(f"# List\n\n{line}\n", "list")


def test_a_long_abstract_reads_back_exactly_without_a_markdown_parser():
    text = "An *abstract* with [brackets], `ticks`, a_b, <tags>, 50% & R&D, mail ann@example.org. "
    long = text * (MAX_MARKDOWN_CHARS // len(text) + 10)
    escaped = escape_text(long)
    assert len(escaped) > MAX_MARKDOWN_CHARS
    assert inline_text(escaped) == " ".join(long.split())
    short = escape_text(text)  # the same decoding as markdown-it gives
    from reader.importers.markdown_list import _plain_inline

    assert _plain_inline(short) == inline_text(short) == " ".join(text.split())


def test_a_list_with_a_ten_megabyte_line_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "list.md"
    path.write_text("# Reading list\n\n- [ ] **" + "word " * (2 * 1024 * 1024) + "**\n", encoding="utf-8")
    env, report = peak_env(tmp_path / "peak")
    done = run_cli("import", str(path), db=tmp_path / "lib" / "library.json", env=env)
    err = done.stderr.decode()
    assert done.returncode != 0 and len(err.strip().splitlines()) == 1 and "too long" in err, err
    assert read_peak_mb(report) < 300 + 10  # it was 1,400 MB


def test_json_of_millions_of_empty_arrays_is_refused_before_decoding(tmp_path):
    path = tmp_path / "arrays.json"
    path.write_bytes(b"[" + b"[]," * 3_500_000 + b"[]]")  # 10 MB: ~600 MB as Python lists
    done = run_cli("import", str(path), db=tmp_path / "lib" / "library.json")
    err = done.stderr.decode()
    assert done.returncode != 0 and len(err.strip().splitlines()) == 1 and "memory" in err, err
    assert not (tmp_path / "lib" / "library.json").exists()


def test_the_plain_decoder_reads_every_exported_sample_title_and_abstract_as_markdown_it_does():
    from reader.importers.hf_pages import parse_page_file
    from reader.importers.markdown_list import _plain_inline

    from tests.conftest import SAMPLE_FILES

    texts = [text for path in SAMPLE_FILES for c in parse_page_file(path).candidates for text in (c.title, c.abstract)]
    assert len(texts) > 800
    for text in texts:
        escaped = escape_text(text)
        assert _plain_inline(escaped) == inline_text(escaped) == " ".join(text.split())
