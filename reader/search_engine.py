"""The search index: a tantivy index beside the library, kept current by every change.

What is where
-------------
The TinyDB files and the journal are the record; the index is a cache in the
directory ``PATH.index`` beside the library (``library.json.index``), which
can be deleted at any time: the next search builds it again. Besides the
papers it holds one *meta* document (committed atomically with them) that
records the index format, the library it belongs to and the journal position
(change number, :attr:`reader.library.Library.seq`) it reflects, and two
vocabulary files (:mod:`reader.search_vocab`).

Keeping it current
------------------
Every change to a library, whatever makes it (import, tag, undo, restore, a
change another helper adds later), ends inside the library's writer lock,
where :meth:`reader.library.Library` calls :func:`library_changed`: the
index, if the library has one, takes the papers changed since the position it
records (the library's history names them) and commits them with the new
position. A tantivy writer is opened for that commit and closed right after,
so another process never finds it held. When another process changed the
library and was killed before its index commit, the index records an older
position than the library's: the next search sees it and catches up (under
the writer lock). When the history does not reach back that far (a restored
backup), or the index is missing, damaged, of another format or another
library, it is rebuilt from the library, with a note saying why.

Searching
---------
A query (see :mod:`reader.search_query`) becomes one tantivy query: each
word is expanded against the vocabulary (typos, prefixes, plurals, joined
forms) and scores its best expansion in its best field (a disjunction-max of
term queries boosted by the expansion's quality and the field's weight:
title over tags over links over authors and notes over abstract); BM25 makes
rare words weigh more than common ones. With three or more words a paper may
miss a third of them. Quoted phrases are positional phrase queries. Filters
are exact sub-queries that do not score. Equal scores put newer papers first.

A CLI search (:func:`quick_search`) opens only the index: when the index is
at the library's journal position it answers with the papers stored in it,
without loading the library.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import math
import os
import re
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import tantivy

from reader.errors import LibraryError, ReaderError
from reader.fileio import writer_alive
from reader.papers import CODE, PROJECT, Paper
from reader.search_query import Query, QueryError, Term, parse_query
from reader.search_text import (
    SEPARATOR,
    TOKENIZER_VERSION,
    field_text,
    fold,
    links_text,
    long_field_text,
)
from reader.search_vocab import Vocabulary, append_delta

# Bump when the schema or the way documents are made changes: older indexes are rebuilt.
FORMAT = 1 * 1000 + TOKENIZER_VERSION
INDEX_SUFFIX = ".index"
META_ID = "\x00meta"

# How much finding a word in each field weighs (times its BM25 score).
FIELD_WEIGHTS = {
    "title": 3.0,
    "tags": 2.2,
    "links": 2.0,
    "authors": 1.4,
    "notes": 1.2,
    "abstract": 1.0,
}
TEXT_FIELDS = tuple(FIELD_WEIGHTS)
ADJACENT_BOOST = 0.6  # the query's words side by side, in order, in the title
TIE_BREAKER = 0.1  # what a word's second-best field adds (dis-max tie breaker)
# What matching a word at all is worth, times its rarity (idf): more than any field can add.
MATCH_BONUS = 8.0

UPDATE_MAX_PAPERS = 5000  # a change of more papers (and a quarter of the library) rebuilds the index
MAX_SEGMENTS = 8  # more than this after a commit: wait for tantivy's merges
WRITER_HEAP = 15_000_000  # bytes: one change touches a few papers
BUILD_HEAP = 64_000_000
BUILD_BATCH = 2000  # papers between progress reports


def index_dir(library_path: str | os.PathLike) -> Path:
    path = Path(library_path)
    return path.with_name(path.name + INDEX_SUFFIX)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace")
    builder.add_text_field("tag", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("flag", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("added", indexed=True, fast=True)
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_integer_field("order", fast=True)  # recency: added, then arrival
    builder.add_integer_field("arrival", fast=True)
    builder.add_integer_field("key", fast=True)  # paper_key(id): ids of many hits without reading documents
    builder.add_bytes_field("doc", stored=True)
    builder.add_bytes_field("meta", stored=True)
    return builder.build()


SCHEMA = _schema()


class IndexUnusable(Exception):
    """The index directory cannot be used as it is (the message says why)."""


class _DamagedVocabulary(IndexUnusable):
    """The index's vocabulary files are missing or do not read."""


# -- documents -----------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")


