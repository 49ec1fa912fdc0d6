"""Opening the library's files: regular files only, never blocking, never unbounded.

Whatever sits where a library file should be (a FIFO, a device, a symlink to
``/dev/zero``, a directory) is refused at once with a one-line
:class:`LibraryError`, before a byte is read: files are opened with
``O_NONBLOCK`` (a FIFO without a writer does not block the open) and checked
with ``fstat`` to be regular files no larger than :data:`MAX_FILE`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from reader.errors import LibraryError
from reader.fileio import os_error

# No library file is anywhere near this big (100,000 papers take about 200 MB with abstracts).
MAX_FILE = 4 * 1024 * 1024 * 1024


def open_regular(path: Path, *, limit: int = MAX_FILE) -> BinaryIO | None:
    """``path`` opened for reading in binary; None when there is no such file."""
    fd = open_regular_fd(path, limit=limit)
    return None if fd is None else os.fdopen(fd, "rb")


def open_regular_fd(path: Path, *, limit: int = MAX_FILE) -> int | None:
    """A file descriptor of ``path`` opened for reading; None when there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise LibraryError(f"cannot read {path}: Is a directory, not a library file") from None
    except OSError as exc:
        raise os_error("read", path, exc) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LibraryError(f"cannot read {path}: Is a directory, not a library file")
        if not stat.S_ISREG(info.st_mode):
            raise LibraryError(f"{path} is not a regular file (a pipe or a device?); it was not read")
        if info.st_size > limit:
            raise LibraryError(f"{path} is {info.st_size:,} bytes, more than a library file can be; it was not read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: Path, *, limit: int = MAX_FILE) -> bytes | None:
    """The whole of a regular file; None when there is none."""
    handle = open_regular(path, limit=limit)
    if handle is None:
        return None
    with handle:
        try:
            data = handle.read()  # its size was checked when it was opened
        except OSError as exc:
            raise os_error("read", path, exc) from None
    if len(data) > limit:
        raise LibraryError(f"{path} grew past {limit:,} bytes while it was read; it was not read")
    return data


def is_regular(path: Path) -> bool:
    """Is ``path`` (followed if a symlink) a regular file?"""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
