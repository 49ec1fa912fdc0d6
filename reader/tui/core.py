"""ReaderCore: the app's state (its dependencies, the catalog) and how it follows the library.

The worker mixins (:mod:`reader.tui.workers`) and ``ReaderApp`` build on it:
every change a worker makes comes back as a :class:`StoreChanged` message,
which lands here and reaches the catalog, then the main screen.

The app may start before its library is loaded (a :class:`PendingLibrary`):
its first rows then come from the search index (a preview catalog, the
library's newest papers) and a worker opens the library after the first
frame; until it is in, ``library`` is None and the app refuses what needs it
(``ReaderApp._dispatch_action``) or waits for it (searches, abstracts).
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast

from textual import on, work
from textual.app import App
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from reader.browser import why_no_browser
from reader.config import Config
from reader.errors import ReaderError
from reader.newmark import NewMarks
from reader.papers import now_iso
from reader.paths import styles_dir
from reader.tui import keys
from reader.tui.catalog import Catalog
from reader.tui.clipboard import system_copy
from reader.tui.gate import StoreGate
from reader.tui.messages import AbstractLoaded, CatalogRebuilt, LibraryOpened, StoreChanged
from reader.tui.screens.main import MainScreen
from reader.tui.screens.welcome import WelcomeScreen
from reader.tui.searching import Searcher
from reader.tui.services import AbstractReader, ReaderServices

STYLE_FILES = ("reader.tcss",)
POLL_SECONDS = 2.0
ABSTRACT_CACHE = 512


@dataclass(frozen=True, slots=True)
class PendingLibrary:
    """A library the app opens itself, after drawing its first rows from the search index."""

    first: Any  # reader.search.firstpage.FirstPage: the library's newest papers, and how many it holds
    open: Callable[[], Any]  # opens (loads) the library; raises ReaderError when it cannot


class ReaderCore(App[int]):
    """Dependencies come in through the constructor (the library, a clock, the config, the
    clipboard, the URL opener, the HTTP client factory) so tests hand in their own.

    ``library`` None and ``pending`` given: the library is opened by a worker once the first
    rows (``pending.first``) are on screen."""

    gate: StoreGate
    searcher: Searcher

    def __init__(
        self,
        library: Any,
        *,
        demo: bool = False,
        clock: Callable[[], str] = now_iso,
        config: Config | None = None,
        config_error: str | None = None,
        clipboard: Callable[[str], None] = system_copy,
        url_opener: Callable[[str], None] | None = None,
        browser_check: Callable[[], str | None] | None = None,
        http_client_factory: Callable[..., Any] | None = None,
        poll_interval: float | None = POLL_SECONDS,
        freeze_heap: bool = False,
        new_since: str | None = None,
        new_marks: NewMarks | None = None,
        note_editor: Callable[[str], str] | None = None,
        export_dir: Path | None = None,
        pending: PendingLibrary | None = None,
    ) -> None:
        super().__init__(css_path=[styles_dir() / name for name in STYLE_FILES])
        if library is None and pending is None:
            raise ValueError("ReaderApp needs a library, or a pending one")
        self.library = library  # None until a pending library is open
        self._pending = pending if library is None else None
        self.open_error: BaseException | None = None  # why a pending library did not open (the app exited)
        self.demo = demo
        self._clock = clock
        self.config = config or Config()
        self.system_clipboard = clipboard
        self.url_opener = url_opener
        # Says why no browser can be started (None: one can). An injected opener is trusted.
        if browser_check is None and url_opener is None:
            browser_check = partial(why_no_browser, console_ok=False)
        self.browser_check = browser_check
        self.http_client_factory = http_client_factory  # None: reader.online.http.make_client
        self.poll_interval = poll_interval
        self.freeze_heap = freeze_heap
        self.keymap, self._config_problems = keys.check_keymap(self.config.keys)
        self.config_error = config_error
        if config_error:
            self._config_problems.insert(0, config_error)
        self.new_since = new_since  # where the smart list New starts (reader.newmark); None: every paper
        self.new_marks = new_marks  # None (the demo, tests): the mark is not kept
        self.note_editor = note_editor  # None: reader.notes.edit_in_editor ($VISUAL / $EDITOR)
        self.fixed_export_dir = export_dir  # None: the working directory at the time of the export
        if self._pending is not None:
            first = self._pending.first
            self.catalog = Catalog.preview(first.papers, first.total, new_since=new_since)
        else:
            self._attach(library)
            # The papers in order now (cheap); their counts come from a worker after the first frame.
            self.catalog = Catalog.from_library(library, counted=False, new_since=new_since)
        self._abstracts: OrderedDict[str, str] = OrderedDict()

    def _attach(self, library) -> None:
        self.library = library
        self.gate = StoreGate(library)
        self.searcher = Searcher(library)

    @property
    def opening(self) -> bool:
        """The library is still being opened (the rows shown are its newest papers, from the index)."""
        return self.library is None

    @property
    def services(self) -> ReaderServices:
        """This app as the screens see it. The cast is checked where it matters: ``ReaderApp``
        (the class that is run) hands itself to ``MainScreen(self)``, which mypy checks against
        the whole protocol."""
        return cast(ReaderServices, self)

    def clock(self) -> str:
        """Now, as an ISO timestamp (the injected clock)."""
        return self._clock()

    def can_undo(self) -> bool:
        return self.library is not None and bool(self.library.can_undo())

    def can_redo(self) -> bool:
        return self.library is not None and bool(self.library.can_redo())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications never interpret markup: they often quote titles, tags and URLs."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _freeze_heap(self) -> None:
        """Exclude what is loaded so far from garbage collection.

        At 100,000 papers the collector's full passes over the library's
        objects took 0.2-0.4 s each, freezing the UI at random moments (a
        keystroke once took 0.9 s). Papers hold no reference cycles, so
        nothing that matters is kept alive by this. Only ``run_app`` turns it
        on: one app per process (tests create many).
        """
        if self.freeze_heap:
            gc.freeze()

    # -- the main screen -------------------------------------------------------------------

    @property
    def main_screen(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def mounted_main(self) -> MainScreen | None:
        """The main screen, or None before it is composed or after the app closed it."""
        stack = self.screen_stack
        if stack and isinstance(stack[0], MainScreen) and stack[0].is_mounted:
            return stack[0]
        return None

    def _update_welcome(self) -> None:
        """An empty library shows the welcome screen; papers arriving close it."""
        welcome_open = isinstance(self.screen, WelcomeScreen)
        if len(self.catalog) == 0 and not any(isinstance(s, WelcomeScreen) for s in self.screen_stack):
            self.push_screen(WelcomeScreen(self.services))
        elif len(self.catalog) > 0 and welcome_open:
            self.pop_screen()

    # -- opening a pending library ------------------------------------------------------------

    @work(thread=True, group="library", exit_on_error=False, name="Opening the library")
    def _open_library(self) -> None:
        pending = self._pending
        assert pending is not None
        try:
            library = pending.open()
            catalog = Catalog.from_library(library, new_since=self.new_since)
        except Exception as exc:  # noqa: BLE001 - reported as the app exits (run_app raises it)
            self.post_message(LibraryOpened(None, None, exc))
            return
        self.post_message(LibraryOpened(library, catalog))

    @on(LibraryOpened)
    def _library_opened(self, message: LibraryOpened) -> None:
        if message.error is not None or message.library is None or message.catalog is None:
            self.open_error = message.error
            self.exit(return_code=1)
            return
        self._attach(message.library)
        self._pending = None
        self._install_catalog(message.catalog)
        self._freeze_heap()
        self._follow_library()

    def _follow_library(self) -> None:
        """Start what follows a loaded library (the app's search warm-up and polling)."""

    # -- following the library -------------------------------------------------------------

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        if message.delta is None or message.delta:
            self.apply_delta(message.delta)
        if message.note:
            self.notify(message.note, severity=message.severity)

    def apply_delta(self, delta: set[str] | None) -> None:
        if delta is None:
            self._abstracts.clear()
        else:
            for pid in delta:
                self._abstracts.pop(pid, None)
        change = self.catalog.apply(delta, self.library)
        if change.rebuild_needed:
            self._rebuild_catalog()
            return
        if main := self.mounted_main():
            main.catalog_changed(change)
        self._update_welcome()

    @work(thread=True, group="catalog", exclusive=True, exit_on_error=False, name="Reading the library")
    def _rebuild_catalog(self) -> None:
        catalog = Catalog.from_library(self.library, new_since=self.new_since)
        self._freeze_heap()
        self.post_message(CatalogRebuilt(catalog))

    @on(CatalogRebuilt)
    def _catalog_rebuilt(self, message: CatalogRebuilt) -> None:
        self._install_catalog(message.catalog)

    def _install_catalog(self, catalog: Catalog) -> None:
        # Changes that reached the old catalog while this one was being built: apply them again
        # (re-reading a paper is harmless; changes not seen yet arrive in their own message).
        missed = self.library.changes_since(catalog.generation)
        if missed is None:
            self._rebuild_catalog()
        elif missed:
            catalog.apply(missed, self.library)
        self.catalog = catalog
        if main := self.mounted_main():
            main.catalog_replaced(catalog)
        self._update_welcome()

    def changes_pending(self) -> bool:
        """Changes the keys asked for (read, tags, undo...) that have not reached the catalog yet."""
        return any(worker.group == "store" and not worker.is_finished for worker in self.workers)

    # -- abstracts (read one at a time by its offset, never all of them) --------------------

    def cached_abstract(self, pid: str) -> str | None:
        text = self._abstracts.get(pid)
        if text is not None:
            self._abstracts.move_to_end(pid)
        return text

    def load_abstract(self, pid: str) -> object:
        """Read ``pid``'s abstract in a worker (once the library is open: opening it asks again)."""
        if self.library is None:
            return None
        return self._read_abstract(pid)

    @work(thread=True, group="abstract", exclusive=True, exit_on_error=False, name="Reading the abstract")
    def _read_abstract(self, pid: str) -> None:
        text = self.library.abstract(pid)
        self.post_message(AbstractLoaded(pid, text))

    @on(AbstractLoaded)
    def _abstract_loaded(self, message: AbstractLoaded) -> None:
        self._abstracts[message.paper_id] = message.text
        while len(self._abstracts) > ABSTRACT_CACHE:
            self._abstracts.popitem(last=False)
        for screen in self.screen_stack:
            if isinstance(screen, AbstractReader) and screen.is_mounted:
                screen.abstract_loaded(message.paper_id, message.text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed worker becomes a notification; the app keeps running."""
        worker = event.worker
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        if isinstance(error, ReaderError):
            text = str(error)
        else:
            text = f"unexpected {type(error).__name__}: {error}"
        self.notify(text, title=f"{worker.name or 'Task'} failed", severity="error", timeout=10)
