"""The CLI's fast path: answer a search from the index alone, without loading the library.

Only when the index is at the library's journal position (read from the ends
of the library's files): then the papers stored in the index are the library's.
"""

from __future__ import annotations

from pathlib import Path

from reader.search.documents import IndexUnusable, check_meta, index_dir, open_index, read_meta
from reader.search.firstpage import disk_seq
from reader.search.query import Query
from reader.search.ranking import run_query
from reader.search.results import Hit, SearchResult
from reader.search.vocab import Vocabulary


def quick_search(library_path: Path, query: Query, limit: int | None) -> SearchResult | None:
    """Search without loading the library: only when its index is current (else None)."""
    path = index_dir(library_path)
    if not path.is_dir():
        return None
    try:
        index = open_index(path)
        meta = read_meta(index)
        check_meta(meta, library_path)
    except IndexUnusable:
        return None
    seq = disk_seq(library_path)
    if seq is None or meta.get("seq") != seq:
        return None
    vocab = None
    if query.needs_text or query.authors or query.not_authors:
        try:
            vocab = Vocabulary.load(path)
        except (OSError, ValueError, UnicodeError):
            return None
    found, total = run_query(index, vocab, query, limit, None)
    if any(paper is None for paper, _ in found):
        return None
    return SearchResult([Hit(paper, score) for paper, score in found], total=total, query=query)
