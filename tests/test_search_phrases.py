"""Exact phrases in abstracts, answered from the saved word positions (``library.json.phrases``).

The file must change speed only: every phrase query gives the same papers, in
the same order, with the same scores, as reading the abstracts does (the file
moved away), after changes, and whatever damage the file has suffered.
"""

from __future__ import annotations

import json
import random
import struct
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import reader.phrase_index as phrase_index
import reader.searchindex as searchindex
from benchmarks.synth import make_candidates
from reader.importers import Candidate
from reader.library import Library
from reader.phrase_index import PhraseIndex, PhraseIndexBuilder
from reader.search import SearchIndex
from reader.search_build import main as search_build_main
from reader.search_text import abstract_tokens


@pytest.fixture(autouse=True)
def saving(monkeypatch):
    """Save the indexes whatever the library's size (a real run saves from 5,000 papers on)."""
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 0)


def cand(title: str, abstract: str, source: str = "hand") -> Candidate:
    return Candidate(title=title, abstract=abstract, source=source)


# Abstracts with the shapes the text check handles: case, punctuation, spacing,
# accents, non-Latin scripts, hyphens, apostrophes, numbers, camel case, repeats.
TRICKY = [
    cand("Tricky Capitals", "Flow Matching is a generative method. Unlike overflow matching in queues."),
    cand("Tricky Punctuation", "We use flow-matching,  and more; see (flow)   [matching] too."),
    cand("Tricky Lines", "A study of flow\nmatching across lines,\tand\r\nstate-of-the-art results."),
    cand("Tricky Plural", "Flow matchings are plural here, and matching flow is reversed."),
    cand("Tricky Accents", "Embeddings in the Poincaré ball model; a naïve Bayes baseline; Ångström scale."),
    cand(
        "Tricky Scripts",
        "基于 扩散 模型 的 方法 and Ελληνικά λέξεις in the text; state\u2011of\u2011the\u2011art.",
    ),
    cand("Tricky Compounds", "Flow-Attention mechanism of linear complexity. LayerDiffusion encodes alpha."),
    cand("Tricky Numbers", "GPT-4 model beats GPT-3.5 model; 50,176 tokens; U.S. results; don't stop."),
    cand("Tricky Repeats", "The of the of the problem: of the of is repeated, the of the again."),
    cand("Tricky Apart", "Experts of a mixture, mixture models of experts: never side by side."),
    # The last word of one abstract and the first of the next make a phrase that is in neither.
    cand("Boundary First", "Walrus colonies are counted here, and the very last word is zebra"),
    cand("Boundary Second", "walrus begins this one; a zebra comes later in it."),
]

FIXED_QUERIES = [
    '"flow matching"',
    '"Flow Matching"',
    '"flow-matching"',
    '"matching flow"',
    '"flow matchings"',
    '"overflow matching"',
    '"poincare ball"',
    '"Poincaré ball model"',
    '"naive bayes"',
    '"angstrom scale"',
    '"扩散 模型"',
    '"ελληνικα λεξεις"',
    '"state of the art"',
    '"state-of-the-art results"',
    '"flow attention mechanism"',
    '"flowattention mechanism"',
    '"layerdiffusion encodes"',
    '"LayerDiffusion encodes"',
    '"gpt 4 model"',
    '"GPT-4 model"',
    '"gpt 3 5 model"',
    '"50,176 tokens"',
    '"u s results"',
    '"don\'t stop"',
    '"of the of"',
    '"of the of the"',
    '"the of the of the"',
    '"mixture of experts"',
    '"experts of a mixture"',
    '"zebra walrus"',
    '"walrus zebra"',
    '"last word is zebra"',
    '"we propose"',
    '"code is available at"',
    # negated, combined with words and filters
    'flow -"flow matching"',
    'attention -"mixture of experts"',
    '-"of the"',
    'tag:picked "mixture of experts"',
    'is:unread "flow matching"',
    '-tag:picked "state of the art"',
    'has:code "code is available"',
    '"mixture of experts" -"of the of"',
    '"mixture of experts" "flow matching"',
]


@pytest.fixture
def phrase_library(library):
    """A few hundred synthetic papers plus the tricky abstracts; some tagged, some read."""
    library.import_candidates(make_candidates(300, seed=11), sources=["synthetic"])
    library.import_candidates(TRICKY, sources=["hand"])
    ids = library.ids()
    library.tag(ids[::7], ["picked"])
    library.set_read(ids[::3])
    return library


