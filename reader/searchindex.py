"""The search index: ranked, typo-tolerant search over a whole library.

How it works
------------
Every paper gets a *slot* (a row number). For each field (title, tags, links,
abstract) an inverted index maps each term (see :mod:`reader.search_text`) to
the slots containing it: an immutable base held in numpy arrays plus a small
overlay for papers that changed since, so a tag or read change touches one
paper and never rebuilds anything.

A query word is expanded against the vocabulary of all terms: the word itself,
terms it is a prefix of (people type the start of a name), and terms within one
edit (two for words of eight letters or more; transpositions count as one)
found through a bigram index and checked with rapidfuzz. Each expansion has a
quality (exact 1.0, plural 0.95, prefix 0.7-0.9, one typo 0.7-0.8, two 0.6).
A paper's score for a word is the best quality it contains, raised by where it
was found (title > tag > link > abstract). Its score for the query is the sum
over words, with field bonuses scaled so that matching one more query word
always outweighs better fields for the others; small bonuses for covering
most of a short title and for naming the method (the title's first word) break
the remaining ties, then newer papers come first. All of this is numpy array
arithmetic over slots: no Python loop per paper at query time.

Start-up cost is paid lazily and in layers: filters and the empty query need
only per-paper flags; the first word query builds the title/tag/link index;
abstracts are loaded and indexed by :meth:`SearchIndex.prepare` (which
``search`` calls unless ``partial_ok``). The title/link and abstract indexes
are saved beside the library (``library.json.search``) and reused when every
paper's text still has the fingerprint recorded for it: a saved index is never
trusted for a paper whose text changed, and a damaged file is ignored.

A quoted phrase is narrowed to the papers having all its words, then checked
word by word in order. In an abstract that check uses the word positions
saved by the last build from every abstract (``library.json.phrases``, see
:mod:`reader.phrase_index`, memory-mapped and loaded on the first phrase
query, read again when another process replaced it) for every abstract whose
fingerprint is still the one saved there; the others (added or changed since)
are read and searched as text. A saved index that is reused or patched
leaves that file as it is: :meth:`SearchIndex.phrases_stale` tells when it
covers too few abstracts and :meth:`SearchIndex.write_phrases` writes it
alone (the TUI does both at start-up, see :mod:`reader.tui.searching`). In a
title, words are also cut where their case changes (LayerDiffusion); only the
titles where that can make a difference are cut (:meth:`_PhraseFinder.may_match_cut`).
"""

from __future__ import annotations

import bisect
import itertools
import json
import operator
import os
import re
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reader.fileio import file_signature, write_atomically
from rapidfuzz import process
from rapidfuzz.distance import OSA

from reader.papers import CODE, PROJECT, Paper
from reader.phrase_index import PhraseIndex, PhraseIndexBuilder
from reader.search_query import Query, QueryError, Term, parse_query
from reader.search_text import (
    TOKENIZER_VERSION,
    abstract_terms,
    abstract_tokens,
    abstract_tokens_and_terms,
    fold,
    forget_cut_words,
    link_terms,
    normalised_words,
    text_terms,
    title_terms,
)

TITLE, TAGS, LINKS, ABSTRACT = range(4)
FIELD_NAMES = ("title", "tags", "links", "abstract")
# How much finding a word in each field adds to a plain match (scaled per query).
FIELD_BONUS = (1.0, 0.9, 0.8, 0.0)

EXACT, PLURAL = 1.0, 0.95
MAX_PREFIX_SCAN = 5000  # words looked at for one prefix or suffix
MAX_PREFIX_EXPANSIONS = 100  # the shortest (closest) of them kept
MAX_SUFFIX_EXPANSIONS = 30

# Query-level bonuses, as fractions of the per-word field bonus.
COVERAGE_BONUS = 0.5  # the query covers the whole title
FIRST_WORD_BONUS = 0.4  # a query word is the title's first word (usually the method's name)
ADJACENT_BONUS = 0.5  # the query's words stand side by side, in order, in the title
WHOLE_TITLE_BONUS = 1.0  # the query is the title (added as a whole word's worth)


@dataclass(slots=True)
class Hit:
    paper: Paper
    score: float


class SearchResult(list):
    """Hits, best first (a plain list of :class:`Hit`), plus what the list leaves out.

    ``total`` is the number of papers that match (more than ``len()`` when a
    limit cut the list); ``partial`` is True when abstracts were not searched
    (``search(..., partial_ok=True)`` before :meth:`SearchIndex.prepare` finished).
    """

    def __init__(self, hits=(), *, total: int = 0, partial: bool = False, query: Query | None = None) -> None:
        super().__init__(hits)
        self.total = total
        self.partial = partial
        self.query = query


@dataclass(slots=True)
class RankedIds:
    """Paper ids best first, their scores, how many papers match, and whether abstracts were left out."""

    ids: list[str]
    scores: list[float]
    total: int
    partial: bool = False


# -- postings ---------------------------------------------------------------------------


class _TermIds(dict):
    """term -> consecutive id, assigning the next id to a new term on lookup."""

    def __missing__(self, key):
        value = self[key] = len(self)
        return value


def _empty_slots() -> np.ndarray:
    return np.zeros(0, np.int32)


class _Postings:
    """term -> slots for one field: a base in CSR arrays plus an overlay of later changes.

    ``terms`` maps a term (str, or bytes for abstracts) to a local id. Ids below
    ``base_terms`` have base postings ``docs[offsets[id]:offsets[id + 1]]``.
    A slot whose text changed is marked ``stale`` (its base postings are
    ignored) and its new terms go to the overlay.
    """

    def __init__(self, byte_terms: bool = False) -> None:
        self.byte_terms = byte_terms
        self.terms: dict = {}
        self.offsets = np.zeros(1, np.int64)
        self.docs = _empty_slots()
        self.base_terms = 0
        self.in_base = np.zeros(0, bool)
        self.stale = np.zeros(0, bool)
        self.n_stale = 0
        self.overlay: dict[int, list[int]] = {}
        self.overlay_of: dict[int, list[int]] = {}
        self.overlay_size = 0

    # building -------------------------------------------------------------------
    @classmethod
    def from_docs(cls, docs, capacity: int, *, byte_terms: bool = False, pace: bool = False) -> "_Postings":
        """Build from (slot, distinct terms) pairs, in increasing slot order."""
        from array import array

        ids = _TermIds()
        lookup = ids.__getitem__
        term_ids = array("i")
        counts = array("i")
        slots = array("i")
        for number, (slot, words) in enumerate(docs):
            before = len(term_ids)
            term_ids.extend(map(lookup, words))
            counts.append(len(term_ids) - before)
            slots.append(slot)
            if pace and number % 500 == 499:
                time.sleep(0)  # let another thread (the UI) run
        postings = cls(byte_terms)
        postings._set_base_grouping(
            dict(ids),
            np.frombuffer(term_ids, np.int32) if term_ids else np.zeros(0, np.int32),
            np.frombuffer(slots, np.int32) if slots else _empty_slots(),
            np.frombuffer(counts, np.int32) if counts else np.zeros(0, np.int32),
            capacity,
        )
        return postings

    def _set_base_grouping(
        self, terms: dict, term_ids: np.ndarray, slots: np.ndarray, counts: np.ndarray, capacity: int
    ) -> None:
        """Set the base from postings listed doc by doc (``counts[i]`` terms for ``slots[i]``).

        Grouping by term is a counting sort done a chunk of documents at a time,
        so memory stays near the size of the result (17 million postings at
        100,000 papers) instead of several times it.
        """
        count = len(terms)
        offsets = np.zeros(count + 1, np.int64)
        if count:
            np.cumsum(np.bincount(term_ids, minlength=count), out=offsets[1:])
        cursor = offsets[:-1].copy()
        docs = np.empty(len(term_ids), np.int32)
        ends = np.cumsum(counts, dtype=np.int64)
        chunk = 4000  # documents: ~700,000 postings, ~30 MB of temporary arrays
        for first_doc in range(0, len(slots), chunk):
            last_doc = min(first_doc + chunk, len(slots))
            start = int(ends[first_doc - 1]) if first_doc else 0
            stop = int(ends[last_doc - 1])
            if stop == start:
                continue
            chunk_terms = term_ids[start:stop]
            chunk_slots = np.repeat(slots[first_doc:last_doc], counts[first_doc:last_doc])
            order = np.argsort(chunk_terms, kind="stable")
            sorted_terms = chunk_terms[order]
            rank = np.arange(len(order)) - np.searchsorted(sorted_terms, sorted_terms, side="left")
            docs[cursor[sorted_terms] + rank] = chunk_slots[order]
            cursor += np.bincount(chunk_terms, minlength=count)
        self.terms = terms
        self.base_terms = count
        self.offsets = offsets
        self.docs = docs
        self.in_base = np.zeros(capacity, bool)
        if len(slots):
            self.in_base[slots[counts > 0]] = True
        self.stale = np.zeros(capacity, bool)
        self.n_stale = 0
        self.overlay = {}
        self.overlay_of = {}
        self.overlay_size = 0

    @classmethod
    def from_arrays(cls, terms: list, offsets: np.ndarray, docs: np.ndarray, capacity: int, *, byte_terms: bool):
        postings = cls(byte_terms)
        postings.terms = dict(zip(terms, range(len(terms))))
        postings.base_terms = len(terms)
        postings.offsets = offsets
        postings.docs = docs
        postings.in_base = np.zeros(capacity, bool)
        if len(docs):
            postings.in_base[docs] = True
        postings.stale = np.zeros(capacity, bool)
        return postings

    def compacted(self, capacity: int) -> "_Postings":
        """The same postings with the overlay folded into a new base."""
        base_ids = np.repeat(np.arange(self.base_terms, dtype=np.int32), np.diff(self.offsets).astype(np.int64))
        docs = self.docs
        if self.n_stale:
            keep = ~self.stale[docs]
            base_ids, docs = base_ids[keep], docs[keep]
        extra_ids: list[int] = []
        extra_slots: list[int] = []
        for slot, ids in self.overlay_of.items():
            extra_ids.extend(ids)
            extra_slots.extend([slot] * len(ids))
        new = _Postings(self.byte_terms)
        new._set_base(
            dict(self.terms),
            np.concatenate([base_ids, np.array(extra_ids, np.int32)]),
            np.concatenate([docs, np.array(extra_slots, np.int32)]),
            capacity,
        )
        return new

    def term_list(self) -> list:
        words = [None] * len(self.terms)
        for term, number in self.terms.items():
            words[number] = term
        return words

    # changing -------------------------------------------------------------------
    def grow(self, capacity: int) -> None:
        if len(self.in_base) < capacity:
            self.in_base = _grown(self.in_base, capacity)
            self.stale = _grown(self.stale, capacity)

    def set_doc(self, slot: int, words) -> list:
        """Replace the terms of ``slot`` (None or empty: remove it). Returns terms new to this field."""
        if slot < len(self.in_base) and self.in_base[slot] and not self.stale[slot]:
            self.stale[slot] = True
            self.n_stale += 1
        old = self.overlay_of.pop(slot, None)
        if old:
            for number in old:
                slots = self.overlay[number]
                slots.remove(slot)
                if not slots:
                    del self.overlay[number]
            self.overlay_size -= len(old)
        new_terms = []
        if words:
            numbers = []
            for term in words:
                number = self.terms.get(term)
                if number is None:
                    number = self.terms[term] = len(self.terms)
                    new_terms.append(term)
                self.overlay.setdefault(number, []).append(slot)
                numbers.append(number)
            self.overlay_of[slot] = numbers
            self.overlay_size += len(numbers)
        return new_terms

    # reading --------------------------------------------------------------------
    def lookup(self, term: str) -> np.ndarray | None:
        number = self.terms.get(term.encode("utf-8", "surrogatepass") if self.byte_terms else term)
        if number is None:
            return None
        found = None
        if number < self.base_terms:
            found = self.docs[self.offsets[number] : self.offsets[number + 1]]
            if self.n_stale:
                found = found[~self.stale[found]]
        extra = self.overlay.get(number)
        if extra:
            extra_slots = np.array(extra, np.int32)
            found = extra_slots if found is None or not len(found) else np.concatenate([found, extra_slots])
        return found

    @property
    def postings_count(self) -> int:
        return len(self.docs) + self.overlay_size

    def nbytes(self) -> int:
        return self.docs.nbytes + self.offsets.nbytes + self.in_base.nbytes + self.stale.nbytes


