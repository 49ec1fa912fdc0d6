"""Moved to :mod:`reader.store`; this name stays only until every caller imports from there."""

from reader.errors import LibraryError
from reader.fileio import atomic_write
from reader.store import Backup, Change, HistoryEntry, ImportReport, Library, SCHEMA_VERSION, StoreLimits

__all__ = [
    "Backup", "Change", "HistoryEntry", "ImportReport", "Library", "LibraryError", "SCHEMA_VERSION",
    "StoreLimits", "atomic_write",
]
