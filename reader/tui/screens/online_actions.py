"""The keys and palette entries of the online commands, on the main screen and the welcome screen.

They pick the papers (the list, the selection, the current paper); the app's
workers (:mod:`reader.tui.workers.online`) do the work.
"""

from __future__ import annotations

from datetime import date

from reader.tui.modals.fetch_dates import FetchDatesModal


class FetchActions:
    """Mixin of a screen (the main one, the welcome): fetch today's daily papers, or chosen days."""

    def _today(self) -> date:
        return date.fromisoformat(self.app.clock()[:10])

    def action_fetch_today(self) -> None:
        self.app.fetch_daily([self._today()])

    def action_fetch_days(self) -> None:
        def answered(days: list[date] | None) -> None:
            if days:
                self.app.fetch_daily(days)

        self.app.push_screen(FetchDatesModal(self._today()), answered)


class OnlineActions(FetchActions):
    """Mixin of ``MainScreen``: the keys and palette entries of the online commands."""

    def action_enrich_list(self) -> None:
        targets = self._results_targets()
        if targets is not None:
            papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
            self.app.enrich(papers, self._where())

    def action_resolve_list(self) -> None:
        """The selection, else every paper in the list."""
        selected = bool(self.paper_list.selected)
        targets = self._targets() if selected else self._results_targets()
        if targets is not None:
            papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
            self.app.resolve(papers, targets.description if selected else self._where())

    def action_check_links(self) -> None:
        targets = self._targets()
        if targets is None:
            self.notify("No paper here.", severity="warning")
            return
        papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
        self.app.check_links(papers, targets.description)

    def action_check_list_links(self) -> None:
        targets = self._results_targets()
        if targets is not None:
            papers = [self.catalog.papers[pid] for pid in targets.ids if pid in self.catalog.papers]
            self.app.check_links(papers, self._where())
