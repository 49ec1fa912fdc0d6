"""The dialog asking which days of daily papers to fetch (F), and the parsing of its answer."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from reader.errors import ReaderError
from reader.textsafe import printable

class FetchDatesModal(ModalScreen[list[date] | None]):
    """Ask for a day or a range of days; returns the days (checked) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog_cancel")]

    def __init__(self, today: date) -> None:
        super().__init__(classes="dialog")
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="fetch-dates"):
            yield Label("Fetch Hugging Face Daily Papers", classes="dialog-title")
            yield Input(self.today.isoformat(), placeholder="YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", id="fetch-days")
            yield Static(
                Text("A day, or a range like 2024-03-11..2024-03-15. Enter fetches, Esc cancels."),
                classes="dialog-hint",
            )
            yield Static(id="fetch-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#fetch-error", Static).update("")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Imported here: reader.tasks.days brings the HTTP client (a tenth of a second at start-up).
        from reader.tasks.days import parse_days

        try:
            days = parse_days(event.value, self.today)
        except ReaderError as exc:
            self.query_one("#fetch-error", Static).update(Text(printable(str(exc))))
            return
        self.dismiss(days)

    def action_cancel(self) -> None:
        self.dismiss(None)
