"""Making a change durable: the journal before memory.

:meth:`Writer.commit` runs holding the writer lock, caught up with the files
(see :meth:`reader.store.Library.writing`). It computes the change on the
current state, builds its journal record (with what the papers looked like
before, which is what undo restores), appends and fsyncs it, and only then
applies it in memory. A change touching more papers than
``StoreLimits.direct_write_papers`` is written straight into the papers files
instead (one compaction); if that fails, memory is put back as it was.

Inside a batch (:meth:`reader.store.Library.batch`) changes are applied in
memory only and saved together, as one record, when the batch ends. Once the
batch's new abstracts pass ``StoreLimits.batch_abstracts_bytes`` they wait in
a spill file instead of memory (:mod:`reader.store.spill`), so a batch that
imports 100,000 papers does not hold their abstracts until it is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from reader.errors import LibraryError
from reader.papers import Paper
from reader.store import edits
from reader.store.backups import Backups
from reader.store.replica import Replica
from reader.store.spill import Spill, Spilled, text_of

# What a change stores: papers by id, abstracts by id (a saved batch's may wait in a spill file),
# ids to delete. Every plan of reader.store.edits is one.
SavePlan = Callable[[], tuple[dict[str, Paper], Mapping[str, "str | Spilled"], list[str]]]


@dataclass(slots=True)
class Change:
    """What one committed change did (``ids`` are the papers it changed)."""

    label: str
    ids: list[str]
    seq: int = 0


class Writer:
    def __init__(self, replica: Replica, backups: Backups, clock: Callable[[], str]) -> None:
        self.replica = replica
        self.backups = backups
        self.clock = clock
        self.auto_compact = True
        self.backup_interval = 0.0  # seconds between automatic backups; 0: never
        self.batch: set[str] | None = None  # ids a batch of changes touched so far
        self._spill: Spill | None = None  # where the batch's abstracts wait (made when first needed)
        self._unspilled: set[str] = set()  # ids whose new abstracts the batch holds in memory
        self._unspilled_bytes = 0

    def begin_batch(self) -> None:
        self.batch = set()
        self._spill, self._unspilled, self._unspilled_bytes = None, set(), 0

    def end_batch(self) -> set[str]:
        """The ids the batch touched; the batch is over (its spill file closes with the last
        abstract memory still holds from it)."""
        touched = self.batch or set()
        self.batch = None
        self._spill, self._unspilled, self._unspilled_bytes = None, set(), 0
        return touched

    def commit(self, label: str, compute: SavePlan, meta: dict | None = None) -> Change:
        """Compute the change and make it durable (holding the writer lock, caught up)."""
        replica = self.replica
        state = replica.state
        puts, new_abstracts, deletes = compute()
        meta = meta or {}
        label = meta.get("label", label)
        deletes = [pid for pid in deletes if pid in state.papers]
        if not puts and not deletes and not new_abstracts:
            return Change(label, [], state.seq)
        edits.check_storable(puts.values())
        record = self._record(label, puts, new_abstracts, deletes, meta)
        if self.batch is not None:  # in memory only: saved with the rest of the batch
            self.batch.update(puts, deletes, new_abstracts)
            replica.apply(record, puts.values())  # no stored documents: the batch is saved as papers
            self._spill_if_large(new_abstracts)
            return Change(label, list(puts) + deletes, state.seq)
        if self.backup_interval and state.main_sig is not None:
            self._backup_if_due()
        if len(puts) + len(deletes) > replica.limits.direct_write_papers:
            self._write_direct(record, puts.values())
        else:
            record["put"] = [paper.to_stored_doc() for paper in puts.values()]
            if new_abstracts:  # the journal holds text (a saved batch's may wait in a spill file)
                record["abstracts"] = {pid: text_of(text) for pid, text in new_abstracts.items()}
            replica.journal.append(record, state.seq)
            replica.apply(record, puts.values())
            if state.main_sig is None or (self.auto_compact and self.needs_compaction()):
                # The change is saved in the journal; compaction is housekeeping (first change:
                # create the papers files too). If it fails, the journal stays valid and a later
                # change or `reader compact` retries.
                try:
                    replica.compactor.compact()
                except LibraryError as exc:
                    replica.warnings.append(f"change saved, but compaction failed: {exc}")
        return Change(label, list(puts) + deletes, state.seq)

    def _spill_if_large(self, new_abstracts: Mapping[str, "str | Spilled"]) -> None:
        """Inside a batch: move its abstracts out of memory once they are many (see the module)."""
        if not new_abstracts:
            return
        self._unspilled.update(new_abstracts)
        self._unspilled_bytes += sum(len(text) for text in new_abstracts.values() if type(text) is str)
        if self._unspilled_bytes <= self.replica.limits.batch_abstracts_bytes:
            return
        if self._spill is None:
            self._spill = Spill(self.replica.layout.path)
        self.replica.abstracts.set_aside(self._unspilled, self._spill)
        self._unspilled, self._unspilled_bytes = set(), 0

    def needs_compaction(self) -> bool:
        limits = self.replica.limits
        return self.replica.journal.needs_compaction(limits.compact_records, limits.compact_bytes)

    def _record(self, label: str, puts: dict, new_abstracts: Mapping, deletes: list[str], meta: dict) -> dict:
        """The journal record of a change, with what the papers looked like before."""
        papers = self.replica.state.papers
        before: dict[str, dict] = {}
        created: list[str] = []
        for pid in dict.fromkeys([*puts, *deletes, *new_abstracts]):
            old = papers.get(pid)
            if old is None:
                created.append(pid)
            else:
                before[pid] = old.to_stored_doc()
        before_abstracts = self.replica.abstracts.current_of([*deletes, *new_abstracts])
        record: dict = {
            "seq": self.replica.state.seq + 1,
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
        """Apply a large change by rewriting the papers files (one atomic rename each)."""
        replica = self.replica
        state, abstracts = replica.state, replica.abstracts
        history = [dict(entry) for entry in replica.history.entries]
        saved = (dict(state.papers), dict(abstracts.known), state.seq, abstracts.dirty, abstracts.spans)
        abstracts_file, journal_end = abstracts.file.signature(), replica.journal.mark()
        guard = self._journal_kept_abstracts(record)
        replica.apply(record, papers)
        try:
            replica.compactor.compact()
        except LibraryError as exc:
            state.papers, abstracts.known, state.seq, abstracts.dirty, abstracts.spans = saved
            replica.history.entries = history
            replica.lookups.clear()
            state.bump(None)
            if guard is not None:
                # The old abstracts file is back in place: the guard is not needed, and goes, so that
                # a failed change leaves the files as they were. Otherwise it stays, and memory follows.
                if abstracts.file.signature() != abstracts_file or not replica.journal.rewind(journal_end):
                    replica.apply(guard, ())
            raise LibraryError(f"change not saved: {exc}") from None

    def _journal_kept_abstracts(self, record: dict) -> dict | None:
        """Before a direct write: journal the abstracts it takes from papers the files hold now
        (abstracts it changes, papers it deletes).

        Compaction replaces the abstracts file before the papers file. Killed in between, the
        old papers file is read with the new abstracts file, which lacks those abstracts or
        holds new ones; replaying this record puts them back, so the library read is the old
        one, not a mix. The record changes nothing, takes a change number of its own and is
        left out of the history (nothing to undo). A direct write that only adds papers (an
        import into an empty library) needs none.
        """
        kept = record.get("before_abstracts")
        if not kept:
            return None
        replica = self.replica
        seq = replica.state.seq
        guard = {"seq": seq + 1, "at": record["at"], "label": "abstracts kept while a large change is saved",
                 "delete": [], "before": {}, "created": [], "abstracts": dict(kept), "keeps": True}
        replica.journal.append(guard, seq)
        replica.apply(guard, ())
        record["seq"] = seq + 2
        return guard

    def _backup_if_due(self) -> None:
        """Housekeeping before a change: a failure here is a warning, never a failed change."""
        try:
            if self.backups.due(self.backup_interval):
                self.backups.take()
        except LibraryError as exc:
            self.replica.warnings.append(f"automatic backup failed: {exc}")

    def save_batch(self, label: str, touched: set[str]) -> Change:
        """The end of a batch: read the files again (memory holds the batch's changes, the disk
        none), then save the papers the batch touched, as they are now, as one change."""
        replica = self.replica
        # In the order memory holds them: new papers keep the order they were added in.
        papers = {pid: paper for pid, paper in replica.state.papers.items() if pid in touched}
        texts = {pid: replica.abstracts.known[pid] for pid in papers if pid in replica.abstracts.known}
        replica.load()
        before = replica.state.papers
        puts = {pid: paper for pid, paper in papers.items() if before.get(pid) != paper}
        current = replica.abstracts.current_of(pid for pid in texts if pid not in puts)
        abstracts = {
            pid: text for pid, text in texts.items() if pid in puts or current.get(pid, "") != text_of(text)
        }
        deletes = [pid for pid in touched if pid not in papers and pid in before]
        return self.commit(label, lambda: (puts, abstracts, deletes))
