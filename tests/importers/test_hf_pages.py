"""The page-dump parser on the real seeds and on every quirk they (and users) produce."""

from __future__ import annotations

import re

import pytest

from reader.errors import ImportProblem
from reader.importers.hf_pages import parse_page_file, parse_page_text
from reader.papers import normalise_title

from tests.conftest import SAMPLE_FILES

BLOCK = "hf-daily-papers-mar-11-code-completion.txt"
COMPACT = "hf-daily-papers-compact-video-compression.txt"

ABSTRACT_A = (
    "We study how contexts change code completion. " * 8
    + "Code is at https://github.com/acme/complete."
)
ABSTRACT_B = "Second paper abstract that is long enough to be an abstract. " * 8


def sample(name: str):
    return next(p for p in SAMPLE_FILES if p.name == name)


def test_seeds_hold_477_entries_and_442_distinct_papers():
    entries = []
    for path in SAMPLE_FILES:
        parsed = parse_page_file(path)
        assert parsed.skipped == [], f"{path.name}: {parsed.skipped}"
        entries.extend(parsed.candidates)
    assert len(SAMPLE_FILES) == 5
    assert len(entries) == 477
    assert len({normalise_title(c.title) for c in entries}) == 442


def test_block_layout_drops_page_chrome():
    parsed = parse_page_file(sample(BLOCK))
    titles = [c.title for c in parsed.candidates]
    assert titles[0] == (
        "Deep Learning-based Code Completion: On the Impact on Performance of Contextual Information"
    )
    chrome = {"new", "Subscribe", "Get trending papers in your email inbox!", "byAK and the research community", "Mar 11"}
    assert not chrome & set(titles)
    assert all(len(c.abstract) > 300 for c in parsed.candidates)


def test_compact_layout_unglues_first_title_from_subscribe():
    parsed = parse_page_file(sample(COMPACT))
    assert len(parsed.candidates) == 212
    first = parsed.candidates[0]
    assert first.title.startswith("NIRVANA: Neural Implicit Representations of Videos")
    assert not first.title.startswith("Subscribe")
    assert first.abstract.startswith("Implicit Neural Representations (INR)")


def test_title_with_sentence_like_punctuation_is_still_a_title():
    # "vs." and "?" made this title look like prose to a naive shape check.
    parsed = parse_page_file(sample("hf-daily-papers-mar-13-vision-mamba.txt"))
    titles = [c.title for c in parsed.candidates]
    assert any(t.startswith("Does Localization Inform Editing? Surprising Differences") for t in titles)


QUIRKS = {
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "bom": lambda text: "\ufeff" + text,
    "nbsp": lambda text: text.replace("A Paper About Code", "A\u00a0Paper About\u00a0Code"),
    "trailing": lambda text: text.replace("\n", "   \t\n"),
    "daily": lambda text: text.replace("Subscribe\n", "Subscribe\n\nDaily Papers\n"),
    "once-a-day": lambda text: "Get trending papers in your email inbox once a day!\n" + text,
    "by-ak": lambda text: text.replace("byAK", "by AK"),
}


@pytest.mark.parametrize("variant", list(QUIRKS))
def test_quirks_are_tolerated(variant):
    header = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\nSep 9\n\n"
    body = f"A Paper About Code\n\n{ABSTRACT_A}\n\nAnother Paper\n\n{ABSTRACT_B}\n"
    parsed = parse_page_text(QUIRKS[variant](header + body), "page")
    assert [c.title for c in parsed.candidates] == ["A Paper About Code", "Another Paper"]
    assert parsed.skipped == []


def test_bom_file_parses_like_the_original(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + sample(BLOCK).read_bytes().replace(b"\n", b"\r\n"))
    assert [c.title for c in parse_page_file(path).candidates] == [
        c.title for c in parse_page_file(sample(BLOCK)).candidates
    ]


def test_title_without_abstract_is_reported_and_the_rest_kept():
    text = f"Orphan Title\n\nA Paper About Code\n\n{ABSTRACT_A}\n\nLast Title Without Abstract\n"
    parsed = parse_page_text(text, "page")
    assert [c.title for c in parsed.candidates] == ["A Paper About Code"]
    assert [(s.line, s.reason, s.text) for s in parsed.skipped] == [
        (1, "title without an abstract", "Orphan Title"),
        (7, "title without an abstract", "Last Title Without Abstract"),
    ]


def test_compact_layout_title_without_abstract():
    text = f"SubscribeFirst Title\n{ABSTRACT_A}\nLonely Title\nThird Title\n{ABSTRACT_B}\n"
    parsed = parse_page_text(text, "page")
    assert [c.title for c in parsed.candidates] == ["First Title", "Third Title"]
    assert [(s.line, s.text) for s in parsed.skipped] == [(3, "Lonely Title")]