@functools.lru_cache(maxsize=4096)
def _day(stamp: str | None) -> int | None:
    """YYYYMMDD of an ISO date or timestamp (None when there is none)."""
    if not stamp:
        return None
    numbers = _DIGITS.findall(stamp[:10])
    if len(numbers) < 1 or len(numbers[0]) != 4:
        return None
    try:
        year = int(numbers[0])
        month = int(numbers[1]) if len(numbers) > 1 else 1
        day = int(numbers[2]) if len(numbers) > 2 else 1
        _dt.date(year, month, day)
    except ValueError:
        return None
    return year * 10000 + month * 100 + day


@functools.lru_cache(maxsize=4096)
def _seconds(stamp: str) -> int:
    """Seconds since 1970 of an ISO timestamp (0 when it does not read as one)."""
    try:
        moment = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return max(int(moment.timestamp()), 0)


def _order(paper: Paper, arrival: int) -> int:
    return (min(_seconds(paper.added), (1 << 31) - 1) << 32) | (arrival & 0xFFFFFFFF)


def paper_fields(paper: Paper, abstract: str, arrival: int) -> dict:
    """The index document of ``paper``, field by field (see :func:`paper_document`)."""
    fields: dict = {"kind": "paper", "id": paper.id}
    title = field_text(paper.title)
    if title:
        fields["title"] = title
    if paper.tags:
        fields["tags"] = f" {SEPARATOR} ".join(field_text(tag) for tag in paper.tags)
        fields["tag"] = list(paper.tags)
    if paper.links:
        fields["links"] = links_text([link.url for link in paper.links])
    if paper.authors:
        fields["authors"] = f" {SEPARATOR} ".join(field_text(name) for name in paper.authors)
    if paper.notes.strip():
        fields["notes"] = field_text(paper.notes)
    if abstract:
        fields["abstract"] = long_field_text(abstract)
    kinds = {link.kind for link in paper.links}
    flags = [flag for flag, present in (("read", paper.read), ("code", CODE in kinds),
                                        ("project", PROJECT in kinds), ("notes", bool(paper.notes.strip())))
             if present]
    if flags:
        fields["flag"] = flags
    if paper.sources:
        fields["source"] = [fold(source) for source in paper.sources]
    added = _day(paper.added)
    if added is not None:
        fields["added"] = added
    published = _day(paper.published)
    if published is not None:
        fields["published"] = published
    fields["order"] = _order(paper, arrival)
    fields["arrival"] = arrival
    fields["key"] = paper_key(paper.id)
    fields["doc"] = json.dumps(paper.to_stored_doc(), ensure_ascii=False).encode("utf-8", "replace")
    return fields


def paper_document(paper: Paper, abstract: str, arrival: int) -> tuple[tantivy.Document, set[str]]:
    """The index document of ``paper`` and the terms it holds (for the vocabulary)."""
    fields = paper_fields(paper, abstract, arrival)
    terms: set[str] = set()
    for name in TEXT_FIELDS:
        text = fields.get(name)
        if text:
            terms.update(text.split())
    terms.discard(SEPARATOR)
    return tantivy.Document.from_dict(fields, SCHEMA), terms


def paper_key(pid: str) -> int:
    """A 63-bit number for a paper id (what the index keeps to list ids fast)."""
    return int.from_bytes(hashlib.blake2b(pid.encode("utf-8", "replace"), digest_size=8).digest(), "big") >> 1


def _meta_document(meta: dict) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("kind", "meta")
    doc.add_text("id", META_ID)
    doc.add_bytes("meta", json.dumps(meta).encode())
    return doc


def _library_key(library_path: Path) -> str:
    return str(Path(os.path.abspath(library_path)))


# -- results --------------------------------------------------------------------------------


@dataclass(slots=True)
class Hit:
    paper: Paper
    score: float


class SearchResult(list):
    """Hits, best first (a plain list of :class:`Hit`), plus what the list leaves out.

    ``total`` is the number of papers that match (more than ``len()`` when a
    limit cut the list); ``note`` says when the answer may not reflect the
    library exactly (an index that could not be brought up to date), or that
    the index was rebuilt and why.
    """

    def __init__(self, hits=(), *, total: int = 0, query: Query | None = None, note: str | None = None) -> None:
        super().__init__(hits)
        self.total = total
        self.query = query
        self.note = note


@dataclass(slots=True)
class RankedIds:
    """Paper ids best first, their scores, how many papers match, and a note (see :class:`SearchResult`)."""

    ids: list[str]
    scores: list[float]
    total: int
    note: str | None = None


# -- building the tantivy query ----------------------------------------------------------

Occur = tantivy.Occur
Q = tantivy.Query


def _term(field: str, value) -> tantivy.Query:
    return Q.term_query(SCHEMA, field, value)


def _filter(query: tantivy.Query) -> tantivy.Query:
    return Q.const_score_query(query, 0.0)


