"""The vocabulary of a search index: every term, for expanding a query word into the terms it matches.

tantivy matches terms exactly; typo tolerance, prefixes and plurals are
ours: a query word is expanded here (with rapidfuzz) into the index terms it
stands for, each with a quality, and the engine then asks tantivy for those
terms. tantivy's own term listing is far too slow for this from Python (half a
second for 300,000 terms), so the index directory keeps the terms in two
plain files:

``vocab``        every term, grouped by first letter and length, each group sorted;
                 written whole when the index is built (or the delta grows large)
``vocab.delta``  terms of papers indexed since, appended (duplicates allowed)

A term that no paper has any more costs nothing: it matches nothing.
"""

from __future__ import annotations

import bisect
import json
import os
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from reader.fileio import write_atomically

VOCAB_FILE = "vocab"
DELTA_FILE = "vocab.delta"
# The delta is folded into the vocabulary once it is this big.
DELTA_MAX_BYTES = 1 << 20

EXACT, PLURAL, FORM = 1.0, 0.95, 0.9
# Endings of the forms of a word (after its final e, -ing or -ed is cut off).
_ENDINGS = ("", "e", "es", "ed", "ing", "ings", "er", "ers", "ion", "ions")
MAX_PREFIX_EXPANSIONS = 100  # the shortest (closest) kept
MAX_PREFIX_SCAN = 5000


def _fuzzable(word: str) -> bool:
    """Words typos are looked for in: letters, or letters with digits (not bare numbers)."""
    return word.isalnum() and not word.isdigit()


def _digits(word: str) -> str:
    return "".join(ch for ch in word if ch.isdigit())


def _is_plural(word: str, term: str) -> bool:
    return term in (word + "s", word + "es") or word in (term + "s", term + "es")


