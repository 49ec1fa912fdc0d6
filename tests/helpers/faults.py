"""Number the library's file-system steps and stop, fail or announce at one of them.

Every call of ``os.write``, ``os.fsync``, ``os.ftruncate`` and ``os.replace``
that touches a file under ``scope`` (the library's directory) is a *step*,
numbered from 1 in the order the process makes them. An :class:`Injector` can

* ``stop`` at step K: report ``fault-stop K KIND FILE`` on ``report_fd`` and
  block until the parent kills the process (SIGKILL), without making the call.
  With ``torn=True`` a write first writes half of its bytes, as a crash in
  the middle of a ``write(2)`` would leave it;
* ``fail`` at step K: raise ``OSError(errno)`` instead of making the call
  (a full disk or a read-only file system);
* ``announce`` every step (``fault-step N KIND FILE``) and carry on, so a
  parent can count the steps of a run, or kill at a moment of its choosing
  while the process keeps working.

``install_from_env()`` does the same from ``READER_FAULT_*`` environment
variables, for processes the tests do not control otherwise (the real CLI,
through a ``sitecustomize.py`` on ``PYTHONPATH``; see :func:`write_sitecustomize`).

Note what a SIGKILL can and cannot do: data a process wrote reaches the page
cache and survives the kill even without ``fsync``; only a torn ``write`` or
an interrupted sequence of steps shows up. Losing the unsynced page cache
(a power cut) is not simulated here.
"""

from __future__ import annotations

import errno as errno_module
import os
import signal
from contextlib import contextmanager
from pathlib import Path

KINDS = ("write", "fsync", "ftruncate", "replace")

# The real functions, captured once at import (before any patching).
_REAL = {kind: getattr(os, kind) for kind in KINDS}


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


