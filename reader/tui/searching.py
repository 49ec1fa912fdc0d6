"""The TUI's view of search: ranked paper ids and a match count for a query.

Runs in worker threads only. Uses the library's shared
:class:`reader.search.SearchIndex` (thread-safe). Until the index has loaded
the abstracts (:meth:`Searcher.warm_up`, run at start-up), searches look in
titles, tags and links only and say so (``partial``), so typing never waits
for seconds of indexing. A malformed query raises
:class:`reader.search.QueryError`.

Start-up also keeps the phrases file (``library.json.phrases``, exact phrases
in abstracts) current when a saved index was reused, which never writes it:
see :meth:`Searcher.warm_up`.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from reader.fileio import being_written
from reader.tui.catalog import ALL, HAS_CODE, READ, TAG_PREFIX, UNREAD


@dataclass(slots=True)
class SearchResult:
    query: str
    ids: list[str]  # best first
    total: int  # how many papers match
    partial: bool = False  # abstracts were not searched yet


# From this many papers on, the first search index is built in a child process.
CHILD_BUILD_PAPERS = 20_000


class Searcher:
    def __init__(self, library) -> None:
        self.library = library
        self._index = None
        self._phrases_thread: threading.Thread | None = None
        # How the last refresh of the phrases file went: None (none ran or it went well) or why not.
        self.phrases_problem: str | None = None

    @property
    def index(self):
        if self._index is None:
            from reader.search import index_for  # imports numpy: in a worker, not at start-up

            self._index = index_for(self.library)
        return self._index

    @property
    def ready(self) -> bool:
        return self._index is not None and self._index.abstracts_ready

    def warm_up(self) -> None:
        """Index everything now (seconds at 100,000 papers the first time; then read from a saved index).

        The first index of a big library is built in a child process
        (``reader.search_build``) and then loaded from where it saved it: the
        build's memory never adds to the app's, and the UI keeps the GIL.

        Then, when the saved index was reused but the phrases file is missing
        or stale (:meth:`SearchIndex.phrases_stale`: a library made by an older
        version, or many papers added since), the file is written again: for a
        big library by a child process started here and not waited for (the
        index reads the new file on its next phrase query; meanwhile phrases
        are checked in the abstracts' text, as exact and slower); for a smaller
        one (seconds at most) here, before returning.
        """
        big = len(self.library) >= CHILD_BUILD_PAPERS
        if self._index is None and big and self._build_in_child():
            from reader.search import forget_index

            forget_index(self.library)  # a search made meanwhile used an index without the saved file
            self._index = None
        index = self.index
        index.prepare()
        self._refresh_phrases(index, big)

    def _refresh_phrases(self, index, big: bool) -> None:
        from reader.errors import ReaderError

        try:
            if index.phrases_error is not None or not index.phrases_stale():
                return  # written just now, or it could not be (it would fail again in a child)
            if big:
                if being_written(index.phrases_path):
                    return  # another reader (a second window) is writing it already
                self._start_phrases_child()
            elif not index.write_phrases():
                self.phrases_problem = index.phrases_error
        except ReaderError as exc:  # the library could not be read: phrases are read from the texts
            self.phrases_problem = f"cannot write the phrase index: {exc}"

    def _start_phrases_child(self) -> None:
        command = [
            sys.executable, "-m", "reader.search_build", "--phrases", "--background", str(self.library.path)
        ]

        def run() -> None:
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
            except (OSError, subprocess.TimeoutExpired) as exc:
                self.phrases_problem = f"cannot write the phrase index: {exc}"
                return
            if done.returncode != 0:
                lines = done.stderr.strip().splitlines()
                self.phrases_problem = lines[-1] if lines else f"reader.search_build exited with {done.returncode}"

        # A plain daemon thread, not a worker: the app does not wait for it to quit (the child,
        # left on its own, finishes writing a complete file or none).
        self._phrases_thread = threading.Thread(target=run, name="Writing the phrase index", daemon=True)
        self._phrases_thread.start()

    def wait_for_phrases(self, timeout: float | None = None) -> bool:
        """Wait for a phrases file being written in a child process; True once none is running."""
        thread = self._phrases_thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        return True

    def _build_in_child(self) -> bool:
        cache = Path(str(self.library.path) + ".search")
        if cache.exists():
            return False  # saved already: loading it is cheap
        try:
            subprocess.run(
                [sys.executable, "-m", "reader.search_build", str(self.library.path)],
                capture_output=True,
                timeout=600,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False  # build it here instead
        return cache.exists()  # saved (even if its phrases file could not be)

    def search(self, query: str, list_id: str = ALL, limit: int | None = None) -> SearchResult:
        """Papers matching ``query`` within the smart list ``list_id``, best first (at most ``limit``)."""
        from reader.search import parse_query

        parsed = with_list_filter(parse_query(query), list_id)
        hits = self.index.search(parsed, limit, partial_ok=True)
        return SearchResult(query, [hit.paper.id for hit in hits], hits.total, hits.partial)


def with_list_filter(query, list_id: str):
    """``query`` narrowed to a smart list (the search index applies filters before ranking)."""
    if list_id == ALL:
        return query
    if list_id in (READ, UNREAD):
        wanted = list_id == READ
        if query.read is not None and query.read != wanted:
            return replace(query, contradiction=True)  # "is:read" typed while looking at Unread
        return replace(query, read=wanted)
    if list_id == HAS_CODE:
        if "code" in query.has_not:
            return replace(query, contradiction=True)
        return replace(query, has=tuple(dict.fromkeys((*query.has, "code"))))
    if list_id.startswith(TAG_PREFIX):
        tag = list_id[len(TAG_PREFIX) :]
        if tag in query.not_tags:
            return replace(query, contradiction=True)
        return replace(query, tags=tuple(dict.fromkeys((*query.tags, tag))))
    return query
