"""One door to the library for the TUI's worker threads.

Every call that can change the library (a write, an undo, a refresh) goes
through :meth:`StoreGate.run`, one at a time. After each call the gate asks the
library what changed since the last call it saw, so the UI thread receives
complete, ordered deltas (``set`` of paper ids, or None for "everything")
without ever reading the library's counters while another thread is changing
them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Outcome(Generic[T]):
    result: T
    delta: set[str] | None  # ids changed since the previous call; None: reload everything
    generation: int

    @property
    def changed(self) -> bool:
        return self.delta is None or bool(self.delta)


class StoreGate:
    def __init__(self, library) -> None:
        self.library = library
        self._lock = threading.Lock()
        self._seen = library.generation

    def run(self, call: Callable[[], T]) -> Outcome[T]:
        """Run ``call`` (which uses the library) and report what it and others changed.

        Raises whatever ``call`` raises; the changes that did happen (a
        refresh before a failed write) are still reported at the next call.
        """
        with self._lock:
            result = call()
            return self._outcome(result)

    def _outcome(self, result):
        library = self.library
        generation = library.generation
        delta = library.changes_since(self._seen)
        self._seen = generation
        return Outcome(result, delta, generation)
