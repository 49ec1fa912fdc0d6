"""Exporters turn papers into files people keep: Markdown reading lists, JSON backups.

:func:`write_output` is how every export reaches the disk: the text goes to a
temporary file beside the target, is fsynced, and only then takes the
target's name, so an interrupted export never leaves a half-written file. An
existing file is replaced only when the caller says so (``replace=True``, the
CLI's ``--force``; the TUI asks first).

Some targets are refused whatever the caller says: the library's own files
(``protected``: the papers file, abstracts, journal, lock, snapshot, and
anything inside its backups or search index folders; the caller names them,
:func:`reader.tasks.exporting.library_files`), and standard output by a
device name (``/dev/stdout``: the CLI writes there with ``-o -``).
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Collection, Iterable
from pathlib import Path

from reader.errors import ReaderError
from reader.fileio import fsync_dir
from reader.importers import file_kind


class ExportError(ReaderError):
    """An export could not be written (the message says why, in one line)."""


class OutputExists(ExportError):
    """The target file exists and replacing it was not asked for."""


# Names of the standard streams: writing "beside" them (a temporary file, then a rename) is
# impossible, and the CLI writes to standard output itself with `-o -`.
_STREAM_NAMES = re.compile(r"^/(?:dev/(?:stdout|stderr|stdin|tty|fd/\d+)|proc/(?:self|\d+)/fd/\d+)$")


def check_output_path(
    path: str | os.PathLike, *, replace: bool = False, protected: Collection[str | os.PathLike] = ()
) -> Path:
    """The target as a Path, or :class:`ExportError` saying why it cannot be written.

    ``protected``: files and folders an export must never write (the library's
    own); a target that is one of them, is inside one of them, or is the same
    file under another name is refused, even with ``replace``.
    """
    out = Path(path).expanduser()
    if _STREAM_NAMES.match(os.path.normpath(str(out))):
        raise ExportError(f"{out} is a stream, not a file: to write to standard output, give -o -")
    _check_not_protected(out, protected)
    if out.is_symlink():
        # A link (a synced folder, a dotfiles repo) stays a link: its target is what is written.
        out = Path(os.path.realpath(out))
    if out.is_dir():
        raise ExportError(f"{out} is a directory; give a file name")
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent}: no such directory")
    _check_replaceable(out)
    if out.exists() and not replace:
        raise OutputExists(f"{out} exists; use --force to replace it")
    return out


def _check_not_protected(out: Path, protected: Collection[str | os.PathLike]) -> None:
    """:class:`ExportError` when ``out`` is (or is inside, or is a hard link of) a protected path."""
    if not protected:
        return
    real = Path(os.path.realpath(out))
    try:
        found = os.stat(out)
        same: tuple[int, int] | None = (found.st_dev, found.st_ino)
    except OSError:
        same = None
    for entry in protected:
        guarded = Path(os.path.realpath(entry))
        if guarded in real.parents:
            where = f"inside the library's folder {Path(entry).name}"
        elif real == guarded or (same is not None and _same_file(entry, same)):
            where = f"part of the library ({Path(entry).name})"
        else:
            continue
        raise ExportError(f"{out} is {where}; not written, not even with --force: choose another file")


def _same_file(path: str | os.PathLike, identity: tuple[int, int]) -> bool:
    try:
        found = os.stat(path)
    except OSError:
        return False
    return (found.st_dev, found.st_ino) == identity


def _check_replaceable(out: Path) -> None:
    """Refuse a target that exists and is not a regular file (a FIFO, a device such as /dev/null)."""
    try:
        mode = os.lstat(out).st_mode
    except FileNotFoundError:
        return  # a new path
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise ExportError(f"{out} is {file_kind(mode)}, not a regular file; not replaced (give a file name)")


def write_output(
    path: str | os.PathLike,
    chunks: Iterable[str],
    *,
    replace: bool = False,
    protected: Collection[str | os.PathLike] = (),
) -> Path:
    """Write ``chunks`` (UTF-8, ``\\n`` line endings) to ``path`` atomically.

    Without ``replace`` an existing file is never touched, even if it appears
    while the export is being written (the file is linked into place, which
    fails when the name is taken). Returns the path written.
    """
    out = check_output_path(path, replace=replace, protected=protected)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            _check_replaceable(out)  # again: something else may have taken the name meanwhile
            os.replace(tmp, out)
        else:
            try:
                os.link(tmp, out)  # atomic and refuses to replace
            except FileExistsError:
                raise OutputExists(f"{out} exists; use --force to replace it") from None
            except OSError:
                # No hard links on this filesystem: check, then rename.
                if out.exists():
                    raise OutputExists(f"{out} exists; use --force to replace it") from None
                os.replace(tmp, out)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    except UnicodeEncodeError:
        raise ExportError(f"cannot write {out}: the text holds characters that are not valid Unicode") from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # a stray temporary file is harmless; the target is what matters
    fsync_dir(out.parent)
    return out


__all__ = ["ExportError", "OutputExists", "check_output_path", "write_output"]
