"""Run one blocking job per item on a few threads, handing each result back as it finishes.

Every batch online (days to fetch, repositories, links, papers to resolve)
has the same shape: at most ``concurrency`` requests at once, results handled
on the calling thread in the order they finish, and on any exception (or
Ctrl+C) the items not started yet are cancelled and ``stop`` is set so the
running ones end early.

Two things every batch shares live here too:

* its overall deadline (:class:`reader.online.deadline.Batch`): when it runs
  out, ``stop`` is set; jobs not started yet see it and return at once, and
  requests under way end (:func:`reader.online.http.request`);
* :class:`NetworkWatch`: after a connection failure that says the network is
  unreachable, or a request that ran out its own deadline (the server is too
  slow), ``stop`` is set and the batch says so once, instead of failing (or
  waiting out a deadline for) every remaining item the same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from reader.online import deadline
from reader.online.deadline import Batch

Item = TypeVar("Item")
Result = TypeVar("Result")


def start_batch(seconds: float | None, stop: threading.Event) -> Batch:
    """A batch that must be done ``seconds`` from now (None: no deadline), stopped by ``stop``."""
    ends = time.monotonic() + seconds if seconds is not None else None
    return Batch(ends=ends, seconds=seconds, stop=stop)


def as_finished(
    items: Sequence[Item],
    job: Callable[[Item], Result],
    *,
    concurrency: int,
    stop: threading.Event,
    name: str,
    batch: Batch | None = None,
) -> Iterator[tuple[Item, Result]]:
    """``(item, job(item))`` for each item, as each finishes, with at most ``concurrency`` running.

    With ``batch``, each job runs as part of it (its requests end when the
    batch's deadline runs out), and ``stop`` is set when it does.
    """
    if not items:
        return
    batch = batch if batch is not None else Batch(stop=stop)
    if batch.stop is None:
        batch.stop = stop

    def run(item: Item) -> Result:
        with deadline.working_for(batch):
            return job(item)

    workers = max(1, min(concurrency, len(items)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"reader-{name}") as pool:
        pending: dict[Future, Item] = {pool.submit(run, item): item for item in items}
        try:
            while pending:
                timeout = None if batch.ends is None else max(0.0, batch.ends - time.monotonic())
                finished, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                if batch.expired():
                    stop.set()  # jobs not started return at once; requests under way end
                for future in finished:
                    item = pending.pop(future)
                    yield item, future.result()
        except BaseException:  # also GeneratorExit: the caller stopped reading
            stop.set()
            for future in pending:
                future.cancel()
            raise


def deadline_message(batch: Batch) -> str:
    """'the batch's 30 min deadline ran out (READER_BATCH_DEADLINE)'."""
    seconds = deadline.describe_seconds(batch.seconds) if batch.seconds is not None else "overall"
    return f"the batch's {seconds} deadline ran out ({deadline.BATCH_VARIABLE})"


class NetworkWatch:
    """Tells a batch to stop when the network is unreachable or the server too slow, and says so once.

    ``failed(exc)`` is called with each request's ``NetworkError``; a failure
    that got no answer at all (a refused or impossible connection, no DNS, a
    connect timeout) counts, and so does a request that ran out its own
    deadline (``too_slow``: a server trickling its answer would make every
    later request wait the whole deadline too). After ``threshold`` of them,
    with no answer from any server before (``answered()``) when
    ``only_before_an_answer``, ``stop`` is set and :attr:`message` holds the
    one line to show.

    Batches that talk to one API (fetch, enrich) stop at the first; link
    checks, which talk to many hosts of which some are simply gone or slow,
    pass ``slow_stops=False`` and stop only when the first few links all
    failed to connect and none answered.
    """

    def __init__(self, stop: threading.Event, *, threshold: int = 1, only_before_an_answer: bool = False,
                 slow_stops: bool = True) -> None:
        self.stop = stop
        self.threshold = max(1, threshold)
        self.only_before_an_answer = only_before_an_answer
        self.slow_stops = slow_stops
        self.message: str | None = None
        self.first: Exception | None = None  # the failure that stopped the batch
        self.too_slow = False  # it stopped because a request ran out its deadline, not for no answer
        self._answers = 0
        self._failures = 0
        self._lock = threading.Lock()

    def answered(self) -> None:
        with self._lock:
            self._answers += 1

    def failed(self, error: Exception) -> bool:
        """Count ``error``; True when the batch is (now) stopped for an unreachable network or a slow server."""
        slow = self.slow_stops and bool(getattr(error, "too_slow", False))
        if not (slow or getattr(error, "unreachable", False)):
            return self.message is not None
        with self._lock:
            if self.message is None and not (self.only_before_an_answer and self._answers):
                self._failures += 1
                if self._failures >= self.threshold:
                    if slow:
                        # '127.0.0.1:8000 did not finish answering within the 60 s request deadline'
                        self.message = f"the server is too slow ({str(error).split('; ', 1)[0]}); stopped"
                    else:
                        what = "the server" if "refused" in str(error) else "the network"
                        self.message = f"{what} is unreachable ({error}); stopped"
                    self.first = error
                    self.too_slow = slow
                    self.stop.set()
            return self.message is not None

    @property
    def unreachable(self) -> bool:
        """Whether the batch stopped because no answer came at all (not for a slow server)."""
        return self.message is not None and not self.too_slow

    @property
    def stopped(self) -> bool:
        return self.message is not None

    def why_not(self, done: str, batch: Batch) -> str:
        """Why an item was not tried, short: 'not fetched: the network is unreachable', 'cancelled'."""
        if self.message is not None:
            return f"not {done}: " + self.message.split(" (", 1)[0]
        if batch.expired():
            return f"not {done}: {deadline_message(batch)}"
        return "cancelled"


__all__ = ["NetworkWatch", "as_finished", "deadline_message", "start_batch"]
