"""The online commands in the TUI: fetch daily papers, enrich from GitHub, resolve, check links.

The network work is :mod:`reader.online` (plain functions that block); here
it runs in one thread worker at a time (group ``online``) on the app, with a
``threading.Event`` the user sets with Esc (or the palette) to stop it. The
worker never touches widgets: it posts :class:`OnlineProgress` while it runs
and :class:`OnlineEnded` (a summary for a notification) when it stops, and
stores its results through the app's :class:`~reader.tui.gate.StoreGate` as
one change (so ``u`` undoes it).

:class:`OnlineWork` is a mixin of ``ReaderApp``. The keys that start these
tasks are in :mod:`reader.tui.screens.online_actions`, the progress line is
:class:`reader.tui.widgets.online_status.OnlineStatus`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import date

from textual import work
from textual.app import SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from reader.papers import Paper
from reader.textsafe import printable
from reader.tui.core import ReaderCore
from reader.tui.messages import OnlineEnded, OnlineProgress, StoreChanged
from reader.tui.widgets.online_status import OnlineStatus
from reader.wording import plural as _plural

ONLINE_GROUP = "online"
FETCH_CONCURRENCY = 4
ENRICH_CONCURRENCY = 2
LINK_CONCURRENCY = 8
RESOLVE_CONCURRENCY = 3
MAX_LISTED = 3  # failures named one by one in a notification
NOTE_TIMEOUT = 12


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fetch_summary(days: list[date], report, imported, cancelled: bool) -> tuple[str, SeverityLevel]:
    failed = [d for d in report.failed if d.error != "cancelled"]
    skipped_days = [d for d in report.failed if d.error == "cancelled"]
    fetched = len(days) - len(report.failed)
    head = f"Fetched {fetched} of {_plural(len(days), 'day')}"
    if imported is not None:
        text = (
            f"{head}: {_plural(len(imported.added), 'new paper')}, {len(imported.merged):,} already in the "
            f"library ({len(imported.updated):,} of them updated)"
        )
        if imported.skipped:
            text += f", {_plural(len(imported.skipped), 'entry', 'entries')} skipped (unexpected shape)"
        text += "."
        if imported.changed:
            text += " u undoes."
    else:
        text = f"{head}; nothing imported."
    if cancelled and skipped_days:
        text = f"Stopped: {_plural(len(skipped_days), 'day')} not fetched. " + text
    if failed:
        text += f" {_plural(len(failed), 'day')} failed: " + "; ".join(
            f"{d.day}: {_clip(d.error or '')}" for d in failed[:MAX_LISTED]
        )
        if len(failed) > MAX_LISTED:
            text += f"; and {len(failed) - MAX_LISTED} more"
    if failed and imported is None:
        severity: SeverityLevel = "error"
    elif failed or (imported is not None and imported.skipped):
        severity = "warning"
    else:
        severity = "information"
    return printable(text), severity


def _enrich_summary(report, updated: int, token: bool, cancelled: bool) -> tuple[str, SeverityLevel]:
    parts = [f"{len(report.fetched):,} fetched", f"{len(report.cached):,} from the cache"]
    if report.missing:
        parts.append(f"{len(report.missing):,} not found")
    if report.failed:
        parts.append(f"{len(report.failed):,} failed")
    if report.not_fetched:
        parts.append(f"{len(report.not_fetched):,} not fetched")
    text = (
        f"GitHub: {_plural(report.repos, 'repository', 'repositories')} for {_plural(report.papers, 'paper')}: "
        f"{', '.join(parts)}. Updated {_plural(updated, 'paper')}."
    )
    severity: SeverityLevel = "information"
    if report.stopped:
        hint = "" if token else " (set GITHUB_TOKEN for a higher limit)"
        text = f"{report.stopped}{hint}. What was fetched is saved. " + text
        severity = "warning"
    elif cancelled and report.not_fetched:
        text = "Stopped. " + text
    if report.failed:
        text += " " + "; ".join(f"{repo}: {_clip(error)}" for repo, error in report.failed[:MAX_LISTED])
        if len(report.failed) > MAX_LISTED:
            text += f"; and {len(report.failed) - MAX_LISTED} more"
        severity = "error" if not report.fetched and not report.cached else "warning"
    return printable(text), severity


def _links_summary(report, cancelled: bool) -> tuple[str, SeverityLevel]:
    cancelled_count = sum(1 for s in report.not_checked if s.error == "cancelled")
    limited = len(report.not_checked) - cancelled_count
    text = (
        f"Checked {_plural(report.links - len(report.not_checked), 'link')} of {_plural(report.papers, 'paper')}: "
        f"{len(report.ok):,} ok, {len(report.dead):,} dead"
    )
    if limited:
        text += f", {limited:,} not checked (rate limited; try later)"
    text += "."
    if cancelled and cancelled_count:
        text = f"Stopped: {_plural(cancelled_count, 'link')} not checked. " + text
    if report.dead:
        text += " Dead: " + "; ".join(
            f"{_clip(s.url, 60)} ({_clip(s.error or '', 60)})" for s in report.dead[:MAX_LISTED]
        )
        if len(report.dead) > MAX_LISTED:
            text += f"; and {len(report.dead) - MAX_LISTED} more"
    return printable(text), "warning" if report.dead else "information"


def _resolve_summary(report, offline: int, cancelled: bool) -> tuple[str, SeverityLevel]:
    text = (
        f"{len(report.matched):,} matched, {len(report.ambiguous):,} ambiguous (left alone), "
        f"{len(report.unmatched):,} unmatched"
    )
    if report.skipped:
        text += f", {len(report.skipped):,} already resolved"
    if report.not_tried:
        text += f", {len(report.not_tried):,} not tried"
    text += "."
    if offline:
        text += f" {_plural(offline, 'arXiv id')} taken from links in abstracts."
    if report.updated:
        text += f" Updated {_plural(len(report.updated), 'paper')}; u undoes."
    severity: SeverityLevel = "information"
    if report.stopped:
        kept = "what matched before is saved" if report.updated else "nothing was changed"
        text = f"Stopped: {_clip(report.stopped)}; {kept}. " + text
        severity = "error" if not report.updated else "warning"
    elif cancelled and report.not_tried:
        text = "Stopped. " + text
    return printable(text), severity


class OnlineWork(ReaderCore):
    """Mixin of ``ReaderApp``: runs one online task at a time in a thread worker.

    Uses the app's ``library``, ``gate``, ``config``, ``clock`` and
    ``http_client_factory`` (a callable like :func:`reader.online.http.make_client`).
    """

    http_client_factory: Callable | None = None
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
        from reader.online.daily import fetch_days

        ended = OnlineEnded("Fetch", None)
        try:

            def on_day(result, done: int, total: int) -> None:
                note = f"{result.day}: {result.candidates} papers" if result.ok else f"{result.day}: failed"
                self.post_message(OnlineProgress(done, total, note))

            with self._client() as client:
                candidates, report = fetch_days(
                    client,
                    days,
                    base_url=self.config.hf_api_url,
                    concurrency=FETCH_CONCURRENCY,
                    on_day=on_day,
                    stop=stop,
                )
            imported = None
            if report.sources:
                outcome = self.gate.run(
                    lambda: self.library.import_candidates(
                        candidates, skipped=report.skipped, sources=report.sources, label="fetch"
                    )
                )
                imported = outcome.result
                self.post_message(StoreChanged(outcome.delta))
            text, severity = _fetch_summary(days, report, imported, stop.is_set())
            ended = OnlineEnded("Fetch", text, severity)
        finally:
            self.post_message(ended)

    # -- enrich --------------------------------------------------------------------------------------

    def enrich(self, papers: list[Paper], where: str) -> None:
        from reader.online.github import paper_repo

        with_repo = [paper for paper in papers if paper_repo(paper)]
        if not with_repo:
            self.notify(f"No paper in {where} links a GitHub repository.", title="GitHub", severity="warning")
            return
        stop = self._begin_online(f"GitHub metadata for {_plural(len(with_repo), 'paper')}")
        if stop is not None:
            self._enrich_worker(with_repo, stop)

    @work(thread=True, exclusive=True, group=ONLINE_GROUP, exit_on_error=False, name="GitHub")
    def _enrich_worker(self, papers: list[Paper], stop: threading.Event) -> None:
        from reader.online.github import GitHubCache, apply_enrichment, default_cache_path, enrich_papers

        ended = OnlineEnded("GitHub", None)
        try:
            token = (os.environ.get("GITHUB_TOKEN") or "").strip() or None
            cache = GitHubCache.load(default_cache_path())
            problems = [cache.problem] if cache.problem else []

            def on_progress(repo: str, done: int, total: int) -> None:
                self.post_message(OnlineProgress(done, total, repo))

            with self._client() as client:
                updates, report = enrich_papers(
                    client,
                    papers,
                    base_url=self.config.github_api_url,
                    token=token,
                    cache=cache,
                    concurrency=ENRICH_CONCURRENCY,
                    on_progress=on_progress,
                    stop=stop,
                )
            if problem := cache.save_or_problem():
                problems.append(problem)
            updated = 0
            if updates:
                outcome = self.gate.run(lambda: apply_enrichment(self.library, updates))
                updated = len(outcome.result.ids) if outcome.result else 0
                self.post_message(StoreChanged(outcome.delta))
            text, severity = _enrich_summary(report, updated, token is not None, stop.is_set())
            if problems:
                text += " " + printable("; ".join(problems)) + "."
                severity = "warning" if severity == "information" else severity
            ended = OnlineEnded("GitHub", text, severity)
        finally:
            self.post_message(ended)

    # -- resolve -------------------------------------------------------------------------------------

    def resolve(self, papers: list[Paper], where: str) -> None:
        from reader.online.resolve import needs_resolving

        todo = [paper for paper in papers if needs_resolving(paper)]
        if not todo:
            self.notify(f"Every paper in {where} is resolved already.", title="Resolve")
            return
        stop = self._begin_online(f"Resolving {_plural(len(todo), 'paper')} on Hugging Face")
        if stop is not None:
            self._resolve_worker(todo, stop)

    @work(thread=True, exclusive=True, group=ONLINE_GROUP, exit_on_error=False, name="Resolve")
    def _resolve_worker(self, papers: list[Paper], stop: threading.Event) -> None:
        from reader.online.resolve import (
            ResolveCache,
            apply_resolution,
            claimed_by,
            default_cache_path,
            offline_fallback,
            resolve_offline,
            resolve_papers,
        )

        ended = OnlineEnded("Resolve", None)
        try:
            cache = ResolveCache.load(default_cache_path())
            assert isinstance(cache, ResolveCache)  # load() is typed as GitHubCache's
            problems = [cache.problem] if cache.problem else []
            claimed = claimed_by(self.library)
            offline = resolve_offline(papers, self.library.abstract, claimed)

            def on_progress(title: str, done: int, total: int) -> None:
                self.post_message(OnlineProgress(done, total, title))

            with self._client() as client:
                resolutions, report = resolve_papers(
                    client,
                    papers,
                    abstracts=self.library.abstract,
                    base_url=self.config.hf_api_url,
                    cache=cache,
                    claimed=claimed,
                    concurrency=RESOLVE_CONCURRENCY,
                    on_progress=on_progress,
                    stop=stop,
                )
            if problem := cache.save_or_problem():
                problems.append(problem)
            # Papers the network did not answer for still get the arXiv id their abstract links.
            unasked = offline_fallback(report, offline)
            if resolutions or unasked:
                outcome = self.gate.run(lambda: apply_resolution(self.library, resolutions, unasked))
                report.updated = list(outcome.result.ids) if outcome.result else []
                self.post_message(StoreChanged(outcome.delta))
            text, severity = _resolve_summary(report, len(unasked), stop.is_set())
            if problems:
                text += " " + printable("; ".join(problems)) + "."
            ended = OnlineEnded("Resolve", text, severity)
        finally:
            self.post_message(ended)

    # -- check links --------------------------------------------------------------------------------

    def check_links(self, papers: list[Paper], what: str) -> None:
        from reader.online.linkcheck import paper_urls

        urls = paper_urls(papers)
        count = len({url for links in urls.values() for url in links})
        if not count:
            self.notify(f"No links to check in {what}.", title="Links", severity="warning")
            return
        stop = self._begin_online(f"Checking {_plural(count, 'link')} of {what}")
        if stop is not None:
            self._links_worker(urls, stop)

    @work(thread=True, exclusive=True, group=ONLINE_GROUP, exit_on_error=False, name="Link check")
    def _links_worker(self, urls: dict[str, list[str]], stop: threading.Event) -> None:
        from reader.online.http import NetworkError
        from reader.online.linkcheck import apply_link_results, check_links, summarise

        ended = OnlineEnded("Links", None)
        try:
            distinct = list(dict.fromkeys(url for links in urls.values() for url in links))

            def on_progress(status, done: int, total: int) -> None:
                self.post_message(OnlineProgress(done, total, status.url))

            try:
                with self._client() as client:
                    results = check_links(
                        client, distinct, concurrency=LINK_CONCURRENCY, on_progress=on_progress, stop=stop
                    )
            except NetworkError as exc:
                ended = OnlineEnded("Links", printable(str(exc)), "error")
                return
            outcome = self.gate.run(lambda: apply_link_results(self.library, results, urls.keys()))
            self.post_message(StoreChanged(outcome.delta))
            text, severity = _links_summary(summarise(urls, results), stop.is_set())
            ended = OnlineEnded("Links", text, severity)
        finally:
            self.post_message(ended)