class _QueryBuilder:
    def __init__(self, vocab: Vocabulary | None, query: Query, searcher: tantivy.Searcher | None = None) -> None:
        self.vocab = vocab
        self.query = query
        self.searcher = searcher
        self.papers = max(searcher.num_docs - 1, 1) if searcher is not None else 1
        self.expansions: dict[str, dict[str, float]] = {}
        self._built: dict[str, tantivy.Query] = {}

    def rarity(self, words: Iterable[str]) -> float:
        """How rare the rarest of ``words`` is in the library (BM25's idf of the most specific field match)."""
        if self.searcher is None:
            return 1.0
        best = 0
        for word in words:
            for field in TEXT_FIELDS:
                best = max(best, self.searcher.doc_freq(field, word))
        count = self.papers
        frequency = min(best, count)
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def wanted(self) -> int:
        count = len(self.query.terms)
        return count if count <= 2 else count - count // 3

    def expand(self, word: str) -> dict[str, float]:
        found = self.expansions.get(word)
        if found is None:
            found = self.vocab.expand(word) if self.vocab is not None else {word: 1.0}
            self.expansions[word] = found
        return found

    def word(self, word: str, fields=TEXT_FIELDS) -> tantivy.Query:
        """The best expansion of ``word`` in its best field."""
        subqueries = []
        for term, quality in self.expand(word).items():
            for field in fields:
                subqueries.append(Q.boost_query(_term(field, term), FIELD_WEIGHTS[field] * quality * quality))
        if len(subqueries) == 1:
            return subqueries[0]
        return Q.disjunction_max_query(subqueries, TIE_BREAKER)

    def term(self, term: Term) -> tantivy.Query:
        """A query word: its score, plus a constant for matching it at all that grows with its rarity
        (so that matching one more word outranks better fields for the others, and rare words
        count more than common ones)."""
        built = self._built.get(term.text)
        if built is not None:
            return built
        if len(term.parts) == 1 and not term.joined:
            scored = self.word(term.parts[0])
            names = [term.parts[0]]
        else:
            choices = [self.word(joined) for joined in term.joined]
            parts = [self.word(part) for part in term.parts]
            together = parts[0] if len(parts) == 1 else Q.boolean_query([(Occur.Must, part) for part in parts])
            choices.append(Q.boost_query(together, 0.95 / len(parts)))
            scored = Q.disjunction_max_query(choices) if len(choices) > 1 else choices[0]
            names = [*term.joined, *term.parts]
        built = Q.boolean_query(
            [(Occur.Should, scored), (Occur.Should, Q.const_score_query(scored, MATCH_BONUS * self.rarity(names)))]
        )
        self._built[term.text] = built
        return built

    @staticmethod
    def phrase(words: tuple[str, ...], fields=TEXT_FIELDS) -> tantivy.Query:
        if len(words) == 1:
            subqueries = [Q.boost_query(_term(field, words[0]), FIELD_WEIGHTS[field]) for field in fields]
        else:
            subqueries = [
                Q.boost_query(Q.phrase_query(SCHEMA, field, list(words)), FIELD_WEIGHTS[field]) for field in fields
            ]
        return Q.disjunction_max_query(subqueries, TIE_BREAKER)

    def filters(self) -> tuple[list, list]:
        """(must, must not) sub-queries for the query's filters (they do not score)."""
        query = self.query
        must: list = [_term("kind", "paper")]
        must_not: list = []
        if query.read is True:
            must.append(_term("flag", "read"))
        elif query.read is False:
            must_not.append(_term("flag", "read"))
        must += [_term("flag", what) for what in query.has]
        must_not += [_term("flag", what) for what in query.has_not]
        must += [_term("tag", tag) for tag in query.tags]
        must_not += [_term("tag", tag) for tag in query.not_tags]
        must += [self._source(page) for page in query.sources]
        must_not += [self._source(page) for page in query.not_sources]
        must += [self._author(name) for name in query.authors]
        must_not += [self._author(name) for name in query.not_authors]
        for field, ranges, negated in (
            ("added", query.added, False), ("added", query.not_added, True),
            ("published", query.published, False), ("published", query.not_published, True),
        ):
            for when in ranges:
                lower = when.first if when.first is not None else 0
                upper = when.last if when.last is not None else 99991231
                (must_not if negated else must).append(
                    Q.range_query(SCHEMA, field, tantivy.FieldType.Integer, lower, upper)
                )
        if query.ids:
            must.append(Q.boolean_query([(Occur.Should, self._id(start)) for start in query.ids]))
        must_not += [self._id(start) for start in query.not_ids]
        for word in query.exclude_terms:
            must_not.append(Q.boolean_query([(Occur.Should, _term(field, word)) for field in TEXT_FIELDS]))
        for words in query.exclude_phrases:
            must_not.append(self.phrase(words))
        return [_filter(item) for item in must], must_not

    @staticmethod
    def _source(page: str) -> tantivy.Query:
        return Q.regex_query(SCHEMA, "source", ".*" + _regex_literal(page) + ".*")

    @staticmethod
    def _id(start: str) -> tantivy.Query:
        return Q.regex_query(SCHEMA, "id", _regex_literal(start) + ".*")

    def _author(self, name: tuple[str, ...]) -> tantivy.Query:
        words = [self.word(word, ("authors",)) for word in name]
        return words[0] if len(words) == 1 else Q.boolean_query([(Occur.Must, word) for word in words])

    def build(self, wanted: int | None = None) -> tantivy.Query:
        query = self.query
        must, must_not = self.filters()
        clauses = [(Occur.Must, item) for item in must] + [(Occur.MustNot, item) for item in must_not]
        if query.terms:
            words = [self.term(term) for term in query.terms]
            count = len(words)
            if wanted is None:
                wanted = self.wanted()
            if count == 1:
                text = words[0]
            else:
                text = Q.boolean_query([(Occur.Should, word) for word in words], minimum_number_should_match=wanted)
            clauses.append((Occur.Must, text))
            adjacent = self._adjacent()
            if adjacent is not None:
                clauses.append((Occur.Should, adjacent))
        for words in query.phrases:
            clauses.append((Occur.Must, self.phrase(words)))
        return Q.boolean_query(clauses)

    def _adjacent(self) -> tantivy.Query | None:
        """The query's words as typed, side by side in the title: a small bonus."""
        terms = self.query.terms
        if len(terms) < 2 or any(len(term.parts) != 1 for term in terms):
            return None
        words = [term.parts[0] for term in terms]
        return Q.boost_query(Q.phrase_query(SCHEMA, "title", words), ADJACENT_BOOST)

    def word_count(self) -> int:
        return len(self.query.terms)


