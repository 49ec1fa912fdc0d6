"""Mixin of ``ReaderApp``: notes, triage, statistics, sort commands and remembered settings.

The store work runs in thread workers through the app's gate; what the
domain does lives in :mod:`reader.notes`, :mod:`reader.triage`,
:mod:`reader.stats`, :mod:`reader.sorting` and :mod:`reader.newmark`.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from functools import partial

from textual import work
from textual.app import SuspendNotSupported, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from reader.config import ConfigError, remember_setting
from reader.notes import EditorError, edit_in_editor, save_note
from reader.papers import Paper
from reader.sorting import SORT_LABELS, SORTS
from reader.textsafe import printable
from reader.triage import TriageSession
from reader.tui.core import ReaderCore
from reader.tui.messages import StoreChanged
from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.note_editor import NoteEdit, NoteEditorModal, shows_safely
from reader.tui.screens.stats import StatsScreen
from reader.tui.screens.triage import TriageScreen


class NotebookWork(ReaderCore):
    """Needs the app's ``library``, ``gate``, ``config``, ``catalog``, ``clock``, ``new_since``, ``new_marks``."""

    # -- screens and the palette ----------------------------------------------------------

    @staticmethod
    def is_notebook_screen(screen: Screen) -> bool:
        """Triage and statistics have their own keys; the palette offers only the app's commands there."""
        return isinstance(screen, (TriageScreen, StatsScreen))

    def sort_commands(self, main) -> Iterable[SystemCommand]:
        for name in SORTS:
            yield SystemCommand(
                f"Sort by: {SORT_LABELS[name]}", "Again: the other way round", partial(main.choose_sort, name)
            )

    # -- remembered settings ---------------------------------------------------------------

    def _apply_remembered_theme(self) -> None:
        wanted = self.config.theme
        if wanted:
            if wanted in self.available_themes:
                self.theme = wanted
            else:
                self.notify(f"Config: no theme called {printable(wanted)!r}; using the default.", severity="warning")
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme) -> None:
        if theme.name != self.config.theme:
            self.config.theme = theme.name
            self.remember_setting("tui", "theme", theme.name)

    def remember_setting(self, section: str, key: str, value: str | bool) -> None:
        """Keep a setting in config.toml (not in the throwaway demo, nor when the file did not load: it is
        left for the user to fix)."""
        if self.config_error is None and not self.demo:
            self._write_setting(section, key, value)

    @work(thread=True, group="settings", exit_on_error=False, name="Saving the setting")
    def _write_setting(self, section: str, key: str, value: str | bool) -> None:
        try:
            remember_setting(section, key, value, self.config.path)
        except ConfigError as exc:
            self.post_message(StoreChanged(set(), printable(f"Setting not kept: {exc}"), "warning"))

    # -- notes ---------------------------------------------------------------------------------

    def open_note_editor(self, paper: Paper) -> None:
        if not shows_safely(paper.notes):
            self.notify(
                "This note holds control characters that cannot be shown here as they are; M edits it in your "
                "editor, keeping every byte.", title="Note", severity="warning", timeout=10,
            )
            return

        def answered(edit: NoteEdit | None) -> None:
            if edit is not None:
                self.save_note_edit(edit)

        self.push_screen(NoteEditorModal(paper.id, paper.title, paper.notes), answered)

    @contextmanager
    def _handed_to_editor(self):
        """The terminal belongs to the editor meanwhile (App.suspend); headless test runs have no terminal."""
        try:
            with self.suspend():
                yield
        except SuspendNotSupported:
            if not self.is_headless:
                raise
            yield

    def edit_note_externally(self, paper: Paper) -> None:
        editor = self.note_editor or edit_in_editor
        base = paper.notes
        failure: EditorError | None = None
        text = base
        try:
            with self._handed_to_editor():
                # Caught in here: an exception leaving App.suspend() would leave the app suspended.
                try:
                    text = editor(base)
                except EditorError as exc:
                    failure = exc
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to an editor; m edits the note here.", severity="error")
            return
        finally:
            self.refresh(repaint=True)
        if failure is not None:
            self.notify(printable(f"{failure}."), title="Note", severity="error", timeout=10)
            return
        if text == base:
            self.notify("Note not changed.", title="Note")
            return
        self.save_note_edit(NoteEdit(paper.id, base, text))

    @work(thread=True, group="store", exit_on_error=False, name="Saving the note")
    def save_note_edit(self, edit: NoteEdit) -> None:
        outcome = self.gate.run(lambda: save_note(self.library, edit.paper_id, edit.text, base=edit.base))
        saved = outcome.result
        severity: SeverityLevel
        if saved.conflict:
            note = "The note was changed elsewhere while you edited it: both texts are kept (theirs first). u undoes."
            severity = "warning"
        elif not saved.changed:
            note, severity = "Note not changed.", "information"
        elif not saved.text:
            note, severity = "Note cleared. u undoes.", "information"
        else:
            note, severity = "Note saved. u undoes.", "information"
        self.post_message(StoreChanged(outcome.delta, note, severity))

    def _unsaved_note(self) -> NoteEditorModal | None:
        for screen in self.screen_stack:
            if isinstance(screen, NoteEditorModal) and screen.unsaved:
                return screen
        return None

    async def action_quit(self) -> None:
        """Quitting with an unsaved note asks first."""
        if self._unsaved_note() is None:
            self.exit()
            return

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        self.push_screen(
            ConfirmModal("A note has unsaved changes. Quit without saving it?", yes="Quit", no="Keep editing"), answered
        )

    # -- triage ----------------------------------------------------------------------------------

    def start_triage(self, ids: list[str], where: str, *, whole_new_list: bool) -> None:
        session = TriageSession(list(ids), keep_tag=self.config.keep_tag)
        finished = partial(self._triage_finished) if whole_new_list else None
        self.push_screen(TriageScreen(self.services, session, where, on_finished=finished))

    def _triage_finished(self, session: TriageSession) -> None:
        """The whole New list was triaged: it starts after its newest paper from now on."""
        stamps = [paper.added for pid in session.ids if (paper := self.catalog.get(pid)) is not None and paper.added]
        if not stamps:
            return
        newest = max(stamps)
        self.new_since = newest if self.new_since is None else max(self.new_since, newest)
        self._rebuild_catalog()
        if self.new_marks is not None:
            self._keep_new_mark(newest)

    @work(thread=True, group="settings", exit_on_error=False, name="Saving the New mark")
    def _keep_new_mark(self, newest: str) -> None:
        if self.new_marks is None:
            return
        try:
            self.new_marks.triage_finished(self.library.path, newest)
        except OSError as exc:
            self.post_message(StoreChanged(set(), printable(f"The New mark was not kept: {exc}"), "warning"))

    # -- statistics --------------------------------------------------------------------------------

    def show_stats(self) -> None:
        self.push_screen(StatsScreen(list(self.catalog.papers.values()), self.clock()))


__all__ = ["NotebookWork"]
