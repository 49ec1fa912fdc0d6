"""Search speed and memory at 10,000 and 100,000 papers, with same-run baselines.

    .venv/bin/python benchmarks/search.py                  # 10,000 and 100,000 papers
    .venv/bin/python benchmarks/search.py --sizes 10000 --repeat 5
    .venv/bin/python benchmarks/search.py --workdir /tmp/search-bench   # keep the libraries between runs
    .venv/bin/python benchmarks/search.py --quality        # ranking quality on the sample pages only

For each size it builds a seeded synthetic library (``benchmarks/synth.py``:
realistic titles, ~1.5 KB abstracts, GitHub and project links; a few papers
tagged, a third read), then prints:

- the full rebuild of the tantivy index (``library.json.index``) and its size on disk;
- the CLI end to end: ``reader list QUERY --limit 20`` in a fresh process (wall
  time and peak RSS), against the process floor ``reader --version`` measured
  in the same run, and the first CLI search after importing 1,000 more papers;
- one tag change in process, including the index update (and the update alone), back to back
  and paced as a user tags (one every 0.2 s), with the segment merges that ran in the background;
- query latency p50/p95 in process over a fixed list of queries (typos,
  filters, phrases, the empty query), for 20 results and for all results as
  ids (what the TUI asks for), against plain ``rapidfuzz.process.extract(query,
  titles, scorer=WRatio)`` over titles only;
- the peak RSS of a fresh process that opens the library's index and runs every query.

Numbers depend on the machine and on what else it runs: compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_candidates  # noqa: E402

from reader.store import Library  # noqa: E402
from reader.search import engine_for, search, search_ids  # noqa: E402
from reader.search.documents import index_dir  # noqa: E402


def _swap(word: str, at: int) -> str:
    """``word`` with two letters swapped (a typical typo)."""
    at = min(max(at, 1), len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def build_library(path: Path, size: int) -> Library:
    library = Library.open(path)
    if len(library) == size:
        return library
    if len(library):
        raise SystemExit(f"{path} holds {len(library)} papers, not {size}: delete it or use another --workdir")
    started = time.perf_counter()
    candidates = make_candidates(size)
    library.import_candidates(candidates, sources=["synthetic"])
    ids = library.ids()
    library.tag(ids[::50], ["to-read"])
    library.tag(ids[7::100], ["favourite"])
    library.set_read(ids[::3])
    library.compact()
    print(f"  built the library in {time.perf_counter() - started:.0f} s", flush=True)
    return library


def queries_for(library: Library) -> list[str]:
    papers = library.papers()
    method = papers[777 % len(papers)].title.split(":")[0].split()[0]
    code = next(p for p in papers[1000:] if p.code_link)
    owner = code.code_link.url.rstrip("/").split("/")[-2]
    rare = max(library.abstract(papers[4242 % len(papers)].id).split(), key=len).strip(".,").lower()
    return [
        "efficient transformers",
        "trasnformer quantizaton",  # two typos
        "difusion models medical imaging",
        _swap(method.lower(), 3),  # a method name with swapped letters
        method,
        "attention",  # one very common word
        "state space models long context",
        rare,  # a word only one abstract has
        owner,  # a GitHub owner
        "quantiz",  # the start of a word
        '"mixture of experts"',
        '"of the"',  # a phrase of common words: the most candidates to check, in titles and abstracts
        "tag:to-read diffusion",
        "is:unread has:code graph neural networks",
        "-tag:to-read robotics protein",
        "is:read",
        "",
    ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


ROOT = Path(__file__).resolve().parent.parent
READER = [sys.executable, "-m", "reader"]


def run_process(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one child process."""
    # /usr/bin/time reports the peak RSS of the command alone (a child forked from this big
    # process would otherwise inherit its high-water mark).
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], capture_output=True, env=env, cwd=ROOT
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command} failed: {done.stderr.decode()[-2000:]}")
    peak_kb = int(done.stderr.decode().strip().splitlines()[-1])
    return seconds, peak_kb / 1024, done.stdout.decode()


