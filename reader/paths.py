"""Where reader keeps its files. Nothing here creates directories at import time."""

from __future__ import annotations

import os
import importlib.util
from pathlib import Path

APP_NAME = "reader"


def data_dir() -> Path:
    override = os.environ.get("READER_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    override = os.environ.get("READER_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_library_path() -> Path:
    """``--db`` wins, then ``READER_DB``, then the platform's user data directory."""
    override = os.environ.get("READER_DB")
    if override:
        return Path(override).expanduser()
    return data_dir() / "library.json"


def _bundled_dir(package: str, fallback: str) -> Path:
    """A data directory shipped in the wheel (or, in a source checkout, at the top).

    The data-only packages (``reader._styles``, ``reader._sample_data``) have no
    ``__init__``; ``importlib.resources.files`` gives a MultiplexedPath for them
    whose str() is not a directory, so ask the import system for their location.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ModuleNotFoundError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return Path(__file__).resolve().parent.parent / fallback


def sample_data_dir() -> Path:
    return _bundled_dir("reader._sample_data", "sample_data")


def styles_dir() -> Path:
    return _bundled_dir("reader._styles", "styles")


def sample_files() -> list[Path]:
    return sorted(sample_data_dir().glob("*.txt"))
