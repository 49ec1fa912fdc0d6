"""Check that papers' links still answer, and store the results with the papers (dead ones marked)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from reader.online.http import DeadlineExceeded
from reader.online.linkcheck import LinkReport, apply_link_results, check_links, paper_urls, summarise
from reader.tasks.base import Commit, Progress, clip, direct, listed, quiet, stopped
from reader.wording import papers, plural

CONCURRENCY = 8
TIMEOUT = 10.0


def links_of(selected) -> dict[str, list[str]]:
    """``{paper id: [url, ...]}`` of the papers (every paper listed, with or without links)."""
    return paper_urls(selected)


def distinct_urls(urls: dict[str, list[str]]) -> list[str]:
    return list(dict.fromkeys(url for links in urls.values() for url in links))


@dataclass(slots=True)
class LinksOutcome:
    report: LinkReport
    owners: dict[str, str]  # url -> the (first) paper that has it
    cancelled: bool = False

    ok = True  # dead links are a finding, not a failure

    @property
    def cancelled_count(self) -> int:
        return sum(1 for s in self.report.not_checked if s.error == "cancelled")

    @property
    def severity(self) -> str:
        return "warning" if self.report.dead else "information"

    def headline(self) -> str:
        """``Checked 3 links of 2 papers: 1 ok, 2 dead.``"""
        report = self.report
        limited = len(report.not_checked) - self.cancelled_count
        text = (
            f"Checked {plural(report.links - len(report.not_checked), 'link')} of {papers(report.papers)}: "
            f"{len(report.ok):,} ok, {len(report.dead):,} dead"
        )
        if limited:
            text += f", {limited:,} not checked ({self.not_checked_why()}; try later)"
        return text + "."

    def not_checked_why(self) -> str:
        """'rate limited', 'a server error', 'too slow', or several of them, for the links not checked."""
        why: dict[str, None] = {}
        for status in self.report.not_checked:
            if status.error == "cancelled":
                continue
            if status.status == 429:
                why["rate limited"] = None
            elif status.status is not None and status.status >= 500:
                why["a server error"] = None
            elif isinstance(status.cause, DeadlineExceeded):
                why["too slow"] = None
            else:
                why["not answered"] = None
        return ", ".join(why) or "not answered"

    def summary(self) -> str:
        text = self.headline()
        if self.cancelled and self.cancelled_count:
            text = f"Stopped: {plural(self.cancelled_count, 'link')} not checked. " + text
        if self.report.dead:
            text += " Dead: " + listed([f"{clip(s.url, 60)} ({clip(s.error or '', 60)})" for s in self.report.dead])
        return text

    def to_dict(self) -> dict:
        return self.report.to_dict()


def check_paper_links(
    library,
    client,
    selected,
    *,
    timeout: float = TIMEOUT,
    concurrency: int = CONCURRENCY,
    stop: threading.Event | None = None,
    progress: Progress = quiet,
    commit: Commit = direct,
) -> LinksOutcome:
    """Check every link of the ``selected`` papers once and store the results as one change.

    Raises :class:`reader.online.http.NetworkError` when no link could be reached
    at all (offline): then nothing is marked.
    """
    urls = links_of(selected)
    owners: dict[str, str] = {}
    for pid, links in urls.items():
        for url in links:
            owners.setdefault(url, pid)
    results = {}
    if owners:
        results = check_links(
            client,
            list(owners),
            concurrency=concurrency,
            timeout=timeout,
            on_progress=lambda status, done, total: progress(done, total, status.url),
            stop=stop,
        )
    report = summarise(urls, results)
    if results:
        change = commit(lambda: apply_link_results(library, results, urls.keys()))
        report.updated = list(change.ids) if change else []
    return LinksOutcome(report, owners, cancelled=stopped(stop))


__all__ = ["LinksOutcome", "check_paper_links", "distinct_urls", "links_of"]
