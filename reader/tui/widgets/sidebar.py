"""The sidebar: smart lists (All, Unread, Read, Has code, one per tag) with their counts."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.textsafe import printable
from reader.tui import keys
from reader.tui.catalog import ALL, FIXED_LISTS, ListCounts, list_label, tag_list_id
from reader.tui.widgets.paper_list import fit

LABEL_WIDTH = 16  # until the sidebar knows its width
PENDING = ListCounts()  # shown while the counts are being computed


def list_prompt(label: str, count: int | None, label_width: int = LABEL_WIDTH, count_width: int = 7) -> Text:
    shown = "…" if count is None else f"{count:,}"
    return Text(fit(printable(label), label_width) + shown.rjust(count_width))


class SmartListSidebar(OptionList):
    BINDINGS = keys.bindings(keys.SIDEBAR)

    class Chosen(Message):
        """The user moved to another smart list."""

        def __init__(self, list_id: str) -> None:
            super().__init__()
            self.list_id = list_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._list_ids: list[str] = []
        self._counts: ListCounts | None = None
        self._drawn_width = 0
        self.current = ALL

    @property
    def list_ids(self) -> list[str]:
        return list(self._list_ids)

    def update_counts(self, counts: ListCounts | None) -> None:
        """Show ``counts`` (None: still counting); the lists change when tags come and go."""
        if counts is None:
            counts = PENDING
        self._counts = counts
        wanted = [list_id for list_id, _ in FIXED_LISTS] + [tag_list_id(tag) for tag in counts.tag_names()]
        if self.current not in wanted:
            wanted.append(self.current)  # a tag whose last paper lost it: keep showing it (0)
        shown = [None if counts is PENDING else counts.count(list_id) for list_id in wanted]
        # The counts get the room their widest one needs; the names get the rest of the width.
        count_width = max(len(f"{count:,}") for count in shown if count is not None) + 1 if any(
            count is not None for count in shown
        ) else 2
        width = self.scrollable_content_region.width
        self._drawn_width = width
        label_width = width - count_width - 1 if width > count_width + 4 else LABEL_WIDTH  # 1: the scrollbar gap
        prompts = [
            list_prompt(list_label(list_id), count, label_width, count_width) for list_id, count in zip(
                wanted, shown, strict=True
            )
        ]
        with self.prevent(OptionList.OptionHighlighted):
            if wanted == self._list_ids:
                for list_id, prompt in zip(wanted, prompts, strict=True):
                    self.replace_option_prompt(list_id, prompt)
            else:
                options: list[Option | None] = []
                for index, (list_id, prompt) in enumerate(zip(wanted, prompts, strict=True)):
                    if index == len(FIXED_LISTS):
                        options.append(None)  # a separator between fixed lists and tags
                    options.append(Option(prompt, id=list_id))
                self.set_options(options)
                self._list_ids = wanted
            self.highlighted = self.get_option_index(self.current)

    def on_resize(self) -> None:
        if self._counts is not None and self.scrollable_content_region.width != self._drawn_width:
            self.update_counts(None if self._counts is PENDING else self._counts)

    def choose(self, list_id: str) -> None:
        """Move to ``list_id`` (from a key or the palette); posts :class:`Chosen`."""
        if list_id not in self._list_ids:
            return
        self.current = list_id
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = self.get_option_index(list_id)
        self.post_message(self.Chosen(list_id))

    def step(self, offset: int) -> None:
        if not self._list_ids:
            return
        index = self._list_ids.index(self.current) if self.current in self._list_ids else 0
        self.choose(self._list_ids[(index + offset) % len(self._list_ids)])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        list_id = event.option.id
        if list_id is not None and list_id != self.current:
            self.current = list_id
            self.post_message(self.Chosen(list_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        list_id = event.option.id
        if list_id is not None:
            self.current = list_id
            self.post_message(self.Chosen(list_id))