def sampled_queries(library, count: int = 36, seed: int = 5) -> list[str]:
    """Phrases cut from real abstracts (2-4 words), and the same words in reverse."""
    rng = random.Random(seed)
    papers = [paper for paper in library.papers() if paper.has_abstract]
    queries = []
    for _ in range(count):
        tokens = abstract_tokens(library.abstract(rng.choice(papers).id))
        size = rng.choice([2, 3, 4])
        start = rng.randrange(len(tokens) - size)
        words = [token.decode("utf-8") for token in tokens[start : start + size]]
        queries.append('"' + " ".join(words) + '"')
        queries.append('"' + " ".join(reversed(words)) + '"')
    return queries


def answers(index: SearchIndex, queries) -> dict:
    out = {}
    for query in queries:
        ranked = index.search_ids(query)
        out[query] = (ranked.ids, ranked.scores, ranked.total)
    return out


def phrases_path(library) -> Path:
    return Path(str(library.path) + ".phrases")


def text_answers(library, queries) -> dict:
    """The queries answered by reading abstracts: a new index with the phrases file moved away."""
    path = phrases_path(library)
    aside = path.with_name(path.name + ".aside")
    path.rename(aside)
    try:
        index = SearchIndex(Library.open(library.path))
        index.prepare()
        assert not path.exists(), "the reference index must not write a phrases file"
        return answers(index, queries)
    finally:
        aside.rename(path)


@contextmanager
def counting_reads(library):
    """The ids of the abstracts ``library`` reads meanwhile; streaming all of them fails the test."""
    reads: list[str] = []
    read_abstracts = library.read_abstracts

    def counting(pids):
        pids = list(pids)
        reads.extend(pids)
        return read_abstracts(pids)

    def no_stream():
        raise AssertionError("every abstract was streamed")
        yield  # pragma: no cover

    library.read_abstracts = counting
    library.iter_abstracts = no_stream
    try:
        yield reads
    finally:
        del library.read_abstracts, library.iter_abstracts  # the class's methods again


# -- the same answers as the text --------------------------------------------------------------


def test_phrases_from_the_file_match_phrases_from_the_text(phrase_library):
    index = SearchIndex(phrase_library)
    index.prepare()
    assert phrases_path(phrase_library).exists()
    queries = FIXED_QUERIES + sampled_queries(phrase_library)
    got = answers(index, queries)
    assert got == text_answers(phrase_library, queries)

    titles = {paper.id: paper.title for paper in phrase_library.papers()}

    def found(query):
        return {titles[pid] for pid in got[query][0]}

    # The expected answers, not only equal ones: the cases above are really exercised.
    assert {"Tricky Capitals", "Tricky Punctuation", "Tricky Lines"} <= found('"flow matching"')
    assert not {"Tricky Plural", "Tricky Apart"} & found('"flow matching"')
    assert "Tricky Plural" in found('"matching flow"')
    assert found('"overflow matching"') == {"Tricky Capitals"}
    assert found('"poincare ball"') == found('"Poincaré ball model"') == {"Tricky Accents"}
    assert found('"扩散 模型"') == found('"ελληνικα λεξεις"') == {"Tricky Scripts"}
    assert {"Tricky Lines", "Tricky Scripts"} <= found('"state of the art"')
    assert found('"flow attention mechanism"') == {"Tricky Compounds"}
    assert found('"flowattention mechanism"') == set() and found('"LayerDiffusion encodes"') == set()
    assert found('"layerdiffusion encodes"') == {"Tricky Compounds"}
    assert found('"GPT-4 model"') == found('"gpt 3 5 model"') == {"Tricky Numbers"}
    assert "Tricky Repeats" in found('"of the of the"') and "Tricky Repeats" in found('"the of the of the"')
    assert "Tricky Apart" not in found('"mixture of experts"') and "Tricky Apart" in found('"experts of a mixture"')
    assert found('"zebra walrus"') == set()  # one abstract ends with zebra, the next begins with walrus
    assert found('"last word is zebra"') == {"Boundary First"}
    assert len(found('"mixture of experts"')) >= 10
    assert not found('"mixture of experts"') & found('attention -"mixture of experts"')
    for query in sampled_queries(phrase_library)[::2]:  # cut from an abstract: at least that paper
        if all(word.isalpha() or word.isdigit() for word in query.strip('"').split()):  # (llama2 reads llama 2)
            assert got[query][2] >= 1, query


def test_the_boundary_case_really_has_the_two_abstracts_side_by_side(phrase_library):
    SearchIndex(phrase_library).prepare()
    saved = PhraseIndex.load(phrases_path(phrase_library))
    by_title = {paper.title: paper.id for paper in phrase_library.papers()}
    first = saved.pids.index(by_title["Boundary First"])
    assert saved.pids[first + 1] == by_title["Boundary Second"]


