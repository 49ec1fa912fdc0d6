"""A menu whose choices also have a letter each (the copy and sort menus)."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList


class LetterMenuModal(ModalScreen[str | None]):
    """A menu whose choices also have a letter each (``letters``: key -> option id); Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog_cancel")]

    letters: dict[str, str] = {}

    def on_key(self, event) -> None:
        choice = self.letters.get(event.key)
        if choice is not None:
            event.stop()
            self.dismiss(choice)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
