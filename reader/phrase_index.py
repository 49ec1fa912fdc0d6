"""Exact phrases in abstracts, answered from word positions saved beside the library.

A quoted phrase (``"mixture of experts"``) is first narrowed to the papers
whose abstract has every one of its words (the abstract postings of
:mod:`reader.searchindex`); whether the words stand side by side, in order,
used to be checked by reading each candidate abstract: ~85 ms for the 12,000
candidates of a common phrase at 100,000 papers. This index answers it from
where each word stands instead, without reading any text.

Every abstract is cut into its token sequence
(:func:`reader.search_text.abstract_tokens`, exactly what the text check
compares against). The tokens of all abstracts get consecutive *global
positions*, with one unused position after each abstract, so a phrase can
never run from one abstract into the next. For each distinct token the file
lists its positions, increasing. The phrase p0..pk-1 starts at ``s`` when
``s + i`` is a position of ``p_i`` for every ``i``.

The file ``<library.json>.phrases`` (a cache, like ``library.json.search``)::

    MAGIC, header size (<u4), header (JSON), padding to 8 bytes
    sections, each 8-byte aligned, offsets counted from the end of that padding:
      pids          JSON list: the paper of each document
      fingerprints  <u8 per document: the abstract's fingerprint when it was indexed
      doc_starts    <u4, documents + 1: document d holds positions
                    [doc_starts[d], doc_starts[d+1] - 1); the position before
                    doc_starts[d+1] is the unused one
      terms         the distinct tokens, sorted, joined by b"\\n"
      term_starts   <u4, terms + 1: term i is terms[term_starts[i]:term_starts[i+1] - 1]
      offsets       <i8, terms + 1: term i's positions are positions[offsets[i]:offsets[i+1]]
      block_crcs    <u4: crc32 of each block of BLOCK positions
      positions     <u4, increasing within each term

The header holds the format and tokenizer versions, the counts, each
section's offset and size, and the crc32 of every section but the positions.
The positions (~75 MB at 100,000 papers) are memory-mapped and never read
whole: a term's positions are checked (their blocks' crc32, bounds, strictly
increasing) the first time a phrase uses them. A missing, damaged or
other-version file gives no index (:meth:`PhraseIndex.load` returns None); a
term whose positions fail their check makes :meth:`PhraseIndex.find` return
None, and the caller falls back to reading texts.

Which documents still describe their paper's abstract (by fingerprint) is the
caller's business: this module knows documents and pids, not libraries.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import time
import zlib
from array import array
from pathlib import Path

import numpy as np

from reader.fileio import write_atomically
from reader.search_text import TOKENIZER_VERSION

MAGIC = b"READER-PHRASES\n\x00"
FORMAT = 1
BLOCK = 1 << 16  # positions per checksummed block (256 KB)
SECTIONS = ("pids", "fingerprints", "doc_starts", "terms", "term_starts", "offsets", "block_crcs", "positions")
# Global positions are uint32; the last few values stay free so that start + i never wraps.
MAX_POSITIONS = (1 << 32) - (1 << 16)
_SORT_CHUNK = 1 << 20  # tokens grouped per step while writing (~40 MB of temporary arrays)


class _TokenIds(dict):
    """token -> consecutive id, assigning the next id to a new token on lookup."""

    def __missing__(self, key):
        value = self[key] = len(self)
        return value


class PhraseIndexBuilder:
    """Collects the token sequence of each abstract, then writes the file.

    Memory: 4 bytes per token while collecting (~75 MB at 100,000 papers), and
    about as much again while writing.
    """

    def __init__(self) -> None:
        self._ids = _TokenIds()
        self._ids[b""] = 0  # id 0: the unused position after each document (never a token)
        self._lookup = self._ids.__getitem__
        self._tokens = array("I")
        self._doc_starts = array("I")
        self._slots = array("q")
        self.too_big = False  # more words than positions can number: nothing is written

    @property
    def documents(self) -> int:
        return len(self._slots)

    def add(self, slot: int, tokens: list[bytes]) -> None:
        """Add the abstract of ``slot`` (a number the caller maps to a paper when writing)."""
        stream = self._tokens
        if len(stream) + len(tokens) + 1 > MAX_POSITIONS or self.too_big:
            if not self.too_big:
                self.too_big = True
                self._tokens, self._doc_starts, self._slots = array("I"), array("I"), array("q")
            return
        self._doc_starts.append(len(stream))
        self._slots.append(slot)
        stream.extend(map(self._lookup, tokens))
        stream.append(0)

    def write(self, path: Path, pids: list[str], fingerprints: np.ndarray, *, pace: bool = False) -> None:
        """Write the file atomically: ``pids[slot]`` and ``fingerprints[slot]`` describe each added slot.

        Raises ``OSError``. With ``pace``, lets other threads run between steps.
        """
        slots = np.frombuffer(self._slots, np.int64) if self._slots else np.zeros(0, np.int64)
        doc_pids = [pids[slot] for slot in slots.tolist()]
        doc_fps = np.ascontiguousarray(fingerprints[slots], dtype="<u8")
        doc_starts = np.empty(len(slots) + 1, "<u4")
        doc_starts[:-1] = np.frombuffer(self._doc_starts, np.uint32) if self._doc_starts else []
        doc_starts[-1] = len(self._tokens)
        terms, offsets, positions = self._group_positions(pace)
        term_blob = b"\n".join(terms)
        term_starts = np.zeros(len(terms) + 1, "<u4")
        if terms:
            term_starts[1:] = np.cumsum(np.fromiter(map(len, terms), np.int64, len(terms)) + 1)
        block_crcs = np.array(
            [zlib.crc32(positions[start : start + BLOCK]) for start in range(0, len(positions), BLOCK)], "<u4"
        )
        sections = {
            "pids": json.dumps(doc_pids).encode("utf-8", "surrogatepass"),
            "fingerprints": doc_fps,
            "doc_starts": doc_starts,
            "terms": term_blob,
            "term_starts": term_starts,
            "offsets": np.ascontiguousarray(offsets, "<i8"),
            "block_crcs": block_crcs,
            "positions": positions,
        }
        _write_file(path, sections, documents=len(slots), terms=len(terms), positions=len(positions))

    def _group_positions(self, pace: bool) -> tuple[list[bytes], np.ndarray, np.ndarray]:
        """(sorted terms, offsets, positions grouped by term): a counting sort, a chunk of tokens at a time.

        Peak memory is the token stream plus the grouped positions (2 x 4
        bytes per token) plus one chunk's temporary arrays.
        """
        words = list(self._ids)  # in id order; words[0] is the gap marker
        count = len(words)
        order = sorted(range(1, count), key=words.__getitem__)
        # Old id -> rank in sorted order; the gap marker sorts last, and its positions are dropped.
        new_of_old = np.empty(count, np.uint32)
        new_of_old[np.array(order, np.int64)] = np.arange(count - 1, dtype=np.uint32)
        new_of_old[0] = count - 1
        stream = np.frombuffer(self._tokens, np.uint32) if self._tokens else np.zeros(0, np.uint32)
        size = len(stream)
        counts = np.zeros(count, np.int64)
        for start in range(0, size, _SORT_CHUNK):
            counts += np.bincount(new_of_old[stream[start : start + _SORT_CHUNK]], minlength=count)
        offsets = np.zeros(count + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        del counts
        positions = np.empty(size, "<u4")
        cursor = offsets[:-1].copy()
        for start in range(0, size, _SORT_CHUNK):
            stop = min(start + _SORT_CHUNK, size)
            ids = new_of_old[stream[start:stop]]
            # Sort (id, position) pairs packed in one uint64: positions stay increasing within an id.
            keys = ids.astype(np.uint64)
            keys <<= np.uint64(32)
            keys |= np.arange(start, stop, dtype=np.uint64)
            keys.sort()
            sorted_ids = (keys >> np.uint64(32)).astype(np.int64)
            index = np.arange(stop - start, dtype=np.int64)
            new_group = np.empty(stop - start, bool)
            new_group[0] = True
            np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=new_group[1:])
            group_start = np.maximum.accumulate(np.where(new_group, index, 0))
            positions[cursor[sorted_ids] + (index - group_start)] = keys.astype(np.uint32)  # the low 32 bits
            cursor += np.bincount(ids, minlength=count)
            del ids, keys, sorted_ids, index, new_group, group_start
            if pace:
                time.sleep(0)  # let another thread (the UI) run
        real = int(offsets[count - 1])  # positions of real tokens; the gaps' come after
        return [words[old] for old in order], offsets[:count], positions[:real]


def _align(size: int) -> int:
    return (size + 7) & ~7


def _write_file(path: Path, sections: dict, *, documents: int, terms: int, positions: int) -> None:
    layout = {}
    offset = 0
    blobs = []
    for name in SECTIONS:
        blob = memoryview(sections[name]).cast("B")
        crc = None if name == "positions" else zlib.crc32(blob)
        layout[name] = [offset, blob.nbytes, crc]
        blobs.append((blob, _align(blob.nbytes) - blob.nbytes))
        offset = _align(offset + blob.nbytes)
    header = json.dumps(
        {
            "format": FORMAT,
            "tokenizer": TOKENIZER_VERSION,
            "documents": documents,
            "terms": terms,
            "positions": positions,
            "block": BLOCK,
            "sections": layout,
        }
    ).encode("ascii")
    lead = len(MAGIC) + 4 + len(header)

    def chunks():
        yield MAGIC
        yield struct.pack("<I", len(header))
        yield header
        yield bytes(_align(lead) - lead)
        for blob, padding in blobs:
            yield blob
            if padding:
                yield bytes(padding)

    write_atomically(path, chunks(), binary=True)


class _BadFile(Exception):
    pass


class PhraseIndex:
    """A saved positional index, memory-mapped. Load with :meth:`load`.

    ``pids`` and ``fingerprints`` describe each document; ``find`` gives the
    documents holding a phrase. Not thread-safe on its own: the search index
    calls it with its lock held.
    """

    def __init__(self, data: mmap.mmap) -> None:
        self._data = data
        if len(data) < len(MAGIC) + 4 or data[: len(MAGIC)] != MAGIC:
            raise _BadFile("not a phrase index")
        (header_size,) = struct.unpack_from("<I", data, len(MAGIC))
        lead = len(MAGIC) + 4 + header_size
        if header_size > 1 << 16 or lead > len(data):
            raise _BadFile("bad header size")
        header = json.loads(data[len(MAGIC) + 4 : lead])
        if not isinstance(header, dict):
            raise _BadFile("bad header")
        if header.get("format") != FORMAT or header.get("tokenizer") != TOKENIZER_VERSION:
            raise _BadFile("another version")
        documents, terms, positions = (_count(header.get(key)) for key in ("documents", "terms", "positions"))
        if header.get("block") != BLOCK or positions > MAX_POSITIONS:
            raise _BadFile("bad counts")
        base = _align(lead)
        layout = header.get("sections")
        if not isinstance(layout, dict) or set(layout) != set(SECTIONS):
            raise _BadFile("bad sections")
        expected = {
            "fingerprints": 8 * documents,
            "doc_starts": 4 * (documents + 1),
            "term_starts": 4 * (terms + 1),
            "offsets": 8 * (terms + 1),
            "block_crcs": 4 * -(-positions // BLOCK),
            "positions": 4 * positions,
        }
        views = {}
        for name in SECTIONS:
            entry = layout[name]
            if not isinstance(entry, list) or len(entry) != 3:
                raise _BadFile("bad section entry")
            offset, size, crc = _count(entry[0]), _count(entry[1]), entry[2]
            start = base + offset
            if offset % 8 or start + size > len(data) or expected.get(name, size) != size:
                raise _BadFile(f"section {name} out of place")
            if name == "positions":
                views[name] = (start, size)
                continue
            view = memoryview(data)[start : start + size]
            if zlib.crc32(view) != crc:
                view.release()
                raise _BadFile(f"section {name} damaged")
            views[name] = (start, size)
            view.release()
        pids = json.loads(_bytes(data, views["pids"]).decode("utf-8", "surrogatepass"))
        if not isinstance(pids, list) or len(pids) != documents or not all(isinstance(pid, str) for pid in pids):
            raise _BadFile("bad pids")
        self.pids: list[str] | None = pids
        self.fingerprints = self._array(views["fingerprints"], "<u8")
        self.doc_starts = self._array(views["doc_starts"], "<u4")
        self._terms = _bytes(data, views["terms"])
        self._term_starts = self._array(views["term_starts"], "<u4")
        self._offsets = self._array(views["offsets"], "<i8")
        self._block_crcs = self._array(views["block_crcs"], "<u4")
        self._positions = self._array(views["positions"], "<u4")  # mapped, never read whole
        self.documents, self.term_count = documents, terms
        self.end = int(self.doc_starts[-1])  # every position is below this
        starts, offsets = self._term_starts, self._offsets
        if (
            self.doc_starts[0] != 0
            or (documents and np.any(self.doc_starts[1:] <= self.doc_starts[:-1]))
            or self.end > MAX_POSITIONS
            or starts[0] != 0
            or int(starts[-1]) != (len(self._terms) + 1 if terms else 0)
            or np.any(starts[1:] <= starts[:-1])
            or offsets[0] != 0
            or int(offsets[-1]) != positions
            or np.any(offsets[1:] < offsets[:-1])
        ):
            raise _BadFile("inconsistent sections")
        self._checked_terms: set[int] = set()
        self._checked_blocks: set[int] = set()

    def _array(self, where: tuple[int, int], dtype: str) -> np.ndarray:
        start, size = where
        item = np.dtype(dtype).itemsize
        return np.frombuffer(self._data, dtype, size // item, start)

    @classmethod
    def load(cls, path: Path) -> "PhraseIndex | None":
        """The index saved at ``path``; None when missing, damaged or made by another version."""
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size < len(MAGIC) + 4:
                    return None
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
        try:
            return cls(data)
        except (_BadFile, ValueError, TypeError, KeyError, IndexError, OverflowError, struct.error):
            return None  # the arrays made so far keep the mapping open until they are collected

    # -- lookups ----------------------------------------------------------------------------

    def term_id(self, token: bytes) -> int | None:
        """The number of ``token`` in the sorted terms (binary search), None if no abstract has it."""
        terms, starts = self._terms, self._term_starts
        low, high = 0, self.term_count
        while low < high:
            middle = (low + high) // 2
            if terms[int(starts[middle]) : int(starts[middle + 1]) - 1] < token:
                low = middle + 1
            else:
                high = middle
        if low < self.term_count and terms[int(starts[low]) : int(starts[low + 1]) - 1] == token:
            return low
        return None

    def positions(self, term: int) -> np.ndarray | None:
        """The positions of a term (a view of the mapped file), None if they fail their check."""
        first, last = int(self._offsets[term]), int(self._offsets[term + 1])
        found = self._positions[first:last]
        if term in self._checked_terms:
            return found
        positions = self._positions
        for block in range(first // BLOCK, -(-last // BLOCK)):
            if block not in self._checked_blocks:
                start = block * BLOCK
                if zlib.crc32(positions[start : start + BLOCK]) != int(self._block_crcs[block]):
                    return None
                self._checked_blocks.add(block)
        if len(found) and (int(found[-1]) >= self.end or np.any(found[1:] <= found[:-1])):
            return None
        self._checked_terms.add(term)
        return found

    def find(self, parts: list[bytes]) -> np.ndarray | None:
        """The documents (sorted, distinct) where ``parts`` stand in this order, side by side.

        None when the positions needed turn out damaged: the file cannot answer.
        """
        lists: dict[bytes, np.ndarray] = {}
        for part in parts:
            if part in lists:
                continue
            term = self.term_id(part)
            if term is None:
                return np.zeros(0, np.int64)
            found = self.positions(term)
            if found is None:
                return None
            lists[part] = found
        # Start from the rarest word: every other word only filters its candidates.
        rarest = min(range(len(parts)), key=lambda at: len(lists[parts[at]]))
        starts = lists[parts[rarest]].astype(np.int64)
        starts = starts[starts >= rarest] - rarest
        for at, part in enumerate(parts):
            if at == rarest or not len(starts):
                continue
            haystack = lists[part]
            needles = starts + at
            if len(needles) and needles[-1] >= self.end:  # past the last abstract: cannot match
                starts = starts[needles < self.end]
                needles = starts + at
            needles = needles.astype(haystack.dtype)  # same type: numpy does not convert the mapped array
            where = np.searchsorted(haystack, needles)
            inside = where < len(haystack)
            hit = np.zeros(len(starts), bool)
            hit[inside] = haystack[where[inside]] == needles[inside]
            starts = starts[hit]
        if not len(starts):
            return np.zeros(0, np.int64)
        docs = np.searchsorted(self.doc_starts, starts.astype(self.doc_starts.dtype), side="right") - 1
        return np.unique(docs)


def _count(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _BadFile("bad count")
    return value


def _bytes(data: mmap.mmap, where: tuple[int, int]) -> bytes:
    start, size = where
    return data[start : start + size]


__all__ = ["PhraseIndex", "PhraseIndexBuilder", "MAX_POSITIONS"]
