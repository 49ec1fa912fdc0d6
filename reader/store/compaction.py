"""Compaction: folding the journal into the papers and abstracts files, and writing the snapshot.

Called holding the exclusive lock, caught up. The abstracts file is written
first (when it changed), then the papers file, each to a temporary file that
is fsynced and renamed over the old one; only then is the journal replaced by
an empty one. The papers file records the last change number it includes, so
a crash at any point replays correctly: records at or below it are skipped.
If writing the papers file fails, the old abstracts file is put back (it was
kept aside as a hard link), so a failed compaction leaves the files as they
were.
"""

from __future__ import annotations

import os
from pathlib import Path

from reader.errors import LibraryError
from reader.fileio import atomic_write, file_signature, os_error, writer_alive
from reader.store.abstracts import Abstracts
from reader.store.abstracts_file import Spans, abstracts_file_chunks, signature_of
from reader.store.history import History
from reader.store.journal import Journal
from reader.store.layout import Layout
from reader.store.limits import StoreLimits
from reader.store.papersfile import SCHEMA_VERSION, history_records, json_trip, numbered, write_papers_file
from reader.store.snapshot import write_snapshot
from reader.store.state import State


class Compactor:
    def __init__(
        self,
        layout: Layout,
        state: State,
        abstracts: Abstracts,
        history: History,
        journal: Journal,
        limits: StoreLimits,
        warnings: list[str],
    ) -> None:
        self.layout = layout
        self.state = state
        self.abstracts = abstracts
        self.history = history
        self.journal = journal
        self.limits = limits
        self.warnings = warnings
        self.snapshot_current = False  # the snapshot matches the papers file as it is now
        self.saved_spans_file: tuple[int, int, int] | None = None  # the abstracts file the papers file's offsets describe

    def loaded(self, *, from_snapshot: bool, spans: Spans | None) -> None:
        """The papers file was just read (from its snapshot or not)."""
        self.snapshot_current = from_snapshot
        self.saved_spans_file = spans.file if spans is not None else None

    def compact(self) -> None:
        self.remove_stale_temporaries()
        abstracts = self.abstracts
        previous = None
        spans = abstracts.spans
        current = abstracts.file.signature()
        rewrite = abstracts.dirty or current is None or spans is None or spans.file != current
        if rewrite:
            where: list[tuple[str, int, int]] = []
            # Keep the old abstracts file at hand: if writing the papers file fails
            # below, it goes back, so a failed compaction leaves the files as they were.
            previous = self._keep_aside(self.layout.abstracts)
            try:
                atomic_write(self.layout.abstracts, abstracts_file_chunks(abstracts.to_write(), where))
                signature = signature_of(os.stat(self.layout.abstracts))
            except OSError as exc:
                _drop_aside(previous)
                raise os_error("read", self.layout.abstracts, exc) from None
            except BaseException:
                _drop_aside(previous)
                raise
            spans = Spans.from_layout(where, signature)
            del where
        try:
            self._write_papers_file(spans)
        except LibraryError:
            if previous is not None:
                try:
                    os.replace(previous, self.layout.abstracts)
                except OSError as exc:
                    self.warnings.append(f"could not put back {self.layout.abstracts}: {exc.strerror or exc}")
            raise
        finally:
            _drop_aside(previous)
        abstracts.spans = spans
        self.saved_spans_file = spans.file if spans is not None else None
        if rewrite and not abstracts.loaded:
            abstracts.known = {}  # they are all in the file now, where abstract() finds them
        abstracts.dirty = False
        self.state.main_sig = file_signature(self.layout.path)
        # Every journal record is now in the papers files: start a new journal.
        warning = self.journal.start_new(self.state.seq)
        if warning:
            self.warnings.append(warning)

    def _write_papers_file(self, spans: Spans | None) -> None:
        state = self.state
        self.snapshot_current = False
        source = write_papers_file(
            self.layout.path,
            seq=state.seq,
            papers=state.papers.values(),
            history=self.history.stored(),
            others=state.others,
            spans_doc=spans.to_doc() if spans is not None else None,
        )
        self._write_snapshot(spans, source)

    @property
    def needs_snapshot(self) -> bool:
        return len(self.state.papers) >= self.limits.snapshot_min_papers and not self.snapshot_current

    @property
    def needs_tidying(self) -> bool:
        if len(self.state.papers) < self.limits.snapshot_min_papers or not os.access(self.layout.directory, os.W_OK):
            return False  # small, or nothing can be written here (a read-only library) anyway
        if self.needs_snapshot:
            return True
        current = self.abstracts.file.signature()
        return current is not None and self.saved_spans_file != current

    def _write_snapshot(self, spans: Spans | None, source: tuple[int, int]) -> None:
        """After the papers file was written: its snapshot, for fast opening (reader.store.snapshot).

        Optional: when it cannot be written, opening parses the JSON as before
        (a stale snapshot never matches the new file, so it is never used).
        ``source`` is the signature of the bytes just written (not read back:
        without a lock, as on Windows, another writer may have replaced them).
        """
        state = self.state
        path = self.layout.snapshot
        if len(state.papers) >= self.limits.snapshot_min_papers:
            try:
                # History and other tables as reading the file gives them back.
                history = history_records(json_trip(numbered(self.history.stored())))
                others = json_trip({name: numbered(table.values()) for name, table in state.others.items()})
                write_snapshot(
                    path,
                    source,
                    schema=SCHEMA_VERSION,
                    seq=state.seq,
                    papers=list(state.papers.values()),
                    history=history,
                    others=others,
                    spans_doc=spans.to_doc() if spans is not None else None,
                )
                self.snapshot_current = True
                return
            except (OSError, ValueError, TypeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.warnings.append(
                    f"could not write {path} ({reason}); the library is saved, "
                    "it only opens more slowly until the next compaction"
                )
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.warnings.append(f"could not remove the old snapshot {path}: {exc.strerror or exc}")

    def _keep_aside(self, path: Path) -> Path | None:
        """A hard link to ``path`` (which is about to be replaced), or None if that is not possible."""
        if not path.exists():
            return None
        aside = path.with_name(f".{path.name}.tmp-{os.getpid()}-aside")
        try:
            if aside.exists():
                aside.unlink()
            os.link(path, aside)
        except OSError as exc:
            # No hard links here: a failed compaction could leave the newer abstracts
            # (harmless: loading ignores abstracts of papers it does not hold).
            self.warnings.append(f"could not keep {path.name} aside while compacting: {exc.strerror or exc}")
            return None
        return aside

    def remove_stale_temporaries(self) -> None:
        """Delete temporary files a killed process left behind.

        The library's own files are written only by holders of the exclusive
        lock, which we hold: none of their temporaries is in use. The search
        caches are written without the lock (by the search index in a child
        process, for one): theirs go only once the process named in the file
        name (``.NAME.tmp-PID-THREAD``) is gone.
        """
        layout = self.layout
        own = tuple(f".{p.name}.tmp-" for p in (layout.path, layout.abstracts, layout.wal, layout.snapshot))
        # (A batch's spill file, reader.store.spill, is named so too where it has a name.)
        caches = tuple(f".{layout.path.name}.{suffix}.tmp-" for suffix in ("search", "phrases", "spill"))
        try:
            entries = list(os.scandir(layout.directory))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(own) or (entry.name.startswith(caches) and not writer_alive(entry.name)):
                try:
                    os.unlink(entry.path)
                except OSError as exc:
                    self.warnings.append(f"could not remove the stale file {entry.path}: {exc.strerror or exc}")


def _drop_aside(aside: Path | None) -> None:
    if aside is not None:
        try:
            aside.unlink()
        except OSError:
            pass  # a leftover is removed by the next compaction (remove_stale_temporaries)
