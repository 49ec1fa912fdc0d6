"""What a library holds in memory, and the change number and generation that say how current it is.

``seq`` is the **change number**: the number of the last change (journal
record) applied, the same in every process that has read the same files.
``generation`` is this process's own counter: it moves whenever anything in
memory changed (a change of ours, another process's change caught up with, a
reload), so a view can ask :meth:`State.changes_since` what to redraw.
"""

from __future__ import annotations

from reader.papers import Paper


class State:
    __slots__ = ("papers", "seq", "others", "main_sig", "generation", "_change_log")

    def __init__(self) -> None:
        self.papers: dict[str, Paper] = {}
        self.seq = 0
        self.others: dict[str, dict] = {}  # tables another program added to the papers file
        self.main_sig: tuple[int, int, int] | None = None  # the papers file as last read or written
        self.generation = 0
        # (generation, ids changed) for the last changes; None means "reloaded: everything".
        self._change_log: list[tuple[int, frozenset[str] | None]] = []

    def bump(self, ids: frozenset[str] | None) -> None:
        """Something in memory changed: ``ids`` the papers, None for everything."""
        self.generation += 1
        self._change_log.append((self.generation, ids))
        if len(self._change_log) > 1000:
            del self._change_log[:500]

    def changes_since(self, generation: int) -> set[str] | None:
        """Ids changed after ``generation`` (ours or other processes'); None: assume everything."""
        if generation >= self.generation:
            return set()
        if not self._change_log or self._change_log[0][0] > generation + 1:
            return None
        changed: set[str] = set()
        for gen, ids in self._change_log:
            if gen <= generation:
                continue
            if ids is None:
                return None
            changed |= ids
        return changed
