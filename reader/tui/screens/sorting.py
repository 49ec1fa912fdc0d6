"""The main screen's order of rows (S, or the palette) and its date column.

The order itself is :func:`reader.sorting.sort_ids`, the function the CLI's
``list --sort`` and ``export --order`` use. Choosing the order in use again
reverses it.
"""

from __future__ import annotations

from reader.sorting import RANK, STARS, describe_sort, github_stars, sort_ids
from reader.tui.modals.sort import SortModal
from reader.tui.screens.targets import ListScreen
from reader.papers import Paper
from reader.tui.catalog import Catalog
from collections.abc import Mapping, Sequence


class SortActions:
    """Mixin of ``MainScreen``: the order of the rows and the key that chooses it."""

    list_order: str = RANK
    list_reverse: bool = False
    catalog: Catalog

    @property
    def sorted_by_default(self) -> bool:
        return self.list_order == RANK and not self.list_reverse

    def action_sort(self: ListScreen) -> None:
        screen = self

        def answered(name: str | None) -> None:
            if name is not None:
                SortActions.choose_sort(screen, name)

        self.app.push_screen(SortModal(self.list_order, self.list_reverse), answered)

    def choose_sort(self: ListScreen, name: str) -> None:
        """Sort by ``name``; the order already in use is reversed instead."""
        if name == self.list_order:
            self.list_reverse = not self.list_reverse
        else:
            self.list_order, self.list_reverse = name, False
        self.paper_list.date_field = self.date_field()
        self.notify(f"Sorted by {describe_sort(self.list_order, self.list_reverse)}. S changes it.", title="Sort")
        self.run_search(keep=self.paper_list.current_id)

    def sort_rows(self, rows: Sequence[str], papers: Mapping[str, Paper], order: str, reverse: bool) -> Sequence[str]:
        """Rows in the chosen order (called from the search worker with the order it started with)."""
        if order == RANK and not reverse:
            return rows
        return sort_ids(rows, papers, order, reverse)

    def stars_shown(self, rows: Sequence[str]) -> bool:
        """A stars column only in the by-stars order, and only when a paper listed has stars
        (else it would take room from the titles and tags for nothing)."""
        if self.list_order != STARS:
            return False
        papers = self.catalog.papers
        return any(github_stars(papers[pid]) is not None for pid in rows if pid in papers)

    def sort_status(self) -> str:
        """What the header says about the order ('' for the default)."""
        return "" if self.sorted_by_default else f" · by {describe_sort(self.list_order, self.list_reverse)}"

    # -- the date column -------------------------------------------------------------------

    date_column: bool = False

    def date_field(self) -> str | None:
        if not self.date_column:
            return None
        return "published" if self.list_order == "published" else "added"

    def action_toggle_dates(self: ListScreen) -> None:
        self.date_column = not self.date_column
        self.paper_list.date_field = self.date_field()
        self.services.remember_setting("tui", "date_column", self.date_column)
