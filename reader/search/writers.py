"""tantivy writers for index changes: taking one (waiting while another holds it) and merging in the background.

Each change to the index is one tantivy commit, and each commit leaves a small
segment. tantivy merges segments in its own threads, but only while the
writer that started the merges lives: a writer dropped at once abandons them,
and with many small segments every later commit gets slower. So when a commit
leaves more than a few segments, the writer is handed to a :class:`Merger`
thread that waits for tantivy's merges (tantivy releases the GIL meanwhile)
while the change that made the commit returns. The next writer taken in this
process waits for that thread first (tantivy allows one writer per index);
another process that finds the index's writer lock held waits for it to be
released (:func:`take_writer`), so a merge never makes its change fail.
"""

from __future__ import annotations

import threading
import time

import tantivy

from reader.errors import LibraryError

WRITER_WAIT_SECONDS = 10.0  # another process's merge holds the writer at most this long, or the change says so
_RETRY_SECONDS = 0.005


class WriterBusy(LibraryError):
    """The index's writer stayed held by another process for longer than the wait allows."""


def take_writer(index: tantivy.Index, heap: int, *, wait: float | None = None,
                waited: list[float] | None = None) -> tantivy.IndexWriter:
    """A writer of ``index``; while another process holds its lock (a merge finishing), wait up to ``wait``
    seconds (default :data:`WRITER_WAIT_SECONDS`).

    ``waited`` (if given) gets the seconds spent waiting appended, when there were any.
    """
    wait = WRITER_WAIT_SECONDS if wait is None else wait
    started = time.monotonic()
    delay = _RETRY_SECONDS
    busy = False
    while True:
        try:
            writer = index.writer(heap, 1)
        except ValueError as exc:
            if "LockBusy" not in str(exc):
                raise
            busy = True
            spent = time.monotonic() - started
            if spent >= wait:
                raise WriterBusy(f"another process kept the search index's writer for {spent:.0f} s") from None
            time.sleep(delay)  # polling a lock file another process holds: there is nothing to wait on
            delay = min(delay * 2, 0.1)
            continue
        if busy and waited is not None:
            waited.append(time.monotonic() - started)
        return writer


class Merger:
    """At most one background thread finishing tantivy's merges for one index directory (thread-safe)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.seconds: list[float] = []  # how long each finished merge took, in the background
        self.last_error: str | None = None

    def start(self, writer: tantivy.IndexWriter) -> None:
        """Wait for ``writer``'s merges in a thread of their own; the writer is released when they end."""
        with self._lock:
            self._join()
            thread = threading.Thread(target=self._finish, args=(writer,), name="reader-index-merge")
            self._thread = thread
            thread.start()  # not a daemon: a process that ends meanwhile lets the merge finish first

    def wait(self) -> None:
        """Until the running merge (if any) has finished and released the index's writer."""
        with self._lock:
            self._join()

    @property
    def merges(self) -> int:
        """How many merges finished."""
        return len(self.seconds)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _finish(self, writer: tantivy.IndexWriter) -> None:
        started = time.perf_counter()
        try:
            writer.wait_merging_threads()
            self.seconds.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - a merge that failed leaves the segments as they were
            self.last_error = str(exc)
        finally:
            del writer
