"""What the TUI shows about the library: a snapshot of its papers, smart lists and their counts.

Plain Python (no Textual), so it is tested without an app. The snapshot is
updated from :meth:`reader.store.Library.changes_since` deltas: each changed
id is re-read from the library, so applying a delta twice, or late, is
harmless. Counts follow the snapshot incrementally; a delta of ``None`` (the
library reloaded) or a very large one means "rebuild" instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import overload

from reader.newmark import is_new
from reader.papers import Paper

# A delta touching more papers than this is cheaper to rebuild from scratch
# (and the rebuild runs in a worker, off the UI thread).
REBUILD_THRESHOLD = 5000

ALL = "all"
NEW = "new"
UNREAD = "unread"
READ = "read"
HAS_CODE = "code"
TAG_PREFIX = "tag:"

FIXED_LISTS: tuple[tuple[str, str], ...] = (
    (ALL, "All"),
    (UNREAD, "Unread"),
    (READ, "Read"),
    (HAS_CODE, "Has code"),
    (NEW, "New"),
)


def tag_list_id(tag: str) -> str:
    return TAG_PREFIX + tag


def list_label(list_id: str) -> str:
    """How a smart list is named to people: 'Unread', '#vision'."""
    if list_id.startswith(TAG_PREFIX):
        return "#" + list_id[len(TAG_PREFIX) :]
    return dict(FIXED_LISTS).get(list_id, list_id)


def list_predicate(list_id: str, new_since: str | None = None) -> Callable[[Paper], bool] | None:
    """The test a paper passes to be in ``list_id``; None for 'All' (every paper).

    ``new_since``: where the New list starts (reader.newmark; None: every paper is new).
    """
    if list_id == NEW:
        return lambda paper: is_new(paper.added, new_since)
    if list_id == UNREAD:
        return lambda paper: not paper.read
    if list_id == READ:
        return lambda paper: paper.read
    if list_id == HAS_CODE:
        return lambda paper: paper.has_code
    if list_id.startswith(TAG_PREFIX):
        tag = list_id[len(TAG_PREFIX) :]
        return lambda paper: tag in paper.tags
    return None


@dataclass(slots=True)
class ListCounts:
    total: int = 0
    unread: int = 0
    read: int = 0
    has_code: int = 0
    tags: Counter | None = None
    new: int = 0

    def count(self, list_id: str) -> int:
        if list_id == ALL:
            return self.total
        if list_id == UNREAD:
            return self.unread
        if list_id == READ:
            return self.read
        if list_id == HAS_CODE:
            return self.has_code
        if list_id == NEW:
            return self.new
        if list_id.startswith(TAG_PREFIX) and self.tags is not None:
            return self.tags.get(list_id[len(TAG_PREFIX) :], 0)
        return 0

    def tag_names(self) -> list[str]:
        """Tags in use, most used first, then by name."""
        if not self.tags:
            return []
        return [tag for tag, n in sorted(self.tags.items(), key=lambda item: (-item[1], item[0])) if n > 0]


@dataclass(slots=True)
class CatalogChange:
    """What applying a delta did: which ids changed, and whether papers came or went."""

    ids: set[str]
    membership_changed: bool  # papers were added or removed (rows must be recomputed)
    rebuild_needed: bool = False


class PendingRows(Sequence[str]):
    """The rows of the whole library while only its newest papers are known (the library is loading).

    As long as the library (``total`` rows), so that the list, its scroll bar and
    its cursor keys behave as they will once it is loaded; a row past the known
    ones is ``""`` (no paper: drawn blank).
    """

    def __init__(self, known: list[str], total: int) -> None:
        self.known = known
        self.total = max(total, len(known))

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.total))]
        if index < 0:
            index += self.total
        if not 0 <= index < self.total:
            raise IndexError(index)
        return self.known[index] if index < len(self.known) else ""

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        return self.known.index(value, start, len(self.known) if stop is None else min(stop, len(self.known)))  # type: ignore[arg-type]

    def __contains__(self, value: object) -> bool:
        return value in self.known


class Catalog:
    """A snapshot of the library's papers (newest first) with smart-list counts.

    Counting is optional (``counted=False``): the first screen only needs the
    papers in order, and at 100,000 papers counting takes a few tenths of a
    second, better spent in a worker. ``counts`` is None until then.

    A *preview* (:meth:`preview`) holds only the library's newest papers, read
    from its search index while the library loads; ``complete`` is False.
    """

    complete = True

    def __init__(
        self, papers: Iterable[Paper], generation: int = 0, *, counted: bool = True, new_since: str | None = None
    ) -> None:
        papers = list(papers)
        self.new_since = new_since
        self.papers: dict[str, Paper] = {paper.id: paper for paper in papers}
        order = list(self.papers)
        order.reverse()  # the library lists oldest first
        self.order: Sequence[str] = order  # replaced, never mutated, so workers can read it
        self.counts: ListCounts | None = None
        if counted:
            counts = ListCounts(tags=Counter())
            for paper in papers:
                _count(counts, paper, +1, new_since)
            self.counts = counts
        self.generation = generation

    @classmethod
    def from_library(cls, library, *, counted: bool = True, new_since: str | None = None) -> "Catalog":
        generation = library.generation
        return cls(library.papers(), generation, counted=counted, new_since=new_since)

    @classmethod
    def preview(cls, newest: list[Paper], total: int, *, new_since: str | None = None) -> "Catalog":
        """The library's ``newest`` papers (newest first) of its ``total``, before it is loaded:
        the rows of the list as they will be, only the first ones known (:class:`PendingRows`)."""
        catalog = cls(reversed(newest), -1, counted=False, new_since=new_since)
        catalog.order = PendingRows(list(catalog.order), total)
        catalog.complete = False
        return catalog

    def __len__(self) -> int:
        return len(self.papers)

    def get(self, pid: str) -> Paper | None:
        return self.papers.get(pid)

    def apply(self, ids: set[str] | None, library) -> CatalogChange:
        """Re-read ``ids`` from ``library``; None or very many ids: a rebuild is needed instead."""
        lookup = library.get
        if ids is None or len(ids) > REBUILD_THRESHOLD:
            return CatalogChange(set(), True, rebuild_needed=True)
        added: list[str] = []
        removed: set[str] = set()
        changed: set[str] = set()
        for pid in ids:
            old = self.papers.get(pid)
            new = lookup(pid)
            if old is new:
                continue
            changed.add(pid)
            counts = self.counts
            if old is not None and counts is not None:
                _count(counts, old, -1, self.new_since)
            if new is None:
                del self.papers[pid]
                removed.add(pid)
                continue
            if counts is not None:
                _count(counts, new, +1, self.new_since)
            self.papers[pid] = new
            if old is None:
                added.append(pid)
        if added or removed:
            kept = [pid for pid in self.order if pid not in removed] if removed else self.order
            # New papers go first, newest first, as in the library's own order.
            if len(added) > 1:
                wanted = set(added)
                added = [pid for pid in reversed(library.ids()) if pid in wanted]
            self.order = [*added, *kept]
        return CatalogChange(changed, bool(added or removed))

    def rows(self, list_id: str, ranked_ids: Iterable[str] | None = None) -> Sequence[str]:
        """Ids of ``list_id``'s papers: in ``ranked_ids`` order when given, else newest first."""
        predicate = list_predicate(list_id, self.new_since)
        source = self.order if ranked_ids is None else ranked_ids
        papers = self.papers
        if predicate is None:
            if ranked_ids is None:
                return self.order
            return [pid for pid in source if pid in papers]
        result = []
        for pid in source:
            paper = papers.get(pid)
            if paper is not None and predicate(paper):
                result.append(pid)
        return result


def _count(counts: ListCounts, paper: Paper, sign: int, new_since: str | None = None) -> None:
    counts.total += sign
    if is_new(paper.added, new_since):
        counts.new += sign
    if paper.read:
        counts.read += sign
    else:
        counts.unread += sign
    if paper.has_code:
        counts.has_code += sign
    if paper.tags:
        assert counts.tags is not None
        for tag in paper.tags:
            counts.tags[tag] += sign
            if counts.tags[tag] <= 0:
                del counts.tags[tag]

