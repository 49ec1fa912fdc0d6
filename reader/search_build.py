"""Build and save a library's search index in a process of its own.

    python -m reader.search_build LIBRARY.json

The first search index of a big library takes seconds and a few hundred MB
while it is built (at 100,000 papers: ~10 s, ~300 MB). The TUI runs that here,
in a child process, so that its own memory stays low and its event loop never
competes with the build for the GIL; it then loads the saved index (about a
second). Exit status 0 when the index was built and saved.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m reader.search_build LIBRARY.json", file=sys.stderr)
        return 2
    from reader.errors import ReaderError
    from reader.library import Library
    from reader.search import SearchIndex

    try:
        index = SearchIndex(Library.open(args[0], backup_interval=0))
        index.persist_min_papers = 0  # asked for explicitly: save it whatever the library's size
        index.prepare()
    except ReaderError as exc:
        print(f"reader: cannot build the search index: {exc}", file=sys.stderr)
        return 1
    if not index.cache_path.exists():
        print(f"reader: the search index was not saved: {index.cache_error or 'unknown reason'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