class Vocabulary:
    """Terms grouped by (first character, length), each group sorted."""

    def __init__(self, groups: dict[tuple[str, int], list[str]]) -> None:
        self.groups = groups
        self._lengths: dict[str, list[int]] = {}
        for first, length in groups:
            self._lengths.setdefault(first, []).append(length)
        for lengths in self._lengths.values():
            lengths.sort()

    # -- building, saving, loading ----------------------------------------------------------

    @classmethod
    def from_terms(cls, terms) -> "Vocabulary":
        groups: dict[tuple[str, int], set[str]] = {}
        for term in terms:
            if term:
                groups.setdefault((term[0], len(term)), set()).add(term)
        return cls({key: sorted(values) for key, values in groups.items()})

    def terms(self):
        for values in self.groups.values():
            yield from values

    def __contains__(self, term: str) -> bool:
        group = self.groups.get((term[:1], len(term)))
        if not group:
            return False
        at = bisect.bisect_left(group, term)
        return at < len(group) and group[at] == term

    def save(self, directory: Path) -> None:
        header = {f"{first}\t{length}": len(values) for (first, length), values in self.groups.items()}
        lines = [term for values in self.groups.values() for term in values]

        def chunks():
            yield json.dumps(header, ensure_ascii=False) + "\n"
            for start in range(0, len(lines), 50_000):
                yield "\n".join(lines[start : start + 50_000]) + "\n"

        write_atomically(directory / VOCAB_FILE, chunks())
        try:
            os.unlink(directory / DELTA_FILE)
        except FileNotFoundError:
            pass

    @classmethod
    def load(cls, directory: Path) -> "Vocabulary":
        """Read the saved vocabulary and delta; raises ``OSError``/``ValueError`` when they are damaged."""
        with open(directory / VOCAB_FILE, encoding="utf-8", errors="replace") as handle:
            header = json.loads(handle.readline())
            lines = handle.read().split("\n")
        groups: dict[tuple[str, int], list[str]] = {}
        at = 0
        for key, count in header.items():
            first, _, length = key.partition("\t")
            groups[(first, int(length))] = lines[at : at + count]
            at += count
        if at > len(lines):
            raise ValueError("vocabulary file is cut short")
        vocab = cls(groups)
        extra = read_delta(directory)
        if extra:
            vocab.add(extra)
        return vocab

    def add(self, terms) -> None:
        for term in set(terms):
            if term and term not in self:
                key = (term[0], len(term))
                group = self.groups.get(key)
                if group is None:
                    self.groups[key] = [term]
                    lengths = self._lengths.setdefault(term[0], [])
                    bisect.insort(lengths, len(term))
                else:
                    bisect.insort(group, term)

    # -- expanding a query word ---------------------------------------------------------------

    def prefixed(self, word: str) -> list[str]:
        found: list[str] = []
        for length in self._lengths.get(word[:1], ()):
            if length <= len(word):
                continue
            group = self.groups[(word[0], length)]
            at = bisect.bisect_left(group, word)
            while at < len(group) and group[at].startswith(word):
                found.append(group[at])
                at += 1
                if len(found) >= MAX_PREFIX_SCAN:
                    break
            if len(found) >= MAX_PREFIX_EXPANSIONS:
                break  # the shortest ones are in: longer lengths come later
        return found[:MAX_PREFIX_EXPANSIONS]

    def forms(self, word: str) -> list[str]:
        """Other forms of the same word the vocabulary has: tune -> tuning, tuned; tuning -> tune."""
        if word.endswith("e"):
            stem = word[:-1]
        elif word.endswith("ing") and len(word) >= 6:
            stem = word[:-3]
        elif word.endswith("ed") and len(word) >= 5:
            stem = word[:-2]
        else:
            stem = word
        found = []
        for ending in _ENDINGS:
            term = stem + ending
            if term != word and term in self:
                found.append(term)
        return found

    def fuzzy(self, word: str, max_edits: int) -> list[tuple[str, int]]:
        """Terms within ``max_edits`` (OSA distance: a swap is one edit) of ``word``.

        Only terms starting with the word's first or second letter are looked at
        (people rarely get the first letter wrong; a swap or a dropped first
        letter starts the term with the second)."""
        length = len(word)
        candidates: list[str] = []
        for first in dict.fromkeys(word[:2]):
            for size in range(length - max_edits, length + max_edits + 1):
                group = self.groups.get((first, size))
                if group:
                    candidates.extend(group)
        if not candidates:
            return []
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
        digits = _digits(word)
        # A typo may hit letters, not numbers: llama2 is not llama3.
        return [
            (term, int(distance))
            for term, distance, _ in found
            if distance and _fuzzable(term) and _digits(term) == digits
        ]

    def expand(self, word: str) -> dict[str, float]:
        """The terms ``word`` matches, each with the quality of the match (0-1)."""
        found: dict[str, float] = {word: EXACT}  # asked for even when unknown: it matches nothing then
        known = word in self
        length = len(word)
        if length >= 3:
            for term in self.prefixed(word):
                found[term] = PLURAL if _is_plural(word, term) else 0.6 + 0.3 * length / len(term)
        if length >= 4:
            for term in self.forms(word):
                found[term] = max(found.get(term, 0.0), FORM)
        if length >= 4 and _fuzzable(word):
            edits = 1 if length < 8 else 2
            near = self.fuzzy(word, edits)
            if edits == 1 and length >= 5 and not known and len(found) == 1 and not near:
                near = self.fuzzy(word, 2)  # nothing close: allow a second typo
            for term, distance in near:
                if _is_plural(word, term):
                    quality = PLURAL
                elif distance == 1:
                    quality = 0.8 if length >= 5 else 0.7
                else:
                    quality = 0.6 if length >= 8 else 0.4
                if quality > found.get(term, 0.0):
                    found[term] = quality
        return found


def append_delta(directory: Path, terms) -> bool:
    """Add ``terms`` to the delta file; True when it has grown big enough to be folded in."""
    data = ("\n".join(terms) + "\n").encode("utf-8", "replace")
    with open(directory / DELTA_FILE, "ab") as handle:
        handle.write(data)
        size = handle.tell()
    return size > DELTA_MAX_BYTES


def read_delta(directory: Path) -> list[str]:
    try:
        with open(directory / DELTA_FILE, encoding="utf-8", errors="replace") as handle:
            return [line for line in handle.read().split("\n") if line]
    except FileNotFoundError:
        return []


__all__ = ["Vocabulary", "append_delta", "read_delta", "VOCAB_FILE", "DELTA_FILE"]
