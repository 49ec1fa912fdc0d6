"""The pieces every task shares: the stop flag, the progress callback, the commit, the wording of lists."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

Progress = Callable[[int, int, str], None]
"""``progress(done, total, note)``: ``note`` names what just finished (a day, a repository, a URL)."""

Commit = Callable[[Callable[[], T]], T]
"""``commit(call)`` runs ``call`` (which changes the library) and returns its result."""

MAX_LISTED = 3  # failures a summary names one by one


def direct(call: Callable[[], T]) -> T:
    """The commit of a caller with the library to itself (the CLI): just make the call."""
    return call()


def quiet(done: int, total: int, note: str) -> None:
    """The progress of a caller that shows none."""


def stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def one_line(text: str) -> str:
    """``text`` on one line, whole: an error's reason is never cut short (its end often says why)."""
    return " ".join(text.split())


def clip(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listed(items: list[str], limit: int = MAX_LISTED) -> str:
    """``a; b; c; and 2 more``: the first ``limit`` items, and how many are left out."""
    text = "; ".join(items[:limit])
    if len(items) > limit:
        text += f"; and {len(items) - limit} more"
    return text


def grouped(failures: list[tuple[str, str]], limit: int = MAX_LISTED) -> list[str]:
    """``name: error`` lines, one per distinct error: the same error (offline, a refused connection)
    is said once, naming what it hit (``a, b, c and 2 more: connection refused``)."""
    by_error: dict[str, list[str]] = {}
    for name, error in failures:
        by_error.setdefault(error, []).append(name)
    lines = []
    for error, names in by_error.items():
        shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
        lines.append(f"{shown}: {error}")
    return lines
