"""ReaderApp: wiring. Screens, keys and the palette; store work runs in thread workers.

Dependencies come in through the constructor (the library, a clock, the
config, the clipboard and URL opener) so tests hand in their own.
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.markup import escape as escape_markup
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from reader.browser import open_in_browser, why_no_browser
from reader.config import Config, ConfigError, load_config
from reader.errors import ReaderError
from reader.links import is_openable
from reader.papers import Paper, now_iso
from reader.paths import sample_files, styles_dir
from reader.textsafe import printable
from reader.tui import keys
from reader.tui.catalog import FIXED_LISTS, Catalog, list_label
from reader.tui.palette import PaperCommands
from reader.tui.clipboard import ClipboardUnavailable, CopyFormat, copy_formats, system_copy
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.main import MainScreen
from reader.tui.workers.notebook import NotebookWork
from reader.tui.workers.online import OnlineWork
from reader.tui.messages import AbstractLoaded, CatalogRebuilt, SearchReady, StoreChanged
from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.export import ExportRequest
from reader.tui.modals.tags import TagEdit
from reader.tui.searching import Searcher
from reader.tui.gate import StoreGate
from reader.tui.screens.welcome import WelcomeScreen

STYLE_FILES = ("reader.tcss",)
ABSTRACT_CACHE = 512
POLL_SECONDS = 2.0


def _papers(count: int) -> str:
    return f"{count:,} paper" + ("" if count == 1 else "s")


class ReaderApp(NotebookWork, OnlineWork, App[int]):
    TITLE = "reader"
    BINDINGS = keys.bindings(keys.APP)
    COMMANDS = App.COMMANDS | {PaperCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        library,
        *,
        demo: bool = False,
        clock: Callable[[], str] = now_iso,
        config: Config | None = None,
        config_error: str | None = None,
        clipboard: Callable[[str], None] = system_copy,
        url_opener: Callable[[str], None] | None = None,
        browser_check: Callable[[], str | None] | None = None,
        http_client_factory: Callable[..., object] | None = None,
        poll_interval: float | None = POLL_SECONDS,
        freeze_heap: bool = False,
        new_since: str | None = None,
        new_marks=None,
        note_editor: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(css_path=[styles_dir() / name for name in STYLE_FILES])
        self.library = library
        self.demo = demo
        self.clock = clock
        self.config = config or Config()
        self.system_clipboard = clipboard
        self.url_opener = url_opener
        # Says why no browser can be started (None: one can). An injected opener is trusted.
        if browser_check is None and url_opener is None:
            browser_check = partial(why_no_browser, console_ok=False)
        self.browser_check = browser_check
        self.http_client_factory = http_client_factory  # None: reader.online.http.make_client (online.py)
        self.poll_interval = poll_interval
        self.freeze_heap = freeze_heap
        self.keymap, self._config_problems = keys.check_keymap(self.config.keys)
        self.config_error = config_error
        if config_error:
            self._config_problems.insert(0, config_error)
        self.new_since = new_since  # where the smart list New starts (reader.newmark); None: every paper
        self.new_marks = new_marks  # a reader.newmark.NewMarks, or None (the demo, tests): the mark is not kept
        self.note_editor = note_editor  # None: reader.notes.edit_in_editor ($VISUAL / $EDITOR)
        self.gate = StoreGate(library)
        # The papers in order now (cheap); their counts come from a worker after the first frame.
        self.catalog = Catalog.from_library(library, counted=False, new_since=new_since)
        self.searcher = Searcher(library)
        self._abstracts: OrderedDict[str, str] = OrderedDict()

    # -- screens -------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main_screen(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def _mounted_main(self) -> MainScreen | None:
        """The main screen, or None before it is composed or after the app closed it."""
        stack = self.screen_stack
        if stack and isinstance(stack[0], MainScreen) and stack[0].is_mounted:
            return stack[0]
        return None

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
        """After the first frame: count the smart lists, prepare the search index, start polling."""
        self._rebuild_catalog()
        self._warm_up_search()
        if self.poll_interval:
            self.set_interval(self.poll_interval, self._poll)

    def _update_welcome(self) -> None:
        """An empty library shows the welcome screen; papers arriving close it."""
        welcome_open = isinstance(self.screen, WelcomeScreen)
        if len(self.catalog) == 0 and not any(isinstance(s, WelcomeScreen) for s in self.screen_stack):
            self.push_screen(WelcomeScreen())
        elif len(self.catalog) > 0 and welcome_open:
            self.pop_screen()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        hint = str(self.config.path) if self.config.path else "config.toml (reader's config directory)"
        self.push_screen(HelpScreen(self.keymap, hint))

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None, markup: bool = False):
        """Notifications never interpret markup: they often quote titles, tags and URLs."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

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

    def _tidy_library(self) -> None:
        """A big library opened without its snapshot, or copied (see Library.needs_tidying):
        tidying it makes the next start fast again. Runs in the search warm-up worker before
        the index loads, so that the two never hold their working memory at the same time."""
        try:
            outcome = self.gate.run(self.library.tidy)
        except ReaderError as exc:
            self.post_message(StoreChanged(set(), printable(f"Could not compact the library: {exc}"), "warning"))
            return
        if outcome.changed:
            self.post_message(StoreChanged(outcome.delta))

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
        if main := self._mounted_main():
            main.search_progress(message.progress)
        if message.note:
            self.notify(message.note.capitalize(), severity="warning")

    # -- reacting to store work -----------------------------------------------------------------

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
        if main := self._mounted_main():
            main.catalog_changed(change)
        self._update_welcome()

    @work(thread=True, group="catalog", exclusive=True, exit_on_error=False, name="Reading the library")
    def _rebuild_catalog(self) -> None:
        catalog = Catalog.from_library(self.library, new_since=self.new_since)
        self._freeze_heap()
        self.post_message(CatalogRebuilt(catalog))

    @on(CatalogRebuilt)
    def _catalog_rebuilt(self, message: CatalogRebuilt) -> None:
        catalog = message.catalog
        # Changes that reached the old catalog while this one was being built: apply them again
        # (re-reading a paper is harmless; changes not seen yet arrive in their own message).
        missed = self.library.changes_since(catalog.generation)
        if missed is None:
            self._rebuild_catalog()
        elif missed:
            catalog.apply(missed, self.library)
        self.catalog = catalog
        if main := self._mounted_main():
            main.catalog_replaced()
        self._update_welcome()

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

    # -- store work (thread workers) ---------------------------------------------------------------

    @work(thread=True, group="store", exit_on_error=False, name="Marking papers")
    def set_read(self, ids: list[str], read: bool) -> None:
        outcome = self.gate.run(lambda: self.library.set_read(ids, read))
        changed = len(outcome.result.ids)
        state = "read" if read else "unread"
        if len(ids) == 1:
            note = None  # the list shows it
        elif changed:
            note = f"Marked {_papers(changed)} {state}. u undoes."
        else:
            note = f"Nothing changed: already {state}."
        self.post_message(StoreChanged(outcome.delta, note))

    @work(thread=True, group="store", exit_on_error=False, name="Tagging")
    def edit_tags(self, ids: list[str], edit: TagEdit) -> None:
        library = self.library

        def call():
            if edit.add and edit.remove:
                def update(paper: Paper) -> Paper:
                    kept = tuple(tag for tag in paper.tags if tag not in edit.remove)
                    return replace(paper, tags=kept + tuple(tag for tag in edit.add if tag not in kept))

                return library.modify(ids, update, f"tag {len(ids)} paper(s) {edit.describe()}")
            if edit.add:
                return library.tag(ids, edit.add)
            return library.untag(ids, edit.remove)

        outcome = self.gate.run(call)
        changed = len(outcome.result.ids)
        if changed:
            note = printable(f"{edit.describe()} on {_papers(changed)}. u undoes.")
        else:
            note = "Nothing changed: the tags were already like that."
        self.post_message(StoreChanged(outcome.delta, note))

    @work(thread=True, group="store", exit_on_error=False, name="Undo")
    def undo(self) -> None:
        try:
            outcome = self.gate.run(self.library.undo)
        except ReaderError as exc:  # "nothing to undo"
            self.post_message(StoreChanged(set(), str(exc).capitalize() + ".", "warning"))
            return
        label = outcome.result.label.removeprefix("undo: ")
        self.post_message(StoreChanged(outcome.delta, printable(f"Undone: {label}")))

    @work(thread=True, group="refresh", exit_on_error=False, name="Refresh")
    def refresh_library(self, quiet: bool = True) -> None:
        outcome = self.gate.run(self.library.refresh)
        if quiet:
            if outcome.changed:
                self.post_message(StoreChanged(outcome.delta))
            return
        note = "Picked up changes made elsewhere." if outcome.changed else "Up to date."
        self.post_message(StoreChanged(outcome.delta, note))

    def _poll(self) -> None:
        busy = any(
            worker.group in ("refresh", "store") and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for worker in self.workers
        )
        if not busy:
            self.refresh_library(quiet=True)

    @on(WelcomeScreen.RefreshRequested)
    def _welcome_refresh(self) -> None:
        self.refresh_library(quiet=False)

    @on(WelcomeScreen.LoadSamplesRequested)
    def _welcome_load(self) -> None:
        self.notify("Loading the sample papers…")
        self.load_samples()

    @work(thread=True, group="store", exit_on_error=False, name="Loading the samples")
    def load_samples(self) -> None:
        from reader.importers.hf_pages import parse_page_file

        files = sample_files()
        if not files:
            raise ReaderError("the sample papers are missing from this installation")
        parsed = [parse_page_file(path) for path in files]
        outcome = self.gate.run(
            lambda: self.library.import_candidates(
                [cand for item in parsed for cand in item.candidates],
                skipped=[skip for item in parsed for skip in item.skipped],
                sources=[item.source for item in parsed],
                label="sample import",
            )
        )
        report = outcome.result
        note = f"Loaded {_papers(len(report.added))} from {len(files)} sample pages. u undoes."
        self.post_message(StoreChanged(outcome.delta, note))

    # -- abstracts -----------------------------------------------------------------------------------

    def cached_abstract(self, pid: str) -> str | None:
        text = self._abstracts.get(pid)
        if text is not None:
            self._abstracts.move_to_end(pid)
        return text

    @work(thread=True, group="abstract", exclusive=True, exit_on_error=False, name="Reading the abstract")
    def load_abstract(self, pid: str) -> None:
        text = self.library.abstract(pid)  # one document read by its offset, not every abstract
        self.post_message(AbstractLoaded(pid, text))

    @on(AbstractLoaded)
    def _abstract_loaded(self, message: AbstractLoaded) -> None:
        self._abstracts[message.paper_id] = message.text
        while len(self._abstracts) > ABSTRACT_CACHE:
            self._abstracts.popitem(last=False)
        if main := self._mounted_main():
            main.abstract_loaded(message.paper_id, message.text)
        for screen in self.screen_stack[1:]:
            if hasattr(screen, "abstract_loaded"):
                screen.abstract_loaded(message.paper_id, message.text)

    # -- links -----------------------------------------------------------------------------------------

    def open_link(self, url: str) -> None:
        if not is_openable(url):
            self.notify(
                f"Not opening {printable(url)}: only http(s) links are opened.", title="Link", severity="error"
            )
            return
        problem = self.browser_check() if self.browser_check is not None else None
        if problem:
            self._offer_copy(url, problem)
            return
        self.notify(printable(f"Opening {url}"), title="Link")
        self._open_in_browser(url)

    def _offer_copy(self, url: str, problem: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.copy_text(url, "link")

        question = f"Cannot open the link: {problem}.\n\n{url}\n\nCopy it instead?"
        self.push_screen(ConfirmModal(printable(question, one_line=False), yes="Copy the link", no="Cancel"), answered)

    @work(thread=True, group="browser", exit_on_error=False, name="Opening the link")
    def _open_in_browser(self, url: str) -> None:
        if self.url_opener is not None:
            self.url_opener(url)
        elif self.is_web:
            self.open_url(url)
        elif not open_in_browser(url):
            self.call_from_thread(self._offer_copy, url, "the browser did not start")
        # A browser launcher may have written to the terminal: draw the whole screen again.
        self.call_from_thread(self.refresh, repaint=True)

    # -- copy ------------------------------------------------------------------------------------------

    def copy_formats(self) -> list[CopyFormat]:
        return copy_formats()

    @work(thread=True, group="clipboard", exit_on_error=False, name="Copy")
    def copy_papers(self, format_id: str, papers: list[Paper]) -> None:
        from reader.copying import COPY_FORMAT_LABELS, CopyError, bibtex_keys, render_copy

        what = COPY_FORMAT_LABELS.get(format_id, format_id)
        try:
            keys = self._bibtex_keys(bibtex_keys) if format_id == "bibtex" else None  # unique in the library
            rendered = render_copy(papers, format_id, abstracts=self.library.abstract, keys=keys)
        except CopyError as exc:
            self.notify(f"Nothing copied: {printable(str(exc))}.", title="Copy", severity="warning")
            return
        count = f" of {_papers(rendered.count)}" if len(papers) > 1 else ""
        left_out = f" Left out {_papers(len(rendered.skipped))} ({rendered.skipped[0][1]})." if rendered.skipped else ""
        self._copy_text_now(rendered.text, f"{what}{count}", left_out)

    _keys_cache: tuple[int, dict[str, str]] | None = None

    def _bibtex_keys(self, compute) -> dict[str, str]:
        """The library's BibTeX keys, computed again only after a change (0.55 s at 100,000 papers)."""
        generation = self.library.generation
        cached = self._keys_cache
        if cached is None or cached[0] != generation:
            cached = self._keys_cache = (generation, compute(self.library.papers()))
        return cached[1]

    @work(thread=True, group="clipboard", exit_on_error=False, name="Copy")
    def copy_text(self, text: str, what: str) -> None:
        self._copy_text_now(text, what)

    def _copy_text_now(self, text: str, what: str, after: str = "") -> None:
        """Copy ``text`` (in a worker thread): the system clipboard, else the terminal's (OSC 52)."""
        from reader.copying import copy_to_clipboard

        reasons: list[str] = []

        def system(text: str) -> None:
            try:
                self.system_clipboard(text)
            except ClipboardUnavailable as exc:
                reasons.append(str(exc))
                raise

        def terminal(text: str) -> None:
            self.call_from_thread(self.copy_to_clipboard, text)  # OSC 52: the terminal puts it on the clipboard

        used = copy_to_clipboard(
            text, methods=[("the clipboard", system), ("the terminal clipboard (OSC 52)", terminal)]
        )
        note = f"Copied the {what} to {used}."
        if reasons:
            note += f" The system clipboard is unavailable: {reasons[0]}."
        self.notify(note + after, title="Copy")

    # -- export ------------------------------------------------------------------------------------------

    def default_export_name(self) -> str:
        return f"reading-list-{self.clock()[:10]}.md"

    def export_papers(self, papers: list[Paper], request: ExportRequest) -> None:
        if not papers:
            self.notify("Nothing to export.", severity="warning")
            return
        if request.path.exists():
            self._confirm_replace(papers, request)
            return
        self._write_export(papers, request, replace=False)

    def _confirm_replace(self, papers: list[Paper], request: ExportRequest) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._write_export(papers, request, replace=True)

        self.push_screen(ConfirmModal(f"{request.path} exists. Replace it?", yes="Replace", no="Keep"), answered)

    @work(thread=True, group="export", exit_on_error=False, name="Export")
    def _write_export(self, papers: list[Paper], request: ExportRequest, replace: bool) -> None:
        from reader.exporters import OutputExists, write_output
        from reader.exporters.markdown import iter_reading_list

        chunks = iter_reading_list(
            papers,
            title=request.title,
            group_by=request.group_by,
            order=request.order,
            abstracts=request.abstracts,
            abstract_texts=self.library.abstract if request.abstracts != "none" else None,
        )
        try:
            path = write_output(request.path, chunks, replace=replace)
        except OutputExists:  # the file appeared after the dialog closed
            self.call_from_thread(self._confirm_replace, papers, request)
            return
        self.notify(f"Wrote {_papers(len(papers))} to {path}", title="Export")


def run_app(library, *, demo: bool = False) -> int:
    """Entry point from the CLI: load the settings, run the app, return an exit code."""
    config_error = None
    try:
        config = load_config()
    except ConfigError as exc:
        config, config_error = Config(), str(exc)
    new_since, new_marks = None, None
    if not demo:
        from reader.newmark import NewMarks

        new_marks = NewMarks.default()
        try:
            new_since = new_marks.session_started(library.path, library.clock())
        except OSError:
            new_since = new_marks.since(library.path)  # read-only config directory: the mark still shows
    app = ReaderApp(
        library, demo=demo, config=config, config_error=config_error, freeze_heap=True,
        new_since=new_since, new_marks=new_marks,
    )
    app.run()
    return app.return_code or 0