def test_covered_abstracts_are_not_read(phrase_library):
    index = SearchIndex(phrase_library)
    index.prepare()
    with counting_reads(phrase_library) as reads:
        assert index.search_ids('"mixture of experts"').total >= 10
        assert index.search_ids('"of the of the"').total >= 1
        assert index.search_ids('attention -"mixture of experts"').total >= 10
    assert reads == []  # every candidate answered from the file
    # A paper added since the file was written is checked by reading its abstract (and only it).
    added = phrase_library.import_candidates([cand("Fresh Arrival", "A sparse mixture of experts layer.")]).added
    with counting_reads(phrase_library) as reads:
        assert added[0] in index.search_ids('"mixture of experts"').ids
    assert reads == added


def test_small_libraries_have_no_file_and_read_the_candidates(phrase_library, monkeypatch):
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 10**6)  # nothing saved below this size
    index = SearchIndex(phrase_library)
    index.prepare()
    assert not phrases_path(phrase_library).exists()
    with counting_reads(phrase_library) as reads:
        assert index.search_ids('"mixture of experts"').total >= 10
        assert index.search_ids('"flow matching"').total >= 3
    assert len(reads) >= 13


def abstract_only(library, index, phrase: str) -> list[str]:
    """Papers with ``phrase`` in the abstract but not in the title."""
    words = phrase.strip('"').lower()
    found = [pid for pid in index.search_ids(phrase).ids if words not in library.get(pid).title.lower()]
    assert len(found) >= 3
    return found


def test_changes_after_the_file_was_written_are_exact(phrase_library):
    index = SearchIndex(phrase_library)
    index.prepare()
    path = phrases_path(phrase_library)
    written = path.stat()
    phrase = '"mixture of experts"'
    before = abstract_only(phrase_library, index, phrase)
    edited, deleted = before[0], before[1]
    # An abstract edited to drop the phrase no longer matches.
    paper = phrase_library.get(edited)
    phrase_library.put([paper], {edited: "Now about walruses and nothing else."}, label="edit abstract")
    assert edited not in index.search_ids(phrase).ids
    # One edited to gain it matches.
    gainer = next(paper for paper in phrase_library.papers() if paper.id not in before and paper.has_abstract)
    phrase_library.put([gainer], {gainer.id: "Routing in a mixture of experts model."}, label="edit abstract")
    assert gainer.id in index.search_ids(phrase).ids
    # A new paper with the phrase matches; a deleted one does not.
    added = phrase_library.import_candidates([cand("Fresh Arrival", "A sparse Mixture-of-Experts layer.")]).added
    phrase_library.delete([deleted])
    after = index.search_ids(phrase).ids
    assert added[0] in after and deleted not in after
    # An abstract changed and changed back is the one in the file again.
    restored = before[2]
    text = phrase_library.abstract(restored)
    paper = phrase_library.get(restored)
    phrase_library.put([paper], {restored: "Temporarily something else."}, label="edit abstract")
    assert restored not in index.search_ids(phrase).ids
    phrase_library.put([paper], {restored: text}, label="edit abstract")
    assert restored in index.search_ids(phrase).ids

    queries = FIXED_QUERIES + sampled_queries(phrase_library, 12)
    assert answers(index, queries) == text_answers(phrase_library, queries)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)  # not rebuilt


def test_changes_made_by_another_process_are_exact(phrase_library, db_path, clock):
    first = SearchIndex(phrase_library)
    first.prepare()
    phrase = '"mixture of experts"'
    before = abstract_only(phrase_library, first, phrase)
    other = Library.open(db_path, clock=clock)
    paper = other.get(before[0])
    other.put([replace(paper, title="Edited Elsewhere")], {paper.id: "No such phrase in here."}, label="edit")
    other.import_candidates([cand("Written Elsewhere", "Mixture of experts, written by a second process.")])
    other.delete([before[1]])
    other.compact()

    library = Library.open(db_path, clock=clock)
    index = SearchIndex(library)
    index.prepare()
    assert "abstracts from saved index" in index.timings  # patched: the phrases file is the old one
    with counting_reads(library) as reads:
        found = index.search_ids(phrase).ids
    titles = {pid: library.get(pid).title for pid in found}
    assert "Written Elsewhere" in titles.values() and "Edited Elsewhere" not in titles.values()
    assert before[1] not in found
    assert [library.get(pid).title for pid in reads] == ["Written Elsewhere"]  # only what the file lacks
    queries = FIXED_QUERIES + sampled_queries(library, 12)
    assert answers(index, queries) == text_answers(library, queries)


def test_control_characters_separate_words_on_both_paths(library):
    # A NUL (possible in a JSON backup) separates words like any other punctuation, in ASCII text or not.
    library.import_candidates(
        [
            cand("Nul Ascii", "We study flow\x00matching here."),
            cand("Nul Accented", "Café flow\x00matching too."),
            cand("Nul Inside", "And overflow\x00matchingly not."),
        ]
    )
    index = SearchIndex(library)
    index.prepare()
    queries = ['"flow matching"', '"study flow"', '"overflow matching"']
    got = answers(index, queries)
    assert got == text_answers(library, queries)
    titles = [library.get(pid).title for pid in got['"flow matching"'][0]]
    assert sorted(titles) == ["Nul Accented", "Nul Ascii"]


