"""`reader` without a command: the TUI (on the library, or with --demo on a throwaway copy of the samples)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from reader.cli.context import open_library


def run_tui(args: argparse.Namespace) -> int:
    demo_dir = None
    if args.demo:
        from reader.importers.hf_pages import parse_page_file
        from reader.library import Library
        from reader.paths import sample_files

        demo_dir = tempfile.mkdtemp(prefix="reader-demo-")
        path = Path(demo_dir) / "library.json"
        library = Library.open(path)
        parsed = [parse_page_file(p) for p in sample_files()]
        library.import_candidates(
            [c for item in parsed for c in item.candidates],
            skipped=[s for item in parsed for s in item.skipped],
            sources=[item.source for item in parsed],
            label="demo import",
        )
    else:
        library = open_library(args)
    try:
        from reader.tui.app import run_app

        return run_app(library, demo=bool(args.demo))
    finally:
        if demo_dir:
            shutil.rmtree(demo_dir, ignore_errors=True)
