"""Mixin of ``ReaderApp``: what leaves the app: links opened, text copied, lists exported."""

from __future__ import annotations

import os
from pathlib import Path


from textual import work

from reader.browser import open_in_browser
from reader.links import is_openable
from reader.papers import Paper
from reader.textsafe import printable
from reader.tui.clipboard import ClipboardUnavailable, CopyFormat, copy_formats
from reader.tui.core import ReaderCore
from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.export import ExportRequest
from reader.wording import papers as _papers


TERMINAL_CLIPBOARD = "the terminal clipboard (OSC 52)"


class SharingWork(ReaderCore):
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
            text, methods=[("the clipboard", system), (TERMINAL_CLIPBOARD, terminal)]
        )
        note = f"Copied the {what} to {used}."
        if reasons:
            note += f" The system clipboard is unavailable: {reasons[0]}."
        if used == TERMINAL_CLIPBOARD and os.environ.get("TMUX"):
            note += (
                " Inside tmux it reaches your clipboard only with `set -g set-clipboard on` in ~/.tmux.conf"
                " (tmux's default, external, drops it)."
            )
        self.notify(note + after, title="Copy")

    # -- export ------------------------------------------------------------------------------------------

    def export_dir(self) -> Path:
        """Where a relative export file name goes (the working directory, unless given)."""
        return self.fixed_export_dir or Path.cwd()

    def default_export_name(self) -> str:
        return f"reading-list-{self.clock()[:10]}.md"

    def export_papers(self, papers: list[Paper], request: ExportRequest) -> None:
        if not papers:
            self.notify("Nothing to export.", severity="warning")
            return
        if request.path.exists() and not request.replace:
            self._confirm_replace(papers, request)
            return
        self._write_export(papers, request, replace=request.replace)

    def _confirm_replace(self, papers: list[Paper], request: ExportRequest) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._write_export(papers, request, replace=True)

        self.push_screen(ConfirmModal(printable(f"{request.path} exists. Replace it?"), yes="Replace", no="Keep", safe=True), answered)

    @work(thread=True, group="export", exit_on_error=False, name="Export")
    def _write_export(self, papers: list[Paper], request: ExportRequest, replace: bool) -> None:
        from reader.exporters import OutputExists
        from reader.tasks.exporting import export_chunks, write_export

        chunks = export_chunks(
            self.library,
            papers,
            title=request.title,
            group_by=request.group_by,
            order=request.order,
            abstracts=request.abstracts,
        )
        try:
            # The CLI's export task: never over the library's own files, not even when replacing.
            path = write_export(self.library, request.path, chunks, replace=replace)
        except OutputExists:  # the file appeared after the dialog closed
            self.call_from_thread(self._confirm_replace, papers, request)
            return
        self.notify(f"Wrote {_papers(len(papers))} to {path}", title="Export")
