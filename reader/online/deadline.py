"""Overall deadlines for requests and batches, and the batch a worker thread is part of.

httpx's timeouts bound each phase of a request (connect, each read), not the
whole: a server that sends one byte every few seconds keeps a request alive
for ever. So every request has an overall deadline (``READER_REQUEST_DEADLINE``
seconds, default 60) and every batch (days to fetch, repositories, links,
papers to resolve) one more (``READER_BATCH_DEADLINE``, default 30 minutes).
Both can also be set in ``config.toml`` under ``[online]`` (``request_deadline``,
``batch_deadline``); the environment wins.

:func:`reader.online.pool.as_finished` runs each job of a batch with the
batch's deadline and stop flag in a thread-local :class:`Batch`, so that
:func:`reader.online.http.request` ends a request early when the batch's time
is up or the user stopped it, without every function in between passing them on.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from reader.errors import ReaderError

DEFAULT_REQUEST_DEADLINE = 60.0
DEFAULT_BATCH_DEADLINE = 30 * 60.0
STOP_GRACE = 5.0
REQUEST_VARIABLE = "READER_REQUEST_DEADLINE"
BATCH_VARIABLE = "READER_BATCH_DEADLINE"


class DeadlineSettingError(ReaderError):
    """A deadline setting that is not a positive number of seconds."""


def seconds_setting(value: object, where: str) -> float:
    """A deadline in seconds from a setting (text or number); one-line error for anything else."""
    if isinstance(value, bool):
        value = None
    try:
        seconds = float(value) if isinstance(value, (int, float, str)) else math.nan
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise DeadlineSettingError(f"{where} must be a positive number of seconds, not {value!r}")
    return seconds


def deadline_from(environ: Mapping[str, str], variable: str, configured: object, default: float) -> float:
    """The environment's value, else the configured one, else ``default``."""
    if environ.get(variable):
        return seconds_setting(environ[variable].strip(), f"${variable}")
    if configured is not None:
        return seconds_setting(configured, f"[online] {variable.removeprefix('READER_').lower()}")
    return default


def request_deadline(environ: Mapping[str, str] | None = None, configured: object = None) -> float:
    return deadline_from(os.environ if environ is None else environ, REQUEST_VARIABLE, configured,
                         DEFAULT_REQUEST_DEADLINE)


def batch_deadline(environ: Mapping[str, str] | None = None, configured: object = None) -> float:
    return deadline_from(os.environ if environ is None else environ, BATCH_VARIABLE, configured,
                         DEFAULT_BATCH_DEADLINE)


@dataclass(slots=True)
class Batch:
    """The batch the current thread works for: when its time is up, and its stop flag."""

    ends: float | None = None  # time.monotonic() value
    seconds: float | None = None  # the deadline as set, for messages
    stop: threading.Event | None = None
    # Seconds a request under way still gets when the batch is stopped (Esc): an answer that
    # is about to arrive is kept, a server that trickles is not waited for.
    grace: float = STOP_GRACE

    def expired(self) -> bool:
        return self.ends is not None and time.monotonic() >= self.ends

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()


_CURRENT = threading.local()


def current() -> Batch:
    """The batch of the calling thread (an empty one outside any batch)."""
    batch = getattr(_CURRENT, "batch", None)
    return batch if batch is not None else Batch()


@contextmanager
def working_for(batch: Batch) -> Iterator[None]:
    previous = getattr(_CURRENT, "batch", None)
    _CURRENT.batch = batch
    try:
        yield
    finally:
        _CURRENT.batch = previous


def describe_seconds(seconds: float) -> str:
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


__all__ = [
    "BATCH_VARIABLE",
    "Batch",
    "DEFAULT_BATCH_DEADLINE",
    "DEFAULT_REQUEST_DEADLINE",
    "DeadlineSettingError",
    "REQUEST_VARIABLE",
    "batch_deadline",
    "current",
    "deadline_from",
    "describe_seconds",
    "request_deadline",
    "seconds_setting",
    "working_for",
]
