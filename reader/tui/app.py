"""Placeholder TUI: shows the library's papers; the full app comes with the TUI issue."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from reader.textsafe import printable


class ReaderApp(App):
    TITLE = "reader"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, library, *, demo: bool = False) -> None:
        super().__init__()
        self.library = library
        self.demo = demo

    def compose(self) -> ComposeResult:
        yield Header()
        papers = self.library.papers()
        text = Text(f"{len(papers)} papers in {self.library.path}\n\n")
        for paper in papers[-50:][::-1]:
            text.append(("[x] " if paper.read else "[ ] ") + printable(paper.title) + "\n")
        yield Static(text, id="placeholder")
        yield Footer()


def run_app(library, *, demo: bool = False) -> int:
    ReaderApp(library, demo=demo).run()
    return 0
