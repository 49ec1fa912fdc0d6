"""The lock: one writer at a time, no reader in the middle of a write.

Invariant: **one lock, and it cannot be lost.** Every change takes the lock
exclusively (``flock``) for its whole read-modify-write: catching up with the
files, computing the change, appending it to the journal, compacting. Loading
takes it shared, so nobody reads a half-done compaction. A lock that cannot be
taken within the timeout fails with :class:`LibraryBusy`; nothing is changed.

What is locked is the directory holding the library's files: it cannot be
deleted or replaced from under a holder while the library is in it (a lock
*file* can: deleting ``PATH.lock`` while a writer held it let a second
process lock a new file and write at the same time). ``PATH.lock`` is still
locked too, after the directory, so that an older reader, which locks only
that file, keeps out as before. Libraries sharing a directory share its lock:
their changes take turns.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reader.errors import LibraryBusy, LibraryError
from reader.fileio import os_error

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class StoreLock:
    def __init__(self, path: Path, library: Path, timeout: float, *, read_only: bool = False) -> None:
        self.path = path  # the lock file
        self.library = library  # the papers file it guards (named in messages)
        self.timeout = timeout
        self.read_only = read_only  # a library that is only read (a backup): nothing is locked, nothing written

    @contextmanager
    def hold(self, *, shared: bool, failure: str = "") -> Iterator[None]:
        """Hold the lock for the block. ``failure`` prefixes the message when it cannot be
        taken (e.g. "change not saved: ")."""
        if self.read_only:
            if not shared:
                raise LibraryError(f"{failure}{self.library} is opened read-only")
            yield
            return
        if fcntl is None:  # pragma: no cover - no advisory locks on this platform
            yield
            return
        directory = self._open_directory(shared, failure)
        if directory is None:  # no library directory yet: nothing to read, nothing to lock
            yield
            return
        try:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            deadline = time.monotonic() + self.timeout
            self._take(directory, mode, deadline, failure)
            handle = self._open_file(shared, failure)
            try:
                if handle is not None:
                    self._take(handle, mode, deadline, failure)
                yield
            finally:
                if handle is not None:
                    os.close(handle)
        finally:
            os.close(directory)  # releases the lock

    def _open_directory(self, shared: bool, failure: str) -> int | None:
        flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(self.path.parent, flags)
        except FileNotFoundError:
            if shared:
                return None
        except OSError as exc:
            raise LibraryError(failure + str(os_error("open the library directory", self.path.parent, exc))) from None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path.parent, flags)
        except OSError as exc:
            raise LibraryError(failure + str(os_error("create", self.path.parent, exc))) from None

    def _open_file(self, shared: bool, failure: str) -> int | None:
        """The lock file older readers lock; None when it cannot be opened for a shared lock
        (a read-only directory: the directory's lock is enough)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            if shared:
                return None
            raise LibraryError(failure + str(os_error("write to the library directory", self.path.parent, exc))) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            if shared:
                return None
            raise LibraryError(f"{failure}{self.path} is not a regular file (a pipe or a device?)")
        return fd

    def _take(self, fd: int, mode: int, deadline: float, failure: str) -> None:
        delay = 0.001
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LibraryBusy(
                        f"{failure}{self.library} is busy: another reader process kept it locked for "
                        f"{self.timeout:.0f} s; try again"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