def _regex_literal(text: str) -> str:
    return "".join(ch if ch.isalnum() else "\\" + ch if ch.isascii() else ch for ch in text)


# -- the index of one library -----------------------------------------------------------------

ProgressCallback = Callable[[int, int], None]


class SearchEngine:
    """The search index of one :class:`reader.library.Library` (one per library object; thread-safe)."""

    def __init__(self, library) -> None:
        self._library_ref = weakref.ref(library)
        self.path = index_dir(library.path)
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._inode: int | None = None
        self._vocab: Vocabulary | None = None
        self._vocab_key: tuple | None = None
        self._meta: dict | None = None
        self._keys: dict[int, str] = {}  # paper_key(id) -> id, for the library's papers
        self._memory: tuple | None = None  # (index, vocabulary, seq) built in memory: none on disk can be used
        self._keys_generation: int | None = None
        self.last_note: str | None = None  # why the index was last rebuilt, or why it is behind
        self.progress: ProgressCallback | None = None  # told about a rebuild's progress
        self.timings: dict[str, float] = {}

    @property
    def library(self):
        library = self._library_ref()
        if library is None:  # pragma: no cover - the library owns the engine's lifetime
            raise ReaderError("the library of this search index is gone")
        return library

    # -- opening -------------------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        """The index as it is on disk now (reopened when another process rebuilt it)."""
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            self._index = None
            raise IndexUnusable("missing") from None
        except OSError as exc:
            raise IndexUnusable(f"unreadable ({exc.strerror or exc})") from None
        if self._index is None or inode != self._inode:
            self._index = _open_index(self.path)
            self._inode = inode
            self._vocab = None
        else:
            try:
                self._index.reload()
            except ValueError as exc:
                self._index = None
                raise IndexUnusable(f"damaged ({exc})") from None
        return self._index

    def _read_meta(self, index: tantivy.Index) -> dict:
        meta = read_meta(index)
        if meta.get("format") != FORMAT:
            raise IndexUnusable("made by another version of reader")
        if meta.get("library") != _library_key(self.library.path):
            raise IndexUnusable("made for another library")
        self._meta = meta
        return meta

    # -- keeping it current ----------------------------------------------------------------------

    def sync(self, *, create: bool = True) -> None:
        """Bring the index up to the library's journal position. Call with the library's writer lock held.

        ``create``: build the index if there is none (else leave it missing).
        """
        library = self.library
        with self._lock:
            try:
                index = self._open()
                meta = self._read_meta(index)
            except IndexUnusable as exc:
                if str(exc) == "missing" and not create:
                    return
                self._rebuild(None if str(exc) == "missing" else str(exc))
                return
            seq = meta.get("seq")
            if seq == library.seq and meta.get("papers") == len(library):
                return
            changed = library.changed_since(seq) if isinstance(seq, int) and seq <= library.seq else None
            if changed is None:
                self._rebuild("it was behind the library by more than its history tells" if seq != library.seq
                              else "it does not hold the library's papers")
                return
            if len(changed) > max(UPDATE_MAX_PAPERS, len(library) // 4):
                self._rebuild(None)  # most of the library changed (a huge import): building anew is faster
                return
            self._update(index, meta, changed)

    def _update(self, index: tantivy.Index, meta: dict, changed: set[str]) -> None:
        library = self.library
        started = time.perf_counter()
        searcher = index.searcher()
        arrivals = _arrivals(searcher, changed)
        next_arrival = int(meta.get("next_arrival", 0))
        documents = []
        terms: set[str] = set()
        for pid in sorted(changed):
            paper = library.get(pid)
            if paper is None:
                continue
            arrival = arrivals.get(pid)
            if arrival is None:
                arrival = next_arrival
                next_arrival += 1
            doc, doc_terms = paper_document(paper, library.abstract(pid) if paper.has_abstract else "", arrival)
            documents.append(doc)
            terms |= doc_terms
        fold_vocab = bool(terms) and append_delta(self.path, sorted(terms))
        writer = index.writer(WRITER_HEAP, 1)
        try:
            for pid in changed:
                writer.delete_documents_by_term("id", pid)
            for doc in documents:
                writer.add_document(doc)
            writer.delete_documents_by_term("id", META_ID)
            new_meta = dict(meta, seq=library.seq, papers=len(library), next_arrival=next_arrival)
            writer.add_document(_meta_document(new_meta))
            writer.commit()
            index.reload()
            if index.searcher().num_segments > MAX_SEGMENTS:
                # Each commit leaves a small segment; the merges the commit started finish here
                # (a writer dropped without waiting abandons them): every few changes, not each.
                writer.wait_merging_threads()
        except BaseException:
            _abandon(writer)
            raise
        finally:
            del writer
        index.reload()
        self._meta = new_meta
        if self._vocab is not None:
            self._vocab.add(terms)
        if fold_vocab:
            self._fold_vocab(index)
        self.timings["update"] = time.perf_counter() - started

    def _fold_vocab(self, index: tantivy.Index) -> None:
        vocab = self._vocab if self._vocab is not None else Vocabulary.load(self.path)
        vocab.save(self.path)

    def _rebuild(self, reason: str | None) -> None:
        """Build the index from the library into a new directory, then put it in place of the old one."""
        library = self.library
        started = time.perf_counter()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(self.path)
        temporary = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        try:
            vocab = build_index(library, temporary, self.progress)
            aside = self.path.with_name(f".{self.path.name}.old-{os.getpid()}-{threading.get_ident()}")
            if self.path.exists() or self.path.is_symlink():
                os.replace(self.path, aside)
            os.replace(temporary, self.path)
            _remove(aside)
        except BaseException:
            _remove(temporary)
            raise
        self._index = None
        index = self._open()
        self._vocab = vocab
        self._vocab_key = (self._inode,)
        self._read_meta(index)
        _remove_old_caches(library.path)
        self.timings["rebuild"] = time.perf_counter() - started
        self.last_note = f"search index rebuilt ({reason})" if reason else None

    # -- searching -------------------------------------------------------------------------------

    def prepare(self) -> str | None:
        """Make the index current (building it if needed) and load its vocabulary; returns a note
        when it could not be brought up to date. Safe from any thread."""
        note = self._make_current()
        with self._lock:
            index, vocab = self._searchable()
        # A first query reads the index's term dictionaries from disk: now, not at the first key typed.
        searcher, addresses, _, _ = _ranked_addresses(index, vocab, parse_query("the a of"), 1)
        self._ids_of(searcher, addresses)  # and the ids of the library's papers are hashed
        return note

    def _make_current(self) -> str | None:
        library = self.library
        damaged_vocabulary = None
        with self._lock:
            try:
                index = self._open()
                meta = self._read_meta(index)
                self._vocabulary()
                if meta.get("seq") == library.seq:
                    return None
            except _DamagedVocabulary as exc:
                damaged_vocabulary = str(exc)
            except IndexUnusable:
                pass
        # Behind (or unusable): catch up under the library's writer lock.
        self.last_note = None
        try:
            with library._mutex, library._lock(shared=False, failure="search index not updated: "):
                library._catch_up()
                if damaged_vocabulary:
                    with self._lock:
                        self._rebuild(damaged_vocabulary)
                else:
                    self.sync()
            self._memory = None
        except (LibraryError, OSError) as exc:  # a read-only directory, a busy lock: search what there is
            why = str(exc) if isinstance(exc, LibraryError) else f"cannot write {self.path}: {exc.strerror or exc}"
            with self._lock:
                try:
                    index = self._open()
                    meta = self._read_meta(index)
                    self._vocabulary()
                except IndexUnusable as unusable:
                    return self._memory_index(f"the index on disk is {unusable} and cannot be written ({why})")
                behind = library.seq - int(meta.get("seq", 0))
                self._memory = None
                return (
                    f"the search index is {behind} change(s) behind the library and cannot be updated "
                    f"({why}): the latest changes are not searched"
                )
        return self.last_note

    def _memory_index(self, why: str) -> str:
        """No usable index on disk, none can be written: build one in memory for this process."""
        library = self.library
        if self._memory is None or self._memory[2] != library.seq:
            index, vocab = build_index(library, None, self.progress)
            self._memory = (index, vocab, library.seq)
        return f"search index built in memory: {why}"

    def _searchable(self) -> tuple[tantivy.Index, Vocabulary]:
        """The index to search and its vocabulary (call with the lock held)."""
        if self._memory is not None:
            return self._memory[0], self._memory[1]
        return self._open(), self._vocabulary()

    def _vocabulary(self) -> Vocabulary:
        if self._vocab is None or self._vocab_key != (self._inode,):
            try:
                self._vocab = Vocabulary.load(self.path)
            except (OSError, ValueError, UnicodeError) as exc:
                raise _DamagedVocabulary(f"damaged (its vocabulary: {exc})") from None
            self._vocab_key = (self._inode,)
        return self._vocab

    def search(self, query: str | Query, limit: int | None = None, *, today=None) -> SearchResult:
        parsed = parse_query(query, today=today) if isinstance(query, str) else query
        note = self._make_current()
        library = self.library
        with self._lock:
            index, vocab = self._searchable()
        ranked = _run(index, vocab, parsed, limit, library.get)  # (tantivy's searcher is thread-safe)
        hits = [Hit(paper, score) for paper, score in ranked[0] if paper is not None]
        return SearchResult(hits, total=ranked[1], query=parsed, note=note)

    def search_ids(self, query: str | Query, limit: int | None = None, *, today=None) -> RankedIds:
        parsed = parse_query(query, today=today) if isinstance(query, str) else query
        note = self._make_current()
        with self._lock:
            index, vocab = self._searchable()
        searcher, addresses, scores, total = _ranked_addresses(index, vocab, parsed, limit)
        ids = self._ids_of(searcher, addresses)
        return RankedIds(ids, scores, total, note)

    def _ids_of(self, searcher: tantivy.Searcher, addresses: list) -> list[str]:
        """The paper ids at ``addresses`` (from the key fast field: no document is read)."""
        if not addresses:
            return []
        keys = searcher.fast_field_values("key", addresses)
        known = self._keys
        library = self.library
        if self._keys_generation != library.generation and (not known or any(key not in known for key in keys)):
            self._keys_generation = library.generation
            known = self._keys = {paper_key(pid): pid for pid in library.ids()}
        return [
            known[key] if key in known else searcher.doc(address).get_first("id")
            for key, address in zip(keys, addresses)
        ]


# -- running a query -----------------------------------------------------------------------------


def _searcher_query(vocab: Vocabulary | None, parsed: Query):
    return _QueryBuilder(vocab, parsed).build()


def _ranked_addresses(index: tantivy.Index, vocab, parsed: Query, limit: int | None):
    """(addresses best first, scores, total) for ``parsed``."""
    searcher = index.searcher()
    if parsed.contradiction:
        return searcher, [], [], 0
    papers = max(searcher.num_docs - 1, 0)
    if limit is not None and limit <= 0:
        fetch = 1
    else:
        fetch = papers if limit is None else min(limit, papers)
    fetch = max(fetch, 1)
    if not parsed.has_text:
        result = searcher.search(_searcher_query(vocab, parsed), fetch, count=True, order_by_field="order")
        addresses = [address for _, address in result.hits]
        total = result.count
        if limit is not None:
            addresses = addresses[: max(limit, 0)]
        return searcher, addresses, [0.0] * len(addresses), total
    builder = _QueryBuilder(vocab, parsed, searcher)
    # Equal scores: newer first. Ask for a few more than needed so that ties at the cut are ordered.
    extra = max(fetch if limit is None else min(papers, fetch * 2 + 10), 1)
    wanted = builder.wanted()
    result = searcher.search(builder.build(wanted), extra, count=True)
    total = result.count
    while not total and wanted > 1:
        # Fewer words than the usual share only when no paper matches that many.
        wanted -= 1
        result = searcher.search(builder.build(wanted), extra, count=True)
        total = result.count
    hits = result.hits
    if not hits:
        return searcher, [], [], total
    orders = searcher.fast_field_values("order", [address for _, address in hits])
    ranked = sorted(zip(hits, orders), key=lambda item: (-round(item[0][0], 4), -(item[1] or 0)))
    if limit is not None:
        ranked = ranked[: max(limit, 0)]
    best = ranked[0][0][0] if ranked else 1.0
    scores = [round(min(hit[0] / best, 1.0), 4) if best > 0 else 0.0 for hit, _ in ranked]
    return searcher, [hit[1] for hit, _ in ranked], scores, total


def _run(index, vocab, parsed: Query, limit: int | None, get_paper):
    searcher, addresses, scores, total = _ranked_addresses(index, vocab, parsed, limit)
    found = []
    for address, score in zip(addresses, scores):
        doc = searcher.doc(address)
        pid = doc.get_first("id")
        found.append((get_paper(pid) if get_paper is not None else _paper_from(doc), score))
    return found, total


def _paper_from(doc: tantivy.Document) -> Paper | None:
    raw = doc.get_first("doc")
    try:
        return Paper.from_doc(json.loads(bytes(raw)))
    except (TypeError, ValueError):
        return None


def _arrivals(searcher: tantivy.Searcher, pids: Iterable[str]) -> dict[str, int]:
    """The arrival number the index holds for each of ``pids`` it has."""
    wanted = list(pids)
    if not wanted:
        return {}
    result = searcher.search(Q.term_set_query(SCHEMA, "id", wanted), len(wanted) + 1)
    addresses = [address for _, address in result.hits]
    values = searcher.fast_field_values("arrival", addresses)
    found = {}
    for address, value in zip(addresses, values):
        pid = searcher.doc(address).get_first("id")
        if pid != META_ID and value is not None:
            found[pid] = int(value)
    return found


def read_meta(index: tantivy.Index) -> dict:
    """The meta document of ``index``; raises :class:`IndexUnusable` when it has none."""
    try:
        searcher = index.searcher()
        result = searcher.search(_term("id", META_ID), 2)
        if not result.hits:
            raise IndexUnusable("incomplete (no record of the library it belongs to)")
        raw = searcher.doc(result.hits[0][1]).get_first("meta")
        meta = json.loads(bytes(raw))
    except (ValueError, TypeError) as exc:
        raise IndexUnusable(f"damaged ({exc})") from None
    if not isinstance(meta, dict):
        raise IndexUnusable("damaged (its record is not an object)")
    return meta


def _open_index(path: Path) -> tantivy.Index:
    try:
        index = tantivy.Index.open(str(path))
        schema_ok = _schema_matches(index)
    except (ValueError, OSError, RuntimeError) as exc:
        raise IndexUnusable(f"damaged ({str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__})") from None
    if not schema_ok:
        raise IndexUnusable("made by another version of reader")
    return index


def _schema_matches(index: tantivy.Index) -> bool:
    try:
        searcher = index.searcher()
        for name in ("kind", "id", "tag", "flag", "source", *TEXT_FIELDS):
            searcher.doc_freq(name, "x")
        return True
    except ValueError:
        return False


def _abandon(writer: tantivy.IndexWriter) -> None:
    """Drop what ``writer`` added since its last commit (the index stays as it was)."""
    try:
        writer.rollback()
    except (ValueError, RuntimeError):
        pass  # already unusable: dropping it is enough


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _remove_leftovers(path: Path) -> None:
    """Index directories a killed rebuild left beside the library (its process is gone)."""
    for prefix in (f".{path.name}.tmp-", f".{path.name}.old-"):
        try:
            names = [entry.name for entry in os.scandir(path.parent) if entry.name.startswith(prefix)]
        except OSError:
            return
        for name in names:
            if not writer_alive(name.replace(".old-", ".tmp-")):
                _remove(path.parent / name)


def _remove_old_caches(library_path: Path) -> None:
    """The saved indexes of reader's earlier engine (``.search``, ``.phrases``): no longer read."""
    for suffix in (".search", ".phrases"):
        old = Path(str(library_path) + suffix)
        try:
            if old.is_file():
                old.unlink()
        except OSError:
            pass


def build_index(library, directory: Path | None, progress: ProgressCallback | None = None):
    """Write a complete index of ``library`` into the empty ``directory``; returns its vocabulary.

    With ``directory`` None the index is built in memory: returns (index, vocabulary)."""
    if directory is None:
        index = tantivy.Index(SCHEMA)
    else:
        index = tantivy.Index(SCHEMA, path=str(directory), reuse=False)
    writer = index.writer(BUILD_HEAP, 1)
    papers = library.papers()
    total = len(papers)
    arrival = {paper.id: number for number, paper in enumerate(papers)}
    from_dict = tantivy.Document.from_dict
    done = 0
    seen: set[str] = set()

    def add(paper: Paper, abstract: str) -> None:
        nonlocal done
        writer.add_document(from_dict(paper_fields(paper, abstract, arrival[paper.id]), SCHEMA))
        done += 1
        if progress is not None and done % BUILD_BATCH == 0:
            progress(done, total)

    try:
        for pid, text in library.iter_abstracts():
            paper = library.get(pid)
            if paper is None or pid in seen:
                continue
            seen.add(pid)
            add(paper, text if paper.has_abstract else "")
        for paper in papers:
            if paper.id not in seen:
                add(paper, "")
        del seen
        meta = {
            "format": FORMAT,
            "library": _library_key(library.path),
            "seq": library.seq,
            "papers": total,
            "next_arrival": total,
        }
        writer.add_document(_meta_document(meta))
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        _abandon(writer)
        raise
    if progress is not None:
        progress(total, total)
    # The vocabulary, read back from the index once (listing its terms is slow for a query, fine here).
    index.reload()
    searcher = index.searcher()
    terms: set[str] = set()
    for field in TEXT_FIELDS:
        terms.update(term for term, _ in searcher.terms_with_prefix(field, "", limit=None))
    terms.discard(SEPARATOR)
    vocab = Vocabulary.from_terms(terms)
    if directory is None:
        return index, vocab
    vocab.save(directory)
    return vocab


# -- one engine per library -------------------------------------------------------------------

_engines: "weakref.WeakKeyDictionary[object, SearchEngine]" = weakref.WeakKeyDictionary()
_engines_lock = threading.Lock()


def engine_for(library) -> SearchEngine:
    with _engines_lock:
        engine = _engines.get(library)
        if engine is None:
            engine = _engines[library] = SearchEngine(library)
        return engine


def library_changed(library) -> None:
    """Called by the library inside its writer lock after changes: bring an existing index up to date.

    Never raises: the change itself is saved; an index that could not be
    updated is caught up by the next search (and a library without an index
    gets one at its first search).
    """
    if not index_dir(library.path).exists():
        return
    engine = engine_for(library)
    try:
        engine.sync(create=False)
    except Exception as exc:  # noqa: BLE001 - the change is saved; the next search catches up
        library.warnings.append(f"search index not updated ({exc}); the next search brings it up to date")


# -- the CLI's fast path ------------------------------------------------------------------------


def disk_seq(library_path: Path) -> int | None:
    """The library's journal position as its files hold it, read from their ends (None: unknown).

    The papers file's first bytes say which change it includes; the journal's
    last complete line is the newest change after it (a big import is one long
    line: the file is read backwards until that line is whole)."""
    from reader.library import Library, _decode_record

    probe = Library(library_path)
    newest = probe._peek_main_seq()
    if newest is None:
        return None
    try:
        handle = open(probe.wal_path, "rb")
    except FileNotFoundError:
        return newest
    except OSError:
        return None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        tail = b""
        position = size
        while position > 0:
            step = min(position, max(65536, len(tail)))
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
            lines = tail.split(b"\n")
            complete = lines[1:-1] if position > 0 else lines[:-1]  # the first may be cut; the last is after "\n"
            for line in reversed(complete):
                record = _decode_record(line)
                if record is not None and isinstance(record.get("seq"), int):
                    return max(newest, record["seq"])
            if len(complete) > 1:
                break  # whole lines, none valid: an unfinished last write; the papers file's number stands
    return newest


def quick_search(library_path: Path, query: Query, limit: int | None) -> SearchResult | None:
    """Search without loading the library: only when its index is current (else None)."""
    path = index_dir(library_path)
    if not path.is_dir():
        return None
    try:
        index = _open_index(path)
        meta = read_meta(index)
    except IndexUnusable:
        return None
    if meta.get("format") != FORMAT or meta.get("library") != _library_key(library_path):
        return None
    seq = disk_seq(library_path)
    if seq is None or meta.get("seq") != seq:
        return None
    vocab = None
    if query.needs_text or query.authors or query.not_authors:
        try:
            vocab = Vocabulary.load(path)
        except (OSError, ValueError, UnicodeError):
            return None
    found, total = _run(index, vocab, query, limit, None)
    if any(paper is None for paper, _ in found):
        return None
    return SearchResult([Hit(paper, score) for paper, score in found], total=total, query=query)


__all__ = [
    "SearchEngine", "SearchResult", "RankedIds", "Hit", "engine_for", "library_changed", "quick_search",
    "index_dir", "build_index", "QueryError", "IndexUnusable", "FORMAT",
]
