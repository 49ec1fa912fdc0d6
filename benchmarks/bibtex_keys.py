"""BibTeX keys unique across a library: what computing them for every paper costs.

    .venv/bin/python benchmarks/bibtex_keys.py            # 10,000 and 100,000 papers
    .venv/bin/python benchmarks/bibtex_keys.py --sizes 10000

`reader copy -f bibtex` and the TUI's copy menu compute the keys of the whole
library (so a key never collides with another paper's), not just of the papers
copied. Baseline, measured in the same run: one ``bibtex_key`` per paper with
no uniqueness (what copying did before). Papers are synthetic and seeded: few
surnames, one year and a small vocabulary, so keys collide far more often than
in a real library (the worst case for the suffixes).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from reader.copying import bibtex_key, bibtex_keys
from reader.papers import Paper

WORDS = ("attention diffusion transformer graph neural network mamba state space vision language model "
         "efficient scaling sparse learning").split()
SURNAMES = ("Wang", "Zhang", "Li", "Liu", "Chen", "Smith", "Lee", "Kim", "Müller", "Dubois")


def papers(count: int) -> list[Paper]:
    rng = random.Random(15)
    return [
        Paper(
            id=f"p{n}",
            title=" ".join(rng.choice(WORDS).title() for _ in range(rng.randint(4, 12))),
            authors=(f"Wei {rng.choice(SURNAMES)}", "Other Author"),
            published=f"202{rng.randint(2, 5)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        )
        for n in range(count)
    ]


def timed(function, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'papers':>8}  {'unique keys':>12}  {'baseline (no uniqueness)':>24}  {'ratio':>6}  distinct bases")
    for size in args.sizes:
        library = papers(size)
        ours = timed(lambda library=library: bibtex_keys(library), args.repeat)
        base = timed(lambda library=library: [bibtex_key(p) for p in library], args.repeat)
        bases = len({bibtex_key(p) for p in library})
        print(f"{size:>8,}  {ours * 1000:>10.0f} ms  {base * 1000:>21.0f} ms  {ours / base:>5.2f}x  {bases:,}")


if __name__ == "__main__":
    main()
