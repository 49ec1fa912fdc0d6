"""Choosing the list's order (S, or the palette): the dialog and the main screen's sort state.

The order itself is :func:`reader.sorting.sort_ids`, the function the CLI's
``list --sort`` and ``export --order`` use. Choosing the order in use again
reverses it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from reader.tui.modals import LetterMenuModal
from reader.sorting import RANK, SORT_LABELS, SORTS, STARS, describe_sort, sort_ids

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


class SortActions:
    """Mixin of ``MainScreen``: the order of the rows and the key that chooses it."""

    list_order: str = RANK
    list_reverse: bool = False

    @property
    def sorted_by_default(self) -> bool:
        return self.list_order == RANK and not self.list_reverse

    def action_sort(self) -> None:
        def answered(name: str | None) -> None:
            if name is not None:
                self.choose_sort(name)

        self.app.push_screen(SortModal(self.list_order, self.list_reverse), answered)

    def choose_sort(self, name: str) -> None:
        """Sort by ``name``; the order already in use is reversed instead."""
        if name == self.list_order:
            self.list_reverse = not self.list_reverse
        else:
            self.list_order, self.list_reverse = name, False
        self.paper_list.show_stars = self.list_order == STARS
        self.paper_list.date_field = self._date_field()
        self.notify(f"Sorted by {describe_sort(self.list_order, self.list_reverse)}. S changes it.", title="Sort")
        self.run_search(keep=self.paper_list.current_id)

    def sort_rows(self, rows: list[str], papers, order: str, reverse: bool) -> list[str]:
        """Rows in the chosen order (called from the search worker with the order it started with)."""
        if order == RANK and not reverse:
            return rows
        return sort_ids(rows, papers, order, reverse)

    def sort_status(self) -> str:
        """What the header says about the order ('' for the default)."""
        return "" if self.sorted_by_default else f" · by {describe_sort(self.list_order, self.list_reverse)}"

    # -- the date column -------------------------------------------------------------------

    date_column: bool = False

    def _date_field(self) -> str | None:
        if not self.date_column:
            return None
        return "published" if self.list_order == "published" else "added"

    def action_toggle_dates(self) -> None:
        self.date_column = not self.date_column
        self.paper_list.date_field = self._date_field()
        self.app.remember_setting("tui", "date_column", self.date_column)
