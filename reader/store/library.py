"""The library: the face the rest of reader uses; the parts it composes live beside it.

Invariants (each part's docstring has the details):

* **Journal before memory.** Every change goes through :meth:`Library._commit`:
  it takes the lock, catches up with other processes' changes, computes the
  change on that current state, appends it to the journal and fsyncs it, and
  only then applies it in memory. A change that did not reach the disk changes
  nothing (:mod:`reader.store.journal`).
* **Files are replaced whole.** The papers file, the abstracts file, the
  snapshot and a new journal are written to a temporary file, fsynced and
  renamed over the old one; nothing is edited in place but the journal, which
  is only appended to (:mod:`reader.store.papersfile`, :mod:`reader.store.compaction`).
* **One lock.** Changes hold ``PATH.lock`` exclusively for their whole
  read-modify-write; loading holds it shared (:mod:`reader.store.lock`).
* **The change number** (:attr:`Library.seq`) is the number of the last
  change applied, equal in every process that has read the same files; each
  change adds one. :attr:`Library.generation` is this process's counter of
  anything in memory changing (:mod:`reader.store.state`).
* Reads never touch the disk, but abstracts (:mod:`reader.store.abstracts`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from reader.errors import LibraryError, ReaderError
from reader.fileio import file_signature
from reader.importers import Candidate, Skipped
from reader.papers import Paper, now_iso, short_id
from reader.store import edits
from reader.store.abstracts import Abstracts
from reader.store.abstracts_file import AbstractsFile, Spans
from reader.store.backups import Backup, Backups
from reader.store.compaction import Compactor
from reader.store.events import change_listeners
from reader.store.history import History, HistoryEntry, check_steps
from reader.store.journal import Journal
from reader.store.layout import Layout
from reader.store.limits import StoreLimits
from reader.store.loading import read_papers_file
from reader.store.lock import StoreLock
from reader.store.lookups import Lookups
from reader.store.merging import ImportReport, plan_import
from reader.store.papersfile import peek_seq
from reader.store.state import State

# Automatic backups: at most one per BACKUP_INTERVAL seconds of changes, the newest BACKUP_KEEP kept.
BACKUP_INTERVAL = 300.0
BACKUP_KEEP = 10


@dataclass(slots=True)
class Change:
    """What one committed change did (``ids`` are the papers it changed)."""

    label: str
    ids: list[str]
    seq: int = 0


class Library:
    """All papers of one library, in memory, backed by its files (see :mod:`reader.store`)."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        clock: Callable[[], str] = now_iso,
        lock_timeout: float = 30.0,
        auto_compact: bool = True,
        backup_interval: float = BACKUP_INTERVAL,
        backup_keep: int = BACKUP_KEEP,
        limits: StoreLimits | None = None,
        read_only: bool = False,
    ) -> None:
        self.layout = layout = Layout.for_library(path)
        limits = limits if limits is not None else StoreLimits.from_environment()
        self.clock = clock
        self.auto_compact = auto_compact
        self.read_only = read_only  # never writes a byte, nor takes the lock (a backup being read)
        self.backup_interval = 0 if read_only else backup_interval  # seconds between automatic backups; 0: never
        self.warnings: list[str] = []  # problems that did not stop a change (callers may show them)
        self.opened_from_snapshot = False  # the last load used the snapshot (see reader.store.snapshot)
        self._state = State()
        self._lock = StoreLock(layout.lock, layout.path, lock_timeout, read_only=read_only)
        self._journal = Journal(layout.wal)
        self._abstracts = Abstracts(
            self._state,
            AbstractsFile(layout.abstracts, chunk=limits.stream_chunk, max_document=limits.max_document),
            scan_min=limits.abstracts_scan_min,
        )
        self._lookups = Lookups(self._state)
        self._history = History(limits.history_keep)
        self._compactor = Compactor(layout, self._state, self._abstracts, self._history, self._journal, limits, self.warnings)
        self._backups = Backups(layout, backup_keep)
        self._mutex = threading.RLock()
        self._exclusive = 0  # this library holds the writer lock (nested holds take nothing more)
        self._batch: set[str] | None = None  # ids a batch of changes touched so far (see batch())

    # -- where the files are ------------------------------------------------------------

    path = property(lambda self: self.layout.path)
    abstracts_path = property(lambda self: self.layout.abstracts)
    wal_path = property(lambda self: self.layout.wal)
    lock_path = property(lambda self: self.layout.lock)
    snapshot_path = property(lambda self: self.layout.snapshot)
    backups_dir = property(lambda self: self.layout.backups)
    lock_timeout = property(lambda self: self._lock.timeout)

    @property
    def limits(self) -> StoreLimits:
        return self._compactor.limits

    @limits.setter
    def limits(self, limits: StoreLimits) -> None:
        """New thresholds for this library from now on (tests pass small ones)."""
        self._compactor.limits = limits
        self._abstracts.scan_min = limits.abstracts_scan_min
        self._abstracts.file.chunk = limits.stream_chunk
        self._abstracts.file.max_document = limits.max_document
        self._history.keep = limits.history_keep

    @property
    def backup_keep(self) -> int:
        return self._backups.keep

    @backup_keep.setter
    def backup_keep(self, value: int) -> None:
        self._backups.keep = value

    # -- opening and catching up ----------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, **kwargs) -> "Library":
        library = cls(path, **kwargs)
        library.load()
        return library

    def load(self) -> None:
        """(Re)load everything from disk. Raises :class:`LibraryError` for a file that does not load."""
        with self._mutex, self._locked(shared=True):
            self._load_locked()

    def _load_locked(self) -> None:
        self._load_papers_file()
        self._journal.reset()
        self._read_journal()
        self._state.bump(None)

    def _load_papers_file(self) -> None:
        state = self._state
        sig = file_signature(self.path)
        content, from_snapshot = read_papers_file(self.layout)
        spans = Spans.from_doc(content.spans_doc)
        self.opened_from_snapshot = from_snapshot
        self._compactor.loaded(from_snapshot=from_snapshot, spans=spans)
        state.papers, state.seq, state.others, state.main_sig = content.papers, content.seq, content.others, sig
        self._history.entries = content.history
        self._abstracts.reset(spans)
        self._lookups.clear()

    def _read_journal(self, *, reloaded: bool = False) -> bool:
        """Apply journal records newer than what we have; returns True if anything changed.

        A gap in change numbers means another process compacted records we never
        saw into the papers file: reload that, once.
        """
        changed = False
        for record, papers in self._journal.read_new():
            if record["seq"] <= self._state.seq:
                continue
            if record["seq"] != self._state.seq + 1:
                if reloaded:
                    raise LibraryError(
                        f"{self.wal_path} continues from change {record['seq']} but {self.path} holds changes "
                        f"only up to {self._state.seq} (was the library file replaced by an older copy?). Nothing "
                        "was changed; move the .wal file aside to open the library as its file has it"
                    )
                self._load_papers_file()
                self._journal.reset()
                self._read_journal(reloaded=True)
                self._state.bump(None)
                return True
            self._apply_record(record, papers)
            changed = True
        return changed

    def _apply_record(self, record: dict, papers: Iterable[Paper] | None = None) -> None:
        """Apply one change record; ``papers`` are its "put" documents as Paper objects, if at hand."""
        state, abstracts, lookups = self._state, self._abstracts, self._lookups
        inserted = False
        for paper in papers if papers is not None else map(Paper.from_doc, record.get("put", ())):
            old = state.papers.get(paper.id)
            if old is None:
                # A new paper has no abstract unless the record gives one (whatever an
                # older abstracts file holds under its id, from a deleted paper).
                abstracts.known[paper.id] = ""
                inserted = True
            lookups.forget(old)
            state.papers[paper.id] = paper
            lookups.add(paper)
        for pid in record.get("delete", ()):
            lookups.forget(state.papers.pop(pid, None))
            abstracts.known.pop(pid, None)
        for pid, text in (record.get("abstracts") or {}).items():
            abstracts.known[pid] = text
        if inserted or record.get("abstracts") or record.get("delete"):
            abstracts.dirty = True
        self._history.remember(record)
        state.seq = record["seq"]
        state.bump(
            frozenset(doc["id"] for doc in record.get("put", ()))
            | frozenset(record.get("delete", ()))
            | frozenset(record.get("abstracts") or ())
        )

    def refresh(self) -> bool:
        """Pick up changes other processes made. Returns True when anything changed."""
        with self._mutex, self._locked(shared=True):
            return self._catch_up()

    def _catch_up(self) -> bool:
        sig = file_signature(self.path)
        if sig != self._state.main_sig:
            on_disk_seq = peek_seq(self.path)
            # Another writer's compaction of what we hold already has our change number: keep
            # our state. A higher one holds more; a lower one is an older state put back (a
            # restored backup): both are read again.
            if on_disk_seq is None or on_disk_seq != self._state.seq or sig is None:
                self._load_locked()
                return True
            self._state.main_sig = sig
        return self._read_journal()

    @contextmanager
    def writing(self, failure: str = "") -> Iterator[None]:
        """Hold the writer lock, caught up with the files, for the block; listeners hear of any
        change made meanwhile. ``failure`` prefixes the message if the lock cannot be taken."""
        with self._mutex:
            outermost = self._exclusive == 0
            with self._locked(shared=False, failure=failure):
                seq = self._state.seq
                self._catch_up()
                yield
                if outermost and self._state.seq != seq:
                    self._tell_listeners()

    @contextmanager
    def _locked(self, *, shared: bool, failure: str = "") -> Iterator[None]:
        """The lock, after finishing a restore a crash interrupted (which takes the lock exclusively).
        Already held exclusively by this library (in this thread: the mutex is held): nothing more."""
        if self._exclusive:
            yield
            return
        for exclusive in (not shared, True):
            with self._lock.hold(shared=not exclusive, failure=failure):
                self._exclusive += exclusive
                try:
                    if not self.read_only and self._backups.pending():
                        if not exclusive:
                            continue  # come back holding it exclusively
                        self._finish_restore()
                    yield
                    return
                finally:
                    self._exclusive -= exclusive

    @contextmanager
    def batch(self, label: str) -> Iterator[None]:
        """Every change made in the block is saved as one change (one undo step), or none is.

        The block holds the writer lock; its changes are applied in memory only
        (each sees the ones before it) and saved together at the end. If the
        block raises, nothing was saved and the library is read again from disk.
        """
        with self.writing(failure="change not saved: "):
            if self._batch is not None:
                raise ReaderError("a batch of changes cannot start inside another")
            self._batch = set()
            try:
                yield
                touched, self._batch = self._batch, None
            except BaseException:
                self._batch = None
                self._load_locked()  # what the disk holds: nothing of the block
                raise
            if touched:
                self._save_batch(label, touched)

    def _save_batch(self, label: str, touched: set[str]) -> None:
        papers = {pid: self._state.papers[pid] for pid in touched if pid in self._state.papers}
        texts = {pid: self._abstracts.known[pid] for pid in papers if pid in self._abstracts.known}
        self._load_locked()  # back to the state on disk, then the whole block as one change
        before = self._state.papers
        puts = {pid: paper for pid, paper in papers.items() if before.get(pid) != paper}
        current = self._abstracts.current_of(pid for pid in texts if pid not in puts)
        abstracts = {pid: text for pid, text in texts.items() if pid in puts or current.get(pid, "") != text}
        deletes = [pid for pid in touched if pid not in papers and pid in before]
        self._commit(label, lambda: (puts, abstracts, deletes))

    def _finish_restore(self) -> None:
        """Put a staged backup in place, read it and save it with a change number above any the
        library had, so every other process (the TUI, say) sees it as newer and reads it again."""
        newest_seq = self._backups.finish()
        self._load_locked()
        self._state.seq = max(self._state.seq, newest_seq) + 1
        self._compactor.compact()
        self._backups.forget_restore()

    def _tell_listeners(self) -> None:
        for listener in change_listeners():
            listener(self)

    @property
    def generation(self) -> int:
        """Moves on every change applied in memory (ours or others')."""
        return self._state.generation

    def changes_since(self, generation: int) -> set[str] | None:
        """Ids changed after ``generation`` (ours or other processes'); None: assume everything."""
        return self._state.changes_since(generation)

    def changed_since(self, seq: int) -> set[str] | None:
        """Ids of the papers the changes after change number ``seq`` touched (created, changed
        or deleted); None when the history does not reach back that far."""
        return self._history.changed_since(seq, self._state.seq)

    # -- reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._state.papers)

    def __contains__(self, pid: object) -> bool:
        return pid in self._state.papers

    def get(self, pid: str) -> Paper | None:
        return self._state.papers.get(pid)

    def papers(self) -> list[Paper]:
        """Every paper, oldest first (the order they were added)."""
        return list(self._state.papers.values())

    def ids(self) -> list[str]:
        return list(self._state.papers)

    @property
    def seq(self) -> int:
        """The change number: the last change applied (see :mod:`reader.store.state`)."""
        return self._state.seq

    def resolve(self, ref: str) -> Paper:
        """A paper by id, short id, arXiv id or unique id prefix; :class:`UnknownPaper` otherwise."""
        return self._lookups.resolve(ref)

    def find_existing(self, title: str, arxiv_id: str | None = None, *, key: str | None = None) -> Paper | None:
        """The paper a source's entry is the same paper as: by arXiv id, then by title."""
        return self._lookups.find_existing(title, arxiv_id, key=key)

    def tag_counts(self):
        from collections import Counter

        counts: Counter = Counter()
        for paper in self._state.papers.values():
            counts.update(paper.tags)
        return counts

    def abstract(self, pid: str) -> str:
        """One paper's abstract ("" if none), read from the abstracts file by offset."""
        return self._abstracts.get(pid)

    def abstracts(self) -> dict[str, str]:
        """All abstracts by paper id (loads them on first use and keeps them)."""
        with self._mutex:
            return self._abstracts.all()

    def iter_abstracts(self) -> Iterator[tuple[str, str]]:
        """(id, abstract) of every paper that has an abstract entry, without keeping them in memory."""
        return self._abstracts.iterate()

    def load_abstracts(self) -> None:
        """Load every abstract and keep them."""
        with self._mutex:
            self._abstracts.load()

    def read_abstracts(self, pids: Iterable[str]) -> dict[str, str]:
        """Abstracts of ``pids`` read by offset, the file opened once (faster than one
        :meth:`abstract` call each for a few thousand)."""
        return self._abstracts.read(pids)

    # -- committing -------------------------------------------------------------------------

    def _commit(self, label: str, compute: edits.Plan, *, meta: dict | None = None) -> Change:
        """Run ``compute`` under the lock on up-to-date state and make its result durable.

        ``compute`` returns (papers to put, abstracts to put, ids to delete);
        it must not change anything itself. Nothing in memory changes unless
        the change reached the disk. ``compute`` may fill ``meta`` with a
        ``label`` (replacing ``label``) and ``undoes`` or ``redoes``.
        """
        with self.writing(failure="change not saved: "):
            puts, new_abstracts, deletes = compute()
            meta = meta or {}
            label = meta.get("label", label)
            papers = self._state.papers
            deletes = [pid for pid in deletes if pid in papers]
            if not puts and not deletes and not new_abstracts:
                return Change(label, [], self._state.seq)
            edits.check_storable(puts.values())
            record = self._record(label, puts, new_abstracts, deletes, meta)
            if self._batch is not None:  # in memory only: saved with the rest of the batch (see batch())
                self._batch.update(puts, deletes, new_abstracts)
                record["put"] = [paper.to_stored_doc() for paper in puts.values()]
                self._apply_record(record, puts.values())
                return Change(label, list(puts) + deletes, self._state.seq)
            if self.backup_interval and self._state.main_sig is not None:
                self._backup_if_due()
            if len(puts) + len(deletes) > self.limits.direct_write_papers:
                self._write_direct(record, puts.values())
            else:
                record["put"] = [paper.to_stored_doc() for paper in puts.values()]
                self._journal.append(record, self._state.seq)
                self._apply_record(record, puts.values())
                if self._state.main_sig is None or (self.auto_compact and self.needs_compaction()):
                    # The change is saved in the journal; compaction is housekeeping
                    # (first change: create the papers files too). If it fails, the
                    # journal stays valid and a later change or `reader compact` retries.
                    try:
                        self._compactor.compact()
                    except LibraryError as exc:
                        self.warnings.append(f"change saved, but compaction failed: {exc}")
            return Change(label, list(puts) + deletes, self._state.seq)

    def _record(self, label: str, puts: dict, new_abstracts: dict, deletes: list[str], meta: dict) -> dict:
        """The journal record of a change, with what the papers looked like before (what undo restores)."""
        before: dict[str, dict] = {}
        created: list[str] = []
        for pid in dict.fromkeys([*puts, *deletes, *new_abstracts]):
            old = self._state.papers.get(pid)
            if old is None:
                created.append(pid)
            else:
                before[pid] = old.to_stored_doc()
        before_abstracts = self._abstracts.current_of([*deletes, *new_abstracts])
        record: dict = {
            "seq": self._state.seq + 1,
            "at": self.clock(),
            "label": label,
            "delete": deletes,
            "before": before,
            "created": created,
        }
        if new_abstracts:
            record["abstracts"] = new_abstracts
        if before_abstracts:
            record["before_abstracts"] = before_abstracts
        for key in ("undoes", "redoes"):
            if meta.get(key) is not None:
                record[key] = meta[key]
        return record

    def _write_direct(self, record: dict, papers: Iterable[Paper]) -> None:
        """Apply a large change by rewriting the papers files (one atomic rename)."""
        state, abstracts = self._state, self._abstracts
        history = [dict(entry) for entry in self._history.entries]
        saved = (dict(state.papers), dict(abstracts.known), state.seq, abstracts.dirty, abstracts.spans)
        self._apply_record(record, papers)
        try:
            self._compactor.compact()
        except LibraryError as exc:
            state.papers, abstracts.known, state.seq, abstracts.dirty, abstracts.spans = saved
            self._history.entries = history
            self._lookups.clear()
            state.bump(None)
            raise LibraryError(f"change not saved: {exc}") from None

    # -- compaction -------------------------------------------------------------------------

    def needs_compaction(self) -> bool:
        return self._journal.needs_compaction(self.limits.compact_records, self.limits.compact_bytes)

    def compact(self) -> None:
        """Fold the journal into the papers files. Safe to run at any time, from any process."""
        with self.writing():
            self._compactor.compact()

    @property
    def needs_snapshot(self) -> bool:
        """Big enough for a snapshot but without a usable one: :meth:`compact` writes it."""
        return self._compactor.needs_snapshot

    @property
    def needs_tidying(self) -> bool:
        """A big library that would open or read faster after :meth:`tidy`: no usable snapshot,
        or abstract offsets recorded for another abstracts file (a copied or restored library)."""
        return self._compactor.needs_tidying

    def tidy(self) -> None:
        """Find stale abstract offsets again and compact, which saves them and writes the snapshot.

        Changes no paper; safe at any time (the TUI runs it in the background when
        :attr:`needs_tidying`).
        """
        with self._mutex:
            abstracts = self._abstracts
            if not abstracts.loaded and not abstracts.dirty:
                current = abstracts.file.signature()
                if current is not None and (abstracts.spans is None or abstracts.spans.file != current):
                    # One scan records where each abstract is in the file as it is, so compacting
                    # saves those offsets instead of rewriting the whole abstracts file.
                    abstracts.index_file()
            self.compact()

    # -- changes people make ----------------------------------------------------------------

    def _resolve_all(self, refs: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.resolve(ref).id for ref in refs))

    def tag(self, refs: Iterable[str], tags: Iterable[str]) -> Change:
        ids = self._resolve_all(refs)
        wanted = edits.clean_tags(tags)
        return self._commit(
            f"tag {len(ids)} paper(s) +{' +'.join(wanted)}", edits.add_tags(self._state, ids, wanted)
        )

    def untag(self, refs: Iterable[str], tags: Iterable[str]) -> Change:
        ids = self._resolve_all(refs)
        unwanted = set(edits.clean_tags(tags))
        return self._commit(
            f"untag {len(ids)} paper(s) -{' -'.join(sorted(unwanted))}",
            edits.remove_tags(self._state, ids, unwanted),
        )

    def set_read(self, refs: Iterable[str], read: bool = True) -> Change:
        ids = self._resolve_all(refs)
        plan = edits.mark_read(self._state, ids, read, self.clock())
        return self._commit(f"mark {len(ids)} paper(s) {'read' if read else 'unread'}", plan)

    def set_notes(self, ref: str, notes: str) -> Change:
        pid = self.resolve(ref).id
        return self._commit(f"edit notes of {short_id(pid)}", edits.set_notes(self._state, pid, notes))

    def put(self, papers: Iterable[Paper], abstracts: dict[str, str] | None = None, *, label: str) -> Change:
        """Store ``papers`` exactly as given (insert or replace by id), as one change.

        The low-level form used by restores (JSON backups), which must keep ids,
        dates and read state as they were.
        """
        plan = edits.put_exactly(self._state, list(papers), dict(abstracts or {}), self._abstracts.current_of)
        return self._commit(label, plan)

    def transact(
        self,
        label: str,
        compute: Callable[[], tuple[Iterable[Paper], dict[str, str], Iterable[str]]],
    ) -> Change:
        """The general change: ``compute`` runs under the lock on up-to-date state.

        It reads the library (``get``, ``find_existing``, ``abstract``...) and
        returns (papers to store, abstracts to store, ids to delete); it must not
        change anything itself. Everything it returns is saved as one change (one
        undo step), or nothing is. Use this when what to write depends on what
        is there, so that another process's change in between is never lost.
        """

        def wrapped():
            papers, abstracts, deletes = compute()
            return {p.id: p for p in papers}, dict(abstracts or {}), list(deletes or ())

        return self._commit(label, wrapped)

    def modify(self, refs: Iterable[str], update: Callable[[Paper], Paper], label: str) -> Change:
        """Apply ``update`` to each paper (on its latest state, under the lock) and save the result.

        ``update`` returns the paper unchanged to skip it; it must not change the id.
        """
        return self._commit(label, edits.each_paper(self._state, self._resolve_all(refs), update))

    def delete(self, refs: Iterable[str]) -> Change:
        ids = self._resolve_all(refs)
        return self._commit(f"delete {len(ids)} paper(s)", lambda: ({}, {}, list(ids)))

    def import_candidates(
        self,
        candidates: Iterable[Candidate],
        *,
        skipped: Iterable[Skipped] = (),
        sources: Iterable[str] = (),
        label: str = "import",
    ) -> ImportReport:
        """Add new papers and merge known ones; never touches tags, read state or notes.

        The whole batch is one change: it is saved entirely or not at all.
        """
        candidates = list(candidates)
        skipped = list(skipped)
        report = ImportReport(skipped=list(skipped), entries=len(candidates), sources=list(sources))

        def compute():
            puts, new_abstracts = plan_import(candidates, self._lookups, self.clock(), report, skipped)
            return puts, new_abstracts, []

        self._commit(report.label(label), compute)
        return report

    # -- history, undo and redo -------------------------------------------------------------

    def history(self, limit: int = 20) -> list[HistoryEntry]:
        """Recent changes, newest first."""
        return self._history.listing(limit)

    def can_undo(self) -> bool:
        return bool(self._history.undo_targets())

    def can_redo(self) -> bool:
        return bool(self._history.redo_targets())

    def undo(self) -> Change:
        """Revert the latest change that has not been undone yet (repeatable)."""
        return self._revert("undo")

    def redo(self) -> Change:
        """Take back the latest undo not yet redone, unless a change was made after it."""
        return self._revert("redo")

    def undo_many(self, times: int) -> list[Change]:
        """``times`` undos, one change each; refused (nothing changed) unless the history holds that many."""
        return self._revert_many("undo", times)

    def redo_many(self, times: int) -> list[Change]:
        """``times`` redos, one change each; refused (nothing changed) unless that many can be redone."""
        return self._revert_many("redo", times)

    def _revert_many(self, kind: str, times: int) -> list[Change]:
        self.refresh()
        targets = self._history.undo_targets() if kind == "undo" else self._history.redo_targets()
        check_steps(kind, times, len(targets))
        return [self._revert(kind) for _ in range(times)]

    def _revert(self, kind: str) -> Change:
        meta: dict = {}

        def compute():
            targets = self._history.undo_targets() if kind == "undo" else self._history.redo_targets()
            if not targets:
                raise ReaderError(f"nothing to {kind}")
            meta["undoes" if kind == "undo" else "redoes"] = targets[0]["seq"]
            label = targets[0]["label"]
            if kind == "redo":
                label = label.removeprefix("undo: ")
            meta["label"] = f"{kind}: {label}"
            return edits.revert(targets[0])

        return self._commit(kind, compute, meta=meta)

    # -- backups ----------------------------------------------------------------------------

    def _backup_if_due(self) -> None:
        """Housekeeping before a change: a failure here is a warning, never a failed change."""
        try:
            if self._backups.due(self.backup_interval):
                self._backups.take()
        except LibraryError as exc:
            self.warnings.append(f"automatic backup failed: {exc}")

    def backup(self) -> Backup:
        """Take a backup now (``reader backup``); returns it."""
        if self.read_only:
            raise LibraryError(f"{self.path} is opened read-only")
        with self._mutex, self._locked(shared=True):
            return self._backups.take()

    def list_backups(self) -> list[Backup]:
        """Backups, newest first."""
        return self._backups.list()

    def restore_backup(self, number: int) -> Backup:
        """Put backup ``number`` (1 = newest) in place of the library; the current state is backed up first."""
        backups = self._backups.list()
        if not 1 <= number <= len(backups):
            raise ReaderError(f"no backup number {number} (there are {len(backups)}; see `reader backup list`)")
        chosen = backups[number - 1]
        probe = Library(chosen.path / self.path.name, limits=self.limits, read_only=True)
        try:
            probe._load_locked()
        except LibraryError as exc:
            raise ReaderError(f"backup {number} does not load either: {exc}") from None
        with self._mutex, self._locked(shared=False):
            seq_before = self._state.seq
            # The library may not load: no catch-up, but take the newest change number on disk.
            newest_seq = max(self._state.seq, peek_seq(self.path) or 0, self._journal.newest_seq())
            if self.path.exists():
                try:
                    self._backups.take(prune=False)  # so that restoring can itself be taken back
                except LibraryError as exc:
                    raise ReaderError(f"not restoring: could not back up the current library first: {exc}") from None
            self._backups.stage(chosen, newest_seq)
            self._finish_restore()
            self._backups.prune()
            if self._state.seq != seq_before:
                self._tell_listeners()
        return chosen
