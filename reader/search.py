"""Finding papers: the query language and ranked, typo-tolerant search.

One search serves the CLI (``reader list QUERY``) and the TUI:

- :func:`parse_query` reads the query language (see :mod:`reader.search_query`
  for the grammar) and raises :class:`QueryError` for malformed input;
- :class:`SearchIndex` keeps an index of one library up to date incrementally
  and ranks papers for a query (see :mod:`reader.searchindex` for how);
- :func:`search` is the one-call form for scripts and the CLI.

Query language, in short: words (typo-tolerant; title matches rank above
abstract matches, and papers matching more words rank higher), ``"exact
phrase"``, ``-word``, ``tag:NAME``, ``-tag:NAME``, ``is:read``, ``is:unread``,
``has:code``, ``has:project``, ``source:PAGE``. An empty query lists every
paper, newest first.
"""

from __future__ import annotations

import threading
import weakref

from reader.search_query import Query, QueryError, Term, parse_query
from reader.searchindex import Hit, RankedIds, SearchIndex, SearchResult

_indexes: "weakref.WeakKeyDictionary[object, SearchIndex]" = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def index_for(library) -> SearchIndex:
    """The shared :class:`SearchIndex` of ``library`` (one per library object)."""
    with _indexes_lock:
        index = _indexes.get(library)
        if index is None:
            index = _indexes[library] = SearchIndex(library)
        return index


def forget_index(library) -> None:
    """Drop the shared index of ``library`` (the next :func:`index_for` builds a new one)."""
    with _indexes_lock:
        _indexes.pop(library, None)


def search(library, query: str, limit: int | None = None) -> SearchResult:
    """Papers matching ``query``, best first (newest first for an empty query).

    Returns a list of :class:`Hit` (a :class:`SearchResult`, whose ``total``
    counts every match when ``limit`` cut the list). Raises :class:`QueryError`
    for a malformed query.
    """
    return index_for(library).search(query, limit)


__all__ = ["QueryError", "Hit", "RankedIds", "Query", "Term", "SearchIndex", "SearchResult", "parse_query", "search", "index_for", "forget_index"]
