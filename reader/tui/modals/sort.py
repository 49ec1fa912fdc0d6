"""The sort menu (S): pick the list's order; the one in use again reverses it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from reader.sorting import SORT_LABELS, SORTS, describe_sort
from reader.tui.modals.menu import LetterMenuModal

# One letter per order in the dialog.
SORT_KEYS: dict[str, str] = {"rank": "r", "added": "a", "published": "p", "title": "t", "upvotes": "u", "stars": "s"}


class SortModal(LetterMenuModal):
    """Pick an order; the one in use is marked and picking it again reverses it."""

    def __init__(self, current: str, reverse: bool) -> None:
        super().__init__(classes="dialog")
        self.current = current
        self.reverse = reverse
        self.letters = {key: name for name, key in SORT_KEYS.items()}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="sort-menu"):
            yield Label(Text(f"Sort by (now: {describe_sort(self.current, self.reverse)})"), classes="dialog-title")
            options = []
            for name in SORTS:
                label = f"{SORT_KEYS[name]}  {SORT_LABELS[name]}"
                if name == self.current:
                    label += f"  ✓ again: {describe_sort(name, not self.reverse).split(', ')[1]}"
                options.append(Option(Text(label), id=name))
            yield OptionList(*options, id="sort-options")
            yield Static(Text("Press a letter or Enter; Esc cancels."), classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = SORTS.index(self.current)
        options.focus()
