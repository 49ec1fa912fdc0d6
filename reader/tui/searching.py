"""The TUI's view of search: ranked paper ids and a match count for a query.

Runs in worker threads only. Uses the library's shared
:class:`reader.search.SearchIndex` (thread-safe). Until the index has loaded
the abstracts (:meth:`Searcher.warm_up`, run at start-up), searches look in
titles, tags and links only and say so (``partial``), so typing never waits
for seconds of indexing. A malformed query raises
:class:`reader.search.QueryError`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class SearchResult:
    query: str
    ids: list[str]  # best first
    total: int  # how many papers match
    partial: bool = False  # abstracts were not searched yet


class Searcher:
    def __init__(self, library) -> None:
        self.library = library
        self._index = None

    @property
    def index(self):
        if self._index is None:
            from reader.search import index_for  # imports numpy: in a worker, not at start-up

            self._index = index_for(self.library)
        return self._index

    @property
    def ready(self) -> bool:
        return self._index is not None and self._index.abstracts_ready

    def warm_up(self) -> None:
        """Index everything now (seconds at 100,000 papers the first time; then read from a saved index)."""
        self.index.prepare()

    def search(self, query: str) -> SearchResult:
        hits = self.index.search(query, partial_ok=True)
        return SearchResult(query, [hit.paper.id for hit in hits], hits.total, hits.partial)
