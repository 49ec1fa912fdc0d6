"""Importers turn a source (a page dump, later an API response or a list) into candidates.

A :class:`Candidate` is a paper as one source describes it, before it meets the
library; :meth:`reader.store.Library.import_candidates` dedupes and merges
them. Importers never touch the library themselves.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from reader.errors import ImportProblem
from reader.papers import Link

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")

# Real page dumps are 80-300 KB; anything this large is not a page dump.
MAX_INPUT_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class Candidate:
    title: str
    abstract: str
    source: str
    line: int = 0
    links: tuple[Link, ...] = ()
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    upvotes: int | None = None
    # The one arXiv id the abstract links (arxiv.org/abs/ID...): stored as the paper's
    # when no other paper has it, but never used to decide which paper this is.
    linked_arxiv_id: str | None = None
    # The date line of the page the paper was listed under ("Mar 11"), as the page says it.
    listed: str | None = None


@dataclass(slots=True)
class Skipped:
    source: str
    line: int
    reason: str
    text: str = ""

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "reason": self.reason, "text": self.text}

    def __str__(self) -> str:
        preview = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.reason}" + (f": {preview!r}" if preview else "")


@dataclass(slots=True)
class ParsedSource:
    source: str
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    gave_up: bool = False  # parsing stopped early: no paper in the first lines


def source_name(path: str | os.PathLike) -> str:
    """The name a page is remembered by: its file name without the extension."""
    if str(path) == "-":
        return "stdin"
    return Path(path).stem or Path(path).name


def read_stdin_start(size: int) -> bytes:
    """The first ``size`` bytes of stdin (fewer only when it ends sooner)."""
    return sys.stdin.buffer.read(size)


def read_input_bytes(path: str | os.PathLike, limit: int = MAX_INPUT_BYTES, *, start: bytes = b"") -> bytes:
    """Read a file (or stdin for '-') with the checks every importer needs.

    Raises :class:`ImportProblem` with a one-line reason for a missing path, a
    directory, an unreadable or oversized file. Never reads more than ``limit + 1``
    bytes, so a huge input costs bounded memory. ``start``: what was read from
    stdin already (:func:`read_stdin_start`).
    """
    if str(path) == "-":
        data = start + sys.stdin.buffer.read(max(limit + 1 - len(start), 0))
        if len(data) > limit:
            raise ImportProblem(f"stdin: input is larger than {limit // (1024 * 1024)} MB; not a page dump")
        return data
    p = Path(path)
    with open_input(p, limit) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise ImportProblem(f"{p}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ImportProblem(f"{p}: file is larger than {limit // (1024 * 1024)} MB; not a page dump")
    return data


def open_input(path: str | os.PathLike, limit: int = MAX_INPUT_BYTES) -> BinaryIO:
    """Open a regular file for reading, with the checks of :func:`read_input_bytes` (not stdin).

    A FIFO, a device or a socket is refused at once (opening never waits for
    a writer); so is a file larger than ``limit``.
    """
    p = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ImportProblem(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ImportProblem(f"{p}: is a directory; give the page dump files inside it") from None
    except OSError as exc:
        raise ImportProblem(f"{p}: cannot read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ImportProblem(f"{p}: is a directory; give the page dump files inside it")
        raise ImportProblem(f"{p}: is {file_kind(info.st_mode)}, not a regular file; not read")
    if info.st_size > limit:
        os.close(fd)
        raise ImportProblem(
            f"{p}: file is {info.st_size / (1024 * 1024):.1f} MB; page dumps are at most "
            f"{limit // (1024 * 1024)} MB"
        )
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return open(fd, "rb")


def file_kind(mode: int) -> str:
    """'a FIFO (named pipe)', 'a character device' ... for a message about a file that is not regular."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text (a BOM is dropped); binary or other encodings raise :class:`ImportProblem`."""
    if not data.strip():
        raise ImportProblem(f"{where}: file is empty")
    if b"\x00" in data:
        raise ImportProblem(f"{where}: looks like a binary file, not a text page dump")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblem(
            f"{where}: not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the page as UTF-8"
        ) from None
    controls = len(_CONTROL_CHARS.findall(text, 0, 65536))
    if controls > 0.05 * min(len(text), 65536):
        raise ImportProblem(f"{where}: looks like a binary file, not a text page dump")
    return text
