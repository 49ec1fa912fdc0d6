"""A full disk and a read-only file system, for the library's directory only.

:class:`DiskInjector` is :class:`tests.helpers.faults.Injector` with more
steps: besides ``os.write``, ``os.fsync``, ``os.ftruncate`` and
``os.replace`` it numbers ``os.sendfile`` (how ``shutil.copyfile`` copies a
file on Linux, e.g. into a backup), ``os.link`` and ``os.mkdir``, the other
calls a full disk makes fail. With ``mode="fail"`` step K raises
``OSError(error)`` (ENOSPC, EROFS, EACCES...). It also keeps the full path of
every step, so a test can tell a file's step from its directory's fsync.

:func:`read_only` makes the directory behave like a read-only mount: every
call that would change it fails with EROFS (opening a file for writing,
creating, linking, renaming, removing, writing, truncating), while reading
works.

``install_from_env()`` sets up either from ``READER_DISKFULL_*`` variables,
for the real ``reader`` command (see :func:`write_sitecustomize`). The
existing helpers in ``faults.py`` are untouched.
"""

from __future__ import annotations

import builtins
import errno as errno_module
import io
import os
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import faults
from tests.helpers.faults import Injector

EXTRA_KINDS = ("sendfile", "link", "mkdir")
_REAL_EXTRA = {kind: getattr(os, kind) for kind in EXTRA_KINDS}


class DiskInjector(Injector):
    """Numbered write steps (including copies, links and new directories); see the module doc."""

    def __init__(self, scope, **kwargs) -> None:
        super().__init__(scope, **kwargs)
        self.paths: list[str] = []  # the full path of every step, in order

    def _step(self, kind: str, path: str) -> int | None:
        number = super()._step(kind, path)
        if number is not None:
            self.paths.append(path)
        return number

    def step_is_directory_fsync(self, number: int) -> bool:
        kind, _ = self.steps[number - 1]
        return kind == "fsync" and os.path.isdir(self.paths[number - 1])

    def sendfile(self, out_fd, in_fd, offset, count):
        number = self._step("sendfile", _fd_path_of(out_fd))
        if self._hits(number):
            if self.mode == "fail":
                self._fail()
            self._stop(number, "sendfile")
        return _REAL_EXTRA["sendfile"](out_fd, in_fd, offset, count)

    def link(self, src, dst, **kwargs):
        number = self._step("link", os.fspath(dst))
        if self._hits(number):
            if self.mode == "fail":
                self._fail()
            self._stop(number, "link")
        return _REAL_EXTRA["link"](src, dst, **kwargs)

    def mkdir(self, path, mode=0o777, **kwargs):
        parent = os.path.dirname(os.path.abspath(os.fspath(path)))
        if os.path.lexists(path) or not os.path.isdir(parent):
            # EEXIST and ENOENT come before any question of space: not a write step.
            return _REAL_EXTRA["mkdir"](path, mode, **kwargs)
        number = self._step("mkdir", os.fspath(path))
        if self._hits(number):
            if self.mode == "fail":
                self._fail()
            self._stop(number, "mkdir")
        return _REAL_EXTRA["mkdir"](path, mode, **kwargs)

    def install(self) -> None:
        super().install()
        for kind in EXTRA_KINDS:
            setattr(os, kind, getattr(self, kind))

    @staticmethod
    def uninstall() -> None:
        Injector.uninstall()
        for kind, function in _REAL_EXTRA.items():
            setattr(os, kind, function)


def _fd_path_of(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def disk_faults(scope, **kwargs):
    """``with disk_faults(dir, mode="fail", at=3, error=errno.ENOSPC) as inj:`` for the block."""
    return DiskInjector.active(scope, **kwargs)


# -- a read-only mount ---------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_READONLY_PATCHED = (
    "open", "mkdir", "link", "symlink", "unlink", "remove", "rmdir", "rename", "replace",
    "write", "ftruncate", "truncate", "utime", "sendfile",
)


