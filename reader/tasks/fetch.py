"""Fetch Hugging Face Daily Papers for some days and store them as one change."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from reader.online.daily import FetchReport, fetch_days
from reader.tasks.base import Commit, Progress, direct, grouped, listed, one_line, quiet, stopped
from reader.tasks.importing import PagesImport
from reader.wording import plural

CONCURRENCY = 4
FAILED_NOTE = "failed"  # the end of a failed day's progress note: "2024-03-12: failed"


@dataclass(slots=True)
class FetchOutcome:
    days: list[date]
    report: FetchReport
    imported: PagesImport | None
    cancelled: bool = False

    @property
    def failed(self) -> list:
        """Days that failed (not those left out because the task was stopped)."""
        return [d for d in self.report.failed if d.error != "cancelled"]

    @property
    def not_fetched(self) -> list:
        return [d for d in self.report.failed if d.error == "cancelled"]

    @property
    def ok(self) -> bool:
        """Everything asked for was fetched and read (the CLI exits 0)."""
        return not self.report.failed and not self.report.skipped

    @property
    def severity(self) -> str:
        if self.failed and self.imported is None:
            return "error"
        if self.failed or (self.imported is not None and self.imported.skipped):
            return "warning"
        return "information"

    def headline(self) -> str:
        """``Fetched 2 of 2 days: 4 entries: 4 new, ...`` (or ``...; nothing imported``)."""
        fetched = len(self.days) - len(self.report.failed)
        head = f"Fetched {fetched:,} of {plural(len(self.days), 'day')}"
        if self.imported is None:
            return f"{head}; nothing imported."
        return f"{head}: {self.imported.counts(within='across the days')}."

    def problems(self) -> list[str]:
        """What went wrong, one sentence each (empty when everything worked)."""
        out = []
        if self.failed:
            rest = "the other days were imported" if self.imported is not None else "nothing was imported"
            out.append(f"{len(self.failed):,} of {plural(len(self.days), 'day')} failed; {rest}")
        skipped = self.report.skipped
        if skipped:
            out.append(f"{plural(len(skipped), 'entry')} had an unexpected shape and were skipped")
        return out

    def summary(self) -> str:
        """One paragraph: the headline, what was stopped, and the first failures."""
        text = self.headline()
        if self.imported is not None and self.imported.report.changed:
            text += " u undoes."
        if self.cancelled and self.not_fetched:
            text = f"Stopped: {plural(len(self.not_fetched), 'day')} not fetched. " + text
        if self.failed:
            text += f" {plural(len(self.failed), 'day')} failed: " + listed(self.failure_lines(), limit=2)
        return text

    def failure_lines(self) -> list[str]:
        """One line per distinct error, naming the days it hit."""
        return grouped([(d.day, one_line(d.error or "")) for d in self.failed])

    def to_dict(self) -> dict:
        return {
            "fetch": self.report.to_dict(),
            "import": self.imported.to_dict() if self.imported else None,
        }


def day_note(result) -> str:
    """``2024-03-12: 4 papers`` or ``2024-03-12: failed``: one finished day."""
    if not result.ok:
        return f"{result.day}: {FAILED_NOTE}"
    skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
    return f"{result.day}: {plural(result.candidates, 'paper')}{skipped}"


def fetch_daily(
    library,
    client,
    days: list[date],
    *,
    base_url: str,
    concurrency: int = CONCURRENCY,
    stop: threading.Event | None = None,
    progress: Progress = quiet,
    commit: Commit = direct,
) -> FetchOutcome:
    """Fetch ``days`` (a failed day never loses the others) and store what came as one change."""
    def on_day(result, done: int, total: int) -> None:
        progress(done, total, day_note(result))

    candidates, report = fetch_days(
        client, days, base_url=base_url, concurrency=concurrency, on_day=on_day, stop=stop
    )
    imported = None
    if report.sources:
        stored = commit(
            lambda: library.import_candidates(
                candidates, skipped=report.skipped, sources=report.sources, label="fetch"
            )
        )
        imported = PagesImport(stored, parser_skipped=len(report.skipped))
    return FetchOutcome(days, report, imported, cancelled=stopped(stop))
