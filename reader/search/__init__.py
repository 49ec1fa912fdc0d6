"""Finding papers: the query language and ranked, typo-tolerant search.

One search serves the CLI (``reader list QUERY``) and the TUI:

- :func:`parse_query` reads the query language (see :mod:`reader.search.query`
  for the grammar) and raises :class:`QueryError` for malformed input;
- :func:`search` ranks a library's papers for a query, on the library's
  tantivy index (see :mod:`reader.search.engine`: kept current by every
  change, rebuilt when it is missing or unusable);
- :func:`search_ids` is the same with paper ids instead of papers (what a
  list view that shows a window of rows needs).

Query language, in short: words (typo-tolerant; title matches rank above
abstract matches, rare words above common ones, and papers matching more
words rank higher), ``"exact phrase"``, ``-word``, ``tag:NAME``,
``-tag:NAME``, ``is:read``, ``is:unread``, ``has:code``, ``has:project``,
``has:notes``, ``source:PAGE``, ``author:NAME``, ``added:WHEN``,
``published:WHEN``, ``id:PREFIX``. An empty query lists every paper, newest
first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reader.lazy import lazy_names

if TYPE_CHECKING:
    from reader.search.engine import SearchEngine, engine_for
    from reader.search.query import Query, QueryError, Term, parse_query
    from reader.search.results import Hit, RankedIds, SearchResult

# Imported when first used: a process that only reads the index (the TUI's first rows, the
# change hook) does not load the engine, its query builder and rapidfuzz at start-up.
_LAZY = {
    "SearchEngine": "reader.search.engine", "engine_for": "reader.search.engine",
    "Hit": "reader.search.results", "RankedIds": "reader.search.results", "SearchResult": "reader.search.results",
    "Query": "reader.search.query", "QueryError": "reader.search.query", "Term": "reader.search.query",
    "parse_query": "reader.search.query",
}


__getattr__ = lazy_names('reader.search', _LAZY, globals())


def search(library, query: str | Query, limit: int | None = None, *, today=None) -> SearchResult:
    """Papers matching ``query``, best first (newest first for an empty query).

    Returns a list of :class:`Hit` (a :class:`SearchResult`, whose ``total``
    counts every match when ``limit`` cut the list, and whose ``note`` says
    when the index was rebuilt or could not be brought up to date). Raises
    :class:`QueryError` for a malformed query. ``today`` is the day relative
    dates (``added:7d``) count from.
    """
    from reader.search.engine import engine_for

    return engine_for(library).search(query, limit, today=today)


def search_ids(library, query: str | Query, limit: int | None = None, *, today=None) -> RankedIds:
    """Like :func:`search`, with paper ids and scores instead of papers."""
    from reader.search.engine import engine_for

    return engine_for(library).search_ids(query, limit, today=today)


__all__ = [
    "QueryError", "Hit", "RankedIds", "Query", "Term", "SearchEngine", "SearchResult",
    "parse_query", "search", "search_ids", "engine_for",
]
