"""Mixin of ``ReaderApp``: the changes the keys ask for (read, tags, undo), refreshing, the samples.

Each runs in a thread worker, one at a time through the gate, and ends in a
:class:`StoreChanged` message carrying what changed and a note for the user.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import on, work
from textual.worker import WorkerState

from reader.errors import ReaderError
from reader.papers import Paper
from reader.textsafe import printable
from reader.tui.core import ReaderCore
from reader.tui.messages import StoreChanged
from reader.tui.modals.tags import TagEdit
from reader.tui.screens.welcome import WelcomeScreen
from reader.wording import change_label
from reader.wording import papers as _papers


class StoreWork(ReaderCore):
    def _tidy_library(self) -> None:
        """A big library opened without its snapshot, or copied (see Library.needs_tidying):
        tidying it makes the next start fast again. Runs in the search warm-up worker before
        the index loads, so that the two never hold their working memory at the same time."""
        try:
            outcome = self.gate.run(self.library.tidy)
        except ReaderError as exc:
            self.post_message(StoreChanged(set(), printable(f"Could not compact the library: {exc}"), "warning"))
            return
        if outcome.changed:
            self.post_message(StoreChanged(outcome.delta))

    # -- store work (thread workers) ---------------------------------------------------------------

    @work(thread=True, group="store", exit_on_error=False, name="Marking papers")
    def set_read(self, ids: list[str], read: bool) -> None:
        outcome = self.gate.run(lambda: self.library.set_read(ids, read))
        changed = len(outcome.result.ids)
        state = "read" if read else "unread"
        if len(ids) == 1:
            note = None  # the list shows it
        elif changed:
            note = f"Marked {_papers(changed)} {state}. u undoes."
        else:
            note = f"Nothing changed: already {state}."
        self.post_message(StoreChanged(outcome.delta, note))

    @work(thread=True, group="store", exit_on_error=False, name="Tagging")
    def edit_tags(self, ids: list[str], edit: TagEdit) -> None:
        library = self.library

        def call():
            if edit.add and edit.remove:
                def update(paper: Paper) -> Paper:
                    kept = tuple(tag for tag in paper.tags if tag not in edit.remove)
                    return replace(paper, tags=kept + tuple(tag for tag in edit.add if tag not in kept))

                return library.modify(ids, update, f"tag {_papers(len(ids))} {edit.describe()}")
            if edit.add:
                return library.tag(ids, edit.add)
            return library.untag(ids, edit.remove)

        outcome = self.gate.run(call)
        changed = len(outcome.result.ids)
        if changed:
            note = printable(f"{edit.describe()} on {_papers(changed)}. u undoes.")
        else:
            note = "Nothing changed: the tags were already like that."
        self.post_message(StoreChanged(outcome.delta, note))

    @work(thread=True, group="store", exit_on_error=False, name="Undo")
    def undo(self) -> None:
        try:
            outcome = self.gate.run(self.library.undo)
        except ReaderError as exc:  # "nothing to undo"
            self.post_message(StoreChanged(set(), str(exc).capitalize() + ".", "warning"))
            return
        label = outcome.result.label.removeprefix("undo: ")
        self.post_message(StoreChanged(outcome.delta, printable(f"Undone: {change_label(label)}")))

    @work(thread=True, group="store", exit_on_error=False, name="Redo")
    def redo(self) -> None:
        try:
            outcome = self.gate.run(self.library.redo)
        except ReaderError as exc:  # "nothing to redo"
            self.post_message(StoreChanged(set(), str(exc).capitalize() + ".", "warning"))
            return
        label = outcome.result.label.removeprefix("redo: ")
        self.post_message(StoreChanged(outcome.delta, printable(f"Redone: {change_label(label)}")))

    @work(thread=True, group="refresh", exit_on_error=False, name="Refresh")
    def refresh_library(self, quiet: bool = True) -> None:
        library = self.library
        before: dict[str, int] = {}

        def refresh() -> bool:
            before["papers"], before["newest"] = len(library), _newest_change(library)
            return bool(library.refresh())

        outcome = self.gate.run(refresh)
        if outcome.delta is None:  # read again whole: another process put another file in its place
            note = replaced_note(before["papers"], len(library), _newest_change(library) < before["newest"])
            self.post_message(StoreChanged(None, note))
            return
        if quiet:
            if outcome.changed:
                self.post_message(StoreChanged(outcome.delta))
            return
        note = "Picked up changes made elsewhere." if outcome.changed else "Up to date."
        self.post_message(StoreChanged(outcome.delta, note))

    def _poll(self) -> None:
        busy = any(
            worker.group in ("refresh", "store") and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for worker in self.workers
        )
        if not busy:
            self.refresh_library(quiet=True)

    @on(WelcomeScreen.RefreshRequested)
    def _welcome_refresh(self) -> None:
        self.refresh_library(quiet=False)

    @on(WelcomeScreen.LoadSamplesRequested)
    def _welcome_load(self) -> None:
        self.notify("Loading the sample papers…")
        self.load_samples()

    @work(thread=True, group="store", exit_on_error=False, name="Loading the samples")
    def load_samples(self) -> None:
        from reader.tasks.importing import import_samples

        outcome = self.gate.run(lambda: import_samples(self.library))  # the import `reader --demo` makes
        note = f"Loaded {_papers(outcome.result.new)} from the sample pages. u undoes."
        self.post_message(StoreChanged(outcome.delta, note))


def _newest_change(library: Any) -> int:
    """The number of the newest change in the library's history (0: none)."""
    entries = library.history(1)
    return int(entries[0].seq) if entries else 0


def replaced_note(before: int, after: int, went_back: bool) -> str:
    """Why the counts just changed when the library was read again whole."""
    why = (
        "was put back to an earlier state by another process (reader backup restore)"
        if went_back
        else "was rewritten by another process (a restored backup, a copy, or many changes at once)"
    )
    if after == before:
        counts = f"still {_papers(after)}"
    else:
        counts = f"{_papers(after)} now, {_papers(before)} before"
    return f"The library {why}; read it again: {counts}."
