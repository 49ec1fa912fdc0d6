"""The main screen: search bar, smart lists, the paper list and the detail pane.

It owns what the user is looking at (query, smart list, rows, selection) and
turns keys into requests to the app (which does the store work in workers).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual import on, work
from textual.worker import get_current_worker
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from reader.errors import ReaderError
from reader.papers import Paper
from reader.tui import keys
from reader.tui.catalog import ALL, NEW, Catalog, CatalogChange, list_label
from reader.tui.widgets.detail import PaperDetail
from reader.tui.screens.online_actions import OnlineActions
from reader.tui.widgets.online_status import OnlineStatus
from reader.tui.screens.sorting import SortActions
from reader.tui.widgets.paper_list import PaperList
from reader.tui.widgets.sidebar import SmartListSidebar
from reader.tui.screens.layout import list_height, sidebar_width
from reader.tui.screens.paper_actions import PaperActions
from reader.tui.screens.targets import Targets
from reader.tui.services import ReaderServices
from reader.textsafe import printable
from reader.wording import plural

# Actions that need a paper under the cursor (or a selection) to do anything.
PAPER_ACTIONS = {
    "toggle_read",
    "tag",
    "open_code",
    "open_project",
    "open_link",
    "open_arxiv",
    "open_pdf",
    "open_hf",
    "copy",
    "check_links",
    "edit_note",
    "edit_note_external",
}
# Say "Loading the abstract" only when it takes longer than this (seconds).
LOADING_AFTER = 0.3
# A search shows this many rows at once, then the rest once typing pauses (ranking
# everything takes longer, and a newer keystroke makes it pointless).
FIRST_PAGE = 300
REST_AFTER_TICKS = 25
TICK_SECONDS = 0.01

LIST_ACTIONS = {
    "mark_results_read", "tag_results", "export", "next_unread", "previous_unread", "enrich_list", "check_list_links",
    "resolve_list", "triage",
}


class SearchInput(Input):
    """The search field (Enter or Down go to the results: MainScreen's search_done)."""


class MainScreen(PaperActions, SortActions, OnlineActions, Screen[None]):
    BINDINGS = keys.bindings(keys.MAIN)

    class SearchDone(Message):
        def __init__(
            self,
            token: int,
            rows: Sequence[str],
            total: int | None,
            error: str | None,
            keep: str | None = None,
            note: str | None = None,
            complete: bool = True,
            more: bool = False,
        ) -> None:
            super().__init__()
            self.note = note
            self.complete = complete  # False: more rows follow
            self.more = more  # True: the rest of rows already shown (keep the cursor where it is)
            self.token = token
            self.rows = rows
            self.total = total
            self.error = error
            self.keep = keep

    def __init__(self, services: ReaderServices) -> None:
        super().__init__(id="main")
        self.services = services
        self.catalog: Catalog = services.catalog  # replaced by catalog_replaced()
        self.query_text = ""
        self.list_id = ALL
        self._token = 0
        # Changes asked for before the rows' query was typed, still on their way when it ran: the rows
        # are computed again as they land (a change asked for later leaves the rows where they are).
        self._rows_before_changes = False
        self._rows: Sequence[str] = []
        self._total: int | None = None
        self._error: str | None = None
        self._searching = False
        self._note: str | None = None  # the search index's word on the rows shown (rebuilt, behind)
        self.index_progress: str | None = None  # the search index is being built: how far
        self._footer_state: tuple | None = None

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield Static("reader · demo" if self.services.demo else "reader", id="app-name")
            yield SearchInput(placeholder="Search: words, \"phrases\"…  (press / )", id="search")
            yield Static(id="search-status")
        yield Static(id="search-message")
        with Horizontal(id="body"):
            yield SmartListSidebar(id="sidebar")
            with Vertical(id="papers-pane"):
                yield PaperList(id="papers")
                yield PaperDetail(id="detail")
        yield OnlineStatus(id="online-status")
        yield Footer()

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def sidebar(self) -> SmartListSidebar:
        return self.query_one(SmartListSidebar)

    @property
    def detail(self) -> PaperDetail:
        return self.query_one(PaperDetail)

    @property
    def search_input(self) -> SearchInput:
        return self.query_one(SearchInput)

    def on_mount(self) -> None:
        self.date_column = self.services.config.date_column
        self.paper_list.date_field = self.date_field()
        self.paper_list.set_papers(self.catalog.papers)
        self.sidebar.update_counts(self.catalog.counts)
        self.run_search(keep=None)
        self.paper_list.focus()

    # -- what is shown -----------------------------------------------------------------

    @property
    def rows(self) -> Sequence[str]:
        return self._rows

    @property
    def searching(self) -> bool:
        """Still listing the search results (the rows are not all there yet)."""
        return self._searching

    def current_paper(self) -> Paper | None:
        pid = self.paper_list.current_id
        return self.catalog.get(pid) if pid else None

    def search_progress(self, text: str | None) -> None:
        """The search index is being built (``text``: how far), or is ready (None)."""
        self.index_progress = text
        self._update_status()

    def run_search(self, *, keep: str | None) -> None:
        """Recompute the rows for the query and smart list (in a worker unless trivial)."""
        self._token += 1
        token = self._token
        self._rows_before_changes = self.services.changes_pending()
        if not self.query_text and self.list_id == ALL and self.sorted_by_default:
            self._note = None
            self._show_rows(token, self.catalog.order, None, None, keep)
            return
        self._searching = True
        if not self.catalog.complete:
            # The library is still being opened (the rows shown are its newest papers, from the
            # search index): the search runs when it is in (catalog_replaced runs it again).
            self._show_rows(token, [], None, None, None)
            return
        self._search(token, self.query_text, self.list_id, self.catalog, keep, (self.list_order, self.list_reverse))

    @work(thread=True, group="search", exclusive=True, exit_on_error=False, name="Search")
    def _search(
        self, token: int, query: str, list_id: str, catalog: Catalog, keep: str | None, sort: tuple[str, bool]
    ) -> None:
        """Rows for the query: the first page at once, then (unless a newer search started) the rest."""

        def ordered(rows: Sequence[str]) -> Sequence[str]:
            return self.sort_rows(rows, catalog.papers, *sort)

        if not query:
            self.post_message(self.SearchDone(token, ordered(catalog.rows(list_id)), None, None, keep))
            return
        searcher = self.services.searcher
        try:
            if list_id == NEW:  # the search index knows no New list: rank every match, keep the new ones
                found = searcher.search(query, ALL)
                rows = ordered(catalog.rows(NEW, found.ids))
                self.post_message(self.SearchDone(token, rows, len(rows), None, keep, found.note, True))
                return
            # Sorted by something other than rank, the first page would not be the first rows: all at once.
            first = searcher.search(query, list_id, limit=FIRST_PAGE if sort == ("rank", False) else None)
            complete = len(first.ids) >= first.total
            rows = ordered(catalog.rows(ALL, first.ids))
            self.post_message(self.SearchDone(token, rows, first.total, None, keep, first.note, complete))
            # Ranking every match costs tens of milliseconds at 100,000 papers: only once typing pauses.
            worker = get_current_worker()
            for _ in range(REST_AFTER_TICKS):
                if complete or worker.is_cancelled:
                    return
                time.sleep(TICK_SECONDS)
            full = searcher.search(query, list_id)
        except ReaderError as exc:  # QueryError: a malformed query; show why
            self.post_message(self.SearchDone(token, [], None, str(exc)))
            return
        if not get_current_worker().is_cancelled:
            rows = ordered(catalog.rows(ALL, full.ids))
            self.post_message(self.SearchDone(token, rows, full.total, None, keep, full.note, True, more=True))

    @on(SearchDone)
    def _search_done(self, message: SearchDone) -> None:
        if message.token != self._token:
            return  # the query or list changed meanwhile
        self._searching = not message.complete
        if message.error is not None:
            self._error = message.error
            self._update_status()
            return
        self._note = message.note
        keep = self.paper_list.current_id if message.more else message.keep
        self._show_rows(message.token, message.rows, message.total, None, keep)

    def _show_rows(
        self, token: int, rows: Sequence[str], total: int | None, error: str | None, keep: str | None
    ) -> None:
        self._rows = rows
        self._total = total
        self._error = error
        paper_list = self.paper_list
        if self._searching and not self.catalog.complete:
            paper_list.empty_text = "Opening the library: the list follows in a moment."
        elif self.query_text:
            paper_list.empty_text = "No papers match the search."
        elif self.list_id != ALL:
            paper_list.empty_text = f"No papers in {list_label(self.list_id)}."
        else:
            paper_list.empty_text = "No papers."
        paper_list.set_rows(rows, keep=keep)
        self.paper_list.show_stars = self.stars_shown(rows)
        self._fit_list()
        self._update_status()
        self._refresh_footer()

    # -- sharing the terminal ----------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.sidebar.styles.width = sidebar_width(event.size.width)
        self._fit_list()

    def _fit_list(self) -> None:
        """A short list (3 results) gives the detail pane the height it does not need."""
        pane = self.query_one("#papers-pane")
        if not pane.size.height:
            return
        wanted = list_height(pane.size.height, len(self._rows))
        self.paper_list.styles.height = wanted if wanted is not None else "3fr"

    def action_toggle_sidebar(self) -> None:
        sidebar = self.sidebar
        sidebar.display = not sidebar.display
        if not sidebar.display and sidebar.has_focus:
            self.set_focus(self.paper_list)

    def _update_status(self) -> None:
        """The short status beside the search bar, and the message line under it (whole sentences:
        a search error, the index being built, the scope of a search within a smart list)."""
        status = self.query_one("#search-status", Static)
        status.set_class(self._error is not None, "-error")
        count = self._total if self.query_text and self._total is not None else len(self._rows)
        waiting = self._searching and not self.catalog.complete  # the search waits for the library
        if self._error is not None:
            text = "Search error"
        elif waiting:
            text = "Opening the library…"
        elif self.query_text:
            text = plural(count, "match", "matches")
        else:
            text = plural(count, "paper")
        if self.list_id != ALL and not waiting:
            text += f" in {list_label(self.list_id)}"
        if self._error is None and not waiting:
            text += self.sort_status()
        selected = len(self.paper_list.selected)
        if selected:
            text += f" · {selected:,} selected"
        status.update(Text(printable(text)))
        self._update_message()

    def _update_message(self) -> None:
        message = self.query_one("#search-message", Static)
        line: str | None = None
        if self._error is not None:
            line = f"Search: {self._error}"
        elif self.index_progress:
            line = f"The search index: {self.index_progress}. Searches wait for it."
        elif self.query_text and self.list_id != ALL:
            line = f"Searching {list_label(self.list_id)} only: A searches every paper, ctrl+l clears the search."
        elif self.query_text and self._note:
            line = f"The search index: {self._note}."
        message.set_class(self._error is not None, "-error")
        message.display = line is not None
        if line is not None:
            message.update(Text(printable(line)))

    # -- reacting to the library ---------------------------------------------------------

    def catalog_replaced(self, catalog: Catalog) -> None:
        """The app rebuilt its catalog (a reload, or a very large change)."""
        self.catalog = catalog
        self.paper_list.set_papers(self.catalog.papers)
        self.sidebar.update_counts(self.catalog.counts)
        self._forget_missing_selection()
        self.run_search(keep=self.paper_list.current_id)
        self._show_current(force=True)

    def catalog_changed(self, change: CatalogChange) -> None:
        if not change.ids:
            return
        self.sidebar.update_counts(self.catalog.counts)
        # Changed values may move rows when sorted by them, or take papers in or out of a query's
        # matches: for the changes asked for before the query (not to jump the rows the user works on).
        if change.membership_changed or not self.sorted_by_default or self._rows_before_changes:
            self._forget_missing_selection()
            self.run_search(keep=self.paper_list.current_id)
        else:
            self.paper_list.refresh_papers()
        current = self.paper_list.current_id
        if current in change.ids:
            self._show_current(force=True)
        self._refresh_footer()

    def _forget_missing_selection(self) -> None:
        selected = self.paper_list.selected
        missing = {pid for pid in selected if pid not in self.catalog.papers}
        if missing:
            self.paper_list.select(selected - missing)

    # -- the detail pane --------------------------------------------------------------

    @on(PaperList.Highlighted)
    def _highlighted(self, event: PaperList.Highlighted) -> None:
        self._show_current()
        self._refresh_footer()

    def _show_current(self, *, force: bool = False) -> None:
        paper = self.current_paper()
        detail = self.detail
        if paper is None:
            detail.show_paper(None, None)
            return
        abstract = self.services.cached_abstract(paper.id)
        detail.show_paper(paper, abstract)
        if abstract is None:
            self.services.load_abstract(paper.id)
            self.set_timer(LOADING_AFTER, lambda: detail.show_loading(paper.id))

    def abstract_loaded(self, pid: str, text: str) -> None:
        if self.paper_list.current_id == pid:
            self.detail.update_abstract(text)

    @on(PaperList.SelectionChanged)
    def _selection_changed(self, event: PaperList.SelectionChanged) -> None:
        self._update_status()
        self._refresh_footer()

    @on(PaperList.DetailRequested)
    def _detail_requested(self) -> None:
        self.detail.focus()

    # -- search bar and sidebar --------------------------------------------------------

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        query = event.value.strip()
        if query == self.query_text:
            return
        self.query_text = query
        self.run_search(keep=None)

    @on(SmartListSidebar.Chosen)
    def _list_chosen(self, event: SmartListSidebar.Chosen) -> None:
        if event.list_id == self.list_id:
            return
        self.list_id = event.list_id
        self.run_search(keep=None)

    def show_list(self, list_id: str) -> None:
        self.sidebar.choose(list_id)

    def set_query(self, query: str) -> None:
        """Search for ``query`` as if typed (used by the palette and tests)."""
        self.search_input.value = query

    # -- key actions --------------------------------------------------------------------

    def _refresh_footer(self) -> None:
        """Re-check which keys work (the footer redraws itself: only when something changed)."""
        state = (
            self.paper_list.current_id is not None,
            bool(self._rows),
            bool(self.paper_list.selected),
            self.services.can_undo(),
            self.services.can_redo(),
            self.services.opening,
        )
        if state != self._footer_state:
            self._footer_state = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_search":
            return not self.search_input.has_focus  # "/" in the search bar is a character
        if action == "search_done":
            return self.search_input.has_focus
        if action == "search_all":
            return True if self.list_id != ALL else None
        if action == "clear_search":
            return True if self.search_input.value else None
        if action in PAPER_ACTIONS:
            if self.paper_list.current_id is None and not self.paper_list.selected:
                return None
        elif action in LIST_ACTIONS:
            if not self._rows and not (action == "export" and self.paper_list.selected):
                return None
        elif action == "undo":  # (while the library opens, the key says so: see ReaderApp._dispatch_action)
            return True if self.services.opening or self.services.can_undo() else None
        elif action == "redo":
            return True if self.services.opening or self.services.can_redo() else None
        return True

    # Focus moves at once (Screen.set_focus), not after the queued keys as Widget.focus()
    # would: the keys typed right after "/" belong in the search bar.

    def action_focus_search(self) -> None:
        self.set_focus(self.search_input)

    def action_search_done(self) -> None:
        self.set_focus(self.paper_list)

    def action_leave(self) -> None:
        if self.search_input.has_focus:
            self.set_focus(self.paper_list)
        elif self.paper_list.selected:
            self.paper_list.clear_selection()
        elif self.services.cancel_online():
            pass  # the progress line says it is stopping
        elif not self.paper_list.has_focus:
            self.set_focus(self.paper_list)

    def action_search_all(self) -> None:
        """Search every paper: the query stays, the smart list goes back to All."""
        self.sidebar.choose(ALL)

    def action_clear_search(self) -> None:
        self.search_input.value = ""
        self.set_focus(self.paper_list)

    def action_next_list(self) -> None:
        self.sidebar.step(+1)

    def action_previous_list(self) -> None:
        self.sidebar.step(-1)

    def action_show_detail(self) -> None:
        self.detail.focus()

    def targets(self) -> Targets | None:
        paper_list = self.paper_list
        selected = paper_list.selected
        if selected:
            # In list order; selected papers the current list does not show come last.
            ids = [pid for pid in self._rows if pid in selected]
            if len(ids) < len(selected):
                shown = set(ids)
                ids += [pid for pid in selected if pid not in shown and pid in self.catalog.papers]
            if ids:
                noun = "paper" if len(ids) == 1 else "papers"
                return Targets(ids, f"{len(ids):,} selected {noun}")
        pid = paper_list.current_id
        if pid is None:
            return None
        return Targets([pid], "this paper")

    def results_targets(self) -> Targets | None:
        """Every paper in the list (says why not when there are none, or not all of them yet)."""
        if self._searching:
            self.notify("Still listing the search results; try again in a moment.", severity="warning")
            return None
        if not self._rows:
            self.notify("The list is empty.", severity="warning")
            return None
        noun = "paper" if len(self._rows) == 1 else "papers"
        return Targets(list(self._rows), f"all {len(self._rows):,} {noun} in {self.where()}")

    def where(self) -> str:
        if self.query_text:
            return "the search results"
        return "the library" if self.list_id == ALL else list_label(self.list_id)
