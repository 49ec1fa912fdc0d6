"""The progress line under the list while an online task runs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from reader.textsafe import printable


class OnlineStatus(Horizontal):
    """One line under the list while an online task runs: what it does, and a progress bar."""

    DEFAULT_CSS = """
    OnlineStatus {
        height: 1;
        display: none;
        background: $panel;
        padding: 0 1;
    }
    OnlineStatus.-active {
        display: block;
    }
    OnlineStatus > #online-label {
        width: 1fr;
        color: $text-muted;
    }
    OnlineStatus > ProgressBar {
        width: auto;
    }
    """

    def compose(self) -> ComposeResult:
        yield Label(id="online-label")
        yield ProgressBar(total=None, show_eta=False, id="online-bar")

    @property
    def text(self) -> str:
        return str(self.query_one("#online-label", Label).render())

    def start(self, label: str) -> None:
        self.query_one("#online-label", Label).update(Text(f"{label}… (Esc stops)"))
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.add_class("-active")

    def progress(self, label: str, done: int, total: int, note: str) -> None:
        shown = f"{label}: {done:,}/{total:,}"
        if note:
            shown += f" · {printable(note)}"
        self.query_one("#online-label", Label).update(Text(shown + "  (Esc stops)"))
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)

    def stopping(self, label: str) -> None:
        self.query_one("#online-label", Label).update(Text(f"{label}: stopping after the requests under way…"))

    def finish(self) -> None:
        self.remove_class("-active")