PIECES = [
    "flow", "Flow", "FLOW", "matching", "Matching", "of", "the", "The", "naïve", "Naive", "café", "cafe",
    "GPT-4", "gpt4", "gpt", "4", "x2", "Layer", "LayerDiffusion", "diffusion", "don't", "état", "etat",
    "扩散", "模型", "Straße", "strasse", "ÅNGSTRÖM", "angstrom", "a", "A",
]
SEPARATORS = [" ", "  ", "-", ", ", ".\n", "\u2014", "\u00a0", "\t", "/", "_", "'", "\x00", " (", ") ", "\u2011", ""]


def test_random_texts_and_phrases_agree_with_the_text_path(library):
    rng = random.Random(17)
    texts = []
    for _ in range(150):
        parts = []
        for _ in range(rng.randint(3, 30)):
            parts.append(rng.choice(PIECES))
            parts.append(rng.choice(SEPARATORS))
        texts.append("".join(parts))
    library.import_candidates([cand(f"Random {number}", text) for number, text in enumerate(texts)])
    index = SearchIndex(library)
    index.prepare()
    queries = []
    for _ in range(120):
        words = " ".join(rng.choice(PIECES) for _ in range(rng.randint(2, 4)))
        queries.append(rng.choice(['"{}"', '"{}"', 'random -"{}"']).format(words))
    got = answers(index, queries)
    assert got == text_answers(library, queries)
    assert sum(1 for query in queries if got[query][2] and query.startswith('"')) >= 20  # many phrases found


def test_a_reloaded_library_is_not_answered_from_the_file_before_it_is_checked(phrase_library, db_path, clock):
    index = SearchIndex(phrase_library)
    index.prepare()
    phrase = '"mixture of experts"'
    edited = abstract_only(phrase_library, index, phrase)[0]
    other = Library.open(db_path, clock=clock)
    other.put([other.get(edited)], {edited: "Rewritten elsewhere without the phrase."}, label="edit")
    phrase_library.load()  # everything reloaded: the index cannot know which abstracts changed
    early = index.search_ids(phrase, partial_ok=True)  # before the abstracts are checked again
    assert edited not in early.ids
    index.prepare()
    assert edited not in index.search_ids(phrase).ids


def test_phrases_in_a_library_of_two_papers(library):
    library.import_candidates([cand("Only", "plain words here"), cand("Other", "and more words")])
    index = SearchIndex(library)
    index.prepare()
    assert index.search_ids('"words here"').total == 1
    assert index.search_ids('"unknown words"').total == 0
    assert index.search_ids('"here plain"').total == 0


# -- a damaged file ------------------------------------------------------------------------------


def _sections(data: bytes) -> tuple[dict, int]:
    """The header of a phrases file and where its sections start (the documented layout)."""
    magic = phrase_index.MAGIC
    (size,) = struct.unpack_from("<I", data, len(magic))
    header = json.loads(data[len(magic) + 4 : len(magic) + 4 + size])
    return header, (len(magic) + 4 + size + 7) // 8 * 8


def _section(data: bytes, name: str) -> tuple[int, int]:
    header, base = _sections(data)
    offset, size, _ = header["sections"][name]
    return base + offset, size


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :]