def _grown(array: np.ndarray, capacity: int) -> np.ndarray:
    new = np.zeros(max(capacity, 2 * len(array), 64), array.dtype)
    new[: len(array)] = array
    return new


# -- the vocabulary: exact, prefix and fuzzy lookups ----------------------------------


def _fuzzable(word: str) -> bool:
    """Words typos are looked for in: letters, or letters with digits (not bare numbers)."""
    return word.isalnum() and not word.isdigit()


_NOT_DIGITS = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyz")


def _digits(word: str) -> str:
    return word.translate(_NOT_DIGITS) if word.isascii() else "".join(ch for ch in word if ch.isdigit())


def _is_plural(word: str, term: str) -> bool:
    return term in (word + "s", word + "es") or word in (term + "s", term + "es")


class _Vocab:
    """Every term of every field, for expanding a query word into the terms it matches."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []
        self._sorted: list[str] | None = None
        # Names (title words) that a word may end: CodecNeRF is found by "nerf".
        self._names: set[str] = set()
        self._reversed_names: list[str] | None = None
        # Bigram index over words[:indexed]; later words are checked directly.
        self.indexed = 0
        self._bigram_offsets = np.zeros(65537, np.int64)
        self._bigram_terms = np.zeros(0, np.int32)
        self._lengths = np.zeros(0, np.int16)
        self._fuzzable = np.zeros(0, bool)

    def add(self, word: str) -> int:
        number = self.ids.get(word)
        if number is None:
            number = self.ids[word] = len(self.words)
            self.words.append(word)
            if self._sorted is not None:
                bisect.insort(self._sorted, word)
        return number

    def add_many(self, words) -> None:
        ids = self.ids
        new = [word for word in dict.fromkeys(words) if word not in ids]
        if not new:
            return
        start = len(self.words)
        ids.update(zip(new, range(start, start + len(new))))
        self.words.extend(new)
        if self._sorted is not None:
            if len(new) > 100:
                self._sorted = None
            else:
                for word in new:
                    bisect.insort(self._sorted, word)
        if len(self.words) - self.indexed > 5000:
            self._index_bigrams()

    def _index_bigrams(self) -> None:
        # A word's bigrams, "^" and "$" marking its ends. A bigram twice in a word is
        # listed twice: that only lets more candidates through the filter (they are
        # checked exactly), and saves a costly deduplication.
        words = self.words
        count = len(words)
        encoded = [word.encode("utf-8", "surrogatepass") for word in words]
        lengths = np.fromiter(map(len, encoded), np.int64, count)
        buffer = np.frombuffer(b"^" + b"$\x00^".join(encoded) + b"$", np.uint8)
        codes = (buffer[:-1].astype(np.uint16) << 8) | buffer[1:]
        valid = (buffer[:-1] != 0) & (buffer[1:] != 0)
        term_of = np.repeat(np.arange(count, dtype=np.int32), lengths + 3)[: len(buffer) - 1][valid]
        codes = codes[valid]
        order = np.argsort(codes, kind="stable")  # radix sort for 16-bit keys
        self._bigram_terms = term_of[order]
        offsets = np.zeros(65537, np.int64)
        np.cumsum(np.bincount(codes, minlength=65536), out=offsets[1:])
        self._bigram_offsets = offsets
        self._lengths = np.fromiter(map(len, words), np.int16, count)
        self._fuzzable = np.fromiter(map(str.isalnum, words), bool, count) & ~np.fromiter(
            map(str.isdigit, words), bool, count
        )
        self.indexed = count

    def forget_order(self) -> None:
        """Drop the sorted views (rebuilt on next use): before adding many words one by one."""
        self._sorted = None
        self._reversed_names = None

    def add_names(self, words) -> None:
        new = [word for word in words if len(word) >= 6 and word not in self._names]
        if not new:
            return
        self._names.update(new)
        if self._reversed_names is not None:
            if len(new) > 1000:
                self._reversed_names = None
            else:
                for word in new:
                    bisect.insort(self._reversed_names, word[::-1])

    def suffixed(self, word: str) -> list[str]:
        """Names (title words) that end with ``word``."""
        if self._reversed_names is None:
            self._reversed_names = sorted(name[::-1] for name in self._names)
        names = self._reversed_names
        backwards = word[::-1]
        start = bisect.bisect_left(names, backwards)
        found = []
        for index in range(start, min(len(names), start + MAX_PREFIX_SCAN)):
            name = names[index]
            if not name.startswith(backwards):
                break
            found.append(name[::-1])
        if len(found) > MAX_SUFFIX_EXPANSIONS:
            found = sorted(found, key=len)[:MAX_SUFFIX_EXPANSIONS]
        return found

    def _sorted_words(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.words)
        return self._sorted

    def prefixed(self, word: str) -> list[str]:
        words = self._sorted_words()
        start = bisect.bisect_left(words, word)
        found = []
        for index in range(start, min(len(words), start + MAX_PREFIX_SCAN)):
            term = words[index]
            if not term.startswith(word):
                break
            found.append(term)
        if len(found) > MAX_PREFIX_EXPANSIONS:
            found = sorted(found, key=len)[:MAX_PREFIX_EXPANSIONS]
        return found

    def fuzzy(self, word: str, max_edits: int) -> list[tuple[str, int]]:
        """Terms within ``max_edits`` (OSA distance: a swap is one edit) of ``word``."""
        length = len(word)
        candidates: list[str] = []
        if self.indexed:
            data = ("^" + word + "$").encode("utf-8", "surrogatepass")
            codes = {(data[i] << 8) | data[i + 1] for i in range(len(data) - 1)}
            need = max(1, len(codes) - 3 * max_edits)
            offsets, terms = self._bigram_offsets, self._bigram_terms
            lists = [terms[offsets[code] : offsets[code + 1]] for code in codes]
            counts = np.bincount(np.concatenate(lists), minlength=self.indexed) if lists else None
            if counts is not None:
                near = (
                    (counts >= need)
                    & (np.abs(self._lengths.astype(np.int32) - length) <= max_edits)
                    & self._fuzzable
                )
                words = self.words
                candidates = [words[index] for index in np.flatnonzero(near)]
        candidates.extend(
            term
            for term in self.words[self.indexed :]
            if abs(len(term) - length) <= max_edits and _fuzzable(term)
        )
        if not candidates:
            return []
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
        digits = _digits(word)
        # A typo may hit letters, not numbers: llama2 is not llama3.
        return [(term, int(distance)) for term, distance, _ in found if _digits(term) == digits]

    def expand(self, word: str) -> dict[str, float]:
        """The terms ``word`` matches, each with the quality of the match (0-1)."""
        found: dict[str, float] = {}
        if word in self.ids:
            found[word] = EXACT
        length = len(word)
        if length >= 3:
            for term in self.prefixed(word):
                if term != word:
                    found[term] = PLURAL if _is_plural(word, term) else 0.7 + 0.2 * length / len(term)
        if length >= 4:
            for term in self.suffixed(word):
                if term not in found:
                    found[term] = 0.65 + 0.2 * length / len(term)
        if length >= 4 and _fuzzable(word):
            edits = 1 if length < 8 else 2
            near = self.fuzzy(word, edits)
            if edits == 1 and length >= 5 and not found and not any(distance for _, distance in near):
                near = self.fuzzy(word, 2)  # nothing close: allow a second typo
            for term, distance in near:
                if distance == 0:
                    continue
                if _is_plural(word, term):
                    quality = PLURAL
                elif distance == 1:
                    quality = 0.8 if length >= 5 else 0.7
                else:
                    quality = 0.6
                if quality > found.get(term, 0.0):
                    found[term] = quality
        return found

    def nbytes(self) -> int:
        return (
            self._bigram_offsets.nbytes
            + self._bigram_terms.nbytes
            + self._lengths.nbytes
            + self._fuzzable.nbytes
        )


# -- the saved index ----------------------------------------------------------------------

CACHE_MAGIC = b"READER-SEARCH-INDEX\n"
CACHE_FORMAT = 1


# Up to this many abstracts are read one by one (by offset); more, in one pass over the file.
ABSTRACT_READS_MAX = 20000
# A saved abstract index is patched when at most this many abstracts (or a third of them)
# changed since it was saved; past that every abstract is indexed again.
PATCH_MAX_CHANGED = 2000
# A phrases file is worth writing again (SearchIndex.phrases_stale) when it answers for
# fewer than this share of the abstracts, or leaves more than this many of them to be read.
PHRASES_MIN_COVERAGE = 0.9
PHRASES_MAX_UNCOVERED = 5000


def _build_abstract_postings(pairs, capacity: int, phrases: PhraseIndexBuilder | None = None) -> "_Postings":
    """Abstract postings from (slot, text) pairs in any order, without keeping the texts.

    :meth:`_Postings.from_docs` wants increasing slots; the library streams
    abstracts in file order, which is nearly always slot order. Pairs that
    come out of order are kept aside and added to the overlay afterwards.
    With ``phrases``, each abstract's token sequence is added to it too (the
    same cut of the text serves both).
    """
    late: list[tuple[int, str]] = []

    def terms_of(slot: int, text: str) -> set[bytes]:
        if phrases is None:
            return abstract_terms(text)
        tokens, terms = abstract_tokens_and_terms(text)
        phrases.add(slot, tokens)
        return terms

    def in_order():
        last = -1
        for slot, text in pairs:
            if not text:
                continue
            if slot > last:
                last = slot
                yield slot, terms_of(slot, text)
            else:
                late.append((slot, text))

    postings = _Postings.from_docs(in_order(), capacity, byte_terms=True, pace=True)
    for slot, text in late:
        postings.set_doc(slot, terms_of(slot, text))
    return postings


def _fingerprint(text: str) -> int:
    data = text.encode("utf-8", "surrogatepass")
    return (len(data) << 32) | zlib.crc32(data)


_ENCODE = operator.methodcaller("encode", "utf-8", "surrogatepass")


def _fingerprints(texts: list[str]) -> np.ndarray:
    """:func:`_fingerprint` of each text, as uint64 (in chunks, to bound the memory used)."""
    out = np.zeros(len(texts), np.uint64)
    for start in range(0, len(texts), 20000):
        encoded = list(map(_ENCODE, texts[start : start + 20000]))
        size = len(encoded)
        lengths = np.fromiter(map(len, encoded), np.uint64, size)
        crcs = np.fromiter(map(zlib.crc32, encoded), np.uint64, size)
        out[start : start + size] = (lengths << np.uint64(32)) | crcs
    return out


def _meta_text(paper: Paper) -> str:
    """What the title/link index of a paper depends on."""
    return paper.title + "\x00" + "\x00".join(link.url for link in paper.links)


@dataclass(slots=True)
class _SavedIndex:
    pids: list[str]
    meta_fp: np.ndarray  # uint64 per saved paper
    abstract_fp: np.ndarray | None  # uint64 per saved paper; None: abstracts not saved
    title_len: np.ndarray  # int16 per saved paper: distinct words in the title
    title_first: np.ndarray  # int32 per saved paper: the title's first word (id in the title terms), -1: none
    fields: dict[int, tuple[list, np.ndarray, np.ndarray]]  # field -> (terms, offsets, positions)


def _write_bytes_atomically(path: Path, chunks) -> None:
    write_atomically(path, chunks, binary=True)


def _save_index(path: Path, saved: _SavedIndex) -> None:
    def raw(array: np.ndarray, dtype: str) -> memoryview:
        # The array's own bytes (no copy when it already has this type).
        return memoryview(np.ascontiguousarray(array, dtype=dtype)).cast("B")

    blobs: list = [
        json.dumps(saved.pids).encode("utf-8", "surrogatepass"),
        raw(saved.meta_fp, "<u8"),
        raw(saved.abstract_fp, "<u8") if saved.abstract_fp is not None else b"",
        raw(saved.title_len, "<i2"),
        raw(saved.title_first, "<i4"),
    ]
    field_info = {}
    for field, (terms, offsets, positions) in saved.fields.items():
        if field == ABSTRACT:
            term_blob = b"\n".join(terms)
        else:
            term_blob = "\n".join(terms).encode("utf-8", "surrogatepass")
        blobs += [term_blob, raw(offsets, "<i8"), raw(positions, "<i4")]
        field_info[str(field)] = len(terms)
    header = json.dumps(
        {
            "format": CACHE_FORMAT,
            "tokenizer": TOKENIZER_VERSION,
            "papers": len(saved.pids),
            "abstracts": saved.abstract_fp is not None,
            "fields": field_info,
            "sizes": [memoryview(blob).nbytes for blob in blobs],
            "crc": [zlib.crc32(blob) for blob in blobs],
        }
    ).encode("ascii")
    _write_bytes_atomically(path, [CACHE_MAGIC, struct.pack("<I", len(header)), header, *blobs])


class _BadCache(Exception):
    pass


def _load_index(path: Path) -> _SavedIndex | None:
    """The saved index at ``path``; None when missing, damaged or made by another version."""
    try:
        with open(path, "rb") as handle:
            return _read_index(handle, os.fstat(handle.fileno()).st_size)
    except OSError:
        return None
    except (_BadCache, ValueError, KeyError, TypeError, IndexError, struct.error):
        return None


def _read_index(handle, file_size: int) -> _SavedIndex:
    if handle.read(len(CACHE_MAGIC)) != CACHE_MAGIC:
        raise _BadCache("not a search index")
    (header_size,) = struct.unpack("<I", handle.read(4))
    if header_size > 1 << 20:
        raise _BadCache("header too big")
    header = json.loads(handle.read(header_size))
    if header.get("format") != CACHE_FORMAT or header.get("tokenizer") != TOKENIZER_VERSION:
        raise _BadCache("another version")
    sizes, crcs = header["sizes"], header["crc"]
    if len(CACHE_MAGIC) + 4 + header_size + sum(sizes) != file_size or len(sizes) != len(crcs):
        raise _BadCache("truncated")
    blobs = []
    for size, crc in zip(sizes, crcs):
        blob = np.empty(size, np.uint8)  # read straight into an array: no copies of big sections
        if handle.readinto(blob) != size or zlib.crc32(blob) != crc:
            raise _BadCache("damaged")
        blobs.append(blob)
    count = header["papers"]
    pids = json.loads(blobs[0].tobytes().decode("utf-8", "surrogatepass"))
    meta_fp = blobs[1].view("<u8")
    abstract_fp = blobs[2].view("<u8") if header["abstracts"] else None
    title_len = blobs[3].view("<i2")
    title_first = blobs[4].view("<i4")
    if (
        not isinstance(pids, list)
        or len(pids) != count
        or len(meta_fp) != count
        or len(title_len) != count
        or len(title_first) != count
        or (abstract_fp is not None and len(abstract_fp) != count)
    ):
        raise _BadCache("inconsistent")
    fields = {}
    index = 5
    for key, term_count in header["fields"].items():
        field = int(key)
        term_blob, offsets_blob, positions_blob = blobs[index : index + 3]
        index += 3
        raw = term_blob.tobytes()
        terms = raw.split(b"\n") if raw else []
        if field != ABSTRACT:
            terms = [term.decode("utf-8", "surrogatepass") for term in terms]
        offsets = offsets_blob.view("<i8")
        positions = positions_blob.view("<i4")
        if (
            len(terms) != term_count
            or len(offsets) != term_count + 1
            or (term_count and (offsets[0] != 0 or offsets[-1] != len(positions) or np.any(np.diff(offsets) < 0)))
            or (len(positions) and (positions.min() < 0 or positions.max() >= count))
        ):
            raise _BadCache("inconsistent postings")
        fields[field] = (terms, offsets, positions)
    if TITLE in fields and len(title_first) and title_first.max() >= len(fields[TITLE][0]):
        raise _BadCache("inconsistent title words")
    return _SavedIndex(pids, meta_fp, abstract_fp, title_len, title_first, fields)


def _slots_of(slot_of: dict[str, int], pids: list[str]) -> np.ndarray:
    """The slot of each pid (-1: unknown)."""
    return np.fromiter(map(slot_of.get, pids, itertools.repeat(-1)), np.int64, len(pids))


def _remap(
    saved_field: tuple[list, np.ndarray, np.ndarray], slot_of_position: np.ndarray, capacity: int, byte_terms: bool
) -> _Postings:
    """Saved postings (by saved position) as postings by slot, dropping positions mapped to -1."""
    terms, offsets, positions = saved_field
    if len(slot_of_position) and slot_of_position.min() >= 0 and np.array_equal(
        slot_of_position, np.arange(len(slot_of_position))
    ):
        # Saved in slot order and every paper still valid: the postings are usable as they are.
        return _Postings.from_arrays(terms, offsets, positions, capacity, byte_terms=byte_terms)
    slots = slot_of_position.astype(np.int32)[positions] if len(positions) else _empty_slots()
    keep = slots >= 0
    if not keep.all():
        offsets, slots = _kept_postings(offsets, slots, keep)
    return _Postings.from_arrays(terms, offsets, slots.astype(np.int32), capacity, byte_terms=byte_terms)


def _kept_postings(offsets: np.ndarray, docs: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR postings with only the entries where ``keep`` is true."""
    count = len(offsets) - 1
    term_ids = np.repeat(np.arange(count, dtype=np.int32), np.diff(offsets))[keep]
    new_offsets = np.zeros(count + 1, np.int64)
    if count:
        np.cumsum(np.bincount(term_ids, minlength=count), out=new_offsets[1:])
    return new_offsets, docs[keep]


