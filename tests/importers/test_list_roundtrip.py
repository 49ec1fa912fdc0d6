"""A Markdown list reader exported comes back: read state and tags, new papers, reported oddities."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.errors import ImportProblem
from reader.exporters.markdown import render_reading_list
from reader.importers.markdown_list import apply_reading_list, parse_reading_list, parse_reading_list_text
from reader.store import Library
from reader.papers import CODE, Link, Paper, normalise_tag, normalise_title, title_id

from tests.conftest import SAMPLE_FILES, FixedClock, run_cli


def state(library) -> dict[str, tuple[bool, tuple[str, ...]]]:
    return {p.id: (p.read, p.tags) for p in library.papers()}


def import_list(library, text: str, source: str = "list"):
    return apply_reading_list(library, parse_reading_list(text, source))


def fresh_copy(tmp_path, library, name="copy") -> Library:
    """Another library holding the same papers, all unread and untagged."""
    from dataclasses import replace

    other = Library.open(tmp_path / name / "library.json", clock=FixedClock())
    other.put(
        [replace(p, read=False, read_at=None, tags=()) for p in library.papers()],
        library.abstracts(),
        label="copy",
    )
    return other


def test_export_then_import_restores_read_state_and_tags(sample_library, tmp_path):
    papers = sample_library.papers()
    sample_library.set_read([p.id for p in papers[::7]])
    sample_library.tag([p.id for p in papers[::5]], ["to-read"])
    sample_library.tag([papers[3].id, papers[10].id], ["Vision", "c++"])
    for group_by in ("none", "tag", "read", "source"):
        text = render_reading_list(sample_library.papers(), group_by=group_by, order="title")
        other = fresh_copy(tmp_path, sample_library, name=group_by)
        report = import_list(other, text)
        assert state(other) == state(sample_library), group_by
        assert report.unrecognised == [] and report.added == [] and report.not_added == []
        assert len(report.marked_read) == len(papers[::7])
        seq = other.seq
        again = import_list(other, text)  # idempotent
        assert not again.changed and other.seq == seq and again.unchanged == len(papers)


def test_edited_list_ticks_unticks_and_retags(sample_library):
    papers = sample_library.papers()[:6]
    sample_library.set_read([papers[1].id])
    sample_library.tag([papers[2].id], ["old", "keep"])
    text = render_reading_list(sample_library.papers()[:6])
    lines = text.splitlines()
    items = [n for n, line in enumerate(lines) if line.startswith("- [")]
    # A person ticks the first paper, unticks the second, drops "old" and adds two tags
    # to the third (one as code, one as a plain hashtag), deletes the fourth line and
    # moves the last line to the top.
    lines[items[0]] = lines[items[0]].replace("- [ ]", "- [x]", 1)
    lines[items[1]] = lines[items[1]].replace("- [x]", "- [ ]", 1)
    lines[items[2]] = lines[items[2]].replace(" `#old`", "") + " `#Deep Learning` #new_tag"
    last = lines[items[5]]
    del lines[items[5]]
    del lines[items[3]]
    lines.insert(items[0], last)
    before = {p.id: p for p in sample_library.papers()}
    report = import_list(sample_library, "\n".join(lines))
    after = {p.id: p for p in sample_library.papers()}
    assert after[papers[0].id].read and after[papers[0].id].read_at
    assert not after[papers[1].id].read and after[papers[1].id].read_at is None
    assert after[papers[2].id].tags == ("keep", "deep-learning", "new_tag")
    assert after[papers[3].id] == before[papers[3].id]  # its line was removed: untouched
    assert report.marked_read == [papers[0].id] and report.marked_unread == [papers[1].id]
    assert report.retagged == {papers[2].id: {"added": ["deep-learning", "new_tag"], "removed": ["old"]}}
    assert report.unchanged == 2 and report.papers == 5
    assert not import_list(sample_library, "\n".join(lines)).changed


def test_unknown_papers_are_added_when_the_line_identifies_them(library):
    text = "\n".join(
        [
            "# Shared list",
            "",
            "- [x] **A New Paper** · [code](<https://github.com/someone/new-paper>) · `#fresh`",
            "- [ ] [Hand Written](https://arxiv.org/abs/2401.01234v2) #arxiv-one",
            "- [ ] Typed by hand https://someone.github.io/project",
            "- [ ] **Only A Title**",
            "  > Its abstract.",
        ]
    )
    report = import_list(library, text, source="shared")
    by_title = {p.title: p for p in library.papers()}
    assert sorted(by_title) == ["A New Paper", "Hand Written", "Typed by hand"]
    new = by_title["A New Paper"]
    assert new.read and new.tags == ("fresh",) and new.links == (Link("https://github.com/someone/new-paper", CODE),)
    assert new.sources == ("shared",)
    hand = by_title["Hand Written"]
    assert hand.id == "2401.01234" and hand.arxiv_id == "2401.01234" and hand.tags == ("arxiv-one",)
    assert by_title["Typed by hand"].project_link.url == "https://someone.github.io/project"
    assert sorted(report.added) == sorted(p.id for p in library.papers())
    assert [(s.line, s.text) for s in report.not_added] == [(6, "Only A Title")]
    again = import_list(library, text, source="shared")
    assert not again.changed and len(library) == 3 and [s.line for s in again.not_added] == [6]


def test_abstracts_in_the_list_come_with_new_papers(sample_library, library):
    source = [p for p in sample_library.papers() if p.has_code][:3]
    abstracts = sample_library.abstracts()
    for style in ("details", "quote"):
        text = render_reading_list(source, abstracts=style, abstract_texts=abstracts)
        target = Library.open(library.path.with_name(f"{style}.json"), clock=FixedClock())
        report = import_list(target, text)
        assert len(report.added) == 3
        for paper in source:
            found = target.find_existing(paper.title)
            assert found is not None and found.code_link == paper.code_link
            assert target.abstract(found.id) == " ".join(abstracts[paper.id].split())


def test_unrecognised_lines_are_reported_with_line_numbers_not_fatal(sample_library):
    paper = sample_library.papers()[0]
    text = "\n".join(
        [
            "# List",  # 1
            "Some notes a person wrote.",  # 2
            "- a plain bullet",  # 3
            f"- [x] **{paper.title}**",  # 4
            "| a | table |",  # 5
            "- [ ]",  # 6: a box without a title
            "---",  # 7
            "",  # 8
            "12 papers: 1 read, 11 unread.",  # 9: the summary line reader writes
        ]
    )
    report = import_list(sample_library, text)
    assert [(s.line, s.text) for s in report.unrecognised] == [
        (2, "Some notes a person wrote."),
        (3, "- a plain bullet"),
        (5, "| a | table |"),
        (6, "- [ ]"),
    ]
    assert sample_library.get(paper.id).read and report.marked_read == [paper.id]


def test_paper_listed_twice_is_read_if_either_line_is_ticked(sample_library):
    paper = sample_library.papers()[0]
    sample_library.tag([paper.id], ["a", "b"])
    text = render_reading_list([sample_library.get(paper.id)], group_by="tag")
    assert text.count("- [ ]") == 2
    report = import_list(sample_library, text.replace("- [ ]", "- [x]", 1))
    assert sample_library.get(paper.id).read
    assert len(report.notes) == 1 and "more than once" in report.notes[0]
    assert not import_list(sample_library, text.replace("- [ ]", "- [x]", 1)).changed


def test_a_file_without_items_is_refused():
    with pytest.raises(ImportProblem, match="no task-list items"):
        parse_reading_list("# Notes\n\nNothing to read here.\n", "notes")
    assert parse_reading_list_text("# Notes\n", "notes").items == []


# -- property: export -> import preserves read state and tags ------------------------------------

TITLE_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="*_[]`<>|#!()~$&\\-+=.:",
)
titles = st.text(TITLE_CHARS, min_size=1, max_size=40).filter(lambda t: normalise_title(t))
tags = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12)
tags = tags.map(normalise_tag).filter(bool)


@st.composite
def papers_strategy(draw):
    chosen = draw(st.lists(titles, min_size=1, max_size=8, unique_by=normalise_title))
    papers = []
    for title in chosen:
        papers.append(
            Paper(
                id=title_id(title),
                title=title,
                read=draw(st.booleans()),
                tags=tuple(dict.fromkeys(draw(st.lists(tags, max_size=3)))),
                links=(Link("https://github.com/o/r", CODE),) if draw(st.booleans()) else (),
            )
        )
    return papers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(papers=papers_strategy(), group_by=st.sampled_from(["none", "tag", "read"]))
def test_property_round_trip_preserves_read_state_and_tags(tmp_path, papers, group_by):
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        library = Library.open(Path(scratch) / "lib.json", clock=FixedClock())
        library.put([Paper(id=p.id, title=p.title, links=p.links) for p in papers], label="seed")
        text = render_reading_list(papers, group_by=group_by)
        report = import_list(library, text)
        assert report.unrecognised == []
        assert {p.id: (p.read, set(p.tags)) for p in library.papers()} == {
            p.id: (p.read, set(p.tags)) for p in papers
        }
        seq = library.seq
        assert not import_list(library, text).changed and library.seq == seq


# -- the command ---------------------------------------------------------------------------------


def test_cli_round_trip_and_bad_list(tmp_path):
    db = tmp_path / "lib.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    pid = title_id("Pointer Networks")
    listing = tmp_path / "list.md"
    assert run_cli("export", "-o", str(listing), db=db).returncode == 0
    text = listing.read_text()
    line = next(line for line in text.splitlines() if "**Pointer Networks**" in line)
    listing.write_text(text.replace(line, line.replace("- [ ]", "- [x]") + " `#classic`") + "stray line\n")
    result = run_cli("import", str(listing), db=db)
    assert result.returncode == 0, result.stderr.decode()
    output = result.stdout.decode()
    assert "1 marked read" in output and "+classic" in output
    stray = len(listing.read_text().splitlines())
    assert f"line {stray}: not recognised" in output
    shown = json.loads(run_cli("show", "--json", pid, db=db).stdout)
    assert shown["read"] is True and shown["tags"] == ["classic"]
    again = json.loads(run_cli("import", "--json", str(listing), db=db).stdout)
    assert again["lists"][0]["marked_read"] == [] and again["lists"][0]["unchanged"] == 212

    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("lib.json") and p.is_file()}
    notes = tmp_path / "notes.md"
    notes.write_text("# Just notes\n\nNo list here.\n")
    bad = run_cli("import", str(listing), str(notes), db=db)  # one bad file: nothing is imported
    assert bad.returncode == 1 and len(bad.stderr.decode().strip().splitlines()) == 1
    assert "no task-list items" in bad.stderr.decode() and "Traceback" not in bad.stderr.decode()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("lib.json") and p.is_file()} == before


def test_cli_recognises_a_list_by_content_on_stdin(tmp_path):
    db = tmp_path / "lib.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    result = run_cli("import", "-", db=db, input=b"- [x] **Pointer Networks**\n")
    assert result.returncode == 0, result.stderr.decode()
    assert "1 marked read" in result.stdout.decode()


# -- the fast path for reader's own lines agrees with the Markdown parser --------------------------

LINK_URLS = st.sampled_from(
    [
        "https://github.com/o/r",
        "https://example.com/a_(b)_c)",
        "https://example.com/a b",
        "https://example.com/?a=1&amp;b=2",
        "https://example.com/`tick`",
        "https://example.com/%5C",
        "javascript:alert(1)",
        "https://arxiv.org/abs/2401.01234",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(TITLE_CHARS, min_size=1, max_size=40),
    tag_list=st.lists(st.text(min_size=1, max_size=8).map(normalise_tag).filter(bool), max_size=3),
    url=LINK_URLS,
    read=st.booleans(),
)
def test_fast_item_parser_agrees_with_markdown_it(title, tag_list, url, read):
    from reader.exporters.markdown import paper_line
    from reader.importers.markdown_list import _parse_item_text_fast, _parse_item_text_markdown

    line = paper_line(Paper(id="x", title=title, tags=tuple(tag_list), links=(Link(url, CODE),), read=read))
    rest = line[len("- [ ] ") :]
    fast = _parse_item_text_fast(rest)
    if fast is not None:
        assert fast == _parse_item_text_markdown(rest)


def test_fast_item_parser_handles_almost_all_sample_lines(sample_library):
    from reader.importers.markdown_list import _parse_item_text_fast, _parse_item_text_markdown

    sample_library.tag([p.id for p in sample_library.papers()[::4]], ["x", "to-read"])
    lines = [line for line in render_reading_list(sample_library.papers()).splitlines() if line.startswith("- [")]
    fast = [_parse_item_text_fast(line[6:]) for line in lines]
    assert sum(result is not None for result in fast) >= 0.95 * len(lines)
    for line, result in zip(lines, fast, strict=True):
        if result is not None:
            assert result == _parse_item_text_markdown(line[6:])
