"""Abstracts as the library serves them: the journal's newer ones in memory, the rest read from the file.

Abstracts learned from the journal (newer than the file's) are kept in
memory; the others are read from the abstracts file on demand, one by offset
or many in one pass. Once a caller asked for all of them, all are kept.
The new abstracts of a big batch of changes may wait in a spill file instead
of memory until the batch is saved (:mod:`reader.store.spill`); they are read
back from it on demand, like the file's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reader.store.abstracts_file import AbstractsFile, Spans
from reader.store.gcpause import gc_paused
from reader.store.spill import Spill, Spilled, text_of
from reader.store.state import State


class Abstracts:
    def __init__(self, state: State, file: AbstractsFile, *, scan_min: int) -> None:
        self._state = state
        self.file = file
        self.scan_min = scan_min  # above this many papers, old abstracts are read in one pass
        # Newer than the file's (all of them once loaded); a batch's may be set aside (Spilled).
        self.known: dict[str, str | Spilled] = {}
        self.loaded = False
        self.spilled = False  # some of known are set aside in a spill file
        self.dirty = False  # changed since the abstracts file was written
        self.spans: Spans | None = None  # where each abstract is in the abstracts file

    def reset(self, spans: Spans | None) -> None:
        """After loading the papers file: nothing known but what the file holds."""
        self.known = {}
        self.loaded = False
        self.spilled = False
        self.dirty = False
        self.spans = spans

    def get(self, pid: str) -> str:
        """One paper's abstract ("" if none), read by offset unless known."""
        known = self.known.get(pid)
        if known is not None:
            return text_of(known)
        if self.loaded or pid not in self._state.papers:
            return ""
        text = self.file.read_at(self.spans, pid) if self.spans is not None else None
        if text is None:
            # No offsets, or not for this file (another process compacted, a backup
            # was restored, TinyDB rewrote it): find them again with one scan.
            self.index_file()
            text = self.file.read_at(self.spans, pid) if self.spans is not None else None
        if text is None:
            self.load()
            return text_of(self.known.get(pid, ""))
        return text

    def index_file(self) -> None:
        spans = self.file.index()
        if spans is not None:
            self.spans = spans

    def reindex_if_stale(self) -> None:
        """Offsets recorded for another abstracts file (a copied or restored library): find them
        again with one scan, so that compacting saves them instead of rewriting the whole file."""
        if not self.loaded and not self.dirty:
            current = self.file.signature()
            if current is not None and (self.spans is None or self.spans.file != current):
                self.index_file()

    def all(self) -> dict[str, str]:
        if not self.loaded:
            self.load()
        if self.spilled:
            self.known = {pid: text_of(text) for pid, text in self.known.items()}
            self.spilled = False
        return self.known  # type: ignore[return-value]  # every value is text now

    def set_aside(self, pids: Iterable[str], spill: Spill) -> None:
        """Move the abstracts of ``pids`` held in memory into ``spill`` (a batch's, see
        :mod:`reader.store.spill`); they read the same, from the spill file."""
        known = self.known
        for pid in pids:
            text = known.get(pid)
            if type(text) is str and text:
                known[pid] = spill.put(text)
                self.spilled = True

    def iterate(self) -> Iterator[tuple[str, str]]:
        """(id, abstract) of every paper with an abstract entry, without keeping them in memory."""
        if self.loaded:
            for pid, known in list(self.known.items()):
                yield pid, text_of(known)
            return
        journal = dict(self.known)  # newer than the file's
        papers = self._state.papers
        seen: set[str] = set()
        for pid, text in self.file.documents():
            if pid in papers and pid not in journal and pid not in seen:
                seen.add(pid)
                yield pid, text
        for pid, known in journal.items():
            if pid in papers:
                yield pid, text_of(known)

    def load(self) -> None:
        if self.loaded:
            return
        papers = self._state.papers
        loaded: dict[str, str | Spilled] = {}
        with gc_paused():
            for pid, text in self.file.documents():
                if pid in papers:
                    loaded[pid] = text
        for pid, known in self.known.items():  # the journal's are newer than the file's
            if pid in papers:
                loaded[pid] = text_of(known)
        self.known = loaded
        self.loaded = True
        self.spilled = False

    def read(self, pids: Iterable[str]) -> dict[str, str]:
        """Abstracts of ``pids`` (papers of the library) read by offset, the file opened once."""
        papers = self._state.papers
        wanted = [pid for pid in dict.fromkeys(pids) if pid in papers]
        found: dict[str, str] = {}
        todo: list[tuple[int, int, str]] = []
        spans = self.spans
        for pid in wanted:
            known = self.known.get(pid)
            if known is not None:
                found[pid] = text_of(known)
            elif self.loaded:
                found[pid] = ""
            else:
                where = spans.where(pid) if spans is not None else None
                if where is None:
                    found[pid] = self.get(pid)  # handles stale or missing offsets
                else:
                    todo.append((where[0], where[1], pid))
        if not todo or spans is None:
            return found
        todo.sort()
        for pid, text in self.file.read_many(spans, todo).items():
            found[pid] = text if text is not None else self.get(pid)
        return found

    def current_of(self, pids: Iterable[str]) -> dict[str, str]:
        """The current abstracts of ``pids`` (papers of the library), reading the file once for many."""
        wanted = [pid for pid in dict.fromkeys(pids) if pid in self._state.papers]
        if self.loaded or len(wanted) < self.scan_min:
            return {pid: self.get(pid) for pid in wanted}
        found = dict.fromkeys(wanted, "")
        for pid, text in self.iterate():
            if pid in found:
                found[pid] = text
        return found

    def to_write(self) -> Iterator[tuple[str, str]]:
        """(id, abstract) for every paper: the journal's abstracts over the file's, streamed."""
        papers = self._state.papers
        if self.loaded:
            for pid in papers:
                yield pid, text_of(self.known.get(pid, ""))
            return
        journal = self.known
        written: set[str] = set()
        for pid, text in self.file.documents():
            if pid in papers and pid not in written:
                written.add(pid)
                yield pid, text_of(journal.get(pid, text))  # in the file's order: documents keep their place
        for pid in papers:
            if pid not in written:
                yield pid, text_of(journal.get(pid, ""))
