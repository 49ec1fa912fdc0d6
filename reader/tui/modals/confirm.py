"""A yes/no question; returns True or False through ``dismiss``.

It takes no key before it has been drawn: a key typed while the app was too
busy to paint it (a "y" meant for something else, a second "r") must not
answer a question nobody saw. Until the first frame its buttons are disabled
and its keys do nothing; mounting asks for that frame at once.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmModal(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No", safe: bool = False) -> None:
        """``safe``: the "no" answer keeps things as they are, so it has the focus (Enter picks it)."""
        super().__init__(classes="dialog")
        self.question = question
        self.yes = yes
        self.no = no
        self.safe = safe
        self.shown = False  # drawn at least once: keys count from then on

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Text(self.question), classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="default" if self.safe else "primary", disabled=True)
                yield Button(f"{self.no} (n)", id="no", variant="primary" if self.safe else "default", disabled=True)

    def on_mount(self) -> None:
        self.refresh(layout=True)
        self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        self.shown = True
        for button in self.query(Button):
            button.disabled = False
        self.query_one("#no" if self.safe else "#yes", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and not self.shown:
            return False
        return True

    def on_key(self, event: events.Key) -> None:
        if not self.shown:  # typed before the question was on screen
            event.stop()
            event.prevent_default()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