def test_candidate_records_line_and_links():
    text = f"new\n\nA Paper About Code\n\n{ABSTRACT_A}\n"
    (cand,) = parse_page_text(text, "page").candidates
    assert cand.line == 3
    assert [link.url for link in cand.links] == ["https://github.com/acme/complete"]
    assert cand.source == "page"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\u00e9 au lait\n".encode("latin-1"), "not UTF-8"),
        (b"just some words\nand more words\n", "no papers found"),
    ],
)
def test_bad_files_raise_one_clear_problem(tmp_path, content, message):
    path = tmp_path / "page.txt"
    path.write_bytes(content)
    with pytest.raises(ImportProblem, match=message) as info:
        parse_page_file(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_missing_path_directory_and_huge_file(tmp_path):
    with pytest.raises(ImportProblem, match="no such file"):
        parse_page_file(tmp_path / "missing.txt")
    with pytest.raises(ImportProblem, match="is a directory"):
        parse_page_file(tmp_path)
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(ImportProblem, match="50.0 MB"):
        parse_page_file(huge)


def test_a_flood_of_noise_is_rejected_without_reading_it_all(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_text("x\n" * 50_000)
    with pytest.raises(ImportProblem, match="no papers found in its first 10,000 lines"):
        parse_page_file(path)


def test_line_numbers_follow_every_kind_of_line_end():
    text = f"new\r\rFirst Title\r\n\r\n{ABSTRACT_A}\n\n\r\rSecond Title\r{ABSTRACT_B}\n"
    parsed = parse_page_text(text, "page")
    assert [(c.line, c.title) for c in parsed.candidates] == [(3, "First Title"), (9, "Second Title")]


# -- pairing by layout (issue 14, item 15) ----------------------------------------------------


def _one_sentence(abstract: str) -> str:
    """A one-sentence abstract of 60-200 characters made from a real one (as real short abstracts are)."""
    words = abstract.replace(". ", " ").split()
    sentence = ""
    for word in words:
        if len(sentence) + len(word) + 2 > 199:
            break
        sentence = f"{sentence} {word}".strip()
    sentence = re.sub(r"[^\w)]+$", "", sentence) + "."
    assert 60 <= len(sentence) <= 200 and len(sentence.split()) >= 8
    return sentence


def _short_abstract_page(name: str, compact: bool) -> tuple[str, list[tuple[str, str]]]:
    real = parse_page_file(sample(name)).candidates
    pairs = [(c.title, _one_sentence(c.abstract)) for c in real]
    if compact:
        lines = ["Get trending papers in your email inbox!", f"Subscribe{pairs[0][0]}", pairs[0][1]]
        lines += [line for pair in pairs[1:] for line in pair]
        return "\n".join(lines) + "\n", pairs
    lines = ["new", "Subscribe", "byAK and the research community", "Mar 11"]
    lines += [line for pair in pairs for line in pair]
    return "\n\n".join(lines) + "\n", pairs


@pytest.mark.parametrize("compact", [False, True], ids=["block", "compact"])
@pytest.mark.parametrize("name", [BLOCK, COMPACT, "hf-daily-papers-mar-13-vision-mamba.txt"])
def test_a_page_of_one_sentence_abstracts_pairs_every_title_with_its_abstract(name, compact):
    text, pairs = _short_abstract_page(name, compact)
    parsed = parse_page_text(text, "page")
    assert [(c.title, c.abstract) for c in parsed.candidates] == pairs
    assert parsed.skipped == []


@pytest.mark.parametrize("compact", [False, True], ids=["block", "compact"])
def test_a_missing_abstract_among_short_ones_loses_only_that_paper(compact):
    text, pairs = _short_abstract_page(BLOCK, compact)
    lonely = pairs[3][0]
    text = text.replace(f"{pairs[3][1]}\n", "", 1)  # paper 4 loses its abstract
    text = text.replace("\n\n\n\n", "\n\n")
    parsed = parse_page_text(text, "page")
    assert [(c.title, c.abstract) for c in parsed.candidates] == pairs[:3] + pairs[4:]
    assert [(s.reason, s.text) for s in parsed.skipped] == [("title without an abstract", lonely)]


def test_a_short_abstract_without_a_full_stop_still_pairs_by_place():
    text = (
        "A Paper About Code\n\nWe release the code, data and models of this paper at https://github.com/acme/x\n\n"
        f"Another Paper\n\n{ABSTRACT_B}\n"
    )
    parsed = parse_page_text(text, "page")
    assert [c.title for c in parsed.candidates] == ["A Paper About Code", "Another Paper"]
    assert parsed.candidates[0].links[0].url == "https://github.com/acme/x"
