"""What the main screen's actions work on (:class:`Targets`) and what its mixins need of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from textual.app import App
from textual.notifications import SeverityLevel

from reader.papers import Paper
from reader.tui.catalog import Catalog
from reader.tui.services import ReaderServices
from reader.tui.widgets.paper_list import PaperList


@dataclass(slots=True)
class Targets:
    ids: list[str]
    description: str  # "this paper", "3 selected papers"


class ServicedScreen(Protocol):
    """A screen made with the app's services (the main screen, the welcome)."""

    services: ReaderServices

    @property
    def app(self) -> App[Any]: ...


class ListScreen(ServicedScreen, Protocol):
    """The main screen as its mixins (sorting, online actions) see it."""

    catalog: Catalog
    query_text: str
    list_id: str
    list_order: str
    list_reverse: bool
    date_column: bool

    @property
    def paper_list(self) -> PaperList: ...

    @property
    def rows(self) -> list[str]: ...

    @property
    def searching(self) -> bool: ...

    def current_paper(self) -> Paper | None: ...

    def targets(self) -> Targets | None: ...
    def results_targets(self) -> Targets | None: ...
    def where(self) -> str: ...
    def run_search(self, *, keep: str | None) -> None: ...
    def date_field(self) -> str | None: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...
