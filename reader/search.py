"""Finding papers: the query language and ranking.

A simple case-insensitive filter for now (every word must appear in the title,
abstract, tags or links); ranked fuzzy search replaces it (issue: search).
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.errors import ReaderError
from reader.papers import Paper, fold_text


class QueryError(ReaderError):
    """A query that cannot be understood (the message says why)."""


@dataclass(slots=True)
class Hit:
    paper: Paper
    score: float


def search(library, query: str, limit: int | None = None) -> list[Hit]:
    """Papers matching ``query``, best first; newest first for an empty query."""
    words = fold_text(query).split()
    papers = library.papers()
    papers.reverse()  # newest first
    if not words:
        hits = [Hit(paper, 0.0) for paper in papers]
        return hits[:limit] if limit else hits
    abstracts = library.abstracts()
    hits: list[Hit] = []
    for paper in papers:
        haystack = fold_text(
            " ".join(
                [paper.title, abstracts.get(paper.id, ""), " ".join(paper.tags)]
                + [link.url for link in paper.links]
            )
        )
        if all(word in haystack for word in words):
            hits.append(Hit(paper, 1.0))
            if limit and len(hits) >= limit:
                break
    return hits
