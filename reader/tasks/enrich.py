"""Add GitHub metadata (stars, description, archived, last push) to papers that link a repository."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from reader.online.github import (
    DEFAULT_MAX_AGE,
    EnrichReport,
    GitHubCache,
    apply_enrichment,
    default_cache_path,
    enrich_papers,
    paper_repo,
)
from reader.tasks.base import Commit, Progress, direct, grouped, listed, one_line, quiet, stopped
from reader.wording import papers, plural

CONCURRENCY = 2


def github_token() -> str | None:
    """``GITHUB_TOKEN`` from the environment (it raises the rate limit), if set."""
    return (os.environ.get("GITHUB_TOKEN") or "").strip() or None


def with_repository(selected) -> list:
    """The papers that link a GitHub repository (the only ones enrich can do anything for)."""
    return [paper for paper in selected if paper_repo(paper)]


@dataclass(slots=True)
class EnrichOutcome:
    report: EnrichReport
    token: bool = False
    cancelled: bool = False
    problems: list[str] = field(default_factory=list)  # the cache could not be read or saved

    @property
    def updated(self) -> int:
        return len(self.report.updated)

    @property
    def ok(self) -> bool:
        return self.report.complete

    @property
    def severity(self) -> str:
        report = self.report
        if report.failed:
            return "error" if not report.fetched and not report.cached else "warning"
        if report.stopped or self.problems:
            return "warning"
        return "information"

    def headline(self) -> str:
        """``GitHub: 3 repositories for 3 papers: 3 fetched, 0 from the cache. Updated 3 papers.``"""
        report = self.report
        parts = [f"{len(report.fetched):,} fetched", f"{len(report.cached):,} from the cache"]
        if report.missing:
            parts.append(f"{len(report.missing):,} not found")
        if report.failed:
            parts.append(f"{len(report.failed):,} failed")
        if report.not_fetched:
            parts.append(f"{len(report.not_fetched):,} not fetched")
        return (
            f"GitHub: {plural(report.repos, 'repository')} for {papers(report.papers)}: {', '.join(parts)}. "
            f"Updated {papers(self.updated)}."
        )

    def stop_reason(self) -> str | None:
        """Why the task stopped early (a rate limit, no network), with what to do about it."""
        report = self.report
        if not report.stopped:
            return None
        rate_limited = report.retry_at is not None or "rate limit" in report.stopped.lower()
        hint = " (set GITHUB_TOKEN for a higher limit)" if rate_limited and not self.token else ""
        left = f"; {plural(len(report.not_fetched), 'repository')} not fetched" if report.not_fetched else ""
        return f"{report.stopped}{left}{hint}; what was fetched is saved"

    def summary(self) -> str:
        text = self.headline()
        if reason := self.stop_reason():
            text = f"{reason}. " + text
        elif self.cancelled and self.report.not_fetched:
            text = "Stopped. " + text
        if self.report.failed:
            text += " " + listed(self.failure_lines(), limit=2)
        if self.problems:
            text += " " + "; ".join(self.problems) + "."
        return text

    def failure_lines(self) -> list[str]:
        """One line per distinct error, naming the repositories it hit."""
        return grouped([(repo, one_line(error)) for repo, error in self.report.failed])

    def to_dict(self) -> dict:
        return self.report.to_dict()


def enrich(
    library,
    client,
    selected,
    *,
    base_url: str,
    token: str | None = None,
    cache_path: Path | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
    concurrency: int = CONCURRENCY,
    stop: threading.Event | None = None,
    progress: Progress = quiet,
    commit: Commit = direct,
) -> EnrichOutcome:
    """Fetch the repositories of ``selected`` papers (cached answers younger than ``max_age`` are
    reused) and store their metadata as one change; a rate limit keeps what was fetched."""
    chosen = with_repository(selected)
    cache = GitHubCache.load(cache_path or default_cache_path())
    problems = [cache.problem] if cache.problem else []
    updates, report = enrich_papers(
        client,
        chosen,
        base_url=base_url,
        token=token,
        cache=cache,
        max_age=max_age,
        concurrency=concurrency,
        on_progress=lambda repo, done, total: progress(done, total, repo),
        stop=stop,
    )
    if problem := cache.save_or_problem():
        problems.append(problem)
    change = commit(lambda: apply_enrichment(library, updates)) if updates else None
    report.updated = list(change.ids) if change else []
    return EnrichOutcome(report, token=token is not None, cancelled=stopped(stop), problems=problems)


__all__ = ["EnrichOutcome", "enrich", "github_token", "with_repository"]
