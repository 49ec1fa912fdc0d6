"""ReaderApp: wiring. Screens, keys and the palette; the work is done by its mixins.

:class:`~reader.tui.core.ReaderCore` holds the dependencies (given to the
constructor, so tests hand in their own) and follows the library; the
mixins in :mod:`reader.tui.workers` run the store, online, sharing and
notebook work in thread workers. Screens get the app as their
:class:`~reader.tui.services.ReaderServices`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.markup import escape as escape_markup
from textual.screen import Screen

from reader.config import Config, ConfigError, load_config
from reader.papers import now_iso
from reader.tui import keys
from reader.tui.catalog import FIXED_LISTS, list_label
from reader.tui.core import PendingLibrary
from reader.tui.messages import SearchReady
from reader.tui.palette import PaperCommands
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.main import MainScreen
from reader.tui.screens.welcome import WelcomeScreen
from reader.tui.workers.notebook import NotebookWork
from reader.tui.workers.online import OnlineWork
from reader.tui.workers.sharing import SharingWork
from reader.tui.workers.store import StoreWork

if TYPE_CHECKING:
    from reader.newmark import NewMarks

# Rows read from the search index before the library is loaded: more than any screen shows.
FIRST_ROWS = 300
# A smaller library opens first, as it always did: it loads in about a hundredth of a second,
# and no key has to wait for it. (At 10,000 papers the preview already shows the first screen
# about 0.1 s sooner, the library being in 0.2 s after it: benchmarks/tui.py.)
PREVIEW_FROM = 5_000


class ReaderApp(NotebookWork, OnlineWork, SharingWork, StoreWork):
    TITLE = "reader"
    BINDINGS = keys.bindings(keys.APP)
    COMMANDS = App.COMMANDS | {PaperCommands}
    ENABLE_COMMAND_PALETTE = True

    # -- screens -------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return MainScreen(self)

    def on_mount(self) -> None:
        self._freeze_heap()
        if self.keymap:
            self.set_keymap(self.keymap)
        for problem in self._config_problems:
            self.notify(f"Config: {problem}", title="Settings", severity="warning", timeout=10)
        if self.config.path is not None and self._config_problems:
            self.notify(f"Settings file: {self.config.path}", severity="warning", timeout=10)
        self._apply_remembered_theme()
        self._update_welcome()
        if self.demo:
            self.notify("A throwaway library of the sample papers: changes are gone when you quit.", title="Demo")

    def on_ready(self) -> None:
        """After the first frame: open a pending library, or count the smart lists; then prepare the
        search index and start polling."""
        if self.opening:
            self._open_library()
            return
        self._rebuild_catalog()
        self._follow_library()

    def _follow_library(self) -> None:
        self._warm_up_search()
        if self.poll_interval:
            self.set_interval(self.poll_interval, self._poll)

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        """Every action (keys, clicks, the palette) passes here: while the library is being
        opened, those that need it are refused with a notification, never lost silently."""
        if self.opening and isinstance(namespace, (Screen, App)) and action_name in keys.NEEDS_LIBRARY:
            self.notify("Still opening the library: try again in a moment.", severity="warning", timeout=3)
            return True
        return await super()._dispatch_action(namespace, action_name, params)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        hint = str(self.config.path) if self.config.path else "config.toml (reader's config directory)"
        self.push_screen(HelpScreen(self.keymap, hint))

    # -- the command palette -------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.is_notebook_screen(screen):
            return
        if isinstance(screen, WelcomeScreen):
            for spec in keys.KEYS:
                if keys.WELCOME in spec.owners and spec.palette:
                    action = getattr(screen, f"action_{spec.action}")
                    yield SystemCommand(spec.description, self._key_hint(spec), action)
            return
        main = self.main_screen
        for spec in keys.KEYS:
            if not spec.palette or keys.WELCOME in spec.owners and keys.MAIN not in spec.owners:
                continue
            if spec.id in ("help", "quit"):
                if spec.id == "help":
                    yield SystemCommand("Help: every key", self._key_hint(spec), self.action_help)
                continue
            yield SystemCommand(spec.description, self._key_hint(spec), partial(self._palette_run, spec.action))
        for list_id, _ in FIXED_LISTS:
            yield SystemCommand(f"Show list: {list_label(list_id)}", "Smart list", partial(main.show_list, list_id))
        yield from self.sort_commands(main)

    def _key_hint(self, spec: keys.KeySpec) -> str:
        shown = [self.get_key_display(Binding(key, "")) for key in keys.effective_keys(spec, self.keymap)]
        return escape_markup("Key: " + " / ".join(shown))  # "[" is a key, not markup

    def _palette_run(self, action: str) -> None:
        self.call_later(self.run_action, action, self.main_screen)

    @work(thread=True, group="search-index", exit_on_error=False, name="Preparing search")
    def _warm_up_search(self) -> None:
        if self.library.needs_tidying:
            self._tidy_library()
        def progress(done: int, total: int) -> None:
            self.post_message(SearchReady(f"building the search index: {100 * done // max(total, 1)}%"))

        try:
            self.searcher.warm_up(progress)
        finally:
            self.post_message(SearchReady(None, self.searcher.note))
        self._freeze_heap()

    @on(SearchReady)
    def _search_ready(self, message: SearchReady) -> None:
        if main := self.mounted_main():
            main.search_progress(message.progress)
        if message.note:
            self.notify(message.note.capitalize(), severity="warning")


def run_app_opening(
    library_path: str | os.PathLike, open_library: Callable[[], Any], *, preview_from: int = PREVIEW_FROM
) -> int:
    """Entry point from the CLI for a library not loaded yet: when its search index is current (and
    the library holds at least ``preview_from`` papers), the first rows come from the index and
    ``open_library`` runs in a worker after the first frame; else the library is opened first, as
    by :func:`run_app`. Raises what ``open_library`` raises."""
    from reader.search.firstpage import first_page

    first = first_page(library_path, FIRST_ROWS, min_papers=preview_from)
    if first is None:
        return run_app(open_library())
    return run_app(None, pending=PendingLibrary(first, open_library), library_path=Path(library_path))


def run_app(
    library, *, demo: bool = False, pending: PendingLibrary | None = None, library_path: Path | None = None
) -> int:
    """Entry point from the CLI: load the settings, run the app, return an exit code."""
    config_error = None
    try:
        config = load_config()
    except ConfigError as exc:
        config, config_error = Config(), str(exc)
    new_since: str | None = None
    new_marks: NewMarks | None = None
    if not demo:
        from reader.newmark import NewMarks

        new_marks = NewMarks.default()
        path = library.path if library is not None else library_path
        now = library.clock() if library is not None else now_iso()
        try:
            new_since = new_marks.session_started(path, now)
        except OSError:
            new_since = new_marks.since(path)  # read-only config directory: the mark still shows
    app = ReaderApp(
        library, demo=demo, config=config, config_error=config_error, freeze_heap=True,
        new_since=new_since, new_marks=new_marks, pending=pending,
    )
    app.run()
    if app.open_error is not None:
        raise app.open_error
    return app.return_code or 0