def damage(path: Path, how: str, monkeypatch) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "truncated in the positions":
        path.write_bytes(data[:-16])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"\x00garbage, not a phrase index" * 1000)
    elif how == "bad header":
        text = b'["not", "a", "header"]'
        magic = phrase_index.MAGIC
        path.write_bytes(magic + struct.pack("<I", len(text)) + text + data[len(magic) + 4 :])
    elif how in ("flipped pids", "flipped doc_starts", "flipped terms", "flipped offsets"):
        start, size = _section(data, how.split()[1])
        path.write_bytes(_flip(data, start + size // 2))
    elif how == "flipped positions":
        start, size = _section(data, "positions")
        for at in range(start + 1, start + size, 4096):  # in every block: whatever term is used
            data = _flip(data, at)
        path.write_bytes(data)
    elif how == "unsorted positions":
        # Positions reversed, every checksum made to match: only the order check can tell.
        header, base = _sections(data)
        sections = {}
        for name, (offset, size, _) in header["sections"].items():
            sections[name] = data[base + offset : base + offset + size]
        positions = np.frombuffer(sections["positions"], "<u4")[::-1].copy()
        sections["positions"] = positions
        sections["block_crcs"] = np.array(
            [
                phrase_index.zlib.crc32(positions[start : start + phrase_index.BLOCK])
                for start in range(0, len(positions), phrase_index.BLOCK)
            ],
            "<u4",
        )
        phrase_index._write_file(
            path, sections, documents=header["documents"], terms=header["terms"], positions=header["positions"]
        )
        assert PhraseIndex.load(path) is not None  # the file itself looks sound
    elif how == "other format":
        monkeypatch.setattr(phrase_index, "FORMAT", phrase_index.FORMAT + 1)
    elif how == "other tokenizer":
        monkeypatch.setattr(phrase_index, "TOKENIZER_VERSION", phrase_index.TOKENIZER_VERSION + 1)
    else:
        raise AssertionError(how)


DAMAGES = [
    "truncated",
    "truncated in the positions",
    "empty",
    "garbage",
    "bad header",
    "flipped pids",
    "flipped doc_starts",
    "flipped terms",
    "flipped offsets",
    "flipped positions",
    "unsorted positions",
    "other format",
    "other tokenizer",
]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_file_gives_the_same_answers(phrase_library, monkeypatch, how):
    SearchIndex(phrase_library).prepare()
    queries = ['"mixture of experts"', '"of the of the"', '"flow matching"', 'attention -"mixture of experts"']
    expected = text_answers(phrase_library, queries)
    assert expected['"mixture of experts"'][2] >= 10
    damage(phrases_path(phrase_library), how, monkeypatch)
    index = SearchIndex(Library.open(phrase_library.path))
    index.prepare()
    assert answers(index, queries) == expected
    assert answers(index, queries) == expected  # and again, once the damage is known
    if how in ("flipped positions", "unsorted positions"):
        assert index._phrases is None  # found out when used, and dropped
        assert not phrases_path(phrase_library).exists()  # removed, so the next start writes a new one
        assert index.phrases_stale()


# -- building it -------------------------------------------------------------------------------------


def test_a_rebuild_after_many_changes_keeps_every_abstract(db_path, clock, monkeypatch):
    """More than a third of the abstracts changed since the index was saved: all of them are indexed again."""
    monkeypatch.setattr(searchindex, "PATCH_MAX_CHANGED", 0)  # a real run needs 2,000 changed abstracts
    animals = ["aardvark", "bison", "cheetah", "dingo", "emu", "ferret", "gecko", "hyena", "ibis", "jackal"]
    library = Library.open(db_path, clock=clock)
    library.import_candidates(
        [cand(f"Paper {n}", f"Field notes on the {animal} in spring, number {n}.") for n, animal in enumerate(animals)]
    )
    SearchIndex(library).prepare()
    other = Library.open(db_path, clock=clock)
    changed = [paper for paper in other.papers() if int(paper.title.split()[1]) < 6]  # six of ten
    other.put(changed, {paper.id: f"Rewritten about capybaras, {paper.title}." for paper in changed}, label="edit")
    other.compact()

    library = Library.open(db_path, clock=clock)
    index = SearchIndex(library)
    index.prepare()
    assert "index abstracts" in index.timings and "abstracts from saved index" not in index.timings
    for n, animal in enumerate(animals):
        found = [hit.paper.title for hit in index.search(animal)]
        assert found == ([] if n < 6 else [f"Paper {n}"]), animal
    assert len(index.search("capybaras")) == 6
    # The rebuild wrote a new phrases file holding every abstract: nothing is read for a phrase.
    with counting_reads(library) as reads:
        assert [hit.paper.title for hit in index.search('"the hyena in spring"')] == ["Paper 7"]
        assert len(index.search('"rewritten about capybaras"')) == 6
    assert reads == []


def test_a_phrases_file_that_cannot_be_written_is_reported_not_raised(phrase_library):
    phrases_path(phrase_library).mkdir()  # something in the way
    index = SearchIndex(phrase_library)
    index.prepare()
    assert index.phrases_error and "cannot save the phrase index" in index.phrases_error
    assert index.cache_path.exists()  # the search index itself was saved
    found = [phrase_library.get(pid).title for pid in index.search_ids('"flow matching"').ids]
    assert {"Tricky Capitals", "Tricky Punctuation", "Tricky Lines"} <= set(found)


def test_the_child_process_build_writes_the_phrases_file(sample_library, monkeypatch):
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 10**6)  # the build saves whatever the size
    sample_library.compact()
    assert search_build_main([str(sample_library.path)]) == 0
    saved = PhraseIndex.load(phrases_path(sample_library))
    assert saved is not None
    assert saved.documents == sum(1 for paper in sample_library.papers() if paper.has_abstract)


# -- the positional index on its own -----------------------------------------------------------------


def test_find_agrees_with_a_plain_scan(tmp_path):
    rng = random.Random(3)
    words = [b"a", b"b", b"c", b"d", "é".encode()]  # few words: many repeats and near misses
    docs = [[rng.choice(words) for _ in range(rng.randint(0, 12))] for _ in range(200)]
    builder = PhraseIndexBuilder()
    for number, tokens in enumerate(docs):
        builder.add(number, tokens)
    path = tmp_path / "x.phrases"
    builder.write(path, [f"p{number}" for number in range(len(docs))], np.arange(1, len(docs) + 1, dtype=np.uint64))
    saved = PhraseIndex.load(path)
    assert saved.pids == [f"p{number}" for number in range(len(docs))]
    assert saved.fingerprints.tolist() == list(range(1, len(docs) + 1))

    def scan(parts):
        size = len(parts)
        return [
            number
            for number, tokens in enumerate(docs)
            if any(tokens[start : start + size] == parts for start in range(len(tokens) - size + 1))
        ]

    for _ in range(300):
        parts = [rng.choice(words) for _ in range(rng.randint(2, 5))]
        assert saved.find(parts).tolist() == scan(parts), parts
    assert saved.find([b"a", b"zzz"]).tolist() == []
    # The last word of one document and the first of the next are never a phrase.
    for number in range(len(docs) - 1):
        if docs[number] and docs[number + 1]:
            pair = [docs[number][-1], docs[number + 1][0]]
            assert (number in saved.find(pair).tolist()) == (number in scan(pair))


# -- phrases in titles: only the titles a cut can change are cut ---------------------------------

# Words that text_terms cuts differently from their lower-cased form (case changes inside a word,
# letters against digits, acronym plurals, accents) and words it does not.
TITLE_WORDS = [
    "LayerDiffusion", "Layer", "layer", "Diffusion", "diffusion", "GPT4", "GPT-4", "gpt", "4", "GPT",
    "LLMs", "LLM", "llms", "MLLMs", "LLMsX", "NeRFs", "NeRF", "ne", "rfs", "ABCDef", "abc", "Def", "def",
    "3D", "d", "3", "x2", "X2Go", "go", "of", "the", "Of", "The", "OF", "THE", "OfThe", "ofThe", "THEory",
    "Proof", "other", "Poincaré", "poincare", "Ångström", "angstrom", "naïve", "Naive", "résumé", "Resume",
    "Mixture", "MoE", "Mo", "E", "s", "S", "LayerS", "Ss", "SsS", "aA", "AaA", "a", "A", "Llama2", "llama",
    "2", "22", "2nd", "nd", "R2D2", "r", "R", "Ds", "DDs",
]
TITLE_SEPARATORS = [" ", " ", " ", "-", ": ", ", ", "/", "_", "'", " (", ") ", ".", "\u2014", "\u00a0", ""]


def random_title(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 9)):
        parts.append(rng.choice(TITLE_WORDS))
        parts.append(rng.choice(TITLE_SEPARATORS))
    return "".join(parts).strip() or "Untitled"


