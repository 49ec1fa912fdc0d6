"""The library: the face the rest of reader uses; the parts it composes live beside it.

Invariants (each part's docstring has the details):

* **Journal before memory.** Every change goes through :meth:`Library._commit`:
  it takes the lock, catches up with other processes' changes, computes the
  change on that current state, appends it to the journal and fsyncs it, and
  only then applies it in memory (:mod:`reader.store.writer`). A change that
  did not reach the disk changes nothing, in memory or on disk.
* **Only a torn last line is dropped.** A journal line that fails its checksum
  or its shape anywhere but at the end is an error naming the file and the
  line; nothing is read past it and nothing is truncated
  (:mod:`reader.store.journal`).
* **Files are replaced whole.** The papers file, the abstracts file, the
  snapshot, a new journal and a restored backup's files are written to a
  temporary file, fsynced and renamed over the old one; nothing is edited in
  place but the journal, which is only appended to
  (:mod:`reader.store.papersfile`, :mod:`reader.store.compaction`). A restore
  replaces three files: it is recorded before the first rename and finished
  by whoever takes the lock next (:mod:`reader.store.backups`). A change too
  large for the journal replaces the abstracts file, then the papers file;
  it first journals the abstracts it takes from papers the files hold (a
  ``"keeps"`` record), so a crash between the two reads the old library
  (:mod:`reader.store.writer`). A big batch's abstracts wait in an anonymous
  spill file, never part of the library (:mod:`reader.store.spill`).
* **One lock, which cannot be lost.** Changes hold the lock on the library's
  directory exclusively for their whole read-modify-write; loading holds it
  shared (:mod:`reader.store.lock`).
* **The change number** (:attr:`Library.seq`) is the number of the last
  change applied, equal in every process that has read the same files; each
  change adds one, and a restored backup gets a number above any the library
  had. :attr:`Library.generation` is this process's counter of anything in
  memory changing (:mod:`reader.store.state`).
* **Regular files only.** Every library file is opened without blocking and
  checked to be a regular file of sane size before it is read; backups never
  copy anything else (:mod:`reader.store.files`).
* Reads never touch the disk, but abstracts (:mod:`reader.store.abstracts`).
* The store imports nothing of search, online, the CLI or the TUI; listeners
  (:mod:`reader.store.events`) hear of changes inside the writer lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from reader.errors import LibraryError, ReaderError
from reader.importers import Candidate, Skipped
from reader.papers import Paper, now_iso, short_id
from reader.store import edits
from reader.store.backups import Backup, Backups
from reader.store.events import change_listeners
from reader.store.history import HistoryEntry, check_steps
from reader.store.layout import Layout
from reader.store.limits import StoreLimits
from reader.store.lock import StoreLock
from reader.store.merging import ImportReport, plan_import
from reader.store.replica import Replica
from reader.store.writer import Change, Writer

# Automatic backups: at most one per BACKUP_INTERVAL seconds of changes, the newest BACKUP_KEEP kept.
BACKUP_INTERVAL = 300.0
BACKUP_KEEP = 10


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
        self.read_only = read_only  # never writes a byte, nor takes the lock (a backup being read)
        self._replica = replica = Replica(layout, limits if limits is not None else StoreLimits.from_environment())
        self._backups = Backups(layout, backup_keep)
        self._writer = Writer(replica, self._backups, clock)
        self._writer.auto_compact = auto_compact
        self._writer.backup_interval = 0 if read_only else backup_interval
        self._lock = StoreLock(layout.lock, layout.path, lock_timeout, read_only=read_only)
        self._mutex = threading.RLock()
        self._exclusive = 0  # this library holds the writer lock (nested holds take nothing more)
        self._batch_thread = 0  # the thread whose batch is open, if one is
        self.warnings = replica.warnings  # problems that did not stop a change (callers may show them)
        # The parts, by the names the rest of this class uses.
        self._state, self._journal, self._abstracts = replica.state, replica.journal, replica.abstracts
        self._history, self._lookups, self._compactor = replica.history, replica.lookups, replica.compactor

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
        return self._replica.limits

    @limits.setter
    def limits(self, limits: StoreLimits) -> None:
        """New thresholds for this library from now on (tests pass small ones)."""
        self._replica.limits = limits

    clock = property(lambda self: self._writer.clock, lambda self, value: setattr(self._writer, "clock", value))
    auto_compact = property(
        lambda self: self._writer.auto_compact, lambda self, value: setattr(self._writer, "auto_compact", value)
    )
    backup_interval = property(
        lambda self: self._writer.backup_interval,
        lambda self, value: setattr(self._writer, "backup_interval", value),
        doc="Seconds between automatic backups; 0: never.",
    )
    opened_from_snapshot = property(lambda self: self._replica.opened_from_snapshot)

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
        self._replica.load()

    def refresh(self) -> bool:
        """Pick up changes other processes made. Returns True when anything changed."""
        with self._mutex, self._locked(shared=True):
            return self._catch_up()

    def _catch_up(self) -> bool:
        return self._replica.catch_up()

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
            writer = self._writer
            if writer.batch is not None:
                raise ReaderError("a batch of changes cannot start inside another")
            writer.begin_batch()
            self._batch_thread = threading.get_ident()
            try:
                yield
                touched = writer.end_batch()
            except BaseException:
                writer.end_batch()
                self._load_locked()  # what the disk holds: nothing of the block
                raise
            if touched:
                writer.save_batch(label, touched)

    @property
    def batching(self) -> bool:
        """Is a :meth:`batch` open (in this thread, which holds it)? Its changes are saved together."""
        return self._writer.batch is not None and self._batch_thread == threading.get_ident()

    def _finish_restore(self) -> None:
        self._replica.finish_restore(self._backups)

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
        """Run ``compute`` under the lock on up-to-date state and make its result durable
        (:mod:`reader.store.writer`: the journal before memory)."""
        with self.writing(failure="change not saved: "):
            return self._writer.commit(label, compute, meta)

    # -- compaction -------------------------------------------------------------------------

    def needs_compaction(self) -> bool:
        return self._writer.needs_compaction()

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
            self._abstracts.reindex_if_stale()
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
        return self._commit(kind, edits.revert_latest(self._history, kind, meta), meta=meta)

    # -- backups ----------------------------------------------------------------------------

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
            self._replica.restore(self._backups, chosen)
            self._backups.prune()
            if self._state.seq != seq_before:
                self._tell_listeners()
        return chosen
