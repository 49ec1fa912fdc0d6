"""Run one blocking job per item on a few threads, handing each result back as it finishes.

Every batch online (days to fetch, repositories, links, papers to resolve)
has the same shape: at most ``concurrency`` requests at once, results handled
on the calling thread in the order they finish, and on any exception (or
Ctrl+C) the items not started yet are cancelled and ``stop`` is set so the
running ones end early.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def as_finished(
    items: Sequence[Item],
    job: Callable[[Item], Result],
    *,
    concurrency: int,
    stop: threading.Event,
    name: str,
) -> Iterator[tuple[Item, Result]]:
    """``(item, job(item))`` for each item, as each finishes, with at most ``concurrency`` running."""
    if not items:
        return
    workers = max(1, min(concurrency, len(items)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"reader-{name}") as pool:
        pending: dict[Future, Item] = {pool.submit(job, item): item for item in items}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    item = pending.pop(future)
                    yield item, future.result()
        except BaseException:  # also GeneratorExit: the caller stopped reading
            stop.set()
            for future in pending:
                future.cancel()
            raise


__all__ = ["as_finished"]
