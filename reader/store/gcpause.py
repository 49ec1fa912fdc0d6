"""Pausing the cyclic garbage collector while many objects are loaded."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Parsing a big library creates a few million containers; each allocation burst triggers
    collections that re-scan everything loaded so far. With the collector paused, opening
    100,000 papers takes a third of the time. Nothing loaded here forms reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
