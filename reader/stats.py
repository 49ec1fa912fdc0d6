"""Reading statistics: one function, :func:`reading_stats`, for `reader stats` and the TUI's screen.

Weeks start on Monday (ISO weeks, UTC). A paper counts as *added* in the week
of its ``added`` stamp and as *read* in the week of its ``read_at`` stamp;
imports per source count the papers each page dump or list brought in (a
paper seen on two pages counts for both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reader.papers import Paper

DEFAULT_WEEKS = 12
TOP_TAGS = 10
TOP_SOURCES = 10
BAR_CHARS = "▏▎▍▌▋▊▉█"


@dataclass(slots=True)
class Week:
    start: date  # a Monday
    added: int = 0
    read: int = 0

    def to_dict(self) -> dict:
        return {"week": self.start.isoformat(), "added": self.added, "read": self.read}


@dataclass(slots=True)
class ReadingStats:
    papers: int
    read: int
    weeks: list[Week]  # oldest first, ending with the current week
    top_tags: list[tuple[str, int]]
    sources: list[tuple[str, int]]
    untagged: int = 0
    without_source: int = 0
    other_sources: int = 0  # sources beyond the ones listed

    @property
    def unread(self) -> int:
        return self.papers - self.read

    @property
    def read_ratio(self) -> float:
        return self.read / self.papers if self.papers else 0.0

    def to_dict(self) -> dict:
        return {
            "papers": self.papers,
            "read": self.read,
            "unread": self.unread,
            "read_ratio": round(self.read_ratio, 4),
            "weeks": [week.to_dict() for week in self.weeks],
            "top_tags": [{"tag": tag, "papers": count} for tag, count in self.top_tags],
            "untagged": self.untagged,
            "sources": [{"source": source, "papers": count} for source, count in self.sources],
            "other_sources": self.other_sources,
            "without_source": self.without_source,
        }


def parse_day(stamp: str | None) -> date | None:
    """The day of an ISO stamp ('2026-01-05T10:00:00Z' or '2026-01-05'); None if it is not one."""
    if not stamp or not isinstance(stamp, str):
        return None
    try:
        return date.fromisoformat(stamp[:10])
    except ValueError:
        return None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def reading_stats(papers: Iterable[Paper], today: date | str, *, weeks: int = DEFAULT_WEEKS) -> ReadingStats:
    """Figures about ``papers``: added and read per week for the last ``weeks`` weeks, read ratio,
    top tags and papers per source. ``today`` is a date or an ISO stamp (the library's clock)."""
    if isinstance(today, str):
        parsed = parse_day(today)
        today = parsed if parsed is not None else datetime.now().date()
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    last = week_start(today)
    starts = [last - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    by_start = {start: Week(start) for start in starts}
    week_of_day: dict[str, Week | None] = {}  # 'YYYY-MM-DD' -> its week in the window (None: outside)

    def week_of(stamp: str | None) -> Week | None:
        day = stamp[:10] if isinstance(stamp, str) else ""
        try:
            return week_of_day[day]
        except KeyError:
            parsed = parse_day(day)
            week = by_start.get(week_start(parsed)) if parsed is not None else None
            week_of_day[day] = week
            return week

    total = read = untagged = without_source = 0
    tags: Counter = Counter()
    sources: Counter = Counter()
    for paper in papers:
        total += 1
        if paper.read:
            read += 1
        if (week := week_of(paper.added)) is not None:
            week.added += 1
        if paper.read and (week := week_of(paper.read_at)) is not None:
            week.read += 1
        if paper.tags:
            tags.update(set(paper.tags))
        else:
            untagged += 1
        if paper.sources:
            sources.update(set(paper.sources))
        else:
            without_source += 1
    ranked_sources = sorted(sources.items(), key=lambda item: (-item[1], item[0]))
    return ReadingStats(
        papers=total,
        read=read,
        weeks=[by_start[start] for start in starts],
        top_tags=sorted(tags.items(), key=lambda item: (-item[1], item[0]))[:TOP_TAGS],
        sources=ranked_sources[:TOP_SOURCES],
        untagged=untagged,
        without_source=without_source,
        other_sources=max(len(ranked_sources) - TOP_SOURCES, 0),
    )


def bar(value: int, largest: int, width: int) -> str:
    """A horizontal bar of ``value`` out of ``largest`` in at most ``width`` cells (eighths of a cell)."""
    if value <= 0 or largest <= 0 or width <= 0:
        return ""
    eighths = max(round(value / largest * width * 8), 1)
    full, part = divmod(eighths, 8)
    return "█" * full + (BAR_CHARS[part - 1] if part else "")


def week_lines(stats: ReadingStats, width: int = 20) -> list[str]:
    """One line per week, '2026-01-05  added    12 ████▍  read     3 █▏' (`reader stats` and the TUI)."""
    largest = max([week.added for week in stats.weeks] + [week.read for week in stats.weeks] + [0])
    lines = []
    for week in stats.weeks:
        lines.append(
            f"{week.start.isoformat()}  added {week.added:>5} {bar(week.added, largest, width):<{width}}"
            f"  read {week.read:>5} {bar(week.read, largest, width)}".rstrip()
        )
    return lines


def summary_lines(stats: ReadingStats) -> list[str]:
    """The figures besides the weeks, as lines of text."""
    lines = [
        f"{stats.papers:,} papers: {stats.read:,} read, {stats.unread:,} unread "
        f"(read ratio {stats.read_ratio:.1%})",
    ]
    if stats.top_tags:
        lines.append("Top tags: " + ", ".join(f"#{tag} {count:,}" for tag, count in stats.top_tags))
    else:
        lines.append("Top tags: none yet")
    if stats.sources:
        shown = ", ".join(f"{source} {count:,}" for source, count in stats.sources)
        if stats.other_sources:
            shown += f" (and {stats.other_sources:,} more sources)"
        lines.append("Imports per source: " + shown)
    else:
        lines.append("Imports per source: none")
    return lines


__all__ = ["ReadingStats", "Week", "bar", "reading_stats", "summary_lines", "week_lines", "week_start"]