def cli_figures(path: Path, queries: list[str], repeat: int) -> tuple[list[float], list[float], float, float]:
    """(times, peak MBs) of ``reader list QUERY --limit 20`` per query, and the floor's median time and MB."""
    floor_times, floor_mbs = [], []
    for _ in range(repeat):
        seconds, mb, _ = run_process([*READER, "--version"])
        floor_times.append(seconds)
        floor_mbs.append(mb)
    times, mbs = [], []
    for query in queries:
        for _ in range(max(repeat // 2, 1)):
            seconds, mb, _ = run_process([*READER, "list", "--db", str(path), "--limit", "20", "--", query])
            times.append(seconds)
            mbs.append(mb)
    return times, mbs, statistics.median(floor_times), statistics.median(floor_mbs)


_ALL_QUERIES_CHILD = """
import json, sys
from reader.store import Library
from reader.search import search_ids
library = Library.open(sys.argv[1])
for query in json.loads(sys.argv[2]):
    search_ids(library, query, 20)
    search_ids(library, query)
"""


def bench_size(workdir: Path, size: int, repeat: int) -> None:
    print(f"\n== {size:,} papers ==", flush=True)
    base = workdir / f"library-{size}" / "library.json"
    build_library(base, size).compact()
    # Work on a copy: the run changes the library (tags, an import).
    run = workdir / f"run-{size}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    for name in ("library.json", "library.abstracts.json"):
        shutil.copy(base.with_name(name), run / name)
    path = run / "library.json"
    # A copy is a new file: compacting it (not timed) records where each abstract sits, as in place.
    Library.open(path).compact()

    library, open_time = timed(Library.open, path)
    engine = engine_for(library)
    _, rebuild = timed(engine.prepare)
    on_disk = sum(f.stat().st_size for f in index_dir(path).iterdir() if f.is_file())
    print(f"  library open {open_time:.2f} s (for scale)")
    print(f"  full index rebuild: {rebuild:.1f} s; index on disk {on_disk / 1e6:.0f} MB", flush=True)

    queries = queries_for(library)
    cli_queries = [query for query in queries if query]
    times, mbs, floor, floor_mb = cli_figures(path, cli_queries, repeat)
    print(
        f"  CLI `reader list QUERY --limit 20`: median {statistics.median(times) * 1000:.0f} ms, "
        f"worst {max(times) * 1000:.0f} ms, peak RSS max {max(mbs):.0f} MB"
    )
    print(
        f"  process floor `reader --version`: {floor * 1000:.0f} ms, {floor_mb:.0f} MB   "
        f"ratio median {statistics.median(times) / floor:.1f}x, worst {max(times) / floor:.1f}x"
    )

    # One tag change, including the index update: back to back (a script), then paced as a user tags.
    ids = library.ids()
    merger = engine.merger
    for label, pause, first in (("back to back", 0.0, 12345), ("one every 0.2 s, as a user tags", 0.2, 54321)):
        merger.wait()
        merges_before = len(merger.seconds)
        tag_times, update_times = [], []
        for number in range(repeat * 6):
            time.sleep(pause)
            _, seconds = timed(library.tag, [ids[(first + 97 * number) % len(ids)]], [f"bench-{number % 5}"])
            tag_times.append(seconds)
            update_times.append(engine.timings.get("update", 0.0))
        merger.wait()
        merges = merger.seconds[merges_before:]
        print(
            f"  one tag change incl. the index update, {label}: p50 {percentile(tag_times, 0.5) * 1000:.1f} ms, "
            f"p95 {percentile(tag_times, 0.95) * 1000:.1f} ms, worst {max(tag_times) * 1000:.1f} ms "
            f"(the index update alone: p50 {percentile(update_times, 0.5) * 1000:.1f} ms; "
            f"{len(merges)} segment merges in the background, median {statistics.median(merges or [0]) * 1000:.0f} ms)"
        )

    # 1,000 more papers, then the first CLI search.
    new = make_candidates(1000, seed=99, source="late")
    _, import_time = timed(library.import_candidates, new, sources=["late"])
    print(f"  import of 1,000 papers incl. the index update: {import_time:.2f} s "
          f"(index update {engine.timings.get('update', 0.0):.2f} s)")
    seconds, mb, out = run_process([*READER, "list", "--db", str(path), "--limit", "20", "--", new[0].title])
    assert new[0].title[:30] in out, "the new paper is found"
    print(f"  first CLI search after it: {seconds * 1000:.0f} ms, {mb:.0f} MB ({seconds / floor:.1f}x the floor)")

    # Queries in process.
    titles = [paper.title for paper in library.papers()]
    page: list[float] = []
    every: list[float] = []
    baseline: list[float] = []
    per_query = []
    for query in queries:
        search_ids(library, query, 20)  # warm this query's first-use costs out of the figures
        page_times = []
        for _ in range(repeat):
            result, seconds = timed(search_ids, library, query, 20)
            page_times.append(seconds)
            _, seconds = timed(search_ids, library, query)
            every.append(seconds)
        page.extend(page_times)
        base_times = []
        for _ in range(repeat):
            _, seconds = timed(process.extract, query, titles, scorer=fuzz.WRatio)
            base_times.append(seconds)
        baseline.extend(base_times)
        per_query.append((query, result.total, statistics.median(page_times), statistics.median(base_times)))
    print(f"  {'query':42} {'matches':>8} {'ours p50':>10} {'WRatio p50':>11}")
    for query, total, ours, base in per_query:
        print(f"  {query[:42]!r:42} {total:8d} {ours * 1000:8.1f}ms {base * 1000:9.1f}ms")
    p50, p95 = percentile(page, 0.5), percentile(page, 0.95)
    a50, a95 = percentile(every, 0.5), percentile(every, 0.95)
    b50, b95 = percentile(baseline, 0.5), percentile(baseline, 0.95)
    print(f"  in process, 20 results:             p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"  in process, all results as ids:     p50 {a50 * 1000:.1f} ms, p95 {a95 * 1000:.1f} ms")
    print(f"  baseline WRatio over titles:        p50 {b50 * 1000:.1f} ms, p95 {b95 * 1000:.1f} ms")
    print(f"  ratio baseline/ours (20 results): p50 {b50 / p50:.1f}x, p95 {b95 / p95:.1f}x")

    _, mb, _ = run_process([sys.executable, "-c", _ALL_QUERIES_CHILD, str(path), json.dumps(queries)])
    print(f"  a process that opens the library and runs every query (20 and all): peak RSS {mb:.0f} MB")


def quality() -> None:
    """Ranking quality on the sample pages: the cases of tests/search/test_search_quality.py, ours vs WRatio."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.search.test_search_quality import CASES, READ, TAGGED, _find

    from reader.importers.hf_pages import parse_page_file
    from reader.paths import sample_files

    with tempfile.TemporaryDirectory(prefix="reader-search-quality-") as tmp:
        library = Library.open(Path(tmp) / "library.json")
        parsed = [parse_page_file(path) for path in sample_files()]
        library.import_candidates([c for item in parsed for c in item.candidates], sources=[i.source for i in parsed])
        for title, tags in TAGGED.items():
            library.tag([_find(library, title).id], tags)
        library.set_read([_find(library, title).id for title in READ])
        papers = library.papers()
        titles = [paper.title for paper in papers]
        both = [paper.title + " " + library.abstract(paper.id) for paper in papers]
        tally = {"ours": [0, 0], "WRatio over titles": [0, 0], "WRatio over titles + abstracts": [0, 0]}
        for query, wanted in CASES:
            wanted_id = _find(library, wanted).id
            ranked = {
                "ours": [hit.paper.id for hit in search(library, query, 3)],
                "WRatio over titles": [
                    papers[i].id for _, _, i in process.extract(query, titles, scorer=fuzz.WRatio, limit=3)
                ],
                "WRatio over titles + abstracts": [
                    papers[i].id for _, _, i in process.extract(query, both, scorer=fuzz.WRatio, limit=3)
                ],
            }
            for name, ids in ranked.items():
                tally[name][0] += ids[:1] == [wanted_id]
                tally[name][1] += wanted_id in ids
        print(f"ranking quality, {len(CASES)} realistic queries on the sample pages (tests/search/test_search_quality.py):")
        for name, (first, top3) in tally.items():
            print(f"  {name:32} first {first / len(CASES):4.0%}   top three {top3 / len(CASES):4.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each query (default 7)")
    parser.add_argument("--workdir", type=Path, help="keep the synthetic libraries here between runs")
    parser.add_argument("--quality", action="store_true", help="only compare ranking quality on the sample pages")
    args = parser.parse_args()
    # The CLI and the TUI install the hook that keeps the index current when they open a library
    # (reader/search/hook.py); the library objects made here must do the same.
    from reader.search.hook import install

    install()
    if args.quality:
        quality()
        return
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        workdir = args.workdir
        for size in args.sizes:
            bench_size(workdir, size, args.repeat)
    else:
        with tempfile.TemporaryDirectory(prefix="reader-search-bench-") as tmp:
            for size in args.sizes:
                bench_size(Path(tmp), size, args.repeat)


if __name__ == "__main__":
    main()
