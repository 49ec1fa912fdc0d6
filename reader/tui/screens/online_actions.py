"""The keys and palette entries of the online commands, on the main screen and the welcome screen.

They pick the papers (the list, the selection, the current paper); the app's
workers (:mod:`reader.tui.workers.online`) do the work.
"""

from __future__ import annotations

from datetime import date

from reader.tui.modals.fetch_dates import FetchDatesModal
from reader.tui.screens.targets import ListScreen, ServicedScreen


class FetchActions:
    """Mixin of a screen (the main one, the welcome): fetch today's daily papers, or chosen days."""

    def _today(self: ServicedScreen) -> date:
        return date.fromisoformat(self.services.clock()[:10])

    def action_fetch_today(self: ServicedScreen) -> None:
        self.services.fetch_daily([FetchActions._today(self)])

    def action_fetch_days(self: ServicedScreen) -> None:
        services = self.services

        def answered(days: list[date] | None) -> None:
            if days:
                services.fetch_daily(days)

        self.app.push_screen(FetchDatesModal(FetchActions._today(self)), answered)


class OnlineActions(FetchActions):
    """Mixin of ``MainScreen``: the keys and palette entries of the online commands."""

    def action_enrich_list(self: ListScreen) -> None:
        targets = self.results_targets()
        if targets is not None:
            papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
            self.services.enrich(papers, self.where())

    def action_resolve_list(self: ListScreen) -> None:
        """The selection, else every paper in the list."""
        selected = bool(self.paper_list.selected)
        targets = self.targets() if selected else self.results_targets()
        if targets is not None:
            papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
            self.services.resolve(papers, targets.description if selected else self.where())

    def action_check_links(self: ListScreen) -> None:
        targets = self.targets()
        if targets is None:
            self.notify("No paper here.", severity="warning")
            return
        papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
        self.services.check_links(papers, targets.description)

    def action_check_list_links(self: ListScreen) -> None:
        targets = self.results_targets()
        if targets is not None:
            papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
            self.services.check_links(papers, self.where())
