"""The TUI's view of search: ranked paper ids and a match count for a query.

Runs in worker threads. Uses :class:`reader.search.SearchIndex` when the
search module provides it, and the plain :func:`reader.search.search`
otherwise. Both raise :class:`reader.search.QueryError` for a malformed query.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader import search as search_module


@dataclass(slots=True)
class SearchResult:
    query: str
    ids: list[str]  # best first
    total: int  # how many papers match


class Searcher:
    def __init__(self, library) -> None:
        self.library = library
        index_class = getattr(search_module, "SearchIndex", None)
        self._index = index_class(library) if index_class is not None else None

    def sync(self) -> None:
        """Bring the index up to date with the library (cheap when nothing changed)."""
        if self._index is not None:
            self._index.sync()

    def search(self, query: str) -> SearchResult:
        if self._index is not None:
            self._index.sync()
            hits = self._index.search(query)
        else:
            hits = search_module.search(self.library, query)
        ids = [hit.paper.id for hit in hits]
        return SearchResult(query, ids, len(ids))
