"""Building a whole index of a library (into a directory, or in memory), and tidying after builds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import tantivy

from reader.fileio import writer_alive
from reader.papers import Paper
from reader.search.documents import SCHEMA, TEXT_FIELDS, meta_document, new_meta, paper_fields
from reader.search.text import SEPARATOR
from reader.search.vocab import Vocabulary

ProgressCallback = Callable[[int, int], None]

BUILD_HEAP = 64_000_000
BUILD_BATCH = 2000  # papers between progress reports


def abandon(writer: tantivy.IndexWriter) -> None:
    """Drop what ``writer`` added since its last commit (the index stays as it was)."""
    try:
        writer.rollback()
    except (ValueError, RuntimeError):
        pass  # already unusable: dropping it is enough


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def remove_leftovers(path: Path) -> None:
    """Index directories a killed rebuild left beside the library (its process is gone)."""
    for prefix in (f".{path.name}.tmp-", f".{path.name}.old-"):
        try:
            names = [entry.name for entry in os.scandir(path.parent) if entry.name.startswith(prefix)]
        except OSError:
            return
        for name in names:
            if not writer_alive(name.replace(".old-", ".tmp-")):
                remove_tree(path.parent / name)


def remove_old_caches(library_path: Path) -> None:
    """The saved indexes of reader's earlier engine (``.search``, ``.phrases``): no longer read."""
    for suffix in (".search", ".phrases"):
        old = Path(str(library_path) + suffix)
        try:
            if old.is_file():
                old.unlink()
        except OSError:
            pass


def build_index(library, directory: Path | None, progress: ProgressCallback | None = None):
    """Write a complete index of ``library`` into the empty ``directory``; returns its vocabulary.

    With ``directory`` None the index is built in memory: returns (index, vocabulary)."""
    if directory is None:
        index = tantivy.Index(SCHEMA)
    else:
        index = tantivy.Index(SCHEMA, path=str(directory), reuse=False)
    writer = index.writer(BUILD_HEAP, 1)
    papers = library.papers()
    total = len(papers)
    arrival = {paper.id: number for number, paper in enumerate(papers)}
    from_dict = tantivy.Document.from_dict
    done = 0
    seen: set[str] = set()

    def add(paper: Paper, abstract: str) -> None:
        nonlocal done
        writer.add_document(from_dict(paper_fields(paper, abstract, arrival[paper.id]), SCHEMA))
        done += 1
        if progress is not None and done % BUILD_BATCH == 0:
            progress(done, total)

    try:
        for pid, text in library.iter_abstracts():
            paper = library.get(pid)
            if paper is None or pid in seen:
                continue
            seen.add(pid)
            add(paper, text if paper.has_abstract else "")
        for paper in papers:
            if paper.id not in seen:
                add(paper, "")
        del seen
        meta = new_meta(library.path, library.seq, total)
        writer.add_document(meta_document(meta))
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        abandon(writer)
        raise
    if progress is not None:
        progress(total, total)
    # The vocabulary, read back from the index once (listing its terms is slow for a query, fine here).
    index.reload()
    searcher = index.searcher()
    terms: set[str] = set()
    for field in TEXT_FIELDS:
        terms.update(term for term, _ in searcher.terms_with_prefix(field, "", limit=None))
    terms.discard(SEPARATOR)
    vocab = Vocabulary.from_terms(terms)
    if directory is None:
        return index, vocab
    vocab.save(directory)
    return vocab


# -- one engine per library -------------------------------------------------------------------
