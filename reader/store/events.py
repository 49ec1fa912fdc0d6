"""Who hears about changes: listeners called after every change, inside the writer lock.

The store knows nothing of what listens (the search index, for one, see
:mod:`reader.search.hook`). A listener is called with the library after any
change moved its change number while this process held the writer lock (its
own change, a catch-up with another process's, a restore). A listener must not
raise: a change is saved before listeners hear of it; a listener that fails
should leave a line in ``library.warnings``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ChangeListener = Callable[[Any], None]

_listeners: list[ChangeListener] = []


def add_change_listener(listener: ChangeListener) -> None:
    """Call ``listener(library)`` after every change of every library of this process."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_change_listener(listener: ChangeListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def change_listeners() -> list[ChangeListener]:
    return list(_listeners)