def _cut_everything(self, slots, texts):
    """The unfiltered path: every title the fast finder did not match is cut with text_terms."""
    return list(zip(slots, texts))


def test_the_filter_keeps_every_title_a_cut_can_match():
    """may_match_cut is a necessary condition: it never drops a title whose parts hold the phrase."""
    from reader.search_query import parse_query
    from reader.search_text import text_terms

    rng = random.Random(23)
    titles = [random_title(rng) for _ in range(600)]
    phrases = set()
    for title in titles[:300]:  # phrases cut from the titles' parts: many real matches
        parts = text_terms(title)[0]
        if len(parts) >= 2:
            size = rng.randint(2, min(4, len(parts)))
            start = rng.randrange(len(parts) - size + 1)
            phrases.add(tuple(parts[start : start + size]))
    for _ in range(200):  # and phrases typed as people write them
        parsed = parse_query('"' + " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(2, 3))) + '"')
        if parsed.phrases:
            phrases.add(parsed.phrases[0])
    slots = list(range(len(titles)))
    cut_matches = 0
    for parts in phrases:
        finder = searchindex._PhraseFinder(parts)
        fast = set(finder.find_in_texts(slots, titles))
        rest = [slot for slot in slots if slot not in fast]
        kept = dict(finder.may_match_cut(rest, [titles[slot] for slot in rest]))
        for slot in rest:
            if finder.in_parts(text_terms(titles[slot])[0]):
                cut_matches += 1
                assert slot in kept, (parts, titles[slot])
    assert cut_matches >= 100  # the cases where cutting matters are really exercised


@pytest.mark.parametrize(
    "title, phrase, found",
    [
        ("LayerDiffusion: Transparent Images", '"layer diffusion transparent"', True),
        ("LayerDiffusion: Transparent Images", '"layerdiffusion transparent"', True),
        ("The GPT4 Technical Report", '"gpt 4 technical"', True),
        ("The GPT4 Technical Report", '"gpt4 technical"', True),
        ("LLMs Are Few-Shot Learners", '"llms are"', True),
        ("MLLMs Are Few-Shot Learners", '"llms are"', False),
        ("Scaling NeRFs to Cities", '"ne rfs to"', True),
        ("Scaling NeRFs to Cities", '"nerfs to"', True),
        ("ABCDef of Things", '"def of things"', True),
        ("ABCDef of Things", '"abcdef of"', True),
        ("Proof of the Theorem", '"of the"', True),
        ("ProofOf The Theorem", '"of the"', True),
        ("Theory of Other Things", '"of the"', False),
        ("A THEory of Mind", '"e ory of"', False),
        ("A THEory of Mind", '"th eory of"', True),
        ("Poincaré Embeddings for Graphs", '"poincare embeddings"', True),
        ("Learning 3D Scenes", '"3 d scenes"', True),
        ("Learning 3D Scenes", '"learning 3"', True),
        ("R2D2 Reviews", '"d 2 reviews"', True),
    ],
)
def test_title_phrases_across_cut_words(library, monkeypatch, title, phrase, found):
    library.import_candidates([cand(title, ""), cand("Something Else Entirely", "")])
    index = SearchIndex(library)
    index.prepare()
    titles = [hit.paper.title for hit in index.search(phrase)]
    assert (title in titles) == found, titles
    monkeypatch.setattr(searchindex._PhraseFinder, "may_match_cut", _cut_everything)
    assert [hit.paper.title for hit in SearchIndex(library).search(phrase)] == titles


def test_title_phrases_agree_with_the_unfiltered_path(library, monkeypatch):
    rng = random.Random(29)
    titles = list(dict.fromkeys(random_title(rng) for _ in range(400)))
    library.import_candidates([cand(title, "") for title in titles])
    queries = []
    for _ in range(150):
        words = " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(2, 3)))
        queries.append(rng.choice(['"{}"', '"{}"', 'a -"{}"']).format(words))
    for title in rng.sample(titles, 60):  # a stretch of a title, as typed and lower-cased
        words = title.split()
        if len(words) >= 2:
            start = rng.randrange(len(words) - 1)
            stretch = " ".join(words[start : start + rng.randint(2, 3)])
            queries += [f'"{stretch}"', f'"{stretch.lower()}"']
    index = SearchIndex(library)
    index.prepare()
    got = answers(index, queries)
    monkeypatch.setattr(searchindex._PhraseFinder, "may_match_cut", _cut_everything)
    unfiltered = SearchIndex(library)
    unfiltered.prepare()
    assert got == answers(unfiltered, queries)
    assert sum(1 for query in queries if got[query][2] and query.startswith('"')) >= 50


# -- writing the phrases file alone ----------------------------------------------------------------


def without_phrases(library) -> Path:
    """Save the library's search index, then remove its phrases file (as an older version left it)."""
    SearchIndex(library).prepare()
    phrases_path(library).unlink()
    return Path(str(library.path) + ".search")


def rewrite_abstracts(db_path, clock, count: int, *, skip: int = 0) -> list[str]:
    """Change ``count`` abstracts from another process's point of view; returns their ids."""
    other = Library.open(db_path, clock=clock)
    papers = [paper for paper in other.papers() if paper.has_abstract][skip : skip + count]
    texts = {paper.id: f"Rewritten {paper.id}: a mixture of experts again." for paper in papers}
    other.put(papers, texts, label="edit")
    other.compact()
    return [paper.id for paper in papers]


def test_write_phrases_for_a_saved_index_without_one(phrase_library, db_path, clock, monkeypatch):
    cache = without_phrases(phrase_library)
    cached = cache.stat()
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 300)  # the library (312 papers) is big enough
    assert SearchIndex(Library.open(db_path, clock=clock)).phrases_stale()  # told before anything else ran
    library = Library.open(db_path, clock=clock)
    index = SearchIndex(library)
    index.prepare()
    assert "abstracts from saved index" in index.timings  # reused: no build wrote the file
    assert not phrases_path(library).exists()
    abstracts = sum(1 for paper in library.papers() if paper.has_abstract)
    assert index.phrases_coverage() == (0, abstracts) and index.phrases_stale()
    assert index.write_phrases() and index.phrases_error is None
    assert index.phrases_coverage() == (abstracts, abstracts) and not index.phrases_stale()
    assert (cache.stat().st_ino, cache.stat().st_mtime_ns) == (cached.st_ino, cached.st_mtime_ns)  # left alone
    with counting_reads(library) as reads:
        assert index.search_ids('"mixture of experts"').total >= 10
    assert reads == []
    queries = FIXED_QUERIES + sampled_queries(library, 12)
    assert answers(index, queries) == text_answers(library, queries)
    # The same file as a full build writes.
    written = phrases_path(library).read_bytes()
    cache.unlink()
    SearchIndex(Library.open(db_path, clock=clock)).prepare()
    assert phrases_path(library).read_bytes() == written


