"""The mark behind the smart list **New**: papers added since the last finished triage.

Kept in ``state.json`` in reader's config directory (beside ``config.toml``),
one entry per library file (by its absolute path)::

    {"libraries": {"/home/you/.local/share/reader/library.json":
        {"triaged": "2026-01-05T09:12:00Z", "opened": "2026-01-06T08:00:00Z"}}}

Why there and not in the library's ``meta`` table: the mark is where *this
user* is in their reading, not part of the papers. Keeping it out of the
library means an undo, a restored backup or a library shared between
machines never moves it, and writing it never contends with the library's
lock and journal. Written atomically; a missing or damaged file just means
"no mark yet".

``triaged`` is the ``added`` stamp of the newest paper the user triaged from
the New list (papers added while they were triaging stay new); ``opened`` is
when the app last started. The New list of a session shows papers added after
``triaged``, or, before any triage was finished, after the previous
``opened``; with neither, every paper is new.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from reader.fileio import write_atomically
from reader.paths import config_dir

STATE_FILE = "state.json"


def state_path() -> Path:
    return config_dir() / STATE_FILE


def _key(library_path: str | os.PathLike) -> str:
    return str(Path(library_path).expanduser().resolve())


@dataclass(slots=True)
class NewMarks:
    """Read and write the marks of one state file (tests pass their own path)."""

    path: Path

    @classmethod
    def default(cls) -> "NewMarks":
        return cls(state_path())

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"libraries": {}}
        if not isinstance(data, dict) or not isinstance(data.get("libraries"), dict):
            return {"libraries": {}}
        return data

    def marks(self, library_path) -> dict:
        entry = self._load()["libraries"].get(_key(library_path))
        return {k: v for k, v in entry.items() if isinstance(v, str)} if isinstance(entry, dict) else {}

    def _set(self, library_path, **values: str) -> None:
        data = self._load()
        entry = data["libraries"].setdefault(_key(library_path), {})
        if not isinstance(entry, dict):
            entry = data["libraries"][_key(library_path)] = {}
        entry.update(values)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, [json.dumps(data, indent=2, ensure_ascii=True) + "\n"])

    def since(self, library_path) -> str | None:
        """Where the New list starts now (None: every paper is new)."""
        marks = self.marks(library_path)
        return marks.get("triaged") or marks.get("opened")

    def session_started(self, library_path, now: str) -> str | None:
        """The app starts: returns this session's New mark, then records ``now`` as the last opening.

        Raises ``OSError`` when the state file cannot be written (the mark is then only for this session).
        """
        since = self.since(library_path)
        self._set(library_path, opened=now)
        return since

    def triage_finished(self, library_path, newest_added: str) -> None:
        """The user finished triaging the New list, whose newest paper was added at ``newest_added``."""
        current = self.marks(library_path).get("triaged")
        if current is None or newest_added > current:
            self._set(library_path, triaged=newest_added)


def is_new(added: str, since: str | None) -> bool:
    """Whether a paper added at ``added`` is in the New list that starts at ``since``."""
    return since is None or added > since


__all__ = ["NewMarks", "STATE_FILE", "is_new", "state_path"]
