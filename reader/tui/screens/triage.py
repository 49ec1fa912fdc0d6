"""The triage screen (i): one paper at a time, full width; keep, skip, later, open, undo.

Decisions move on at once; their library changes run in one worker, in the
order they were made (an undo waits for the decision it takes back).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from reader.errors import ReaderError
from reader.papers import Paper
from reader.textsafe import printable
from reader.triage import KEEP, LATER, SKIP, Decision, TriageSession, apply_decision, revert_decision
from reader.tui import keys
from reader.tui.widgets.detail import links_text, meta_line, note_text
from reader.tui.gate import Outcome
from reader.tui.messages import StoreChanged
from reader.tui.services import ReaderServices

MAX_AUTHORS = 20


class TriageScreen(Screen[None]):
    BINDINGS = keys.bindings(keys.TRIAGE)

    def __init__(
        self,
        services: ReaderServices,
        session: TriageSession,
        where: str,
        *,
        on_finished: Callable[[TriageSession], None] | None = None,
    ) -> None:
        super().__init__(id="triage")
        self.services = services
        self.session = session
        self.where = where
        self.on_finished = on_finished
        self._ops: deque[tuple[str, Decision]] = deque()
        self._ops_lock = threading.Lock()
        self._draining = False
        self._finished_reported = False
        self._last = ""

    def compose(self) -> ComposeResult:
        yield Static(id="triage-header")
        with VerticalScroll(id="triage-body"):
            yield Static(id="triage-title")
            yield Static(id="triage-meta")
            yield Static(id="triage-authors")
            yield Static(id="triage-links")
            yield Static(id="triage-notes")
            yield Static(id="triage-abstract")
        yield Static(id="triage-last")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#triage-body").focus()
        self.show_current()

    # -- what is shown ----------------------------------------------------------------------

    def paper(self, pid: str) -> Paper | None:
        """The paper as the library has it now (None: deleted meanwhile)."""
        return self.services.catalog.get(pid)

    def _set(self, widget_id: str, content: Text | str) -> None:
        widget = self.query_one(f"#{widget_id}", Static)
        widget.update(Text(content) if isinstance(content, str) else content)
        widget.display = bool(content.plain if isinstance(content, Text) else content)

    def show_current(self) -> None:
        session = self.session
        header = Text("Triage ", style="bold")
        header.append(printable(self.where))
        header.append(f" · {session.counter()}", style="bold")
        self._set("triage-header", header)
        self._set("triage-last", self._last or f"k keep (#{session.keep_tag}) · s skip (read) · l later · "
                  "u undo · 1-9 links · Esc back")
        pid = session.current_id
        body = self.query_one("#triage-body", VerticalScroll)
        if pid is None:
            self._show_summary()
            body.scroll_home(animate=False)
            return
        paper = self.paper(pid)
        if paper is None:  # deleted elsewhere meanwhile
            for widget_id in ("triage-meta", "triage-authors", "triage-links", "triage-notes", "triage-abstract"):
                self._set(widget_id, "")
            self._set("triage-title", Text("This paper was deleted elsewhere; l moves on.", style="italic"))
            return
        self._set("triage-title", Text(printable(paper.title), style="bold"))
        tags = "  " + " ".join("#" + tag for tag in paper.tags) if paper.tags else ""
        self._set("triage-meta", meta_line(paper) + printable(tags))
        if paper.authors:
            shown = ", ".join(paper.authors[:MAX_AUTHORS])
            if len(paper.authors) > MAX_AUTHORS:
                shown += f" and {len(paper.authors) - MAX_AUTHORS} more"
            self._set("triage-authors", printable(shown))
        else:
            self._set("triage-authors", "")
        self._set("triage-links", links_text(paper))
        self._set("triage-notes", note_text(paper.notes, "") if paper.notes.strip() else "")
        abstract = self.services.cached_abstract(pid)
        if abstract is None:
            self._set("triage-abstract", Text("Loading the abstract…", style="italic"))
            self.services.load_abstract(pid)
        else:
            self.abstract_loaded(pid, abstract)
        body.scroll_home(animate=False)

    def abstract_loaded(self, pid: str, text: str) -> None:
        if pid != self.session.current_id:
            return
        if text.strip():
            self._set("triage-abstract", printable(text.strip(), one_line=False))
        else:
            self._set("triage-abstract", Text("No abstract.", style="italic"))

    def _show_summary(self) -> None:
        session = self.session
        for widget_id in ("triage-meta", "triage-authors", "triage-links", "triage-notes"):
            self._set(widget_id, "")
        self._set("triage-title", Text(f"Done: {session.total:,} papers triaged.", style="bold"))
        self._set(
            "triage-abstract",
            Text(session.summary() + "\n\nu undoes the last decision; Esc goes back to the list."),
        )
        if not self._finished_reported and self.on_finished is not None:
            self._finished_reported = True
            self.on_finished(session)

    # -- keys ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("keep", "skip", "later", "open_code", "open_link"):
            return None if self.session.done else True
        if action == "undo":
            return True if self.session.decisions else None
        return True

    def _decide(self, kind: str, said: str) -> None:
        session = self.session
        if session.done:
            return
        pid = session.current_id
        paper = self.paper(pid) if pid else None
        decision = session.decide(kind)
        title = printable(paper.title) if paper else decision.paper_id
        self._last = f"{said}: {title[:70]}"
        if kind != LATER:
            self._enqueue("apply", decision)
        self.show_current()
        self.refresh_bindings()

    def action_keep(self) -> None:
        self._decide(KEEP, f"Kept (#{self.session.keep_tag})")

    def action_skip(self) -> None:
        self._decide(SKIP, "Skipped (marked read)")

    def action_later(self) -> None:
        self._decide(LATER, "Later")

    def action_undo(self) -> None:
        decision = self.session.step_back()
        if decision is None:
            self.notify("No decision to undo.", severity="warning")
            return
        self._last = f"Undone: {decision.kind}"
        if decision.kind != LATER:
            self._enqueue("revert", decision)
        self.show_current()
        self.refresh_bindings()

    def _current_paper(self) -> Paper | None:
        pid = self.session.current_id
        return self.paper(pid) if pid else None

    def action_open_code(self) -> None:
        paper = self._current_paper()
        if paper is None or not paper.links:
            self.notify("This paper has no links.", severity="warning")
            return
        self.services.open_link((paper.code_link or paper.links[0]).url)

    def action_open_link(self, number: int) -> None:
        paper = self._current_paper()
        if paper is None or not 0 < number <= len(paper.links):
            count = len(paper.links) if paper else 0
            self.notify(f"This paper has {count} link{'s' if count != 1 else ''}; there is no link {number}.",
                        severity="warning")
            return
        self.services.open_link(paper.links[number - 1].url)

    def action_scroll_down(self) -> None:
        self.query_one("#triage-body", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#triage-body", VerticalScroll).scroll_up(animate=False)

    def action_leave(self) -> None:
        self.dismiss(None)

    # -- store work: one worker, in order ----------------------------------------------------

    def _enqueue(self, op: str, decision: Decision) -> None:
        with self._ops_lock:
            self._ops.append((op, decision))
            if self._draining:
                return
            self._draining = True
        self._drain()

    @work(thread=True, group="store", exit_on_error=False, name="Triage")
    def _drain(self) -> None:
        try:
            self._drain_queue()
        except BaseException:
            with self._ops_lock:  # the worker fails (a notification says so); the next decision starts another
                self._draining = False
            raise

    def _drain_queue(self) -> None:
        services = self.services
        keep_tag = self.session.keep_tag
        while True:
            with self._ops_lock:
                if not self._ops:
                    self._draining = False
                    return
                op, decision = self._ops.popleft()
            try:
                outcome: Outcome[object]
                if op == "apply":
                    outcome = services.gate.run(partial(apply_decision, services.library, decision, keep_tag))
                else:
                    outcome = services.gate.run(partial(revert_decision, services.library, decision, keep_tag))
            except ReaderError as exc:
                self.app.post_message(StoreChanged(set(), printable(f"Triage: {exc}"), "error"))
                continue
            self.app.post_message(StoreChanged(outcome.delta))