def test_coverage_counts_the_abstracts_changed_since(phrase_library, db_path, clock, monkeypatch):
    SearchIndex(phrase_library).prepare()
    abstracts = sum(1 for paper in phrase_library.papers() if paper.has_abstract)
    few = abstracts // 20  # 5%: still worth keeping
    rewrite_abstracts(db_path, clock, few)
    library = Library.open(db_path, clock=clock)
    fresh = SearchIndex(library)
    assert fresh.phrases_coverage() == (abstracts - few, abstracts)  # before prepare: abstracts streamed
    fresh.prepare()
    assert fresh.phrases_coverage() == (abstracts - few, abstracts)
    assert not fresh.phrases_stale()
    monkeypatch.setattr(searchindex, "PHRASES_MAX_UNCOVERED", few - 1)  # too many left out, in numbers
    assert fresh.phrases_stale()
    monkeypatch.setattr(searchindex, "PHRASES_MAX_UNCOVERED", 5000)
    rewrite_abstracts(db_path, clock, abstracts // 10, skip=few)  # 15% in all: too few covered
    library.refresh()
    assert fresh.phrases_coverage() == (abstracts - few - abstracts // 10, abstracts)
    assert fresh.phrases_stale()
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 10**6)  # a library too small to save anything
    assert not fresh.phrases_stale()


def test_a_file_written_by_another_process_is_used_on_the_next_phrase_query(phrase_library, db_path, clock):
    index = SearchIndex(phrase_library)
    index.prepare()
    changed = rewrite_abstracts(db_path, clock, 40)
    phrase_library.refresh()
    index.prepare()  # the library was reloaded: its abstracts are checked again
    phrase = '"mixture of experts"'
    with counting_reads(phrase_library) as reads:
        found = index.search_ids(phrase).ids
    in_abstract_only = {pid for pid in changed if "mixture of experts" not in phrase_library.get(pid).title.lower()}
    assert set(changed) <= set(found) and in_abstract_only <= set(reads)  # read: the file predates them
    other = SearchIndex(Library.open(db_path, clock=clock))
    assert other.phrases_stale() and other.write_phrases()  # "another process"
    with counting_reads(phrase_library) as reads:
        assert index.search_ids(phrase).ids == found
    assert reads == []  # the new file was picked up: it holds the changed abstracts
    queries = FIXED_QUERIES + sampled_queries(phrase_library, 12)
    assert answers(index, queries) == text_answers(phrase_library, queries)


def test_search_build_writes_only_a_missing_phrases_file(phrase_library, db_path, clock):
    cache = without_phrases(phrase_library)
    cached = cache.stat()
    assert search_build_main(["--phrases", str(db_path)]) == 0
    written = phrases_path(phrase_library).stat()
    assert (cache.stat().st_ino, cache.stat().st_mtime_ns) == (cached.st_ino, cached.st_mtime_ns)
    index = SearchIndex(Library.open(db_path, clock=clock))
    abstracts = sum(1 for paper in phrase_library.papers() if paper.has_abstract)
    assert index.phrases_coverage() == (abstracts, abstracts)
    # Current already: neither file is written again, with or without --phrases.
    assert search_build_main(["--phrases", str(db_path)]) == 0
    assert search_build_main([str(db_path)]) == 0
    assert phrases_path(phrase_library).stat().st_mtime_ns == written.st_mtime_ns
    assert cache.stat().st_mtime_ns == cached.st_mtime_ns
    # Without --phrases, a missing phrases file is written too (the saved index reused as it is).
    phrases_path(phrase_library).unlink()
    assert search_build_main([str(db_path)]) == 0
    assert phrases_path(phrase_library).exists() and cache.stat().st_mtime_ns == cached.st_mtime_ns


def test_search_build_reports_a_phrases_file_it_cannot_write(phrase_library, db_path, capsys):
    without_phrases(phrase_library)
    phrases_path(phrase_library).mkdir()  # something in the way
    assert search_build_main(["--phrases", str(db_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot save the phrase index" in err
    assert search_build_main(["--phrases"]) == 2


def test_a_library_whose_abstracts_have_no_words_gets_a_phrases_file_that_loads(library, monkeypatch):
    monkeypatch.setattr(SearchIndex, "persist_min_papers", 0)
    library.import_candidates([cand(f"Paper {n}", "... --- !!! ???") for n in range(5)])
    index = SearchIndex(library)
    index.prepare()
    assert PhraseIndex.load(phrases_path(library)) is not None
    assert not index.phrases_stale()
    assert index.search('"paper 3"').total == 1
