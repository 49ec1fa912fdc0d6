"""The note editor (m): a TextArea in a dialog; Ctrl+S saves, Esc closes (asking when unsaved).

A TextArea draws its text as it is, control characters included, so text that
could drive the terminal (ESC sequences, bidi overrides) never enters it: a
note holding such characters is edited with M ($EDITOR) instead (it stays
exactly as stored), and pasted text is made printable first.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from reader.textsafe import printable
from reader.tui import keys
from reader.tui.modals.confirm import ConfirmModal


def shows_safely(text: str) -> bool:
    """Whether ``text`` can be drawn as it is (nothing but tabs and line breaks among control characters)."""
    return printable(text, one_line=False) == text.replace("\r\n", "\n").replace("\r", "\n")


class NoteTextArea(TextArea):
    async def _on_paste(self, event: events.Paste) -> None:
        # Textual calls TextArea's own handler after this one unless the default is prevented.
        if not shows_safely(event.text):
            event.prevent_default()
            event.stop()
            self.insert(printable(event.text, one_line=False))


@dataclass(frozen=True, slots=True)
class NoteEdit:
    """What the editor returns: the paper, the note it started from, and the text to save."""

    paper_id: str
    base: str
    text: str


class NoteEditorModal(ModalScreen[NoteEdit | None]):
    BINDINGS = keys.bindings(keys.NOTE)

    def __init__(self, paper_id: str, title: str, text: str) -> None:
        super().__init__(classes="dialog")
        self.paper_id = paper_id
        self.title_text = title
        self.base = text
        self._loaded: str | None = None  # the text as the TextArea holds it before any edit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="note-editor"):
            yield Label(Text(f"Note: {printable(self.title_text)}"), classes="dialog-title")
            yield NoteTextArea(self.base, id="note-text", soft_wrap=True, tab_behavior="focus")
            yield Static(Text("Markdown. Ctrl+S saves; Esc closes (asks if unsaved)."), classes="dialog-hint")

    @property
    def text_area(self) -> TextArea:
        return self.query_one(TextArea)

    def on_mount(self) -> None:
        area = self.text_area
        self._loaded = area.text
        area.focus()

    @property
    def unsaved(self) -> bool:
        return self._loaded is not None and self.text_area.text != self._loaded

    def action_save(self) -> None:
        if not self.unsaved:
            self.dismiss(None)
            return
        self.dismiss(NoteEdit(self.paper_id, self.base, self.text_area.text))

    def action_cancel(self) -> None:
        if not self.unsaved:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmModal("This note has unsaved changes. Discard them?", yes="Discard", no="Keep editing"), answered
        )
