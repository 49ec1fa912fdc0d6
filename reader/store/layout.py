"""Where a library's files are: the papers file the user names (a symlink followed) and its siblings.

For a library at ``PATH`` (``library.json`` by default):

``PATH``                 the papers file (:mod:`reader.store.papersfile`)
``PATH`` + ``.abstracts`` before the suffix (``library.abstracts.json``): the abstracts file
                         (:mod:`reader.store.abstracts_file`)
``PATH.wal``             the journal (:mod:`reader.store.journal`)
``PATH.lock``            the lock file (:mod:`reader.store.lock`)
``PATH.snapshot``        the snapshot of the papers file (:mod:`reader.store.snapshot`)
``PATH.backups/``        automatic and manual backups (:mod:`reader.store.backups`)
``PATH.restoring``       only while a backup is being restored: what to finish (:mod:`reader.store.backups`)
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Layout:
    path: Path
    abstracts: Path
    wal: Path
    lock: Path
    snapshot: Path
    backups: Path
    restoring: Path

    @classmethod
    def for_library(cls, path: str | os.PathLike) -> "Layout":
        """The files of the library at ``path``. A symlink (a synced folder, a dotfiles repository)
        is followed to the real file: its siblings live beside that file, and the link is never
        replaced (the real file is). A link to something that is not a regular file (a device) is
        not followed, so that reading it is refused."""
        path = Path(path)
        if path.is_symlink():
            real = Path(os.path.realpath(path))
            if not real.exists() or stat.S_ISREG(real.stat().st_mode):
                path = real
        abstracts = path.with_name(f"{path.stem}.abstracts{path.suffix}" if path.suffix else f"{path.name}.abstracts")
        return cls(
            path=path,
            abstracts=abstracts,
            wal=path.with_name(path.name + ".wal"),
            lock=path.with_name(path.name + ".lock"),
            snapshot=path.with_name(path.name + ".snapshot"),
            backups=path.with_name(path.name + ".backups"),
            restoring=path.with_name(path.name + ".restoring"),
        )

    @property
    def directory(self) -> Path:
        return self.path.parent

    def data_files(self) -> tuple[Path, Path, Path]:
        """The three files that are the library (what a backup holds), in restore order."""
        return (self.abstracts, self.wal, self.path)
