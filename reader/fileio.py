"""Writing files so that a crash leaves either the old or the new version, never half."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from reader.errors import LibraryError


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (where the OS allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(fd)


def write_atomically(path: Path, chunks: Iterable[str] | Iterable[bytes], *, binary: bool = False) -> None:
    """Write ``chunks`` to a temporary file beside ``path``, fsync, rename over ``path``.

    ``binary`` is kept for callers' clarity: str chunks are encoded as UTF-8, bytes written as they are.
    Raises the ``OSError`` (the temporary file is removed); anything raised while
    producing the chunks propagates the same way and leaves ``path`` untouched.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with open(tmp, "wb") as handle:  # text chunks are written as UTF-8, newlines as they are
            for chunk in chunks:
                handle.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass  # a leftover temporary is removed by the library's next compaction
        raise
    fsync_dir(path.parent)


def os_error(action: str, path: Path, exc: OSError) -> LibraryError:
    """A one-line :class:`LibraryError` for a failed file operation."""
    reason = exc.strerror or str(exc)
    return LibraryError(f"cannot {action} {path}: {reason}")


def atomic_write(path: Path, chunks: Iterable[str]) -> None:
    """:func:`write_atomically` for text, failing with a one-line :class:`LibraryError`."""
    try:
        write_atomically(path, chunks)
    except OSError as exc:
        raise os_error("write", path, exc) from None


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of a file, None when there is none (or it cannot be read): tells a
    rewritten or replaced file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def writer_alive(temporary: str) -> bool:
    """Is the process named in a temporary file's name (``.NAME.tmp-PID-THREAD``, as
    :func:`write_atomically` names them) still running?"""
    pid = temporary.rpartition(".tmp-")[2].partition("-")[0]
    if not pid.isdigit():
        return False
    if os.name == "nt":
        return True  # os.kill(pid, 0) would end the process there: assume it runs
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (perhaps another user's)
    return True
