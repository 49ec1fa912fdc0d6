"""Sorting and statistics figures at 10,000 and 100,000 papers, against a plain sort in the same run.

    .venv/bin/python benchmarks/notebook.py
    .venv/bin/python benchmarks/notebook.py --sizes 100000 --repeat 5

Papers are made in memory (seeded; no library files): titles, added and
published dates spread over two years, upvotes on half, GitHub stars on a
third, a few tags, half read. For each order of :func:`reader.sorting.sort_ids`
(what `reader list --sort`, `export --order` and the TUI's S call) it prints the
best time over ``--repeat`` runs and its ratio to the baseline: Python's
``sorted`` of the same ids by a precomputed key (the least any sort can cost).
:func:`reader.stats.reading_stats` (`reader stats`, the % screen) is compared
with one plain loop over the papers counting the read ones.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone

from reader.papers import Paper
from reader.sorting import SORTS, sort_ids
from reader.stats import reading_stats


def make_papers(count: int, seed: int = 16) -> dict[str, Paper]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    words = ["neural", "graph", "diffusion", "sparse", "attention", "vision", "language", "token", "state", "space"]
    papers = {}
    for number in range(count):
        added = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        read = rng.random() < 0.5
        extra = {"github": {"stars": rng.randrange(50_000)}} if rng.random() < 0.33 else {}
        paper = Paper(
            id=f"p{number:07d}",
            title=" ".join(rng.choice(words).title() for _ in range(6)),
            added=added.strftime("%Y-%m-%dT%H:%M:%SZ"),
            published=(added - timedelta(days=rng.randrange(30))).strftime("%Y-%m-%d") if rng.random() < 0.8 else None,
            upvotes=rng.randrange(300) if rng.random() < 0.5 else None,
            read=read,
            read_at=(added + timedelta(days=rng.randrange(60))).strftime("%Y-%m-%dT%H:%M:%SZ") if read else None,
            tags=tuple(rng.sample(words, rng.randrange(3))),
            sources=(f"page-{rng.randrange(200)}",),
            extra=extra,
        )
        papers[paper.id] = paper
    return papers


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes:
        papers = make_papers(size)
        ids = list(papers)
        keys = {pid: papers[pid].added for pid in ids}
        baseline = best(lambda ids=ids, keys=keys: sorted(ids, key=keys.__getitem__, reverse=True), args.repeat)
        print(f"{size:,} papers; baseline (sorted by a precomputed key): {baseline * 1000:.1f} ms")
        for order in SORTS:
            for reverse in (False, True):
                took = best(lambda ids=ids, papers=papers, order=order, reverse=reverse: sort_ids(ids, papers, order, reverse),
                            args.repeat)
                print(f"  sort {order:<9} {'reverse' if reverse else '       '} {took * 1000:8.1f} ms  "
                      f"{took / baseline:5.1f}x baseline")
        loop = best(lambda papers=papers: sum(1 for paper in papers.values() if paper.read), args.repeat)
        took = best(lambda papers=papers: reading_stats(papers.values(), "2026-01-01"), args.repeat)
        print(f"  stats             {took * 1000:8.1f} ms  {took / loop:5.1f}x a loop counting read papers "
              f"({loop * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
