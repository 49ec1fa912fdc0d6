"""The statistics screen (%): papers added and read per week, read ratio, top tags, imports per source.

The figures come from :func:`reader.stats.reading_stats`, as for ``reader stats``,
and the weeks are drawn as the same bars (:func:`reader.stats.week_lines`): one
scale for added and read, with the counts beside them. No new dependency
(textual-plotext would add plotext for one chart), and not Textual's
``Sparkline``: it scales each series to its own range, so one paper read
looked as tall as 400 added.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from reader.stats import ReadingStats, reading_stats, summary_lines, week_lines
from reader.textsafe import printable
from reader.tui import keys

MAX_BAR = 24
# The cells of a week's line besides its two bars ("2026-01-05  added   442 " ... "  read     1 "), plus padding.
WEEK_LINE_TEXT = 41


class StatsScreen(Screen[None]):
    BINDINGS = keys.bindings(keys.STATS)

    class Computed(Message):
        def __init__(self, stats: ReadingStats) -> None:
            super().__init__()
            self.stats = stats

    def __init__(self, papers, today: str) -> None:
        super().__init__(id="stats")
        self.papers = papers  # a list of papers (a snapshot taken by the caller)
        self.today = today
        self.stats: ReadingStats | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Reading statistics", style="bold"), id="stats-header")
        with VerticalScroll(id="stats-body"):
            yield Static(Text("Counting…", style="italic"), id="stats-summary")
            yield Static(id="stats-weeks")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-body").focus()
        self._compute()

    @work(thread=True, group="stats", exclusive=True, exit_on_error=False, name="Counting")
    def _compute(self) -> None:
        self.post_message(self.Computed(reading_stats(self.papers, self.today)))

    def on_stats_screen_computed(self, message: Computed) -> None:
        stats = self.stats = message.stats
        self.query_one("#stats-summary", Static).update(Text(printable("\n".join(summary_lines(stats)), one_line=False)))
        self._draw_weeks()

    def on_resize(self) -> None:
        self._draw_weeks()

    def _draw_weeks(self) -> None:
        stats = self.stats
        if stats is None:
            return
        bar_width = max(4, min(MAX_BAR, (self.size.width - WEEK_LINE_TEXT) // 2))
        heading = Text(f"Papers added and read per week (the last {len(stats.weeks)}, from Mondays)\n", style="bold")
        heading.append("\n".join(week_lines(stats, bar_width)))
        self.query_one("#stats-weeks", Static).update(heading)

    def action_leave(self) -> None:
        self.dismiss(None)
