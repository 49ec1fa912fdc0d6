"""The newest papers of a library, read from its search index alone: a list's first page before the library loads.

Opening a library of 100,000 papers takes a few tenths of a second. The
search index (:mod:`reader.search.documents`) keeps every paper as the
library stores it, with its arrival number (its place in the library's
order, oldest first), and records the journal position it reflects. When that
position is the library's, as its files hold it now (read from their ends:
:func:`reader.store.loading.disk_seq`), the index's papers are the library's,
and the ones with the highest arrival numbers are the first rows of the
library's list, newest first. The TUI draws them while the library loads.

Anything else (no index, a damaged, foreign or older one, one behind or
ahead of the library's files) gives None: the caller loads the library first.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import tantivy

from reader.papers import Paper
from reader.search.documents import SCHEMA, IndexUnusable, check_meta, index_dir, is_panic, open_index, read_meta


@dataclass(frozen=True, slots=True)
class FirstPage:
    papers: list[Paper]  # the newest papers, newest first (the library's order reversed)
    total: int  # how many papers the library holds
    seq: int  # the journal position they are of


def first_page(library_path: str | os.PathLike, count: int, *, min_papers: int = 1) -> FirstPage | None:
    """The ``count`` newest papers of the library at ``library_path`` from its index (None: not
    current, or the library holds fewer than ``min_papers`` papers)."""
    library_path = _real_path(library_path)
    path = index_dir(library_path)
    if not path.is_dir():
        return None
    try:
        index = open_index(path)
        searcher = index.searcher()  # one point in time: the papers and the record read below agree
        meta = read_meta(index, searcher)
        check_meta(meta, library_path)
        seq, total = meta.get("seq"), meta.get("papers")
        if not isinstance(seq, int) or not isinstance(total, int) or total != searcher.num_docs - 1:
            return None
        if total < max(min_papers, 1):
            return None
        if seq != disk_seq(library_path):
            return None
        found = searcher.search(
            tantivy.Query.term_query(SCHEMA, "kind", "paper"), max(count, 1), count=False, order_by_field="arrival"
        )
        papers = []
        for _, address in found.hits:
            raw = searcher.doc(address).get_first("doc")
            if raw is None:
                return None
            papers.append(Paper.from_doc(json.loads(bytes(raw))))
    except (IndexUnusable, ValueError, TypeError, OSError, RuntimeError):
        return None
    except BaseException as exc:
        # tantivy panics on some damaged files: the library loads as it always did, and its
        # search rebuilds the index.
        if is_panic(exc):
            return None
        raise
    return FirstPage(papers, total, seq)


def _real_path(library_path: str | os.PathLike) -> Path:
    """Where the library's files are (a symlinked ``library.json`` is followed, as the store does)."""
    from reader.store.layout import Layout

    return Layout.for_library(library_path).path


def disk_seq(library_path: Path) -> int | None:
    """The library's journal position as its files hold it, read from their ends (None: unknown).

    The papers file's first bytes say which change it includes; the journal's
    last complete line is the newest change after it (a big import is one long
    line: the file is read backwards until that line is whole)."""
    from reader.store.loading import disk_seq as store_disk_seq

    return store_disk_seq(library_path)
