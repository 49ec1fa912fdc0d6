"""What a search returns: hits with papers, or ranked ids."""

from __future__ import annotations

from dataclasses import dataclass

from reader.papers import Paper
from reader.search.query import Query



@dataclass(slots=True)
class Hit:
    paper: Paper
    score: float


class SearchResult(list):
    """Hits, best first (a plain list of :class:`Hit`), plus what the list leaves out.

    ``total`` is the number of papers that match (more than ``len()`` when a
    limit cut the list); ``note`` says when the answer may not reflect the
    library exactly (an index that could not be brought up to date), or that
    the index was rebuilt and why.
    """

    def __init__(self, hits=(), *, total: int = 0, query: Query | None = None, note: str | None = None) -> None:
        super().__init__(hits)
        self.total = total
        self.query = query
        self.note = note


@dataclass(slots=True)
class RankedIds:
    """Paper ids best first, their scores, how many papers match, and a note (see :class:`SearchResult`)."""

    ids: list[str]
    scores: list[float]
    total: int
    note: str | None = None
