"""Keeps a library's search index current: installed as a store change listener by the front ends.

The store does not import the search index (:mod:`reader.store.events`); the
CLI (and so the TUI it starts) installs :func:`install` at start. After every
change, inside the writer lock, an existing index takes the changed papers
(:func:`reader.search.engine.library_changed`; a library without an index
gets one at its first search).
"""

from __future__ import annotations

from reader.store.events import add_change_listener


def index_changed_papers(library) -> None:
    from reader.search.engine import library_changed

    library_changed(library)


def install() -> None:
    add_change_listener(index_changed_papers)
