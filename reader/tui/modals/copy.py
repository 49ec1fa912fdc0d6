"""The copy menu (y): what to copy of the paper or the selection."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from reader.tui.clipboard import CopyFormat
from reader.tui.modals.menu import LetterMenuModal


class CopyModal(LetterMenuModal):
    """Pick what to copy; each choice also has its own key."""

    def __init__(self, formats: Sequence[CopyFormat], target: str) -> None:
        super().__init__(classes="dialog")
        self.formats = list(formats)
        self.target = target
        self.letters = {fmt.key: fmt.id for fmt in self.formats}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="copy-menu"):
            yield Label(Text(f"Copy {self.target}"), classes="dialog-title")
            yield OptionList(
                *(Option(Text(f"{fmt.key}  {fmt.label}"), id=fmt.id) for fmt in self.formats), id="copy-options"
            )
            yield Static(Text("Press a letter or Enter; Esc cancels."), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
