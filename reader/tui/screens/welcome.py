"""What an empty library shows: how to import, and one key to load the sample papers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from reader.tui import keys
from reader.tui.screens.online_actions import FetchActions
from reader.tui.services import ReaderServices

WELCOME = """\
Your reading list is empty.

reader keeps papers from Hugging Face Daily Papers. To add some, save the
text of a page such as https://huggingface.co/papers (select all, copy,
paste into a file) and import it from a shell:

    reader import papers-2024-03-11.txt

Papers imported while this window is open show up here by themselves.

Press  f  to fetch today's daily papers from Hugging Face,
       F  for other days,
       s  to load the sample papers and look around,
       ?  for every key,  q  to quit."""


class WelcomeScreen(FetchActions, Screen[None]):
    BINDINGS = keys.bindings(keys.WELCOME)

    class LoadSamplesRequested(Message):
        pass

    class RefreshRequested(Message):
        pass

    def __init__(self, services: ReaderServices) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(Text(WELCOME), id="welcome-text")
        yield Footer()

    def action_load_samples(self) -> None:
        self.post_message(self.LoadSamplesRequested())

    def action_refresh(self) -> None:
        self.post_message(self.RefreshRequested())
