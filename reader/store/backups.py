"""Backups (``PATH.backups/STAMP/``): copies of the library's three files, taken before changes.

At most one automatic backup per ``backup_interval`` seconds of changes is
taken (before the change), the newest ``backup_keep`` kept. A backup is a
folder named by the UTC time it was taken, holding copies of the papers file,
the abstracts file and the journal. Files that did not change since the
previous backup are hard links to that backup's copy: nothing ever writes to
a backup in place.
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from reader.errors import LibraryError
from reader.fileio import atomic_write, fsync_dir, os_error, write_atomically
from reader.store.files import is_regular
from reader.store.layout import Layout


# Inside each backup folder: when it was taken ({"taken": ISO time, "taken_ns": nanoseconds since the epoch}).
TAKEN_FILE = "backup.json"


@dataclass(slots=True)
class Backup:
    path: Path
    created: float  # seconds since the epoch: when the backup was taken

    @classmethod
    def at(cls, path: Path) -> "Backup":
        """The backup in folder ``path``; its time as recorded inside it (older backups: from the
        folder's name, which is the UTC time it was taken)."""
        return cls(path, _taken(path))

    def summary(self, library_name: str = "library.json") -> str:
        """Papers and read papers in this backup (read without writing anything to it)."""
        from reader.store.library import Library

        try:
            library = Library.open(self.path / library_name, read_only=True)
        except LibraryError as exc:
            return f"does not load: {exc}"
        papers = library.papers()
        read = sum(1 for p in papers if p.read)
        return f"{len(papers)} papers, {read} read"


def _taken(path: Path) -> float:
    try:
        with open(path / TAKEN_FILE, "rb") as handle:
            recorded = json.loads(handle.read(4096))
        return int(recorded["taken_ns"]) / 1e9
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        stamp, _, fraction = path.name.partition(".")
        seconds = calendar.timegm(time.strptime(stamp, "%Y%m%d-%H%M%S"))
        return seconds + (int(fraction) / 1e9 if fraction.isdigit() else 0.0)
    except ValueError:
        return 0.0  # not a name reader gives: listed last


def _same_content_signature(a: Path, b: Path) -> bool:
    """Same size and modification time: the file was not rewritten since ``b`` was copied from it."""
    sa, sb = a.stat(), b.stat()
    return sa.st_size == sb.st_size and sa.st_mtime_ns == sb.st_mtime_ns


def atomic_copy(source: Path, dest: Path) -> None:
    """Copy ``source`` over ``dest`` so that ``dest`` is always either old or new, never half."""
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise os_error("write", dest, exc) from None
    fsync_dir(dest.parent)


class Backups:
    def __init__(self, layout: Layout, keep: int) -> None:
        self.layout = layout
        self.directory = layout.backups
        self.keep = keep

    def list(self) -> list[Backup]:
        """Backups, newest first."""
        try:
            entries = [e for e in os.scandir(self.directory) if e.is_dir() and not e.name.startswith(".")]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise os_error("read", self.directory, exc) from None
        backups = [Backup.at(Path(e.path)) for e in entries]
        backups.sort(key=lambda b: (b.path.name, b.created), reverse=True)
        return backups

    def due(self, interval: float) -> bool:
        newest = self.list()[:1]
        return not newest or time.time() - newest[0].created >= interval

    def take(self, *, prune: bool = True) -> Backup:
        """Copy the library's files into a new folder (called holding the lock)."""
        layout = self.layout
        now_ns = time.time_ns()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now_ns / 1e9)) + f".{now_ns % 10**9:09d}"
        previous = self.list()[:1]
        target = self.directory / stamp
        partial = self.directory / f".partial-{stamp}-{os.getpid()}"
        try:
            partial.mkdir(parents=True, exist_ok=True)
            for source in (layout.path, layout.abstracts, layout.wal):
                if not source.exists():
                    continue
                if not is_regular(source):
                    raise LibraryError(f"not backing up {source}: it is not a regular file (a pipe or a device?)")
                dest = partial / source.name
                old = previous[0].path / source.name if previous else None
                if source != layout.wal and old is not None and old.exists() and _same_content_signature(source, old):
                    os.link(old, dest)
                else:
                    shutil.copyfile(source, dest)
                    os.utime(dest, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns))
            taken = {"taken": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_ns / 1e9)), "taken_ns": now_ns}
            with open(partial / TAKEN_FILE, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(taken) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise os_error("back up the library into", self.directory, exc) from None
        except LibraryError:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        fsync_dir(self.directory)
        if prune:
            self.prune()
        return Backup(target, now_ns / 1e9)

    def prune(self) -> None:
        for stale in self.list()[self.keep :]:
            shutil.rmtree(stale.path, ignore_errors=True)

    def stage(self, chosen: Backup, newest_seq: int) -> None:
        """First half of a restore (holding the lock): copy the chosen backup's files beside the
        library's under temporary names, then record what to put in place (``PATH.restoring``).

        Writing that record is the moment the restore happens: before it, nothing of the library
        changed (the copies are temporaries, removed by the next compaction); after it,
        :meth:`finish` puts every copy in place, now or, after a crash, at the next opening.
        """
        layout = self.layout
        files: dict[str, str] = {}
        for dest in layout.data_files():
            source = chosen.path / dest.name
            staged = dest.with_name(f".{dest.name}.tmp-restore")
            if source.exists():
                if not is_regular(source):
                    raise LibraryError(f"not restoring: {source} is not a regular file")
                atomic_copy(source, staged)
            elif dest == layout.wal:
                atomic_write(staged, [])  # the current journal continues a state we are leaving
            else:
                continue
            files[dest.name] = staged.name
        try:
            write_atomically(layout.restoring, [json.dumps({"seq": newest_seq, "files": files}) + "\n"])
        except OSError as exc:
            raise os_error("write", layout.restoring, exc) from None

    def pending(self) -> bool:
        """Is a restore recorded but not finished (a crash in the middle of one)?"""
        return self.layout.restoring.exists()

    def finish(self) -> int:
        """Second half of a restore (holding the lock): put the staged copies in place. Returns the
        newest change number the library had before (the restored state must count above it)."""
        layout = self.layout
        try:
            with open(layout.restoring, "rb") as handle:
                recorded = json.loads(handle.read(65536))
            seq, files = int(recorded["seq"]), dict(recorded["files"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LibraryError(f"{layout.restoring} does not say what to restore ({exc}); move it aside") from None
        for name, staged_name in files.items():
            staged = layout.directory / str(staged_name)
            if staged.exists():
                try:
                    os.replace(staged, layout.directory / str(name))
                except OSError as exc:
                    raise os_error("restore", layout.directory / str(name), exc) from None
        fsync_dir(layout.directory)
        return seq

    def forget_restore(self) -> None:
        try:
            os.unlink(self.layout.restoring)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise os_error("remove", self.layout.restoring, exc) from None
        fsync_dir(self.layout.directory)
