"""Build and save a library's search index in a process of its own.

    python -m reader.search_build [--phrases] [--background] LIBRARY.json

The first search index of a big library takes seconds and a few hundred MB
while it is built (at 100,000 papers: ~10 s, ~300 MB). The TUI runs that here,
in a child process, so that its own memory stays low and its event loop never
competes with the build for the GIL; it then loads the saved index (about a
second).

Only what is missing is written: a saved index that is still valid is reused
(patched for papers changed since), and the phrases file
(``library.json.phrases``, see :mod:`reader.phrase_index`) is written when a
build from every abstract did not write it and it is missing or covers too few
abstracts (:meth:`reader.search.SearchIndex.phrases_stale`).

``--phrases`` leaves the search index alone and writes only a missing or stale
phrases file (~6 s and ~350 MB at 100,000 papers): the TUI runs that for a
library whose saved index is fine but whose phrases file is not, with
``--background`` (a lower priority: someone is using the app meanwhile).

Exit status 0 when what was asked for is saved and current, 1 (with a one-line
message) when it could not be, 2 for a wrong command line.
"""

from __future__ import annotations

import os
import sys

USAGE = "usage: python -m reader.search_build [--phrases] [--background] LIBRARY.json"
OPTIONS = ("--phrases", "--background")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = [arg for arg in args if arg not in OPTIONS]
    if len(paths) != 1 or paths[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    if "--background" in args and hasattr(os, "nice"):
        os.nice(10)  # a cache refreshed while someone uses the app: let the app go first
    from reader.errors import ReaderError
    from reader.library import Library
    from reader.search import SearchIndex

    try:
        index = SearchIndex(Library.open(paths[0], backup_interval=0))
        index.persist_min_papers = 0  # asked for explicitly: save it whatever the library's size
        phrases_only = "--phrases" in args
        if not phrases_only:
            index.prepare()
        if index.phrases_error is None and index.phrases_stale():  # (a build that failed to write it: not again)
            index.write_phrases()
    except ReaderError as exc:
        print(f"reader: cannot build the search index: {exc}", file=sys.stderr)
        return 1
    if not phrases_only and not index.cache_path.exists():
        print(f"reader: the search index was not saved: {index.cache_error or 'unknown reason'}", file=sys.stderr)
        return 1
    if index.phrases_error:
        print(f"reader: {index.phrases_error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
