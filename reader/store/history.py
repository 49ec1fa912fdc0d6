"""The history of changes: what each change replaced, so it can be undone, and undone undos redone.

Every change record carries what the papers it touched looked like before
(``before``: stored documents; ``created``: ids that did not exist;
``before_abstracts``). The last :attr:`StoreLimits.history_keep` entries are
kept (in the papers file's ``history`` table and in memory).

* An **undo** is itself a change (``undoes``: the number of the change it
  reverts, which is marked ``undone``). It reverts the newest change that is
  not an undo and not undone.
* A **redo** reverts the newest undo that is not yet redone, as long as no
  ordinary change was made after that undo (``redoes``: the undo's number,
  which is marked ``undone``). A redo can be undone like any change.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.errors import ReaderError


@dataclass(slots=True)
class HistoryEntry:
    seq: int
    at: str
    label: str
    papers: int
    undone: bool
    is_undo: bool
    ids: tuple[str, ...] = ()  # the papers it changed (so a listing can name them)

    def to_dict(self) -> dict:
        return {
            "seq": self.seq,
            "at": self.at,
            "label": self.label,
            "papers": self.papers,
            "undone": self.undone,
            "undo": self.is_undo,
            "ids": list(self.ids),
        }


class History:
    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.entries: list[dict] = []  # oldest first

    def remember(self, record: dict) -> None:
        """Add the entry of an applied change record (not of a record that only keeps abstracts
        while a large change is saved: it changes nothing, see ``Writer._journal_kept_abstracts``)."""
        if record.get("keeps"):
            return
        entry = {
            "seq": record["seq"],
            "at": record.get("at", ""),
            "label": record.get("label", ""),
            "before": record.get("before") or {},
            "created": record.get("created") or [],
            "before_abstracts": record.get("before_abstracts") or {},
            "undoes": record.get("undoes"),
            "undone": False,
        }
        if record.get("redoes") is not None:
            entry["redoes"] = record["redoes"]
        target = record.get("undoes")
        if target is None:
            target = record.get("redoes")
        if target is not None:
            for old in self.entries:
                if old["seq"] == target:
                    old["undone"] = True
        self.entries.append(entry)
        if len(self.entries) > 2 * self.keep:
            del self.entries[: len(self.entries) - self.keep]

    def stored(self) -> list[dict]:
        """The entries written to the papers file."""
        return self.entries[-self.keep :]

    def listing(self, limit: int = 20) -> list[HistoryEntry]:
        """Recent changes, newest first."""
        entries = []
        for raw in reversed(self.entries[-limit:] if limit else self.entries):
            entries.append(
                HistoryEntry(
                    seq=raw["seq"],
                    at=raw["at"],
                    label=raw["label"],
                    papers=len(raw["before"]) + len(raw.get("created") or ()),
                    undone=bool(raw["undone"]),
                    is_undo=raw.get("undoes") is not None,
                    ids=(*raw["before"], *(raw.get("created") or ())),
                )
            )
        return entries

    def undo_targets(self) -> list[dict]:
        """The changes undo would revert, in the order it would revert them."""
        return [e for e in reversed(self.entries) if e.get("undoes") is None and not e.get("undone")]

    def redo_targets(self) -> list[dict]:
        """The undos redo would revert, in the order it would revert them."""
        targets = []
        for entry in reversed(self.entries):
            if entry.get("redoes") is not None:
                continue  # a redo: the undos before it may still be redone
            if entry.get("undoes") is None:
                break  # an ordinary change after an undo ends what can be redone
            if not entry.get("undone"):
                targets.append(entry)
        return targets

    def changed_since(self, seq: int, current: int) -> set[str] | None:
        """Ids of the papers the changes after change number ``seq`` touched; None when the history
        does not reach back that far."""
        if seq == current:
            return set()
        entries = [entry for entry in self.entries if entry["seq"] > seq]
        numbers = sorted(entry["seq"] for entry in entries)
        if not numbers or numbers != list(range(seq + 1, current + 1)):
            return None
        changed: set[str] = set()
        for entry in entries:
            changed.update(entry["before"], entry.get("created") or (), entry.get("before_abstracts") or ())
        return changed


def check_steps(kind: str, times: int, available: int) -> None:
    """Refuse ``times`` undo (or redo) steps unless the history holds that many: nothing is changed."""
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ReaderError(f"{kind} needs a number of changes of at least 1 (got {times!r})")
    if times > available:
        if available == 0:
            raise ReaderError(f"nothing to {kind}; nothing was changed")
        raise ReaderError(
            f"cannot {kind} {times} changes: the history holds {available} that can be {kind}ne; nothing was changed"
        )
