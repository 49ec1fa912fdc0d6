"""The library on disk: papers, abstracts, the journal, the lock, compaction, backups, history.

One job per module; :class:`Library` (:mod:`reader.store.library`) is the face
the rest of reader uses, composing the others. The store imports none of the
search index, the online clients, the CLI or the TUI; whoever needs to hear
about changes registers a listener (:mod:`reader.store.events`).

Files of a library at ``PATH`` (:mod:`reader.store.layout`): the papers file
(:mod:`~reader.store.papersfile`), the abstracts file
(:mod:`~reader.store.abstracts_file`), the journal (:mod:`~reader.store.journal`),
the lock (:mod:`~reader.store.lock`), the snapshot (:mod:`~reader.store.snapshot`)
and the backups folder (:mod:`~reader.store.backups`). The invariants are
listed in :mod:`reader.store.library`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reader.lazy import lazy_names

# Names served from their modules on first use, so that importing one part (the CLI's index-only
# search reads only ``loading.disk_seq``) does not load the whole store.
_HOMES = {
    "LibraryBusy": "reader.errors",
    "LibraryError": "reader.errors",
    "Backup": "reader.store.backups",
    "HistoryEntry": "reader.store.history",
    "Change": "reader.store.library",
    "Library": "reader.store.library",
    "StoreLimits": "reader.store.limits",
    "disk_seq": "reader.store.loading",
    "ImportReport": "reader.store.merging",
    "SCHEMA_VERSION": "reader.store.papersfile",
}

if TYPE_CHECKING:
    from reader.errors import LibraryBusy, LibraryError
    from reader.store.backups import Backup
    from reader.store.history import HistoryEntry
    from reader.store.library import Change, Library
    from reader.store.limits import StoreLimits
    from reader.store.loading import disk_seq
    from reader.store.merging import ImportReport
    from reader.store.papersfile import SCHEMA_VERSION


__getattr__ = lazy_names('reader.store', _HOMES, globals())


__all__ = [
    "Backup", "Change", "HistoryEntry", "ImportReport", "Library", "LibraryBusy", "LibraryError",
    "SCHEMA_VERSION", "StoreLimits", "disk_seq",
]
