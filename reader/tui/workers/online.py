"""The online commands in the TUI: fetch daily papers, enrich from GitHub, resolve, check links.

The work is :mod:`reader.tasks` (plain functions that block, the same the CLI
calls); here it runs in one thread worker at a time (group ``online``) on the
app, with a ``threading.Event`` the user sets with Esc (or the palette) to stop
it, and the store gate as the task's ``commit``. The
worker never touches widgets: it posts :class:`OnlineProgress` while it runs
and :class:`OnlineEnded` (a summary for a notification) when it stops, and
stores its results through the app's :class:`~reader.tui.gate.StoreGate` as
one change (so ``u`` undoes it).

:class:`OnlineWork` is a mixin of ``ReaderApp``. The keys that start these
tasks are in :mod:`reader.tui.screens.online_actions`, the progress line is
:class:`reader.tui.widgets.online_status.OnlineStatus`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeVar

from textual import work
from textual.app import SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from reader.papers import Paper
from reader.textsafe import printable
from reader.tui.core import ReaderCore
from reader.tui.messages import OnlineEnded, OnlineProgress, StoreChanged
from reader.tui.widgets.online_status import OnlineStatus
from reader.wording import plural

ONLINE_GROUP = "online"
NOTE_TIMEOUT = 12
T = TypeVar("T")


class Outcome(Protocol):
    """What every task returns (:mod:`reader.tasks`)."""

    @property
    def severity(self) -> str: ...

    def summary(self) -> str: ...


def _severity(outcome: Outcome) -> SeverityLevel:
    severity = outcome.severity
    return severity if severity in ("information", "warning", "error") else "warning"  # type: ignore[return-value]


class OnlineWork(ReaderCore):
    """Mixin of ``ReaderApp``: runs one online task at a time in a thread worker.

    Uses the app's ``library``, ``gate``, ``config``, ``clock`` and
    ``http_client_factory`` (a callable like :func:`reader.online.http.make_client`).
    """

    _online_stop: threading.Event | None = None
    _online_label: str = ""

    # -- starting and stopping --------------------------------------------------------------

    @property
    def online_busy(self) -> bool:
        return self._online_stop is not None

    def _client(self):
        if self.http_client_factory is not None:
            return self.http_client_factory()
        from reader.online.http import make_client

        return make_client()

    def _online_status(self) -> OnlineStatus | None:
        main = self.mounted_main()
        if main is None:
            return None
        return main.query_one(OnlineStatus)

    def _begin_online(self, label: str) -> threading.Event | None:
        if self._online_stop is not None:
            self.notify(
                f"{self._online_label} is still running; Esc stops it.", title="Online", severity="warning"
            )
            return None
        self._online_stop = threading.Event()
        self._online_label = label
        if status := self._online_status():
            status.start(label)
        if status is None or self.screen is not self.mounted_main():
            self.notify(f"{label}…", title="Online")  # the progress line is not in sight (the welcome)
        return self._online_stop

    def cancel_online(self) -> bool:
        """Ask the running online task to stop (True when there was one)."""
        stop = self._online_stop
        if stop is None:
            return False
        if not stop.is_set():
            stop.set()
            if status := self._online_status():
                status.stopping(self._online_label)
        return True

    def on_unmount(self) -> None:
        """Quitting: the days, repositories or links not started yet are skipped (the process exits sooner)."""
        if self._online_stop is not None:
            self._online_stop.set()

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        if self._online_stop is not None:
            yield SystemCommand(f"Stop: {self._online_label}", "Key: Esc", self.cancel_online)

    # (Handlers by name: @on needs a MessagePump subclass, and this is a plain mixin.)
    def on_online_progress(self, message: OnlineProgress) -> None:
        if self._online_stop is not None and not self._online_stop.is_set():
            if status := self._online_status():
                status.progress(self._online_label, message.done, message.total, message.note)

    def on_online_ended(self, message: OnlineEnded) -> None:
        self._online_stop = None
        if status := self._online_status():
            status.finish()
        if message.summary:
            self.notify(message.summary, title=message.title, severity=message.severity, timeout=NOTE_TIMEOUT)

    # -- running a task ---------------------------------------------------------------------

    def _commit(self, call: Callable[[], T]) -> T:
        """A task's ``commit``: its one change goes through the gate, and the screens hear of it."""
        outcome = self.gate.run(call)
        self.post_message(StoreChanged(outcome.delta))
        return outcome.result

    def _progress(self, done: int, total: int, note: str) -> None:
        self.post_message(OnlineProgress(done, total, note))

    def _run_task(self, title: str, task: Callable[[Any], Outcome]) -> None:
        """Run ``task(client)`` (in the calling worker); its summary becomes the notification."""
        from reader.online.http import NetworkError

        ended = OnlineEnded(title, None)
        try:
            with self._client() as client:
                outcome = task(client)
            text = outcome.summary()
            ended = OnlineEnded(title, printable(text), _severity(outcome))
        except NetworkError as exc:  # nothing answered at all (check links offline): nothing was changed
            ended = OnlineEnded(title, printable(str(exc)), "error")
        finally:
            self.post_message(ended)

    # -- fetch ---------------------------------------------------------------------------------------

    def fetch_daily(self, days: list[date]) -> None:
        if not days:
            return
        label = f"Fetching daily papers of {days[0]}" if len(days) == 1 else f"Fetching {len(days)} days of daily papers"
        stop = self._begin_online(label)
        if stop is not None:
            self._fetch_worker(days, stop)

    @work(thread=True, exclusive=True, group=ONLINE_GROUP, exit_on_error=False, name="Fetch")
    def _fetch_worker(self, days: list[date], stop: threading.Event) -> None:
        from reader.tasks.fetch import fetch_daily

        self._run_task(
            "Fetch",
            lambda client: fetch_daily(
                self.library, client, days, base_url=self.config.hf_api_url,
                stop=stop, progress=self._progress, commit=self._commit,
            ),
        )

    # -- enrich --------------------------------------------------------------------------------------

    def enrich(self, papers: list[Paper], where: str) -> None:
        from reader.tasks.enrich import with_repository

        with_repo = with_repository(papers)
        if not with_repo:
            self.notify(f"No paper in {where} links a GitHub repository.", title="GitHub", severity="warning")
            return
        stop = self._begin_online(f"GitHub metadata for {plural(len(with_repo), 'paper')}")
        if stop is not None:
            self._enrich_worker(with_repo, stop)

    @work(thread=True, exclusive=True, group=ONLINE_GROUP, exit_on_error=False, name="GitHub")
    def _enrich_worker(self, papers: list[Paper], stop: threading.Event) -> None:
        from reader.tasks.enrich import enrich, github_token

        self._run_task(
            "GitHub",
            lambda client: enrich(
                self.library, client, papers, base_url=self.config.github_api_url, token=github_token(),
                stop=stop, progress=self._progress, commit=self._commit,
            ),
        )

    # -- resolve -------------------------------------------------------------------------------------

    def resolve(self, papers: list[Paper], where: str) -> None:
        from reader.tasks.resolve import unresolved

        todo = unresolved(papers)
        if not todo:
            self.notify(f"Every paper in {where} is resolved already.", title="Resolve")
            return
        stop = self._begin_online(f"Resolving {plural(len(todo), 'paper')} on Hugging Face")
        if stop is not None:
            self._resolve_worker(todo, stop)

    @work(thread=True, exclusive=True, group=ONLINE_GROUP, exit_on_error=False, name="Resolve")
    def _resolve_worker(self, papers: list[Paper], stop: threading.Event) -> None:
        from reader.tasks.resolve import resolve

        self._run_task(
            "Resolve",
            lambda client: resolve(
                self.library, client, papers, base_url=self.config.hf_api_url,
                stop=stop, progress=self._progress, commit=self._commit,
            ),
        )

    # -- check links --------------------------------------------------------------------------------

    def check_links(self, papers: list[Paper], what: str) -> None:
        from reader.tasks.links import distinct_urls, links_of

        count = len(distinct_urls(links_of(papers)))
        if not count:
            self.notify(f"No links to check in {what}.", title="Links", severity="warning")
            return
        stop = self._begin_online(f"Checking {plural(count, 'link')} of {what}")
        if stop is not None:
            self._links_worker(papers, stop)

    @work(thread=True, exclusive=True, group=ONLINE_GROUP, exit_on_error=False, name="Link check")
    def _links_worker(self, papers: list[Paper], stop: threading.Event) -> None:
        from reader.tasks.links import check_paper_links

        self._run_task(
            "Links",
            lambda client: check_paper_links(
                self.library, client, papers, stop=stop, progress=self._progress, commit=self._commit,
            ),
        )
