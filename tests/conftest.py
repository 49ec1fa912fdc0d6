"""Shared fixtures. Every test runs with its data and config directories in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.search.hook import install as _keep_search_index_current

# As the CLI does at start: every change keeps an existing search index current.
_keep_search_index_current()

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
SAMPLE_FILES = sorted(SAMPLE_DIR.glob("*.txt"))


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real data or config directories, nor a real clipboard."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("READER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("READER_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("READER_DB", str(home / "data" / "library.json"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("READER_HF_API_URL", raising=False)
    monkeypatch.delenv("READER_GITHUB_API_URL", raising=False)

    def no_real_clipboard(*args, **kwargs):
        raise AssertionError("a test reached the real clipboard (pyperclip); inject a fake instead")

    import pyperclip

    monkeypatch.setattr(pyperclip, "copy", no_real_clipboard)
    monkeypatch.setattr(pyperclip, "paste", no_real_clipboard)


class FixedClock:
    """A clock for tests: each call returns the next second of a fixed day."""

    def __init__(self, start: str = "2026-01-01T00:00:00Z") -> None:
        self.count = 0
        self.start = start

    def __call__(self) -> str:
        self.count += 1
        return f"2026-01-01T00:{self.count // 60 % 60:02d}:{self.count % 60:02d}Z"


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "lib" / "library.json"


@pytest.fixture
def library(db_path, clock):
    from reader.store import Library

    return Library.open(db_path, clock=clock)


@pytest.fixture
def sample_library(library):
    """A library holding the five sample page dumps."""
    from reader.importers.hf_pages import parse_page_file

    parsed = [parse_page_file(path) for path in SAMPLE_FILES]
    library.import_candidates(
        [c for item in parsed for c in item.candidates],
        sources=[item.source for item in parsed],
    )
    return library


def run_cli(*args: str, db: Path | None = None, input: bytes | None = None, env: dict | None = None):
    """Run `python -m reader ARGS` in a subprocess; returns the CompletedProcess (text mode)."""
    command = [sys.executable, "-m", "reader", *args]
    if db is not None:
        command += ["--db", str(db)]
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        command,
        input=input,
        capture_output=True,
        env=full_env,
        cwd=str(ROOT),
        timeout=120,
    )