class ReadOnly:
    """Every change under ``scope`` fails with ``error`` (EROFS by default); reads work."""

    def __init__(self, scope, error: int = errno_module.EROFS) -> None:
        self.scope = os.path.realpath(scope)
        self.error = error
        self.refused: list[str] = []  # what was refused, for messages
        self._saved: dict = {}

    def _inside(self, path) -> bool:
        if isinstance(path, int):
            path = _fd_path_of(path)
        try:
            real = os.path.realpath(os.fspath(path))
        except TypeError:
            return False
        return real == self.scope or real.startswith(self.scope + os.sep)

    def _refuse(self, what: str, path) -> None:
        self.refused.append(f"{what} {path}")
        raise OSError(self.error, os.strerror(self.error), os.fspath(path) if not isinstance(path, int) else None)

    def install(self) -> None:
        real_os = {name: getattr(os, name) for name in _READONLY_PATCHED}
        real_open = builtins.open
        self._saved = {"os": real_os, "open": real_open, "io_open": io.open}
        guard = self

        def checked(name):
            def call(*args, **kwargs):
                targets = args[:2] if name in ("link", "symlink", "rename", "replace") else args[:1]
                if name == "sendfile":
                    targets = args[:1]
                for target in targets:
                    if guard._inside(target):
                        guard._refuse(name, target)
                return real_os[name](*args, **kwargs)

            return call

        def os_open(path, flags, *args, **kwargs):
            if flags & _WRITE_FLAGS and guard._inside(path):
                guard._refuse("open", path)
            return real_os["open"](path, flags, *args, **kwargs)

        def open_file(file, mode="r", *args, **kwargs):
            if any(c in mode for c in "wax+") and not isinstance(file, int) and guard._inside(file):
                guard._refuse("open", file)
            return real_open(file, mode, *args, **kwargs)

        for name in _READONLY_PATCHED:
            setattr(os, name, checked(name))
        os.open = os_open
        builtins.open = open_file
        io.open = open_file

    def uninstall(self) -> None:
        for name, function in self._saved["os"].items():
            setattr(os, name, function)
        builtins.open = self._saved["open"]
        io.open = self._saved["io_open"]


@contextmanager
def read_only(scope, error: int = errno_module.EROFS):
    guard = ReadOnly(scope, error)
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()


# -- the real command ----------------------------------------------------------------------

ENV_PREFIX = "READER_DISKFULL_"


def diskfull_env(
    scope: str | os.PathLike,
    *,
    fail_at: int = 0,
    error: int | None = None,
    announce: bool = False,
    readonly: bool = False,
) -> dict[str, str]:
    """Environment variables that make :func:`install_from_env` set up these faults.

    ``error`` defaults to EROFS for ``readonly``, else ENOSPC.
    """
    if error is None:
        error = errno_module.EROFS if readonly else errno_module.ENOSPC
    return {
        ENV_PREFIX + "SCOPE": str(scope),
        ENV_PREFIX + "AT": str(fail_at),
        ENV_PREFIX + "ERRNO": str(error),
        ENV_PREFIX + "ANNOUNCE": "1" if announce else "0",
        ENV_PREFIX + "READONLY": "1" if readonly else "0",
    }


def install_from_env():
    scope = os.environ.get(ENV_PREFIX + "SCOPE")
    if not scope:
        return None
    error = int(os.environ.get(ENV_PREFIX + "ERRNO", str(errno_module.ENOSPC)))
    if os.environ.get(ENV_PREFIX + "READONLY") == "1":
        guard = ReadOnly(scope, error)
        guard.install()
        return guard
    at = int(os.environ.get(ENV_PREFIX + "AT", "0"))
    injector = DiskInjector(
        scope,
        mode="fail" if at else "count",
        at=at,
        error=error,
        announce=os.environ.get(ENV_PREFIX + "ANNOUNCE") == "1",
    )
    injector.install()
    return injector


SITECUSTOMIZE = faults.installer_source(ENV_PREFIX + "SCOPE", "tests.helpers.diskfull")


def write_sitecustomize(directory: Path) -> Path:
    """A ``sitecustomize.py`` that installs these faults from the environment; returns its directory."""
    return faults.write_sitecustomize(directory, SITECUSTOMIZE)
