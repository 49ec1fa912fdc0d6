"""Find papers on Hugging Face (arXiv id, authors, dates, links), or take the arXiv ids abstracts link."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import cast

from reader.online.resolve import (
    DEFAULT_MAX_AGE,
    ResolveCache,
    ResolveReport,
    apply_resolution,
    claimed_by,
    default_cache_path,
    needs_resolving,
    offline_fallback,
    resolve_offline,
    resolve_papers,
)
from reader.tasks.base import Commit, Progress, direct, one_line, quiet, stopped
from reader.wording import papers

CONCURRENCY = 3


def unresolved(selected) -> list:
    """The papers that still lack an arXiv id (or authors and a date)."""
    return [paper for paper in selected if needs_resolving(paper)]


@dataclass(slots=True)
class OfflineOutcome:
    """``resolve --offline``: arXiv ids taken from links in abstracts, no network."""

    papers: int
    found: dict[str, str]
    updated: int = 0

    ok = True
    severity = "information"

    def summary(self) -> str:
        if self.updated:
            return f"Took the arXiv id of {papers(self.updated)} from links in their abstracts."
        return f"Of {papers(self.papers)}, no abstract links an arXiv id that is not known yet."

    def to_dict(self) -> dict:
        return {"papers": self.papers, "found": [{"id": k, "arxiv_id": v} for k, v in self.found.items()]}


@dataclass(slots=True)
class ResolveOutcome:
    report: ResolveReport
    titles: dict[str, str]  # paper id -> title, for naming them
    from_abstracts: int = 0  # arXiv ids taken from abstracts because the network did not answer
    cancelled: bool = False
    problems: list[str] = field(default_factory=list)  # the cache could not be read or saved

    @property
    def ok(self) -> bool:
        return self.report.stopped is None

    @property
    def severity(self) -> str:
        if self.report.stopped:
            return "error" if not self.report.updated else "warning"
        return "warning" if self.problems else "information"

    def counts(self) -> str:
        """``1 matched, 0 ambiguous, 1 unmatched, 2 already resolved``."""
        report = self.report
        text = f"{len(report.matched):,} matched, {len(report.ambiguous):,} ambiguous, {len(report.unmatched):,} unmatched"
        if report.skipped:
            text += f", {len(report.skipped):,} already resolved"
        return text + self._unanswered(", ")

    def _unanswered(self, lead: str) -> str:
        """``, 3 asked without an answer, 1 not tried`` (nothing when every paper got a verdict)."""
        report = self.report
        parts = []
        if report.failed:
            parts.append(f"{len(report.failed):,} asked without an answer")
        if len(report.not_tried) > len(report.failed):
            parts.append(f"{len(report.not_tried) - len(report.failed):,} not tried")
        return lead + ", ".join(parts) if parts else ""

    def stop_reason(self) -> str | None:
        report = self.report
        if not report.stopped:
            return None
        kept = "what matched before is saved" if report.updated else "nothing was changed"
        # The whole reason, on one line: cutting it short hid the end ("(a server probl…").
        unanswered = self._unanswered("; ").replace("; ", f"; of {papers(len(report.not_tried))}, ", 1)
        return f"{one_line(report.stopped)}{unanswered}; {kept}"

    def summary(self) -> str:
        text = self.counts() + "."
        if self.from_abstracts:
            text += f" Took the arXiv id of {papers(self.from_abstracts)} from links in their abstracts."
        if self.report.updated:
            text += f" Updated {papers(len(self.report.updated))}; u undoes."
        if reason := self.stop_reason():
            text = f"Stopped: {reason}. " + text
        elif self.cancelled and self.report.not_tried:
            text = "Stopped. " + text
        if self.problems:
            text += " " + "; ".join(self.problems) + "."
        return text

    def to_dict(self) -> dict:
        return self.report.to_dict()


def resolve_from_abstracts(library, selected, *, commit: Commit = direct) -> OfflineOutcome:
    """No network: the arXiv id each paper's abstract links (when no other paper has it), as one change."""
    chosen = list(selected)
    found = resolve_offline(chosen, library.abstract, claimed_by(library))
    change = commit(
        lambda: apply_resolution(library, {}, found, label=f"arXiv ids of {papers(len(found))} from abstracts")
    )
    return OfflineOutcome(len(chosen), found, updated=len(change.ids) if change else 0)


def resolve(
    library,
    client,
    selected,
    *,
    base_url: str,
    cache_path: Path | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
    concurrency: int = CONCURRENCY,
    stop: threading.Event | None = None,
    progress: Progress = quiet,
    commit: Commit = direct,
) -> ResolveOutcome:
    """Ask Hugging Face about the ``selected`` papers that need it; store confident matches as one change.

    Without the network, the arXiv id an abstract links is still taken.
    """
    chosen = list(selected)
    cache = cast(ResolveCache, ResolveCache.load(cache_path or default_cache_path()))
    problems = [cache.problem] if cache.problem else []
    claimed = claimed_by(library)
    offline = resolve_offline(chosen, library.abstract, claimed)
    resolutions, report = resolve_papers(
        client,
        chosen,
        abstracts=library.abstract,
        base_url=base_url,
        cache=cache,
        max_age=max_age,
        claimed=claimed,
        concurrency=concurrency,
        on_progress=lambda title, done, total: progress(done, total, title),
        stop=stop,
    )
    if problem := cache.save_or_problem():
        problems.append(problem)
    unasked = offline_fallback(report, offline)
    change = None
    if resolutions or unasked:
        change = commit(lambda: apply_resolution(library, resolutions, unasked))
    report.updated = list(change.ids) if change else []
    return ResolveOutcome(
        report,
        {paper.id: paper.title for paper in chosen},
        from_abstracts=len(unasked),
        cancelled=stopped(stop),
        problems=problems,
    )


__all__ = ["OfflineOutcome", "ResolveOutcome", "resolve", "resolve_from_abstracts", "unresolved"]
