"""The search index of one library, kept current by every change.

The TinyDB files and the journal are the record; the index is a cache in the
directory ``PATH.index`` beside the library (``library.json.index``), which
can be deleted at any time: the next search builds it again (see
:mod:`reader.search.documents` for what it holds).

Every change to a library, whatever makes it (import, tag, undo, restore),
ends inside the library's writer lock, where the library calls
:func:`library_changed`: the index, if the library has one, takes the papers
changed since the position it records (the library's history names them) and
commits them with the new position. A tantivy writer is opened for that
commit and closed right after, so another process never finds it held. When
another process changed the library and was killed before its index commit,
the index records an older position than the library's: the next search sees
it and catches up (under the writer lock). When the history does not reach
back that far (a restored backup), or the index is missing, damaged, of
another format or another library, it is rebuilt from the library, with a
note saying why.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterable

import tantivy

from reader.errors import LibraryError, ReaderError
from reader.search.build import ProgressCallback, abandon, build_index, remove_leftovers, remove_old_caches, remove_tree
from reader.search.documents import (
    META_ID,
    SCHEMA,
    DamagedVocabulary,
    IndexUnusable,
    check_meta,
    index_dir,
    meta_document,
    open_index,
    paper_document,
    paper_key,
    read_meta,
)
from reader.search.query import Query, parse_query
from reader.search.ranking import ranked_addresses, run_query
from reader.search.results import Hit, RankedIds, SearchResult
from reader.search.vocab import Vocabulary, append_delta
from reader.search.writers import Merger, take_writer

UPDATE_MAX_PAPERS = 5000  # a change of more papers (and a quarter of the library) rebuilds the index
MAX_SEGMENTS = 8  # more than this after a commit: tantivy's merges finish in a background thread
WRITER_HEAP = 15_000_000  # bytes: one change touches a few papers


class SearchEngine:
    """The search index of one :class:`reader.store.Library` (one per library object; thread-safe)."""

    def __init__(self, library, *, update_max_papers: int = UPDATE_MAX_PAPERS,
                 max_segments: int = MAX_SEGMENTS) -> None:
        self._library_ref = weakref.ref(library)
        self.update_max_papers = update_max_papers  # a bigger change (and a quarter of the library) rebuilds
        self.max_segments = max_segments  # more after a commit: let tantivy's merges finish in the background
        self.merger = Merger()  # the thread finishing those merges (one writer per index: changes wait for it)
        self.writer_waits: list[float] = []  # seconds a change waited for another process's writer
        self.path = index_dir(library.path)
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._inode: int | None = None
        self._vocab: Vocabulary | None = None
        self._vocab_key: tuple | None = None
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
            self._index = open_index(self.path)
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
        check_meta(meta, self.library.path)
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
            if len(changed) > max(self.update_max_papers, len(library) // 4):
                self._rebuild(None)  # most of the library changed (a huge import): building anew is faster
                return
            self._update(index, meta, changed)

    def _update(self, index: tantivy.Index, meta: dict, changed: set[str]) -> None:
        library = self.library
        started = time.perf_counter()
        searcher = index.searcher()
        arrivals = _arrivals(searcher, changed)
        next_arrival = int(meta.get("next_arrival", 0))
        # New papers are numbered in the library's order (they came last): the index's newest
        # papers are the library's (reader.search.firstpage draws the TUI's first rows from them).
        new = [pid for pid in changed if pid not in arrivals and library.get(pid) is not None]
        if len(new) > 1:
            wanted = set(new)
            new = [pid for pid in library.ids() if pid in wanted]
        for pid in new:
            arrivals[pid] = next_arrival
            next_arrival += 1
        documents = []
        terms: set[str] = set()
        for pid in sorted(changed):
            paper = library.get(pid)
            if paper is None:
                continue
            arrival = arrivals[pid]
            doc, doc_terms = paper_document(paper, library.abstract(pid) if paper.has_abstract else "", arrival)
            documents.append(doc)
            terms |= doc_terms
        fold_vocab = bool(terms) and append_delta(self.path, sorted(terms))
        self.merger.wait()  # this process's last merge holds the index's writer until it ends
        writer = take_writer(index, WRITER_HEAP, waited=self.writer_waits)
        try:
            for pid in changed:
                writer.delete_documents_by_term("id", pid)
            for doc in documents:
                writer.add_document(doc)
            writer.delete_documents_by_term("id", META_ID)
            new_meta = dict(meta, seq=library.seq, papers=len(library), next_arrival=next_arrival)
            writer.add_document(meta_document(new_meta))
            writer.commit()
            index.reload()
        except BaseException:
            abandon(writer)
            del writer
            raise
        if index.searcher().num_segments > self.max_segments:
            # Each commit leaves a small segment, and the commit started tantivy's merges of them; a
            # writer dropped now would abandon those. They finish in a thread while this change returns.
            self.merger.start(writer)
        del writer
        index.reload()
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
        self.merger.wait()  # its writer is on the directory about to be replaced
        self.path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(self.path)
        temporary = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        remove_tree(temporary)
        temporary.mkdir()
        try:
            vocab = build_index(library, temporary, self.progress)
            aside = self.path.with_name(f".{self.path.name}.old-{os.getpid()}-{threading.get_ident()}")
            if self.path.exists() or self.path.is_symlink():
                os.replace(self.path, aside)
            os.replace(temporary, self.path)
            remove_tree(aside)
        except BaseException:
            remove_tree(temporary)
            raise
        self._index = None
        index = self._open()
        self._vocab = vocab
        self._vocab_key = (self._inode,)
        self._read_meta(index)
        remove_old_caches(library.path)
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
        searcher, addresses, _, _ = ranked_addresses(index, vocab, parse_query("the a of"), 1)
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
            except DamagedVocabulary as exc:
                damaged_vocabulary = str(exc)
            except IndexUnusable:
                pass
        # Behind (or unusable): catch up under the library's writer lock.
        self.last_note = None
        try:
            with library.writing(failure="search index not updated: "):
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
                raise DamagedVocabulary(f"damaged (its vocabulary: {exc})") from None
            self._vocab_key = (self._inode,)
        return self._vocab

    def search(self, query: str | Query, limit: int | None = None, *, today=None) -> SearchResult:
        parsed = parse_query(query, today=today) if isinstance(query, str) else query
        note = self._make_current()
        library = self.library
        with self._lock:
            index, vocab = self._searchable()
        ranked = run_query(index, vocab, parsed, limit, library.get)  # (tantivy's searcher is thread-safe)
        hits = [Hit(paper, score) for paper, score in ranked[0] if paper is not None]
        return SearchResult(hits, total=ranked[1], query=parsed, note=note)

    def search_ids(self, query: str | Query, limit: int | None = None, *, today=None) -> RankedIds:
        parsed = parse_query(query, today=today) if isinstance(query, str) else query
        note = self._make_current()
        with self._lock:
            index, vocab = self._searchable()
        searcher, addresses, scores, total = ranked_addresses(index, vocab, parsed, limit)
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
        ids = []
        for key, address in zip(keys, addresses, strict=True):
            pid = known.get(int(key)) if key is not None else None
            ids.append(pid if pid is not None else str(searcher.doc(address).get_first("id")))
        return ids



def _arrivals(searcher: tantivy.Searcher, pids: Iterable[str]) -> dict[str, int]:
    """The arrival number the index holds for each of ``pids`` it has."""
    wanted = list(pids)
    if not wanted:
        return {}
    result = searcher.search(tantivy.Query.term_set_query(SCHEMA, "id", wanted), len(wanted) + 1)
    addresses = [address for _, address in result.hits]
    values = searcher.fast_field_values("arrival", addresses)
    found = {}
    for address, value in zip(addresses, values, strict=True):
        pid = searcher.doc(address).get_first("id")
        if isinstance(pid, str) and pid != META_ID and value is not None:
            found[pid] = int(value)
    return found


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
