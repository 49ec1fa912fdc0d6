"""Finding papers: by id, short id or prefix, by arXiv id, by title (what imports dedupe on)."""

from __future__ import annotations

import functools

from reader.errors import UnknownPaper
from reader.papers import Paper, normalise_arxiv_id, normalise_title, short_id
from reader.store.state import State

# An import computes each title's key several times (dedupe, ids, the title index).
_cached_title_key = functools.lru_cache(maxsize=1 << 18)(normalise_title)


def title_key(title: str) -> str:
    return _cached_title_key(title)


class Lookups:
    """Indexes by title key and arXiv id, built on first use and kept current by :meth:`add`
    and :meth:`forget`."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._by_title: dict[str, str] | None = None
        self._by_arxiv: dict[str, str] | None = None

    def clear(self) -> None:
        self._by_title = None
        self._by_arxiv = None

    def by_title(self) -> dict[str, str]:
        if self._by_title is None:
            self._by_title = {title_key(p.title): p.id for p in self._state.papers.values()}
        return self._by_title

    def by_arxiv(self) -> dict[str, str]:
        if self._by_arxiv is None:
            self._by_arxiv = {p.arxiv_id: p.id for p in self._state.papers.values() if p.arxiv_id}
        return self._by_arxiv

    def add(self, paper: Paper) -> None:
        if self._by_title is not None:
            self._by_title.setdefault(title_key(paper.title), paper.id)
        if self._by_arxiv is not None and paper.arxiv_id:
            self._by_arxiv.setdefault(paper.arxiv_id, paper.id)

    def forget(self, paper: Paper | None) -> None:
        if paper is None:
            return
        if self._by_title is not None and self._by_title.get(title_key(paper.title)) == paper.id:
            del self._by_title[title_key(paper.title)]
        if self._by_arxiv is not None and paper.arxiv_id and self._by_arxiv.get(paper.arxiv_id) == paper.id:
            del self._by_arxiv[paper.arxiv_id]

    def has_arxiv(self, arxiv_id: str) -> bool:
        """Does a paper of the library carry this arXiv id (or have it as its id)?"""
        return bool(self.by_arxiv().get(arxiv_id)) or arxiv_id in self._state.papers

    def find_existing(self, title: str, arxiv_id: str | None = None, *, key: str | None = None) -> Paper | None:
        """The paper a source's entry is the same paper as: by arXiv id, then by title."""
        papers = self._state.papers
        if arxiv_id:
            pid = self.by_arxiv().get(arxiv_id) or (arxiv_id if arxiv_id in papers else None)
            if pid:
                return papers[pid]
        pid = self.by_title().get(key if key is not None else title_key(title))
        return papers.get(pid) if pid else None

    def resolve(self, ref: str) -> Paper:
        """A paper by id, short id or unique id prefix; :class:`UnknownPaper` otherwise."""
        papers = self._state.papers
        ref = ref.strip()
        if not ref:
            raise UnknownPaper("empty paper id")
        paper = papers.get(ref) or papers.get(ref.lower())
        if paper is not None:
            return paper
        arxiv = normalise_arxiv_id(ref)
        if arxiv and self.by_arxiv().get(arxiv):
            return papers[self.by_arxiv()[arxiv]]
        prefix = ref.lower()
        matches = [pid for pid in papers if pid.startswith(prefix)] if len(prefix) >= 4 else []
        if len(matches) == 1:
            return papers[matches[0]]
        if not matches:
            raise UnknownPaper(f"no paper with id {ref!r} (see `reader list` for ids)")
        shown = ", ".join(short_id(pid) for pid in matches[:5])
        raise UnknownPaper(f"id {ref!r} is ambiguous: it matches {len(matches)} papers ({shown}...); type more of it")