class Injector:
    def __init__(
        self,
        scope: str | os.PathLike | None,
        *,
        mode: str = "count",
        at: int = 0,
        torn: bool = False,
        announce: bool = False,
        report_fd: int = 2,
        error: int = errno_module.ENOSPC,
    ) -> None:
        if mode not in ("count", "stop", "fail"):
            raise ValueError(f"unknown fault mode {mode!r}")
        self.scope = os.path.realpath(scope) if scope is not None else None
        self.mode = mode
        self.at = at
        self.torn = torn
        self.announce = announce
        self.report_fd = report_fd
        self.error = error
        self.steps: list[tuple[str, str]] = []  # (kind, file name) of every step so far
        self.fired = False

    # -- bookkeeping --------------------------------------------------------------

    def _in_scope(self, path: str) -> bool:
        if self.scope is None:
            return True
        real = os.path.realpath(path) if path else ""
        return real == self.scope or real.startswith(self.scope + os.sep)

    def _report(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        while data:
            data = data[_REAL["write"](self.report_fd, data) :]

    def _step(self, kind: str, path: str) -> int | None:
        """Count a step; returns its number when it is in scope."""
        if not self._in_scope(path):
            return None
        self.steps.append((kind, os.path.basename(path) or path))
        number = len(self.steps)
        if self.announce:
            self._report(f"fault-step {number} {kind} {self.steps[-1][1]}\n")
        return number

    def _stop(self, number: int, kind: str) -> None:
        self.fired = True
        self._report(f"fault-stop {number} {kind} {self.steps[-1][1]}\n")
        signal.alarm(300)  # never outlive a parent that forgot us
        while True:
            signal.pause()

    def _hits(self, number: int | None) -> bool:
        return number is not None and self.mode != "count" and number == self.at and not self.fired

    def _fail(self) -> None:
        self.fired = True
        raise OSError(self.error, os.strerror(self.error))

    # -- the wrappers -------------------------------------------------------------------

    def write(self, fd, data):
        number = self._step("write", _fd_path(fd))
        if self._hits(number):
            if self.mode == "fail":
                self._fail()
            if self.torn and len(data) > 1:
                _REAL["write"](fd, bytes(data[: len(data) // 2]))
            self._stop(number, "write")
        return _REAL["write"](fd, data)

    def fsync(self, fd):
        descriptor = fd if isinstance(fd, int) else fd.fileno()
        number = self._step("fsync", _fd_path(descriptor))
        if self._hits(number):
            if self.mode == "fail":
                self._fail()
            self._stop(number, "fsync")
        return _REAL["fsync"](fd)

    def ftruncate(self, fd, length):
        number = self._step("ftruncate", _fd_path(fd))
        if self._hits(number):
            if self.mode == "fail":
                self._fail()
            self._stop(number, "ftruncate")
        return _REAL["ftruncate"](fd, length)

    def replace(self, src, dst, **kwargs):
        number = self._step("replace", os.fspath(dst))
        if self._hits(number):
            if self.mode == "fail":
                self._fail()
            self._stop(number, "replace")
        return _REAL["replace"](src, dst, **kwargs)

    # -- installing ---------------------------------------------------------------------

    def install(self) -> None:
        for kind in KINDS:
            setattr(os, kind, getattr(self, kind))

    @staticmethod
    def uninstall() -> None:
        for kind, function in _REAL.items():
            setattr(os, kind, function)

    @classmethod
    @contextmanager
    def active(cls, scope, **kwargs):
        """An injector of this class installed for the block (uninstalled however it ends)."""
        injector = cls(scope, **kwargs)
        injector.install()
        try:
            yield injector
        finally:
            cls.uninstall()


def injected(scope, **kwargs):
    """``with injected(dir, mode="fail", at=3) as inj:`` patches ``os`` for the block."""
    return Injector.active(scope, **kwargs)


def set_store_limits(compact_records: int | None = None, direct_write: int | None = None) -> None:
    """Lower the library's compaction and direct-write thresholds for every library this process opens
    (through the setting ``READER_STORE_LIMITS``, which child processes inherit too)."""
    from dataclasses import replace

    from reader.store import StoreLimits
    from reader.store.limits import ENV_VAR

    if not (compact_records or direct_write):
        return
    limits = StoreLimits.from_environment()
    if compact_records:
        limits = replace(limits, compact_records=compact_records)
    if direct_write:
        limits = replace(limits, direct_write_papers=direct_write)
    # These small libraries get a snapshot too, so kills also land while it is written.
    os.environ[ENV_VAR] = replace(limits, snapshot_min_papers=1).to_environment()


ENV_PREFIX = "READER_FAULT_"


def fault_env(
    scope: str | os.PathLike,
    *,
    stop: int = 0,
    torn: bool = False,
    announce: bool = False,
    compact_records: int | None = None,
    direct_write: int | None = None,
) -> dict[str, str]:
    """Environment variables that make :func:`install_from_env` set up these faults."""
    env = {
        ENV_PREFIX + "SCOPE": str(scope),
        ENV_PREFIX + "STOP": str(stop),
        ENV_PREFIX + "TORN": "1" if torn else "0",
        ENV_PREFIX + "ANNOUNCE": "1" if announce else "0",
    }
    if compact_records:
        env[ENV_PREFIX + "COMPACT_RECORDS"] = str(compact_records)
    if direct_write:
        env[ENV_PREFIX + "DIRECT_WRITE"] = str(direct_write)
    return env


def install_from_env() -> Injector | None:
    scope = os.environ.get(ENV_PREFIX + "SCOPE")
    if not scope:
        return None
    stop = int(os.environ.get(ENV_PREFIX + "STOP", "0"))
    injector = Injector(
        scope,
        mode="stop" if stop else "count",
        at=stop,
        torn=os.environ.get(ENV_PREFIX + "TORN") == "1",
        announce=os.environ.get(ENV_PREFIX + "ANNOUNCE") == "1",
        report_fd=int(os.environ.get(ENV_PREFIX + "FD", "2")),
    )
    set_store_limits(
        int(os.environ.get(ENV_PREFIX + "COMPACT_RECORDS", "0")) or None,
        int(os.environ.get(ENV_PREFIX + "DIRECT_WRITE", "0")) or None,
    )
    injector.install()
    return injector


def installer_source(scope_variable: str, module: str) -> str:
    """A ``sitecustomize.py`` that calls ``module.install_from_env()`` when ``scope_variable`` is set."""
    return f'''\
"""Loaded by every Python started with this directory on PYTHONPATH (tests only)."""
import os

if os.environ.get("{scope_variable}"):
    from {module} import install_from_env

    install_from_env()
'''


SITECUSTOMIZE = installer_source(ENV_PREFIX + "SCOPE", "tests.helpers.faults")


def write_sitecustomize(directory: Path, source: str = SITECUSTOMIZE) -> Path:
    """A ``sitecustomize.py`` (by default one that installs these faults from the environment) in
    ``directory``; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(source, encoding="utf-8")
    return directory
