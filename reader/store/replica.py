"""The library in memory, kept in step with its files: loading, replaying the journal, catching up.

Called holding the lock (shared to read, exclusive to change). A gap in change
numbers means another process compacted records this one never saw into the
papers file: that file is read again, once; a second gap means the papers file
was replaced by an older copy, which is an error (nothing is changed).
"""

from __future__ import annotations

from collections.abc import Iterable

from reader.errors import LibraryError, ReaderError
from reader.fileio import file_signature
from reader.papers import Paper
from reader.store.abstracts import Abstracts
from reader.store.abstracts_file import AbstractsFile, Spans
from reader.store.backups import Backup, Backups
from reader.store.compaction import Compactor
from reader.store.history import History
from reader.store.journal import Journal
from reader.store.layout import Layout
from reader.store.limits import StoreLimits
from reader.store.loading import read_papers_file
from reader.store.lookups import Lookups
from reader.store.papersfile import peek_seq
from reader.store.state import State


class Replica:
    def __init__(self, layout: Layout, limits: StoreLimits) -> None:
        self.layout = layout
        self.state = State()
        self.journal = Journal(layout.wal)
        self.abstracts = Abstracts(
            self.state,
            AbstractsFile(layout.abstracts, chunk=limits.stream_chunk, max_document=limits.max_document),
            scan_min=limits.abstracts_scan_min,
        )
        self.lookups = Lookups(self.state)
        self.history = History(limits.history_keep)
        self.warnings: list[str] = []  # problems that did not stop a change (callers may show them)
        self.compactor = Compactor(layout, self.state, self.abstracts, self.history, self.journal, limits, self.warnings)
        self.opened_from_snapshot = False  # the last load used the snapshot (see reader.store.snapshot)

    @property
    def limits(self) -> StoreLimits:
        return self.compactor.limits

    @limits.setter
    def limits(self, limits: StoreLimits) -> None:
        self.compactor.limits = limits
        self.abstracts.scan_min = limits.abstracts_scan_min
        self.abstracts.file.chunk = limits.stream_chunk
        self.abstracts.file.max_document = limits.max_document
        self.history.keep = limits.history_keep

    def load(self) -> None:
        """Read everything again: the papers file (or its snapshot), then the journal."""
        self._load_papers_file()
        self.journal.reset()
        self.read_journal()
        self.state.bump(None)

    def _load_papers_file(self) -> None:
        state = self.state
        sig = file_signature(self.layout.path)
        content, from_snapshot = read_papers_file(self.layout)
        spans = Spans.from_doc(content.spans_doc)
        self.opened_from_snapshot = from_snapshot
        self.compactor.loaded(from_snapshot=from_snapshot, spans=spans)
        state.papers, state.seq, state.others, state.main_sig = content.papers, content.seq, content.others, sig
        self.history.entries = content.history
        self.abstracts.reset(spans)
        self.lookups.clear()

    def read_journal(self, *, reloaded: bool = False) -> bool:
        """Apply journal records newer than what memory holds; returns True if anything changed."""
        changed = False
        for record, papers in self.journal.read_new():
            if record["seq"] <= self.state.seq:
                continue
            if record["seq"] != self.state.seq + 1:
                if reloaded:
                    raise LibraryError(
                        f"{self.layout.wal} continues from change {record['seq']} but {self.layout.path} holds "
                        f"changes only up to {self.state.seq} (was the library file replaced by an older copy?). "
                        "Nothing was changed; move the .wal file aside to open the library as its file has it"
                    )
                self._load_papers_file()
                self.journal.reset()
                self.read_journal(reloaded=True)
                self.state.bump(None)
                return True
            self.apply(record, papers)
            changed = True
        return changed

    def apply(self, record: dict, papers: Iterable[Paper]) -> None:
        """Apply one change record in memory; ``papers`` are its "put" documents as papers."""
        state, abstracts, lookups = self.state, self.abstracts, self.lookups
        inserted = False
        put_ids: list[str] = []
        for paper in papers:
            put_ids.append(paper.id)
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
            if type(text) is not str:
                abstracts.spilled = True  # a saved batch's, still in its spill file
        if inserted or record.get("abstracts") or record.get("delete"):
            abstracts.dirty = True
        self.history.remember(record)
        state.seq = record["seq"]
        state.bump(
            frozenset(put_ids)  # not the record's "put": a direct write or a batch step has none
            | frozenset(record.get("delete", ()))
            | frozenset(record.get("abstracts") or ())
        )

    def restore(self, backups: Backups, chosen: Backup) -> None:
        """Put backup ``chosen`` in place of the library (holding the lock exclusively; the
        library itself may not load): back up what is there, stage the copies, finish."""
        newest_seq = max(self.state.seq, peek_seq(self.layout.path) or 0, self.journal.newest_seq())
        if self.layout.path.exists():
            try:
                backups.take(prune=False)  # so that restoring can itself be taken back
            except LibraryError as exc:
                raise ReaderError(f"not restoring: could not back up the current library first: {exc}") from None
        backups.stage(chosen, newest_seq)
        self.finish_restore(backups)

    def finish_restore(self, backups: Backups) -> None:
        """Put a staged backup in place (holding the lock exclusively), read it and save it with a
        change number above any the library had, so every other process (the TUI, say) sees it
        as newer than what it holds and reads it again."""
        newest_seq = backups.finish()
        self.load()
        self.state.seq = max(self.state.seq, newest_seq) + 1
        self.compactor.compact()
        backups.forget_restore()

    def catch_up(self) -> bool:
        """Pick up what other processes wrote since; returns True when anything changed."""
        sig = file_signature(self.layout.path)
        if sig != self.state.main_sig:
            on_disk_seq = peek_seq(self.layout.path)
            # Another writer's compaction of what we hold already has our change number: keep
            # our state. A higher one holds more; a lower one is an older state put back (a
            # restored backup): both are read again.
            if on_disk_seq is None or on_disk_seq != self.state.seq or sig is None:
                self.load()
                return True
            self.state.main_sig = sig
        return self.read_journal()
