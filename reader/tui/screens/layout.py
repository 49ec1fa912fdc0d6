"""How the main screen shares the terminal: the sidebar's width, the list's height (pure)."""

from __future__ import annotations

SIDEBAR_MIN = 18  # 16 cells inside its border: "Has code  1,234"
SIDEBAR_MAX = 30
LIST_SHARE = 3 / 5  # of the height under the search bar, when the list has rows to fill it
BORDER = 2  # a pane's border, top and bottom (or left and right)


def sidebar_width(terminal_width: int) -> int:
    """A fifth of the terminal and a little: 18 columns at 80, 26 at 120, at most 30."""
    return max(SIDEBAR_MIN, min(SIDEBAR_MAX, terminal_width // 5 + 2))


def list_height(pane_height: int, rows: int) -> int | None:
    """The list's height in cells when its rows need less than its share (None: its share,
    the rest going to the detail pane). A list of 3 results takes 3 lines and its border."""
    needed = max(rows, 1) + BORDER
    share = int(pane_height * LIST_SHARE)
    return needed if needed < share else None
