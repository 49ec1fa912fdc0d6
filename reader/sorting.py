"""The orders a list of papers can be shown in: one function the CLI, the exporters and the TUI call.

A search (or a smart list) gives papers in rank order; :func:`sort_ids`
reorders them by one of :data:`SORTS`. Papers that lack the value a sort
needs (no publication date, no upvotes, no GitHub stars) come last in both
directions, keeping their rank order; ties keep their rank order too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter

from reader.errors import ReaderError
from reader.papers import Paper, fold_text

RANK = "rank"
ADDED = "added"
PUBLISHED = "published"
TITLE = "title"
UPVOTES = "upvotes"
STARS = "stars"

SORTS: tuple[str, ...] = (RANK, ADDED, PUBLISHED, TITLE, UPVOTES, STARS)

# How each order is named to people, and what its natural direction is.
SORT_LABELS: dict[str, str] = {
    RANK: "relevance",
    ADDED: "date added",
    PUBLISHED: "date published",
    TITLE: "title",
    UPVOTES: "upvotes",
    STARS: "GitHub stars",
}
_DIRECTIONS: dict[str, tuple[str, str]] = {  # (natural, reversed)
    RANK: ("best first", "worst first"),
    ADDED: ("newest first", "oldest first"),
    PUBLISHED: ("newest first", "oldest first"),
    TITLE: ("A to Z", "Z to A"),
    UPVOTES: ("most first", "fewest first"),
    STARS: ("most first", "fewest first"),
}


class SortError(ReaderError):
    pass


def check_sort(name: str) -> str:
    """``name`` when it is one of :data:`SORTS` (case-insensitive), else a one-line :class:`SortError`."""
    normal = name.strip().lower()
    if normal not in SORTS:
        raise SortError(f"unknown sort order {name!r}: use one of {', '.join(SORTS)}")
    return normal


def describe_sort(name: str, reverse: bool = False) -> str:
    """'date added, oldest first'."""
    return f"{SORT_LABELS[name]}, {_DIRECTIONS[name][1 if reverse else 0]}"


def github_stars(paper: Paper) -> int | None:
    """The GitHub stars ``reader enrich`` stored for the paper's code, or None."""
    github = paper.extra.get("github") if isinstance(paper.extra, dict) else None
    stars = github.get("stars") if isinstance(github, dict) else None
    return stars if isinstance(stars, int) and not isinstance(stars, bool) else None


def _date_key(stamp: str | None) -> str | None:
    return stamp or None


def _key_function(name: str) -> Callable[[Paper], object | None]:
    """The value a paper is sorted by (None: it has none, and goes last)."""
    if name == ADDED:
        return lambda paper: _date_key(paper.added)
    if name == PUBLISHED:
        return lambda paper: _date_key(paper.published)
    if name == TITLE:
        return lambda paper: fold_text(paper.title)
    if name == UPVOTES:
        return lambda paper: paper.upvotes if isinstance(paper.upvotes, int) else None
    if name == STARS:
        return github_stars
    raise SortError(f"unknown sort order {name!r}")


# Orders whose natural direction is the largest value first.
_DESCENDING = {ADDED, PUBLISHED, UPVOTES, STARS}


def sort_ids(
    ids: Sequence[str] | Iterable[str], papers: Mapping[str, Paper], order: str = RANK, reverse: bool = False
) -> list[str]:
    """``ids`` (in rank order) reordered by ``order``; ids not in ``papers`` are dropped.

    ``reverse`` turns the order around (rank: last first); papers without the
    value (e.g. no stars) stay last either way, in rank order.
    """
    order = check_sort(order)
    known = [pid for pid in ids if pid in papers]
    if order == RANK:
        return known[::-1] if reverse else known
    value_of = _key_function(order)
    valued: list[tuple[object, str]] = []
    missing: list[str] = []
    for pid in known:
        value = value_of(papers[pid])
        if value is None:
            missing.append(pid)
        else:
            valued.append((value, pid))
    # One stable sort on the value alone (reverse=True keeps ties in rank order too).
    valued.sort(key=itemgetter(0), reverse=(order in _DESCENDING) != reverse)
    return [pid for _, pid in valued] + missing


def sort_papers(papers: Sequence[Paper], order: str = RANK, reverse: bool = False) -> list[Paper]:
    """:func:`sort_ids` for a list of papers."""
    by_id = {paper.id: paper for paper in papers}
    return [by_id[pid] for pid in sort_ids([paper.id for paper in papers], by_id, order, reverse)]


__all__ = [
    "SORTS",
    "SORT_LABELS",
    "SortError",
    "check_sort",
    "describe_sort",
    "github_stars",
    "sort_ids",
    "sort_papers",
]
