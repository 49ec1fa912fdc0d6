"""Command palette entries made from library data: a list per tag, the current paper's links.

Their text comes from papers (tags, URLs), so it is shown as plain
:class:`~textual.content.Content`: the system-command provider would read it
as markup. The app's own actions are system commands (``ReaderApp.get_system_commands``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from reader.textsafe import printable
from reader.tui.catalog import tag_list_id

if TYPE_CHECKING:
    from reader.tui.app import ReaderApp


class PaperCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("ReaderApp", self.app)
        main = app.mounted_main()
        if main is None:
            return []
        commands: list[tuple[str, str, Callable[[], object]]] = []
        counts = app.catalog.counts
        for tag in counts.tag_names() if counts else ():
            commands.append(
                (printable(f"Show list: #{tag}"), "Papers with this tag", partial(main.show_list, tag_list_id(tag)))
            )
        paper = main.current_paper()
        if paper is not None:
            for number, link in enumerate(paper.links[:9], start=1):
                commands.append(
                    (printable(f"Open link {number}: {link.url}"), f"Key: {number}", partial(app.open_link, link.url))
                )
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(Content(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, Content(title), callback, text=title, help=help_text)
