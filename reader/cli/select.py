"""Which papers a command is about: ids (a unique prefix of at least 4 characters, or an arXiv id) or a query.

:func:`find_paper` is ``library.resolve`` with messages that say what to do:
too short a prefix asks for 4 characters, an ambiguous one lists the
candidates with their titles. :func:`select_papers` lets `check-links`,
`enrich`, `export` and `resolve` take ids as well as a query.
"""

from __future__ import annotations

import re

from reader.cli.output import display

MIN_PREFIX = 4  # the store resolves id prefixes of at least this many characters
MAX_CANDIDATES = 8  # candidates an ambiguous id lists

_ID_LIKE = re.compile(r"^(?=.*\d)[0-9a-f]{4,16}$|^\d{4}\.\d{4,5}(v\d+)?$", re.IGNORECASE)


def looks_like_id(word: str) -> bool:
    """A paper id or id prefix (hex with a digit, 4 to 16 characters) or an arXiv id."""
    return bool(_ID_LIKE.match(word.strip()))


def find_paper(library, ref: str):
    """The paper ``ref`` names; :class:`UnknownPaper` with a helpful one-line message otherwise."""
    from reader.errors import UnknownPaper

    try:
        return library.resolve(ref)
    except UnknownPaper:
        prefix = ref.strip().lower()
        if 0 < len(prefix) < MIN_PREFIX:
            raise UnknownPaper(
                f"id {ref.strip()!r} is too short: use at least {MIN_PREFIX} characters of the id "
                "(see `reader list` for ids)"
            ) from None
        matches = [paper for paper in library.papers() if paper.id.startswith(prefix)] if prefix else []
        if len(matches) > 1:
            shown = "; ".join(f"{p.short_id} {display(_short_title(p.title))}" for p in matches[:MAX_CANDIDATES])
            more = f"; and {len(matches) - MAX_CANDIDATES} more" if len(matches) > MAX_CANDIDATES else ""
            raise UnknownPaper(
                f"id {ref.strip()!r} matches {len(matches)} papers: {shown}{more}. Type more of the id"
            ) from None
        raise


def find_papers(library, refs) -> list:
    """The papers ``refs`` name, each once, in the order given."""
    papers: dict[str, object] = {}
    for ref in refs:
        paper = find_paper(library, ref)
        papers.setdefault(paper.id, paper)
    return list(papers.values())


def _short_title(title: str, limit: int = 50) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1] + "…"


def select_papers(library, words: list[str]) -> list:
    """The papers named by ``words`` when every word is a paper id; else the papers the query matches.

    (``id:PREFIX`` in a query does the same without guessing.)
    """
    from reader.cli.output import note
    from reader.errors import UnknownPaper
    from reader.search import search

    if words and all(looks_like_id(word) for word in words):
        try:
            return find_papers(library, words)
        except UnknownPaper as exc:
            note(f"{exc}; searching for {' '.join(words)!r} instead")
    hits = search(library, " ".join(words))
    if hits.note:
        note(hits.note)
    return [hit.paper for hit in hits]


__all__ = ["find_paper", "find_papers", "looks_like_id", "select_papers"]
