"""Abstracts a batch of changes set aside on disk until the batch is saved (so a big import never
holds them all in memory).

A batch (:meth:`reader.store.Library.batch`) applies its changes in memory and
saves them together at the end. An import of 100,000 papers brings about
150 MB of abstracts; kept as strings they would sit in memory beside the
papers until the batch is saved. Once a batch's new abstracts pass
``StoreLimits.batch_abstracts_bytes``, the writer moves them into a
:class:`Spill`: an anonymous temporary file in the library's directory
(``tempfile.TemporaryFile``: it has no name, or loses it at once, so a killed
process leaves nothing behind; where a name must stay while it is open, it is
``.LIBRARY.spill.tmp-PID-...``, which compaction removes once that process is gone) holding their UTF-8 text one after another.
The abstracts map (:class:`reader.store.abstracts.Abstracts`) then holds a
:class:`Spilled` (where the text is) in place of the string, and reads it back
on demand with :func:`text_of`; the file closes when the last of them is
gone. The spill is never a library file: saving the batch writes the
abstracts into the abstracts file as always.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from reader.errors import LibraryError
from reader.fileio import os_error


class Spill:
    """An anonymous file that texts are appended to and read back from by offset."""

    __slots__ = ("_file", "_size", "_lock", "directory")

    def __init__(self, library: Path) -> None:
        self.directory = directory = library.parent
        try:
            self._file = tempfile.TemporaryFile(dir=directory, prefix=f"{spill_prefix(library)}{os.getpid()}-")
        except OSError as exc:
            raise os_error("write a temporary file in", directory, exc) from None
        self._size = 0
        self._lock = threading.Lock()  # a reader thread may ask for an abstract meanwhile

    def put(self, text: str) -> "Spilled":
        data = text.encode("utf-8", "surrogatepass")
        try:
            with self._lock:
                self._file.seek(self._size)
                self._file.write(data)
        except OSError as exc:
            raise LibraryError(f"change not saved: cannot set abstracts aside in {self.directory}: "
                               f"{exc.strerror or exc}") from None
        spilled = Spilled(self, self._size, len(data))
        self._size += len(data)
        return spilled

    def read(self, offset: int, length: int) -> str:
        try:
            with self._lock:
                self._file.seek(offset)
                data = self._file.read(length)
        except OSError as exc:
            raise LibraryError(f"cannot read abstracts set aside in {self.directory}: {exc.strerror or exc}") from None
        if len(data) != length:
            raise LibraryError(f"abstracts set aside in {self.directory} were cut short; nothing was saved")
        return data.decode("utf-8", "surrogatepass")

    @property
    def size(self) -> int:
        return self._size


def spill_prefix(library: Path) -> str:
    """How the name of a spill file beside ``library`` starts, where it has one."""
    return f".{library.name}.spill.tmp-"


class Spilled:
    """Where one text sits in a :class:`Spill` (which it keeps open)."""

    __slots__ = ("spill", "offset", "length")

    def __init__(self, spill: Spill, offset: int, length: int) -> None:
        self.spill = spill
        self.offset = offset
        self.length = length

    def text(self) -> str:
        return self.spill.read(self.offset, self.length)


def text_of(value: "str | Spilled") -> str:
    """The text of an abstract held in memory or set aside."""
    return value.text() if isinstance(value, Spilled) else value


__all__ = ["Spill", "Spilled", "spill_prefix", "text_of"]
