"""The bounded thread pool every online batch runs on."""

from __future__ import annotations

import threading

import pytest

from reader.online.pool import as_finished


def test_every_item_comes_back_once_with_at_most_n_running():
    running, most = [0], [0]
    lock = threading.Lock()

    def job(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        with lock:
            running[0] -= 1
        return n * n

    results = dict(as_finished(list(range(20)), job, concurrency=3, stop=threading.Event(), name="t"))
    assert results == {n: n * n for n in range(20)} and most[0] <= 3


def test_a_failing_job_sets_stop_and_cancels_the_items_not_started():
    stop = threading.Event()
    started: list[int] = []

    def job(n: int) -> int:
        started.append(n)
        if n == 0:
            raise ValueError("boom")
        stop.wait(5)
        return n

    with pytest.raises(ValueError, match="boom"):
        list(as_finished(list(range(50)), job, concurrency=2, stop=stop, name="t"))
    assert stop.is_set() and len(started) < 50


def test_no_items_no_threads():
    assert list(as_finished([], lambda n: n, concurrency=4, stop=threading.Event(), name="t")) == []