# -- the index ------------------------------------------------------------------------------

NOT_LOADED, READY, UNVERIFIED = "not loaded", "ready", "unverified"


class SearchIndex:
    """Ranked search over one library, kept up to date incrementally.

    Thread-safe: ``sync`` and ``search`` may be called from worker threads
    while another thread changes the library. Construction does no work.
    """

    # Libraries at least this big get their index saved beside the library.
    persist_min_papers = 5000

    def __init__(self, library) -> None:
        self.library = library
        self.cache_path = Path(str(library.path) + ".search")
        self.cache_error: str | None = None  # why the index could not be saved, if it could not
        self.timings: dict[str, float] = {}
        self._lock = threading.RLock()
        self._prepare_lock = threading.Lock()
        self._generation: int | None = None
        # Slots.
        self._slot_of: dict[str, int] = {}
        self._pids: list[str] = []
        self._papers: list[Paper | None] = []
        self._alive = np.zeros(0, bool)
        self._read = np.zeros(0, bool)
        self._code = np.zeros(0, bool)
        self._project = np.zeros(0, bool)
        self._inserted = np.zeros(0, np.int64)  # when we saw the paper arrive (library order)
        self._insert_counter = 0
        self._by_tag: dict[str, set[int]] = {}
        self._by_source: dict[str, set[int]] | None = None  # built on the first source: filter
        self._rank: np.ndarray | None = None  # recency rank per slot (higher: newer)
        self._newest: np.ndarray | None = None  # slots, newest first
        self._newest_rank: np.ndarray | None = None  # the rank _newest was made from
        # Text (titles, tags, links).
        self._text_ready = False
        self._fields: list[_Postings | None] = [None, None, None, None]
        self._vocab = _Vocab()
        self._title_len = np.zeros(0, np.int16)
        self._title_first = np.zeros(0, np.int32)  # vocabulary id of the title's first word, -1: none
        self._meta_fp = np.zeros(0, np.uint64)
        self._saved: _SavedIndex | None = None  # the saved index, while it is being used
        self._saved_checked = False
        self._needs_save = False  # the saved index is missing or much out of date
        # Abstracts.
        self._abstract_state = NOT_LOADED
        self._abstract_fp = np.zeros(0, np.uint64)
        # Where each abstract word stands (for phrases), saved beside the library; loaded lazily.
        self.phrases_path = Path(str(library.path) + ".phrases")
        self.phrases_error: str | None = None  # why that file could not be saved, if it could not
        self._phrases: PhraseIndex | None = None
        self._phrases_checked = False
        self._phrases_signature: tuple | None = None  # (inode, size, mtime) of the file when it was read
        self._phrase_fp = np.zeros(0, np.uint64)  # per slot: fingerprint of the abstract the file holds, 0: none
        self._phrase_doc_slots = np.zeros(0, np.int64)  # per document of the file: its slot, -1: none

    # -- public ----------------------------------------------------------------------------

    @property
    def abstracts_ready(self) -> bool:
        """True once abstracts are searchable (after :meth:`prepare`)."""
        return self._abstract_state == READY

    def sync(self) -> None:
        """Bring the index up to date with the library (cheap when nothing changed)."""
        with self._lock:
            library = self.library
            generation = library.generation
            if self._generation is None:
                self._load_all()
            elif generation != self._generation:
                changed = library.changes_since(self._generation)
                if changed is None:
                    self._load_all()
                else:
                    for pid in changed:
                        self._update(pid)
            self._generation = generation

    def prepare(self) -> None:
        """Do all the slow work now: index titles and links, load and index abstracts.

        Blocks (seconds at 100,000 papers the first time; the index is then
        saved). Safe to call from a worker thread at start-up; ``search``
        calls it unless ``partial_ok`` is set.
        """
        with self._prepare_lock:
            self.sync()
            with self._lock:
                self._ensure_text()
            if self._abstract_state != READY:
                self._prepare_abstracts()
            with self._lock:
                self._warm_up()

    def _warm_up(self) -> None:
        """Build the lazily built lookup structures now rather than in someone's first query."""
        self._vocab.prefixed("a")
        self._vocab.suffixed("aaaa")
        self._recency()

    def search(self, query: str | Query, limit: int | None = None, *, partial_ok: bool = False) -> SearchResult:
        """Papers matching ``query``, best first; raises :class:`QueryError` for a malformed query.

        An empty query (or one with filters only) lists papers newest first.
        With ``partial_ok``, never waits for abstracts: until :meth:`prepare`
        has run, words are looked up in titles, tags and links only and the
        result says ``partial``.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        if parsed.needs_text and not partial_ok:
            self._ready_for_text()
        with self._lock:
            self.sync()
            if parsed.needs_text:
                self._ensure_text()
            return self._run(parsed, limit)

    def search_ids(self, query: str | Query, limit: int | None = None, *, partial_ok: bool = False) -> RankedIds:
        """Like :meth:`search`, but paper ids and scores instead of :class:`Hit` objects.

        Several times cheaper for long results (a whole 100,000-paper library):
        what a list view that shows a window of rows needs.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        if parsed.needs_text and not partial_ok:
            self._ready_for_text()
        with self._lock:
            self.sync()
            if parsed.needs_text:
                self._ensure_text()
            slots, scores, total, partial = self._ranked(parsed, limit)
            pids = self._pids
            return RankedIds([pids[slot] for slot in slots], scores, total, partial)

    def _ready_for_text(self) -> None:
        """Prepare the abstracts if they are not ready, counting changes made to the library meanwhile."""
        if self._abstract_state == READY:
            with self._lock:
                self.sync()  # a library reloaded since (another process compacted it) unsettles them
        if self._abstract_state != READY:
            self.prepare()

    def count(self, query: str | Query, *, partial_ok: bool = False) -> int:
        """How many papers match ``query``."""
        return self.search(query, limit=0, partial_ok=partial_ok).total

    # -- slots --------------------------------------------------------------------------------

    def _grow(self, capacity: int) -> None:
        if len(self._alive) >= capacity:
            return
        for name in (
            "_alive", "_read", "_code", "_project", "_inserted",
            "_title_len", "_title_first", "_meta_fp", "_abstract_fp", "_phrase_fp",
        ):
            setattr(self, name, _grown(getattr(self, name), capacity))
        size = len(self._alive)
        for field in self._fields:
            if field is not None:
                field.grow(size)

    def _slot(self, pid: str) -> int:
        slot = self._slot_of.get(pid)
        if slot is None:
            slot = self._slot_of[pid] = len(self._pids)
            self._pids.append(pid)
            self._papers.append(None)
            self._grow(slot + 1)
            self._title_first[slot] = -1
        return slot

    def _set_flags(self, slot: int, paper: Paper, old: Paper | None) -> None:
        self._papers[slot] = paper
        self._read[slot] = paper.read
        kinds = {link.kind for link in paper.links}
        self._code[slot] = CODE in kinds
        self._project[slot] = PROJECT in kinds
        if old is None or old.tags != paper.tags:
            for tag in old.tags if old is not None else ():
                self._discard(self._by_tag, tag, slot)
            for tag in paper.tags:
                self._by_tag.setdefault(tag, set()).add(slot)
        if self._by_source is not None and (old is None or old.sources != paper.sources):
            for source in old.sources if old is not None else ():
                self._discard(self._by_source, source, slot)
            for source in paper.sources:
                self._by_source.setdefault(source, set()).add(slot)

    @staticmethod
    def _discard(table: dict[str, set[int]], key: str, slot: int) -> None:
        slots = table.get(key)
        if slots is not None:
            slots.discard(slot)
            if not slots:
                del table[key]

    def _load_all(self) -> None:
        """(Re)read every paper: flags now, text lazily. Slots of known papers are kept."""
        papers = self.library.papers()
        self._alive[:] = False
        self._by_tag = {}
        self._by_source = None
        if not self._pids:
            self._load_first(papers)
            return
        for paper in papers:
            slot = self._slot(paper.id)
            self._alive[slot] = True
            self._inserted[slot] = self._insert_counter
            self._insert_counter += 1
            self._set_flags(slot, paper, None)
        for slot in np.flatnonzero(~self._alive[: len(self._pids)]):
            self._papers[int(slot)] = None
        self._rank = None
        self._text_ready = False
        self._fields = [None, None, None, self._fields[ABSTRACT]]
        self._saved_checked = False  # the saved index may help again
        if self._abstract_state == READY:
            self._abstract_state = UNVERIFIED  # abstracts may have changed: check fingerprints

    def _load_first(self, papers: list[Paper]) -> None:
        """The first load: slots follow the library's order (the fast path of :meth:`_load_all`)."""
        count = len(papers)
        pids = list(map(operator.attrgetter("id"), papers))
        self._pids = pids
        self._slot_of = dict(zip(pids, range(count)))
        self._papers = list(papers)
        self._grow(count)
        self._alive[:count] = True
        self._inserted[:count] = np.arange(count)
        self._insert_counter = count
        self._title_first[:] = -1
        self._read[:count] = np.fromiter(map(operator.attrgetter("read"), papers), bool, count)
        for slot, paper in enumerate(papers):
            if paper.links:
                kinds = {link.kind for link in paper.links}
                self._code[slot] = CODE in kinds
                self._project[slot] = PROJECT in kinds
            if paper.tags:
                for tag in paper.tags:
                    self._by_tag.setdefault(tag, set()).add(slot)
        self._rank = None
        self._text_ready = False

    def _update(self, pid: str) -> None:
        paper = self.library.get(pid)
        slot = self._slot_of.get(pid)
        if paper is None:
            if slot is not None and self._alive[slot]:
                old = self._papers[slot]
                self._alive[slot] = False
                self._papers[slot] = None
                for tag in old.tags:
                    self._discard(self._by_tag, tag, slot)
                for source in old.sources if self._by_source is not None else ():
                    self._discard(self._by_source, source, slot)
                for field in self._fields:
                    if field is not None:
                        field.set_doc(slot, None)
                self._meta_fp[slot] = 0
                self._abstract_fp[slot] = 0
                self._rank = None
            return
        slot = self._slot(pid)
        old = self._papers[slot] if self._alive[slot] else None
        if old is None:
            self._alive[slot] = True
            self._inserted[slot] = self._insert_counter
            self._insert_counter += 1
            self._rank = None
        elif old.added != paper.added:
            self._rank = None
        self._set_flags(slot, paper, old)
        if self._text_ready:
            if old is None or old.title != paper.title or old.links != paper.links:
                self._index_meta(slot, paper)
            if old is None or old.tags != paper.tags:
                self._index_tags(slot, paper)
        if self._abstract_state == READY:
            self._check_abstract(slot, self.library.abstract(pid))

    # -- titles, tags, links ------------------------------------------------------------------

    def _index_meta(self, slot: int, paper: Paper) -> None:
        parts, terms, first = title_terms(paper.title)
        new_terms = self._fields[TITLE].set_doc(slot, terms)
        self._vocab.add_many(new_terms)
        self._vocab.add_names(new_terms)
        self._title_len[slot] = min(len(set(parts)), 32000)
        self._title_first[slot] = self._vocab.add(first) if first else -1
        _, terms = link_terms([link.url for link in paper.links])
        self._vocab.add_many(self._fields[LINKS].set_doc(slot, terms))
        self._meta_fp[slot] = _fingerprint(_meta_text(paper))

    def _index_tags(self, slot: int, paper: Paper) -> None:
        self._vocab.add_many(self._fields[TAGS].set_doc(slot, _tag_terms(paper.tags)))

    def _saved_index(self) -> _SavedIndex | None:
        if not self._saved_checked:
            self._saved_checked = True
            started = time.perf_counter()
            self._saved = _load_index(self.cache_path)
            self.timings["read saved index"] = time.perf_counter() - started
        return self._saved

    def _ensure_text(self, *, save: bool = True) -> None:
        """Build the title, tag and link indexes (reusing the saved ones where still valid)."""
        if self._text_ready:
            return
        started = time.perf_counter()
        count = len(self._pids)
        capacity = len(self._alive)
        papers = self._papers
        alive = np.flatnonzero(self._alive[:count])
        fingerprints = np.zeros(capacity, np.uint64)
        fingerprints[alive] = _fingerprints([_meta_text(papers[slot]) for slot in alive.tolist()])
        vocab = self._vocab
        vocab.forget_order()
        self._title_first[:] = -1
        reused = np.zeros(capacity, bool)
        saved = self._saved_index()
        title = links = None
        if saved is not None and TITLE in saved.fields and LINKS in saved.fields:
            slot_of_position = _slots_of(self._slot_of, saved.pids)
            known = slot_of_position >= 0
            same = np.zeros(len(saved.pids), bool)
            same[known] = (fingerprints[slot_of_position[known]] == saved.meta_fp[known]) & self._alive[
                slot_of_position[known]
            ]
            slot_of_position[~same] = -1
            if same.any():
                title = _remap(saved.fields[TITLE], slot_of_position, capacity, byte_terms=False)
                links = _remap(saved.fields[LINKS], slot_of_position, capacity, byte_terms=False)
                slots = slot_of_position[same]
                reused[slots] = True
                self._title_len[slots] = saved.title_len[same]
                title_words = saved.fields[TITLE][0]
                vocab.add_many(title_words)
                gid_of_local = np.fromiter((vocab.ids[word] for word in title_words), np.int32, len(title_words))
                firsts = saved.title_first[same]
                has_first = firsts >= 0
                self._title_first[slots[has_first]] = gid_of_local[firsts[has_first]]
        todo = alive[~reused[alive]].tolist()
        add_word = vocab.add
        title_len, title_first = self._title_len, self._title_first

        def title_docs():  # generated one by one: 100,000 term sets at once would cost memory
            for slot in todo:
                parts, terms, first = title_terms(papers[slot].title)
                title_len[slot] = min(len(set(parts)), 32000)
                if first:
                    title_first[slot] = add_word(first)
                yield slot, terms

        def link_docs():
            for slot in todo:
                paper_links = papers[slot].links
                yield slot, (link_terms([link.url for link in paper_links])[1] if paper_links else ())

        if title is None:
            title = _Postings.from_docs(title_docs(), capacity)
            links = _Postings.from_docs(link_docs(), capacity)
        else:
            for slot, terms in title_docs():
                title.set_doc(slot, terms)
            for slot, terms in link_docs():
                links.set_doc(slot, terms)
        if len(todo) > 1000:
            forget_cut_words()  # it served this bulk cut; do not hold 100,000 titles' words
        tags = _Postings.from_docs(
            ((slot, _tag_terms(papers[slot].tags)) for slot in alive.tolist() if papers[slot].tags), capacity
        )
        self._fields[TITLE], self._fields[TAGS], self._fields[LINKS] = title, tags, links
        self._meta_fp = fingerprints
        for field in (title, tags, links):
            vocab.add_many(field.terms)
        vocab.add_names(title.terms)
        self._text_ready = True
        if len(todo) > max(1000, len(alive) // 50):
            self._needs_save = True
        self.timings["index titles"] = time.perf_counter() - started
        if save and self._needs_save and self._abstract_state != READY and len(alive) >= self.persist_min_papers:
            self._save(include_abstracts=False)

    def _count_alive(self) -> int:
        return int(np.count_nonzero(self._alive[: len(self._pids)]))

    # -- abstracts -----------------------------------------------------------------------------

    def _check_abstract(self, slot: int, text: str) -> None:
        """Re-index one abstract if it is not the one indexed. Call with the lock held."""
        fingerprint = _fingerprint(text) if text else 0
        if fingerprint == int(self._abstract_fp[slot]):
            return
        new_terms = self._fields[ABSTRACT].set_doc(slot, abstract_terms(text) if text else None)
        self._abstract_fp[slot] = fingerprint
        if new_terms:
            self._vocab.add_many(term.decode("utf-8", "surrogatepass") for term in new_terms)

    def _prepare_abstracts(self) -> None:
        """Make abstracts searchable: from the saved index where valid, else by indexing.

        Abstracts are streamed from the library (:meth:`Library.iter_abstracts`)
        or read one by one (:meth:`Library.abstract`), never all held at once.
        """
        started = time.perf_counter()
        library = self.library
        generation = library.generation
        with self._lock:
            self.sync()
            slot_of = dict(self._slot_of)  # a copy: the library may change meanwhile
            pids = list(self._pids)
            capacity = len(self._alive)
            state = self._abstract_state
            persist = self._count_alive() >= self.persist_min_papers
        saved = self._saved_index() if state != UNVERIFIED else None
        reusable = saved is not None and saved.abstract_fp is not None and ABSTRACT in saved.fields
        fingerprints = np.zeros(capacity, np.uint64)
        slots: dict[str, int] = {}  # papers with an abstract entry -> their slot
        streamed = self._streamed_abstracts(slot_of, fingerprints, slots)
        postings = None
        # A build from every abstract also records where each word stands (the phrases file).
        phrases = PhraseIndexBuilder() if persist and state != UNVERIFIED else None
        if state != UNVERIFIED and not reusable:
            # Nothing saved to reuse: index while reading, in one pass over the abstracts.
            postings = _build_abstract_postings(streamed, capacity, phrases)
            self._saved = None
            self._needs_save = True
            self.timings["index abstracts"] = time.perf_counter() - started
        else:
            for _ in streamed:
                pass
            self.timings["load abstracts"] = time.perf_counter() - started
            started = time.perf_counter()
        if state == UNVERIFIED:
            with self._lock:
                size = min(len(self._abstract_fp), capacity)
                for slot in np.flatnonzero(self._abstract_fp[:size] != fingerprints[:size]).tolist():
                    text = library.abstract(self._pids[slot]) if self._alive[slot] else ""
                    self._check_abstract(slot, text)
                self._abstract_state = READY
                self._reconcile_abstracts(generation)
            self.timings["verify abstracts"] = time.perf_counter() - started
            return
        if postings is None:
            todo = [slot for slot in slots.values() if fingerprints[slot]]
            slot_of_position = _slots_of(slots, saved.pids)
            known = slot_of_position >= 0
            same = np.zeros(len(saved.pids), bool)
            same[known] = fingerprints[slot_of_position[known]] == saved.abstract_fp[known]
            slot_of_position[~same] = -1
            reused = np.zeros(capacity, bool)
            reused[slot_of_position[same]] = True
            todo = [slot for slot in todo if not reused[slot]]
            if len(todo) <= max(PATCH_MAX_CHANGED, len(slots) // 3):
                postings = _remap(saved.fields[ABSTRACT], slot_of_position, capacity, byte_terms=True)
                for slot, text in self._abstract_texts(todo, pids):
                    postings.set_doc(slot, abstract_terms(text) if text else None)
                if len(todo) > max(1000, len(slots) // 50):
                    self._needs_save = True
                phrases = None  # the saved index was patched, not rebuilt: the phrases file stays as it is
                self.timings["abstracts from saved index"] = time.perf_counter() - started
            self._saved = None  # read once: free it
            if postings is None:
                # Too much changed to patch the saved index: index every abstract again, not
                # only the changed ones (streamed again: the fingerprints come with the texts).
                fingerprints = np.zeros(capacity, np.uint64)
                postings = _build_abstract_postings(
                    self._streamed_abstracts(slot_of, fingerprints, {}), capacity, phrases
                )
                self._needs_save = True
                self.timings["index abstracts"] = time.perf_counter() - started
        if phrases is not None:
            self._write_phrases(phrases, pids, fingerprints)
            del phrases
        words = [term.decode("utf-8", "surrogatepass") for term in postings.terms]
        with self._lock:
            self._grow(capacity)
            postings.grow(len(self._alive))
            if len(fingerprints) < len(self._alive):
                fingerprints = _grown(fingerprints, len(self._alive))
            self._fields[ABSTRACT] = postings
            self._abstract_fp = fingerprints
            self._vocab.add_many(words)
            self._abstract_state = READY
            self._reconcile_abstracts(generation)
            if self._needs_save and self._count_alive() >= self.persist_min_papers:
                self._save(include_abstracts=True)

    def phrases_coverage(self) -> tuple[int, int]:
        """(abstracts the phrases file answers for, abstracts in the library).

        An abstract is covered when the file holds it as it is now (same
        fingerprint); the others are read when a phrase query needs them.
        Cheap once :meth:`prepare` has run (the file is memory-mapped, its
        positions are not read); before, the abstracts are streamed once to
        fingerprint them (about a second at 100,000 papers, nothing indexed).
        """
        with self._lock:
            self.sync()
            if self._abstract_state == READY:
                return self._phrases_coverage(self._abstract_fp)
            slot_of = dict(self._slot_of)  # a copy: the library may change meanwhile
            capacity = len(self._alive)
        fingerprints = np.zeros(capacity, np.uint64)
        for _ in self._streamed_abstracts(slot_of, fingerprints, {}):
            pass
        with self._lock:
            return self._phrases_coverage(fingerprints)

    def _phrases_coverage(self, fingerprints: np.ndarray) -> tuple[int, int]:
        """:meth:`phrases_coverage` given each slot's abstract fingerprint. Call with the lock held."""
        count = min(len(self._pids), len(fingerprints))
        current = fingerprints[:count]
        has_abstract = (current != 0) & self._alive[:count]
        total = int(np.count_nonzero(has_abstract))
        if not total or self._phrase_index() is None:
            return 0, total
        covered = has_abstract & (self._phrase_fp[:count] == current)
        return int(np.count_nonzero(covered)), total

    def phrases_stale(self) -> bool:
        """True when the phrases file is worth writing (again): :meth:`write_phrases`.

        That is, for a library big enough to have its index saved
        (``persist_min_papers``), when the file is missing, damaged, or answers
        for fewer than 90% of the abstracts or leaves more than 5,000 of them
        to be read (papers added or changed since it was written).
        """
        with self._lock:
            self.sync()
            if self._count_alive() < self.persist_min_papers:
                return False
        covered, total = self.phrases_coverage()
        uncovered = total - covered
        return uncovered > PHRASES_MAX_UNCOVERED or covered < PHRASES_MIN_COVERAGE * total

    def write_phrases(self) -> bool:
        """Write the phrases file from every abstract, leaving the search index as it is.

        For a library whose saved index is reused (so no build writes the
        file) but whose phrases file is missing or stale. Streams the
        abstracts once and cuts them as a full build does; seconds and ~150 MB
        at 100,000 papers (the TUI runs it in ``reader.search_build``, a child
        process, from 20,000 papers on). Returns True when the file was saved;
        otherwise :attr:`phrases_error` says why. Raises
        :class:`reader.errors.ReaderError` when the library cannot be read.
        """
        with self._prepare_lock:  # one big build at a time
            started = time.perf_counter()
            with self._lock:
                self.sync()
                slot_of = dict(self._slot_of)  # a copy: the library may change meanwhile
                pids = list(self._pids)
                capacity = len(self._alive)
            fingerprints = np.zeros(capacity, np.uint64)
            builder = PhraseIndexBuilder()
            for number, (slot, text) in enumerate(self._streamed_abstracts(slot_of, fingerprints, {})):
                builder.add(slot, abstract_tokens(text))
                if number % 500 == 499:
                    time.sleep(0)  # let another thread (the UI) run
            self.timings["index phrases"] = time.perf_counter() - started
            self._write_phrases(builder, pids, fingerprints)
            return self.phrases_error is None

    def _write_phrases(self, phrases: PhraseIndexBuilder, pids: list[str], fingerprints: np.ndarray) -> None:
        """Save where the abstracts' words stand and forget the file loaded before.

        ``fingerprints[slot]`` is the fingerprint of the abstract indexed for ``slot``.
        """
        started = time.perf_counter()
        if phrases.too_big:
            self.phrases_error = "too many words in the abstracts for a phrase index"
            return
        with self._lock:
            self._forget_phrases()  # unmapped before it is replaced (Windows cannot replace a mapped file)
        try:
            phrases.write(self.phrases_path, pids, fingerprints, pace=True)
        except OSError as exc:
            self.phrases_error = f"cannot save the phrase index to {self.phrases_path}: {exc.strerror or exc}"
        else:
            self.phrases_error = None
        self.timings["save phrases"] = time.perf_counter() - started

    def _forget_phrases(self) -> None:
        """Drop the loaded phrases file (read again on the next phrase query). Call with the lock held."""
        self._phrases = None
        self._phrases_checked = False
        self._phrase_fp[:] = 0

    def _drop_damaged_phrases(self) -> None:
        """The loaded phrases file failed a check when used: stop using it, and delete it (unless
        another process replaced it meanwhile) so that the next start writes a new one. Lock held."""
        if file_signature(self.phrases_path) == self._phrases_signature:
            try:
                os.unlink(self.phrases_path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.phrases_error = f"cannot remove the damaged {self.phrases_path}: {exc.strerror or exc}"
        self._phrases = None
        self._phrase_fp[:] = 0

    def _phrase_index(self) -> PhraseIndex | None:
        """The saved word positions, loaded on first use (None: no usable file). Call with the lock held.

        Read again when the file was replaced since (``reader.search_build``
        writes it in another process while the TUI runs): one ``stat`` per phrase query.
        """
        signature = file_signature(self.phrases_path)
        if self._phrases_checked and signature != self._phrases_signature:
            self._forget_phrases()
        if not self._phrases_checked:
            self._phrases_checked = True
            self._phrases_signature = signature
            started = time.perf_counter()
            phrases = PhraseIndex.load(self.phrases_path)
            self._phrase_fp = np.zeros(len(self._alive), np.uint64)
            if phrases is not None:
                slot_of_doc = _slots_of(self._slot_of, phrases.pids)
                phrases.pids = None  # mapped to slots: not needed any more
                known = slot_of_doc >= 0
                self._phrase_fp[slot_of_doc[known]] = phrases.fingerprints[known]
                self._phrase_doc_slots = slot_of_doc
            self._phrases = phrases
            self.timings["read phrases"] = time.perf_counter() - started
        return self._phrases

    def _abstract_phrase(self, finder: "_PhraseFinder", candidates: np.ndarray) -> np.ndarray:
        """The ``candidates`` (slots with every word of the phrase) whose abstract has the phrase.

        From the phrases file for the abstracts it still holds (same
        fingerprint as the one indexed); the others are read and searched.
        Call with the lock held.
        """
        slots = np.asarray(candidates, np.int64)
        rest = slots
        matched = np.zeros(0, np.int64)
        phrases = self._phrase_index() if self._abstract_state == READY else None
        if phrases is not None:
            indexed = self._abstract_fp[slots]
            covered = (self._phrase_fp[slots] == indexed) & (indexed != 0)
            if covered.any():
                docs = phrases.find([part.encode("utf-8", "surrogatepass") for part in finder.parts])
                if docs is None:  # damaged positions: do without the file, and remove it to be written again
                    self._drop_damaged_phrases()
                else:
                    has_phrase = np.zeros(len(self._alive), bool)
                    doc_slots = self._phrase_doc_slots[docs]
                    has_phrase[doc_slots[doc_slots >= 0]] = True
                    matched = slots[covered & has_phrase[slots]]
                    rest = slots[~covered]
        if len(rest):
            rest_slots = rest.tolist()
            texts = dict(self._abstract_texts(rest_slots, self._pids))
            found = finder.find_in_texts(rest_slots, [texts.get(slot, "") for slot in rest_slots])
            matched = np.concatenate([matched, np.array(found, np.int64)])
        return matched

    def _streamed_abstracts(self, slot_of: dict[str, int], fingerprints: np.ndarray, slots: dict[str, int]):
        """(slot, abstract) of every paper with an abstract, streamed from the library.

        As a side effect fills ``fingerprints`` (by slot) and ``slots`` (every
        paper with an abstract entry, empty or not) once the stream is consumed.
        """
        batch_slots: list[int] = []
        batch_texts: list[str] = []
        capacity = len(fingerprints)
        for pid, text in self.library.iter_abstracts():
            slot = slot_of.get(pid)
            if slot is None or slot >= capacity:
                continue
            slots[pid] = slot
            if not text:
                continue
            batch_slots.append(slot)
            batch_texts.append(text)
            if len(batch_texts) >= 5000:
                fingerprints[batch_slots] = _fingerprints(batch_texts)
                batch_slots, batch_texts = [], []
            yield slot, text
        if batch_texts:
            fingerprints[batch_slots] = _fingerprints(batch_texts)

    def _abstract_texts(self, todo: list[int], pids: list[str]):
        """(slot, abstract) for the slots in ``todo``: read one by one when few, else one pass over all."""
        if len(todo) <= ABSTRACT_READS_MAX:
            texts = self.library.read_abstracts(pids[slot] for slot in todo)
            for slot in sorted(todo):
                yield slot, texts.get(pids[slot], "")
            return
        wanted = {pids[slot]: slot for slot in todo}
        for pid, text in self.library.iter_abstracts():
            slot = wanted.get(pid)
            if slot is not None:
                yield slot, text

    def _reconcile_abstracts(self, generation: int) -> None:
        """Re-check abstracts of papers that changed while they were being indexed."""
        changed = self.library.changes_since(generation)
        if changed is None:
            self._abstract_state = UNVERIFIED
            return
        for pid in changed:
            slot = self._slot_of.get(pid)
            if slot is not None:
                self._check_abstract(slot, self.library.abstract(pid) if self._alive[slot] else "")

    # -- saving --------------------------------------------------------------------------------

    def _save(self, *, include_abstracts: bool) -> None:
        """Save the title/link (and abstract) indexes beside the library. Call with the lock held."""
        started = time.perf_counter()
        capacity = len(self._alive)
        keys = [TITLE, LINKS] + ([ABSTRACT] if include_abstracts else [])
        for key in keys:
            field = self._fields[key]
            if field.overlay_size or field.n_stale:
                self._fields[key] = field.compacted(capacity)
        alive = np.flatnonzero(self._alive[: len(self._pids)])
        identity = len(alive) == len(self._pids)  # no paper gone: positions are slots
        position_of_slot = np.full(capacity, -1, np.int32)
        position_of_slot[alive] = np.arange(len(alive), dtype=np.int32)
        saved_fields = {}
        for key in keys:
            field = self._fields[key]
            offsets = field.offsets
            if identity:
                positions = field.docs
            else:
                positions = position_of_slot[field.docs] if len(field.docs) else _empty_slots()
                if len(positions) and positions.min() < 0:  # papers gone since: leave them out
                    offsets, positions = _kept_postings(offsets, positions, positions >= 0)
            saved_fields[key] = (field.term_list(), offsets, positions)
        title = self._fields[TITLE]
        # Global word id -> id in the title terms; the extra last entry (-1) serves "no first word" (-1).
        local_of_global = np.full(len(self._vocab.words) + 1, -1, np.int32)
        vocab_ids = self._vocab.ids
        for word, local in title.terms.items():
            local_of_global[vocab_ids[word]] = local
        saved = _SavedIndex(
            pids=[self._pids[slot] for slot in alive.tolist()],
            meta_fp=self._meta_fp[alive],
            abstract_fp=self._abstract_fp[alive] if include_abstracts else None,
            title_len=self._title_len[alive],
            title_first=local_of_global[self._title_first[alive]],
            fields=saved_fields,
        )
        try:
            _save_index(self.cache_path, saved)
        except OSError as exc:
            self.cache_error = f"cannot save the search index to {self.cache_path}: {exc.strerror or exc}"
            return
        self.cache_error = None
        if include_abstracts:
            self._needs_save = False
        self.timings["save index"] = time.perf_counter() - started

    # -- running a query ---------------------------------------------------------------------

    def _recency(self) -> np.ndarray:
        """Rank of each slot by (added, arrival): the newest paper has the highest rank."""
        if self._rank is None or len(self._rank) < len(self._pids):
            count = len(self._pids)
            added = [paper.added if paper is not None else "" for paper in self._papers]
            distinct = {value: number for number, value in enumerate(sorted(set(added)))}
            added_key = np.fromiter((distinct[value] for value in added), np.int64, count)
            order = np.lexsort((self._inserted[:count], added_key))
            rank = np.empty(count, np.int64)
            rank[order] = np.arange(count)
            self._rank = rank
        return self._rank

    def _slot_mask(self, slots, count: int) -> np.ndarray:
        mask = np.zeros(count, bool)
        if slots:
            mask[np.fromiter(slots, np.int64, len(slots))] = True
        return mask

    def _filter_mask(self, query: Query, count: int) -> np.ndarray:
        mask = self._alive[:count].copy()
        if query.contradiction:
            mask[:] = False
            return mask
        if query.read is not None:
            mask &= self._read[:count] if query.read else ~self._read[:count]
        for what in query.has:
            mask &= (self._code if what == "code" else self._project)[:count]
        for what in query.has_not:
            mask &= ~(self._code if what == "code" else self._project)[:count]
        for tag in query.tags:
            mask &= self._slot_mask(self._by_tag.get(tag, ()), count)
        for tag in query.not_tags:
            mask &= ~self._slot_mask(self._by_tag.get(tag, ()), count)
        for page in query.sources:
            mask &= self._slot_mask(self._source_slots(page), count)
        for page in query.not_sources:
            mask &= ~self._slot_mask(self._source_slots(page), count)
        return mask

    def _source_slots(self, page: str) -> set[int]:
        if self._by_source is None:
            by_source: dict[str, set[int]] = {}
            for slot in np.flatnonzero(self._alive[: len(self._pids)]).tolist():
                for source in self._papers[slot].sources:
                    by_source.setdefault(source, set()).add(slot)
            self._by_source = by_source
        found: set[int] = set()
        for source, slots in self._by_source.items():
            if page in fold(source):
                found |= slots
        return found

    def _newest_first(self) -> np.ndarray:
        """Every slot, newest paper first (cached until papers arrive, leave or change dates)."""
        if self._newest is None or self._newest_rank is not self._rank or len(self._newest) < len(self._pids):
            rank = self._recency()
            self._newest = np.argsort(-rank, kind="stable")
            self._newest_rank = rank
        return self._newest

    def _ranked(self, query: Query, limit: int | None) -> tuple[list[int], list[float], int, bool]:
        """(slots best first, their scores, how many match, partial). Call with the lock held."""
        count = len(self._pids)
        partial = query.needs_text and self._abstract_state != READY
        mask = self._filter_mask(query, count)
        if not query.has_text:
            if query.exclude_terms or query.exclude_phrases:
                mask &= ~_Scorer(self, query, count).excluded(mask)
            order = self._newest_first()
            order = order[mask[order]]
            total = len(order)
            if limit is not None:
                order = order[: max(limit, 0)]
            return order.tolist(), [0.0] * len(order), total, False
        scorer = _Scorer(self, query, count)
        score, matched = scorer.run(mask)
        slots = np.flatnonzero(mask & matched)
        total = len(slots)
        if not total or limit == 0:
            return [], [], total, partial
        values = score[slots].astype(np.float64)
        rank = self._recency()[slots]
        if limit is not None and 0 < limit < total:
            cut = np.partition(values, total - limit)[total - limit]
            keep = values >= cut
            slots, values, rank = slots[keep], values[keep], rank[keep]
        order = np.lexsort((-rank, -values))
        if limit is not None:
            order = order[: max(limit, 0)]
        scores = np.minimum(values[order] / scorer.best_possible, 1.0).round(4).tolist()
        return slots[order].tolist(), scores, total, partial

    def _run(self, query: Query, limit: int | None) -> SearchResult:
        slots, scores, total, partial = self._ranked(query, limit)
        papers = self._papers
        hits = [Hit(papers[slot], score) for slot, score in zip(slots, scores)]
        return SearchResult(hits, total=total, partial=partial, query=query)


def _tag_terms(tags) -> set[str]:
    terms: set[str] = set()
    for tag in tags:
        terms |= text_terms(tag)[1]
    return terms


class _Scorer:
    """Scores every slot for one query (see the module doc for the model)."""

    def __init__(self, index: SearchIndex, query: Query, count: int) -> None:
        self.index = index
        self.query = query
        self.count = count
        self.words = len(query.terms) + len(query.phrases)
        self.beta = 0.95 / max(self.words, 1)
        abstracts_ready = index._abstract_state in (READY, UNVERIFIED)
        self.fields = [
            (number, field)
            for number, field in enumerate(index._fields)
            if field is not None and (number != ABSTRACT or abstracts_ready)
        ]
        self.best_possible = self.words * (1 + self.beta) + self.beta * (
            COVERAGE_BONUS + FIRST_WORD_BONUS + (ADJACENT_BONUS if len(query.terms) > 1 else 0.0)
        )
        self.expansions: dict[str, dict[str, float]] = {}

    # one word ----------------------------------------------------------------------
    def word(self, word: str, *, exact: bool = False):
        """(score per slot, slots matching in the title, slots whose title starts with it)."""
        vocab = self.index._vocab
        if exact:
            expansions = {word: EXACT} if word in vocab.ids else {}
        else:
            expansions = self.expansions.get(word)
            if expansions is None:
                expansions = self.expansions[word] = vocab.expand(word)
        count = self.count
        groups: dict[float, list[np.ndarray]] = {}
        in_title = None
        first = None
        title_first = self.index._title_first
        for term, quality in expansions.items():
            for number, field in self.fields:
                slots = field.lookup(term)
                if slots is None or not len(slots):
                    continue
                value = float(np.float32(quality * (1.0 + self.beta * FIELD_BONUS[number])))
                groups.setdefault(value, []).append(slots)
                if number == TITLE and quality >= 0.75:
                    if in_title is None:
                        in_title = np.zeros(count, bool)
                        first = np.zeros(count, bool)
                    in_title[slots] = True
                    term_id = vocab.ids.get(term, -2)
                    first[slots[title_first[slots] == term_id]] = True
        score = np.zeros(count, np.float32)
        for value in sorted(groups):
            arrays = groups[value]
            score[arrays[0] if len(arrays) == 1 else np.concatenate(arrays)] = value
        return score, in_title, first

    def term(self, term: Term):
        if len(term.parts) == 1 and not term.joined:
            return self.word(term.parts[0])
        pieces = [self.word(part) for part in term.parts]
        scores = [piece[0] for piece in pieces]
        together = np.minimum.reduce(scores) if len(scores) > 1 else scores[0]
        score = np.where(together > 0, np.add.reduce(scores) / len(scores) * 0.95, 0).astype(np.float32)
        in_title = _all_of([piece[1] for piece in pieces], self.count)
        first = _any_of([piece[2] for piece in pieces], self.count)
        for joined in term.joined:
            joined_score, joined_title, joined_first = self.word(joined)
            np.maximum(score, joined_score, out=score)
            in_title = _any_of([in_title, joined_title], self.count)
            first = _any_of([first, joined_first], self.count)
        return score, in_title, first

    # phrases ---------------------------------------------------------------------------
    def phrase(self, parts: tuple[str, ...], allowed: np.ndarray | None = None):
        if len(parts) == 1:
            return self.word(parts[0], exact=True)
        index = self.index
        count = self.count
        score = np.zeros(count, np.float32)
        in_title = np.zeros(count, bool)
        finder = _PhraseFinder(parts)
        papers = index._papers
        distinct = list(dict.fromkeys(parts))
        for number, field in self.fields:
            lists = [field.lookup(part) for part in distinct]
            if any(found is None or not len(found) for found in lists):
                continue
            # Papers with every word of the phrase (each list holds a slot once).
            seen = np.zeros(count, np.int16)
            for found in lists:
                seen[found] += 1
            if allowed is not None:
                seen[~allowed] = 0
            if number == ABSTRACT:
                seen[score > 0] = 0  # already found in a better field
            candidate_slots = np.flatnonzero(seen == len(lists))
            if not len(candidate_slots):
                continue
            if number == ABSTRACT:  # (up to every paper: kept in an array)
                matched = index._abstract_phrase(finder, candidate_slots)
            elif number == TITLE:
                candidates = candidate_slots.tolist()
                titles = [papers[slot].title for slot in candidates]
                matched = finder.find_in_texts(candidates, titles)
                if len(matched) < len(candidates):  # LayerDiffusion also reads "layer diffusion"
                    done = set(matched)
                    rest = [at for at, slot in enumerate(candidates) if slot not in done]
                    rest_slots = [candidates[at] for at in rest]
                    rest_titles = [titles[at] for at in rest]
                    matched += [
                        slot
                        for slot, title in finder.may_match_cut(rest_slots, rest_titles)
                        if finder.in_parts(text_terms(title)[0])
                    ]
            elif number == TAGS:
                matched = [
                    slot for slot in candidate_slots.tolist() if any(finder.in_words(tag) for tag in papers[slot].tags)
                ]
            else:
                matched = [
                    slot
                    for slot in candidate_slots.tolist()
                    if finder.in_parts(link_terms([link.url for link in papers[slot].links])[0])
                ]
            if len(matched):
                found = np.asarray(matched, np.int64)
                value = np.float32(1.0 + self.beta * FIELD_BONUS[number])
                score[found] = np.maximum(score[found], value)
                if number == TITLE:
                    in_title[found] = True
        return score, in_title, None

    def excluded(self, allowed: np.ndarray) -> np.ndarray:
        out = np.zeros(self.count, bool)
        for term in self.query.exclude_terms:
            out |= self.word(term, exact=True)[0] > 0
        for parts in self.query.exclude_phrases:
            out |= self.phrase(parts, allowed)[0] > 0
        return out

    # everything --------------------------------------------------------------------------
    def run(self, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score, matched) per slot, considering only ``allowed`` slots (alive, passing the filters)."""
        count = self.count
        total = np.zeros(count, np.float32)
        matched_words = np.zeros(count, np.int16)
        title_words = np.zeros(count, np.int16)
        first = np.zeros(count, bool)
        required = np.ones(count, bool)
        for term in self.query.terms:
            score, in_title, starts = self.term(term)
            total += score
            matched_words += score > 0
            if in_title is not None:
                title_words += in_title
            if starts is not None:
                first |= starts
        for parts in self.query.phrases:
            score, in_title, _ = self.phrase(parts, allowed)
            total += score
            matched_words += score > 0
            required &= score > 0
            title_words += in_title
        matched = (matched_words > 0) & required & allowed
        if self.query.exclude_terms or self.query.exclude_phrases:
            matched &= ~self.excluded(matched)
        if matched.any():
            # Papers must match most of the words: all of one or two, all but a third of more;
            # fewer only when no paper matches that many.
            words = self.words
            wanted = words if words <= 2 else words - words // 3
            best = int(matched_words[matched].max())
            matched &= matched_words >= min(wanted, best)
        index = self.index
        title_len = np.maximum(index._title_len[:count], 1).astype(np.float32)
        coverage = np.minimum(title_words / title_len, 1.0)
        bonus = self.beta * (COVERAGE_BONUS * coverage + FIRST_WORD_BONUS * first)
        total = total + bonus.astype(np.float32)
        self._add_adjacency_bonus(total, matched, title_words)
        whole = self._whole_title_matches(matched, title_words)
        if whole is not None:
            total[whole] += WHOLE_TITLE_BONUS
        return total, matched

    def _add_adjacency_bonus(self, total: np.ndarray, matched: np.ndarray, title_words: np.ndarray) -> None:
        """Reward the best titles where the query's words stand side by side, in order."""
        terms = self.query.terms
        if len(terms) < 2 or self.query.phrases:
            return
        wanted = []
        for term in terms:
            if len(term.parts) != 1 or term.parts[0] not in self.expansions:
                return
            wanted.append(set(self.expansions[term.parts[0]]) | {term.parts[0]})
        candidates = np.flatnonzero(matched & (title_words >= len(terms)))
        if len(candidates) > 50:
            candidates = candidates[np.argpartition(-total[candidates], 50)[:50]]
        papers = self.index._papers
        size = len(wanted)
        value = np.float32(self.beta * ADJACENT_BONUS)
        for slot in candidates.tolist():
            if papers[slot] is None:
                continue
            parts = text_terms(papers[slot].title)[0]
            for start in range(len(parts) - size + 1):
                if all(parts[start + offset] in wanted[offset] for offset in range(size)):
                    total[slot] += value
                    break

    def _whole_title_matches(self, matched: np.ndarray, title_words: np.ndarray) -> np.ndarray | None:
        """Slots whose title is exactly the query's words (someone pasted the title)."""
        words = [part for term in self.query.terms for part in term.parts]
        for parts in self.query.phrases:
            words.extend(parts)
        if len(words) < 2:
            return None
        candidates = np.flatnonzero(matched & (title_words == self.words))
        if len(candidates) > 200:
            return None
        wanted = " ".join(words)
        papers = self.index._papers
        found = [
            slot
            for slot in candidates
            if papers[int(slot)] is not None and " ".join(text_terms(papers[int(slot)].title)[0]) == wanted
        ]
        return np.array(found, np.int64) if found else None


class _PhraseFinder:
    """Where do these words stand together, in this order, with only punctuation or spaces between?"""

    def __init__(self, parts: tuple[str, ...]) -> None:
        self.parts = list(parts)
        self.ascii = all(part.isascii() for part in parts)
        self.plain = " ".join(parts)
        self.padded = (" " + self.plain + " ").encode("utf-8", "surrogatepass")
        # The pattern starts with the first word itself (a literal start is searched
        # fast); the look-behind after it checks that the word starts there. NUL
        # separates texts searched together.
        first = re.escape(parts[0])
        self.pattern = re.compile(
            first
            + f"(?<![a-z0-9]{first})"
            + "".join("[^a-z0-9\x00]+" + re.escape(part) for part in parts[1:])
            + "(?![a-z0-9])"
        )

    def in_parts(self, parts: list[str]) -> bool:
        size = len(self.parts)
        return any(parts[start : start + size] == self.parts for start in range(len(parts) - size + 1))

    def in_words(self, text: str) -> bool:
        """In a short text cut like a title (LayerDiffusion counts as 'layer diffusion')."""
        if self.ascii and text.isascii() and self._in_ascii(text.lower()):
            return True
        return self.in_parts(text_terms(text)[0])

    def _in_ascii(self, low: str) -> bool:
        return self.pattern.search(low) is not None

    def may_match_cut(self, slots: list[int], texts: list[str]) -> list[tuple[int, str]]:
        """The (slot, title) pairs that may hold the phrase once their words are cut into parts.

        For titles :meth:`find_in_texts` did not match. :func:`text_terms` cuts
        a word where its case changes (LayerDiffusion, NeRFs, ABCDef), between
        letters and digits (GPT4) and folds accents, so a title can hold the
        phrase in its parts without holding it in its lower-cased words. Cutting
        every title costs ~8 us each (100 ms for the 12,000 candidates of
        ``"of the"`` at 100,000 papers); this keeps only those that can gain a
        match: non-ASCII titles, and ASCII titles where a word of the phrase
        stands inside a longer word at a place such a cut falls. A necessary
        condition only (never a wrong answer): the caller cuts the pairs kept.
        """
        kept: list[tuple[int, str]] = []
        joined = "\x00".join(texts)
        if not joined.isascii() or joined.count("\x00") != len(texts) - 1:
            plain_slots: list[int] = []
            plain_texts: list[str] = []
            for slot, text in zip(slots, texts):
                if not text.isascii() or "\x00" in text:
                    kept.append((slot, text))  # folded by text_terms: checked the slow way
                else:
                    plain_slots.append(slot)
                    plain_texts.append(text)
            slots, texts = plain_slots, plain_texts
            joined = "\x00".join(texts)
        if not texts or not self.ascii:  # (an ASCII title never holds a non-ASCII word)
            return kept
        data = np.frombuffer(joined.encode("ascii"), np.uint8)
        low = np.frombuffer(joined.lower().encode("ascii"), np.uint8)
        size = len(data)
        starts = np.zeros(len(texts), np.int64)
        starts[1:] = np.flatnonzero(data == 0) + 1  # (no text holds a NUL here)
        possible = np.zeros(len(texts), bool)
        for part in dict.fromkeys(self.parts):
            where = _occurrences(low, part.encode("ascii"))
            if not len(where):
                continue
            end = where + len(part)
            before = np.where(where > 0, data[np.maximum(where - 1, 0)], 0)
            after = np.where(end < size, data[np.minimum(end, size - 1)], 0)
            if part.isalpha():
                # A piece of letters starts inside a word after a digit, or with a capital
                # (after anything); it never has a lower-case letter after it. It ends inside
                # a word before a capital or a digit.
                first = data[where]
                starts_inside = _ASCII_ALNUM[before] & (_ASCII_UPPER[first] | _ASCII_DIGIT[before])
                ends_inside = ~_ASCII_ALNUM[before] & (_ASCII_UPPER[after] | _ASCII_DIGIT[after])
                hit = (starts_inside & ~_ASCII_LOWER[after]) | ends_inside
            elif part.isdigit():
                # A piece of digits is all the digits there, with a letter on one side.
                hit = ~_ASCII_DIGIT[before] & ~_ASCII_DIGIT[after] & (_ASCII_LETTER[before] | _ASCII_LETTER[after])
            else:  # not a part a query makes: anything may do
                hit = np.ones(len(where), bool)
            possible[np.searchsorted(starts, where[hit], side="right") - 1] = True
        kept += [(slots[i], texts[i]) for i in np.flatnonzero(possible).tolist()]
        return kept

    def find_in_texts(self, slots: list[int], texts: list[str]) -> list[int]:
        """The slots whose text (``texts[i]`` for ``slots[i]``) contains the phrase."""
        if self.ascii:
            joined = "\x00".join(texts)
            # The usual case: one search over all the texts at once (NUL separates them,
            # so a text holding one is searched like non-ASCII text, where NUL is punctuation).
            if joined.isascii() and joined.count("\x00") == len(texts) - 1:
                return self._search_joined(slots, texts, joined)
        found: list[int] = []
        batch: list[int] = []
        batch_texts: list[str] = []
        for slot, text in zip(slots, texts):
            if not text:
                continue
            if self.ascii and text.isascii() and "\x00" not in text:
                batch.append(slot)
                batch_texts.append(text)
            elif self.padded in normalised_words(text):
                found.append(slot)
        if batch:
            found += self._search_joined(batch, batch_texts, "\x00".join(batch_texts))
        return found

    def _search_joined(self, slots: list[int], texts: list[str], joined: str) -> list[int]:
        """``find_in_texts`` for ASCII texts joined by NUL into ``joined``."""
        starts = np.zeros(len(texts), np.int64)
        if len(texts) > 1:
            np.cumsum(np.fromiter(map(len, texts[:-1]), np.int64, len(texts) - 1) + 1, out=starts[1:])
        # Fast path: the phrase written exactly as typed, lower case with single
        # spaces (most occurrences), found by str.split, C's fastest substring search.
        pieces = joined.split(self.plain)
        found = np.zeros(len(texts), bool)
        if len(pieces) > 1:
            lengths = np.fromiter(map(len, pieces[:-1]), np.int64, len(pieces) - 1)
            where = np.cumsum(lengths) + np.arange(len(lengths)) * len(self.plain)
            data = np.frombuffer(joined.encode("ascii"), np.uint8)
            size = len(data)
            before = np.where(where > 0, data[np.maximum(where - 1, 0)], 0)
            after_at = where + len(self.plain)
            after = np.where(after_at < size, data[np.minimum(after_at, size - 1)], 0)
            alone = ~_ASCII_ALNUM[before] & ~_ASCII_ALNUM[after]
            owners = np.searchsorted(starts, where[alone], side="right") - 1
            found[owners] = True
        del pieces
        rest = np.flatnonzero(~found).tolist()
        if rest:
            # Everything else (capitals, punctuation, several spaces between the words).
            rest_texts = [texts[i] for i in rest] if len(rest) < len(texts) else texts
            low = ("\x00".join(rest_texts) if len(rest) < len(texts) else joined).lower()
            hits = np.fromiter(map(re.Match.start, self.pattern.finditer(low)), np.int64)
            if len(hits):
                rest_starts = np.zeros(len(rest_texts), np.int64)
                if len(rest_texts) > 1:
                    np.cumsum(
                        np.fromiter(map(len, rest_texts[:-1]), np.int64, len(rest_texts) - 1) + 1, out=rest_starts[1:]
                    )
                owners = np.searchsorted(rest_starts, hits, side="right") - 1
                found[np.array(rest, np.int64)[owners]] = True
        return [slots[i] for i in np.flatnonzero(found).tolist()]


_ASCII_LOWER = np.zeros(256, bool)
_ASCII_LOWER[list(b"abcdefghijklmnopqrstuvwxyz")] = True
_ASCII_UPPER = np.zeros(256, bool)
_ASCII_UPPER[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")] = True
_ASCII_DIGIT = np.zeros(256, bool)
_ASCII_DIGIT[list(b"0123456789")] = True
_ASCII_LETTER = _ASCII_LOWER | _ASCII_UPPER
_ASCII_ALNUM = _ASCII_LETTER | _ASCII_DIGIT


def _occurrences(data: np.ndarray, word: bytes) -> np.ndarray:
    """Every place ``word`` starts in the bytes ``data``, overlapping ones included (increasing)."""
    span = len(data) - len(word) + 1
    if span <= 0 or not word:
        return np.zeros(0, np.int64)
    hits = data[:span] == word[0]
    for at in range(1, min(len(word), 3)):  # the first letters over the whole text...
        hits &= data[at : at + span] == word[at]
    where = np.flatnonzero(hits)
    for at in range(3, len(word)):  # ...the others only where those matched
        where = where[data[where + at] == word[at]]
    return where


def _any_of(masks, count: int):
    present = [mask for mask in masks if mask is not None]
    if not present:
        return None
    return np.logical_or.reduce(present) if len(present) > 1 else present[0]


def _all_of(masks, count: int):
    if any(mask is None for mask in masks):
        return None
    return np.logical_and.reduce(masks) if len(masks) > 1 else masks[0]


__all__ = ["SearchIndex", "SearchResult", "RankedIds", "Hit", "QueryError", "FIELD_NAMES"]
