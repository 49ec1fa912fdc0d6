"""Messages worker threads post to the app (facts, in the past tense)."""

from __future__ import annotations

from textual.message import Message
from textual.notifications import SeverityLevel

from reader.tui.catalog import Catalog


class StoreChanged(Message):
    """A store call finished; ``delta`` is what changed (None: reload everything)."""

    def __init__(self, delta: set[str] | None, note: str | None = None, severity: SeverityLevel = "information") -> None:
        super().__init__()
        self.delta = delta
        self.note = note
        self.severity = severity


class CatalogRebuilt(Message):
    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog


class LibraryOpened(Message):
    """A pending library is open (``library`` and its counted ``catalog``), or did not open (``error``)."""

    def __init__(self, library, catalog: Catalog | None, error: BaseException | None = None) -> None:
        super().__init__()
        self.library = library
        self.catalog = catalog
        self.error = error


class AbstractLoaded(Message):
    def __init__(self, paper_id: str, text: str) -> None:
        super().__init__()
        self.paper_id = paper_id
        self.text = text


class SearchReady(Message):
    """How the search index's start-up goes: ``progress`` while it is being built (None once it
    is ready); ``note`` when it had to be rebuilt or could not be brought up to date."""

    def __init__(self, progress: str | None, note: str | None = None) -> None:
        super().__init__()
        self.progress = progress
        self.note = note


class OnlineProgress(Message):
    def __init__(self, done: int, total: int, note: str = "") -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.note = note


class OnlineEnded(Message):
    """The online task stopped; ``summary`` (if any) becomes a notification."""

    def __init__(self, title: str, summary: str | None, severity: SeverityLevel = "information") -> None:
        super().__init__()
        self.title = title
        self.summary = summary
        self.severity = severity
