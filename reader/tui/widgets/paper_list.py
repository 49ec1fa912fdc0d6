"""The paper list: renders only the rows on screen, so 100,000 papers cost nothing extra.

A :class:`~textual.scroll_view.ScrollView` whose virtual height is the number
of rows; :meth:`PaperList.render_line` draws one row from the paper it looks
up by id. The list holds ids (given by its parent) and a cursor and a set of
selected ids (its own state); it posts messages when they change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.papers import Paper
from reader.textsafe import printable
from reader.tui import keys
from reader.sorting import github_stars

SELECTED_MARK = "✔"
UNREAD_MARK = "●"
CODE_MARK = "</>"
STARS_WIDTH = 8  # "★ 123.4k"
DATE_WIDTH = 10  # "2026-01-05"


def stars_label(stars: int | None) -> str:
    """'★ 14.3k', '★ 950', or blank: right-aligned in STARS_WIDTH cells."""
    if stars is None:
        return " " * STARS_WIDTH
    if stars >= 1_000_000:
        shown = f"{stars / 1_000_000:.1f}M"
    elif stars >= 1000:
        shown = f"{stars / 1000:.1f}k"
    else:
        shown = str(stars)
    return f"★ {shown}".rjust(STARS_WIDTH)


def fit(text: str, width: int) -> str:
    """``text`` cut (with an ellipsis) or padded to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class PaperList(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "paper-list--cursor",
        "paper-list--selected",
        "paper-list--unread",
        "paper-list--read",
        "paper-list--tags",
        "paper-list--code",
        "paper-list--marks",
        "paper-list--empty",
        "paper-list--stars",
        "paper-list--date",
    }
    DEFAULT_CSS = """
    PaperList > .paper-list--stars {
        color: $text-warning;
    }
    PaperList > .paper-list--date {
        color: $text-muted;
    }
    """
    BINDINGS = keys.bindings(keys.LIST)

    class Highlighted(Message):
        """The cursor moved to another paper (None: the list is empty)."""

        def __init__(self, paper_id: str | None) -> None:
            super().__init__()
            self.paper_id = paper_id

    class SelectionChanged(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class DetailRequested(Message):
        """Enter: the user wants to read the current paper in the detail pane."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: Sequence[str] = ()
        self._papers: Mapping[str, Paper] = {}
        self.cursor = 0
        self.selected: set[str] = set()
        self.empty_text = "No papers."
        self._last_highlighted: str | None = None
        self._show_stars = False
        self._date_field: str | None = None

    @property
    def show_stars(self) -> bool:
        """Whether rows end with the paper's GitHub stars (the list is sorted by them)."""
        return self._show_stars

    @show_stars.setter
    def show_stars(self, value: bool) -> None:
        self._show_stars = value
        self.refresh()

    @property
    def date_field(self) -> str | None:
        """Which date each row ends with: "added", "published", or None (no date column)."""
        return self._date_field

    @date_field.setter
    def date_field(self, value: str | None) -> None:
        self._date_field = value
        self.refresh()

    # -- data from the parent -------------------------------------------------------

    @property
    def rows(self) -> Sequence[str]:
        return self._rows

    def set_papers(self, papers: Mapping[str, Paper]) -> None:
        self._papers = papers
        self.refresh()

    def set_rows(self, rows: Sequence[str], *, keep: str | None = None) -> None:
        """Show ``rows`` (paper ids); the cursor goes to ``keep`` when it is there, else the top."""
        self._rows = rows
        index = 0
        if keep is not None:
            try:
                index = rows.index(keep)
            except ValueError:
                index = min(self.cursor, max(len(rows) - 1, 0))
        self._update_virtual_size()
        self.move_to(index, force_message=True)
        if index == 0:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def refresh_papers(self) -> None:
        """Papers changed in place (read state, tags): redraw the visible rows."""
        self.refresh()

    # -- cursor and selection --------------------------------------------------------

    @property
    def current_id(self) -> str | None:
        if 0 <= self.cursor < len(self._rows):
            return self._rows[self.cursor]
        return None

    def move_to(self, index: int, *, force_message: bool = False) -> None:
        count = len(self._rows)
        index = max(0, min(index, count - 1)) if count else 0
        old = self.cursor
        self.cursor = index
        self._scroll_cursor_into_view()
        if old != index:
            self.refresh()
        current = self.current_id
        if force_message or current != self._last_highlighted:
            self._last_highlighted = current
            self.post_message(self.Highlighted(current))

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def clear_selection(self) -> None:
        if self.selected:
            self.selected = set()
            self.refresh()
            self.post_message(self.SelectionChanged(0))

    def select(self, ids: set[str]) -> None:
        self.selected = set(ids)
        self.refresh()
        self.post_message(self.SelectionChanged(len(self.selected)))

    # -- actions -----------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_first(self) -> None:
        self.move_to(0)

    def action_cursor_last(self) -> None:
        self.move_to(len(self._rows) - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(self.scrollable_content_region.height - 1, 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(self.scrollable_content_region.height - 1, 1))

    def action_toggle_select(self) -> None:
        pid = self.current_id
        if pid is None or pid not in self._papers:  # (a row of a library still being opened: no paper yet)
            return
        if pid in self.selected:
            self.selected.discard(pid)
        else:
            self.selected.add(pid)
        self.post_message(self.SelectionChanged(len(self.selected)))
        self.refresh()
        self.move_to(self.cursor + 1)

    def action_show_detail(self) -> None:
        self.post_message(self.DetailRequested())

    # -- events ------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_offset.y) + offset.y
        if 0 <= index < len(self._rows):
            self.move_to(index)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = int(self.scroll_offset.y) + y
        rows = self._rows
        if index >= len(rows):
            if index == 0:
                empty = self.get_component_rich_style("paper-list--empty")
                return Strip([Segment(fit(" " + self.empty_text, width), base + empty)], width)
            return Strip.blank(width, base)
        pid = rows[index]
        paper = self._papers.get(pid)
        if paper is None:  # removed a moment ago; the rows are being recomputed
            return Strip.blank(width, base)
        return Strip(self._row_segments(paper, index, width, base)).adjust_cell_length(width, base)

    def _row_segments(self, paper: Paper, index: int, width: int, base: Style) -> list[Segment]:
        component = self.get_component_rich_style
        row = base + component("paper-list--read" if paper.read else "paper-list--unread")
        selected = paper.id in self.selected
        if selected:
            row += component("paper-list--selected")
        overlay = component("paper-list--cursor") if index == self.cursor else None

        def styled(style: Style) -> Style:
            style = row + style
            return style + overlay if overlay is not None else style

        marks = (SELECTED_MARK if selected else " ") + (" " if paper.read else UNREAD_MARK) + " "
        code = CODE_MARK if paper.has_code else " " * len(CODE_MARK)
        lead = cell_len(marks) + len(code) + 1
        tags = printable(" ".join("#" + tag for tag in paper.tags))
        room = width - lead - (STARS_WIDTH + 1 if self._show_stars else 0) - (DATE_WIDTH + 1 if self._date_field else 0)
        tag_width = min(cell_len(tags), max(room // 3, 0)) if tags else 0
        title_width = room - (tag_width + 1 if tag_width else 0)
        segments = [
            Segment(marks, styled(component("paper-list--marks"))),
            Segment(code, styled(component("paper-list--code"))),
            Segment(" ", styled(Style())),
            Segment(fit(printable(paper.title), title_width), styled(Style())),
        ]
        if tag_width:
            segments.append(Segment(" ", styled(Style())))
            segments.append(Segment(fit(tags, tag_width), styled(component("paper-list--tags"))))
        used = lead + title_width + (tag_width + 1 if tag_width else 0)
        ends: list[Segment] = []
        if self._show_stars:
            ends.append(Segment(stars_label(github_stars(paper)), styled(component("paper-list--stars"))))
        if self._date_field:
            stamp = paper.published if self._date_field == "published" else paper.added
            day = printable((stamp or "")[:DATE_WIDTH]).ljust(DATE_WIDTH)
            ends.append(Segment(day, styled(component("paper-list--date"))))
        if ends:
            pad = max(width - used - sum(cell_len(seg.text) for seg in ends) - (len(ends) - 1), 1)
            segments.append(Segment(" " * pad, styled(Style())))
            for number, segment in enumerate(ends):
                if number:
                    segments.append(Segment(" ", styled(Style())))
                segments.append(segment)
        return segments
