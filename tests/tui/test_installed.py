"""The TUI from an installed (non-editable) copy: styles and sample papers ship inside the package.

pyproject.toml maps ``styles/`` to ``reader._styles`` and ``sample_data/`` to
``reader._sample_data`` (data-only packages, no ``__init__.py``). This builds
that layout in tmp_path by copying (no build tools, no network) and runs the
app from it in a subprocess, away from the source checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import asyncio, pathlib, sys
import reader
assert pathlib.Path(reader.__file__).is_relative_to(pathlib.Path(sys.argv[1])), reader.__file__
from reader.config import Config
from reader.store import Library
from reader.tui.app import ReaderApp

async def main():
    library = Library.open(pathlib.Path(sys.argv[2]) / "library.json")
    app = ReaderApp(library, config=Config(), poll_interval=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("s")  # load the sample papers (in a worker)
        await app.workers.wait_for_complete()
        await pilot.pause()
        paper_list = app.screen.query_one("PaperList")
        print("papers", len(library))
        print("border", paper_list.styles.border_top[0])  # set by styles/reader.tcss

asyncio.run(main())
"""


def _installed_copy(site: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "reader", site / "reader", ignore=ignore)
    (site / "reader" / "_styles").mkdir()
    for path in (ROOT / "styles").glob("*.tcss"):
        shutil.copy(path, site / "reader" / "_styles" / path.name)
    (site / "reader" / "_sample_data").mkdir()
    for path in (ROOT / "sample_data").glob("*.txt"):
        shutil.copy(path, site / "reader" / "_sample_data" / path.name)


def test_installed_copy_finds_its_styles_and_samples(tmp_path):
    site = tmp_path / "site"
    _installed_copy(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(site), str(work)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "papers 442" in done.stdout
    assert "border tall" in done.stdout
