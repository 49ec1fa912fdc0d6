"""`reader` without a command: the TUI (on the library, or with --demo on a throwaway copy of the samples)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from functools import partial
from pathlib import Path

from reader.cli.context import keep_search_index_current, library_path, open_library


def run_tui(args: argparse.Namespace) -> int:
    demo_dir = None
    if args.demo:
        from reader.store import Library
        from reader.tasks.importing import import_samples

        keep_search_index_current()
        demo_dir = tempfile.mkdtemp(prefix="reader-demo-")
        library = Library.open(Path(demo_dir) / "library.json")
        import_samples(library, label="demo import")
    else:
        from reader.tui.app import run_app_opening

        # The first rows come from the search index when it is current; the library opens meanwhile.
        return run_app_opening(library_path(args), partial(open_library, args))
    try:
        from reader.tui.app import run_app

        return run_app(library, demo=bool(args.demo))
    finally:
        if demo_dir:
            shutil.rmtree(demo_dir, ignore_errors=True)
