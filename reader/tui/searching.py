"""The TUI's view of search: ranked paper ids and a match count for a query.

Runs in worker threads only, on the library's search index
(:mod:`reader.search.engine`). :meth:`Searcher.warm_up`, run at start-up,
brings the index up to date (building it, with progress reports, when the
library has none or it is unusable) and loads its vocabulary; a search made
before that waits for it rather than answering from part of the library.
A malformed query raises :class:`reader.search.QueryError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reader.tui.catalog import ALL, HAS_CODE, READ, TAG_PREFIX, UNREAD


@dataclass(slots=True)
class SearchResult:
    query: str
    ids: list[str]  # best first
    total: int  # how many papers match
    note: str | None = None  # the index was rebuilt, or could not be brought up to date


class Searcher:
    def __init__(self, library) -> None:
        self.library = library
        self.note: str | None = None  # what the warm-up had to say (a rebuild and why), if anything

    def warm_up(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Bring the index up to date and load its vocabulary (seconds only when it must be built)."""
        from reader.search import engine_for

        engine = engine_for(self.library)
        engine.progress = progress
        try:
            self.note = engine.prepare()
        finally:
            engine.progress = None

    def search(self, query: str, list_id: str = ALL, limit: int | None = None) -> SearchResult:
        """Papers matching ``query`` within the smart list ``list_id``, best first (at most ``limit``)."""
        from reader.search import parse_query, search_ids

        parsed = with_list_filter(parse_query(query), list_id)
        ranked = search_ids(self.library, parsed, limit)
        return SearchResult(query, ranked.ids, ranked.total, ranked.note)


def with_list_filter(query, list_id: str):
    """``query`` narrowed to a smart list (the search index applies filters before ranking)."""
    if list_id == ALL:
        return query
    if list_id in (READ, UNREAD):
        wanted = list_id == READ
        if query.read is not None and query.read != wanted:
            return replace(query, contradiction=True)  # "is:read" typed while looking at Unread
        return replace(query, read=wanted)
    if list_id == HAS_CODE:
        if "code" in query.has_not:
            return replace(query, contradiction=True)
        return replace(query, has=tuple(dict.fromkeys((*query.has, "code"))))
    if list_id.startswith(TAG_PREFIX):
        tag = list_id[len(TAG_PREFIX) :]
        if tag in query.not_tags:
            return replace(query, contradiction=True)
        return replace(query, tags=tuple(dict.fromkeys((*query.tags, tag))))
    return query
