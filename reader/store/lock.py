"""The lock (``PATH.lock``): one writer at a time, no reader in the middle of a write.

Invariant: **one lock.** Every change takes the lock exclusively (``flock``)
for its whole read-modify-write: catching up with the files, computing the
change, appending it to the journal, compacting. Loading takes it shared, so
nobody reads a half-done compaction. A lock that cannot be taken within the
timeout fails with :class:`LibraryBusy`; nothing is changed.
"""

from __future__ import annotations

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
        try:
            handle = open(self.path, "a+b")
        except FileNotFoundError:
            if shared:  # no library directory yet: nothing to read, nothing to lock
                yield
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                handle = open(self.path, "a+b")
            except OSError as exc:
                raise LibraryError(failure + str(os_error("create", self.path, exc))) from None
        except OSError as exc:
            if shared:  # read-only directory: read without a lock
                yield
                return
            raise LibraryError(failure + str(os_error("write to the library directory", self.path.parent, exc))) from None
        try:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            deadline = time.monotonic() + self.timeout
            delay = 0.001
            while True:
                try:
                    fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LibraryBusy(
                            f"{failure}{self.library} is busy: another reader process kept it locked for "
                            f"{self.timeout:.0f} s; try again"
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            yield
        finally:
            handle.close()  # releases the lock
