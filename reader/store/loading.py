"""Reading the papers file: from its snapshot when that matches the file, else as TinyDB reads it."""

from __future__ import annotations

from pathlib import Path

from reader.store.files import read_bytes
from reader.store.gcpause import gc_paused
from reader.store.layout import Layout
from reader.store.journal import tail_seq
from reader.store.papersfile import SCHEMA_VERSION, PapersFileContent, parse_database, peek_seq, read_database


def read_papers_file(layout: Layout) -> tuple[PapersFileContent, bool]:
    """What the papers file holds (empty if there is none), and whether the snapshot served.

    Called holding the lock (shared or exclusive): the file cannot change meanwhile.
    """
    from reader.store.snapshot import bytes_signature, read_snapshot  # not needed by disk_seq

    with gc_paused():
        if layout.snapshot.exists():
            raw = read_bytes(layout.path)
            if raw is not None:
                source = bytes_signature(raw)
                del raw  # not held while the snapshot loads
                snapshot = read_snapshot(layout.snapshot, source, schema=SCHEMA_VERSION)
                if snapshot is not None:
                    # The same content as the JSON, in about half the time (reader.store.snapshot).
                    content = PapersFileContent(
                        snapshot.papers, snapshot.seq, snapshot.history, snapshot.others, snapshot.spans_doc
                    )
                    return content, True
        return parse_database(layout.path, read_database(layout.path)), False


def disk_seq(path: Path) -> int | None:
    """The library's change number as its files hold it, read from their ends, without loading
    it (None: unknown). The papers file's first bytes say which change it includes; the journal's
    last whole record is the newest change after it."""
    layout = Layout.for_library(path)
    newest = peek_seq(layout.path)
    if newest is None:
        return None
    try:
        last = tail_seq(layout.wal)
    except FileNotFoundError:
        return newest
    except OSError:
        return None
    return newest if last is None else max(newest, last)
