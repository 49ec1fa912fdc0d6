"""Triage: deciding about a list of papers one at a time (keep, skip, later) and undoing decisions.

Plain Python: the TUI's triage screen keeps a :class:`TriageSession` and runs
:func:`apply_decision` / :func:`revert_decision` in a worker. Each decision
that changes something is one normal library change (keep: add the keep tag;
skip: mark read), so ``reader history`` lists it and ``reader undo`` reverts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.errors import ReaderError

KEEP = "keep"
SKIP = "skip"
LATER = "later"
DECISIONS = (KEEP, SKIP, LATER)


@dataclass(slots=True)
class Decision:
    paper_id: str
    kind: str
    seq: int = 0  # the library change it made (0: none, e.g. already tagged, or "later")


@dataclass(slots=True)
class TriageSession:
    """Where a triage is: the papers (fixed when it starts), the position and the decisions so far."""

    ids: list[str]
    keep_tag: str = "to-read"
    position: int = 0
    decisions: list[Decision] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def done(self) -> bool:
        return self.position >= len(self.ids)

    @property
    def current_id(self) -> str | None:
        return None if self.done else self.ids[self.position]

    def counter(self) -> str:
        """'12 of 48' (the paper shown now), or 'done: 48 of 48'."""
        if self.done:
            return f"done: {self.total:,} of {self.total:,}"
        return f"{self.position + 1:,} of {self.total:,}"

    def decide(self, kind: str) -> Decision:
        """Record ``kind`` for the current paper and move on (the library change is made separately)."""
        if kind not in DECISIONS:
            raise ValueError(f"unknown decision {kind!r}")
        if self.done:
            raise ReaderError("every paper has been triaged")
        decision = Decision(self.ids[self.position], kind)
        self.decisions.append(decision)
        self.position += 1
        return decision

    def step_back(self) -> Decision | None:
        """Forget the last decision and show its paper again; None when there is none."""
        if not self.decisions:
            return None
        decision = self.decisions.pop()
        self.position -= 1
        return decision

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in DECISIONS}
        for decision in self.decisions:
            counts[decision.kind] += 1
        return counts

    def summary(self) -> str:
        counts = self.counts()
        left = self.total - len(self.decisions)
        text = (
            f"Kept {counts[KEEP]:,} (tagged #{self.keep_tag}), skipped {counts[SKIP]:,} (marked read), "
            f"later {counts[LATER]:,}."
        )
        if left:
            text += f" {left:,} not looked at."
        return text


def apply_decision(library, decision: Decision, keep_tag: str) -> None:
    """Make ``decision``'s library change (sets ``decision.seq`` when something changed)."""
    if decision.kind == KEEP:
        change = library.tag([decision.paper_id], [keep_tag])
    elif decision.kind == SKIP:
        change = library.set_read([decision.paper_id], True)
    else:
        return
    decision.seq = change.seq if change.ids else 0


def revert_decision(library, decision: Decision, keep_tag: str) -> bool:
    """Take ``decision``'s change back; True when the library changed.

    When it is still the library's latest change, this is an undo (so the
    history reads "undo: ..."); when another change came after it, only this
    paper's tag or read state is put back.
    """
    if not decision.seq:
        return False
    latest = next((entry for entry in library.history(HISTORY_LOOK) if not entry.is_undo and not entry.undone), None)
    if latest is not None and latest.seq == decision.seq:
        library.undo()
        return True
    if decision.kind == KEEP:
        change = library.untag([decision.paper_id], [keep_tag])
    else:
        change = library.set_read([decision.paper_id], False)
    return bool(change.ids)


HISTORY_LOOK = 50

__all__ = ["DECISIONS", "Decision", "KEEP", "LATER", "SKIP", "TriageSession", "apply_decision", "revert_decision"]
