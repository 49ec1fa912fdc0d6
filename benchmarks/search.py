"""Search speed and memory at 10,000 and 100,000 papers, with a same-run baseline.

    .venv/bin/python benchmarks/search.py                  # 10,000 and 100,000 papers
    .venv/bin/python benchmarks/search.py --sizes 10000 --repeat 5
    .venv/bin/python benchmarks/search.py --workdir /tmp/search-bench   # keep the libraries between runs

For each size it builds a seeded synthetic library (``benchmarks/synth.py``:
realistic titles, ~1.5 KB abstracts, GitHub and project links; a few papers
tagged, a third read), then prints:

- index build time: cold (nothing saved: flags, titles/tags/links, abstracts,
  saving the index and the phrases file) and warm (a new process with the
  saved index), and writing the phrases file alone (what the TUI does in a
  child process for a library whose saved index has none);
- index memory (tracemalloc, in a separate cold build so timing is not skewed);
- incremental updates: a tag change, a read change, an import of 100 papers;
- query latency p50/p95 over a fixed list of queries (typos, filters, a phrase,
  the empty query...), for a page of 100 results and for all results, and the
  same for plain ``rapidfuzz.process.extract(query, titles, scorer=WRatio)``
  over titles only, with the ratio.

Numbers depend on the machine and on what else it runs: compare the ratio.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_candidates  # noqa: E402

from reader.library import Library  # noqa: E402
from reader.search import SearchIndex  # noqa: E402


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


def bench_size(workdir: Path, size: int, repeat: int, memory: bool) -> None:
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
    # A copy is a new file: where each abstract sits is recorded for the original's inode, and
    # the first abstract read would scan the whole file again. Compacting the copy (not timed)
    # records it anew, as the library in place has it.
    Library.open(path).compact()
    cache = Path(str(path) + ".search")
    phrases = Path(str(path) + ".phrases")

    # Cold start: nothing saved.
    cache.unlink(missing_ok=True)
    phrases.unlink(missing_ok=True)
    library, open_time = timed(Library.open, path)
    index = SearchIndex(library)
    _, flags_time = timed(index.sync)
    partial, titles_time = timed(index.search, "efficient transformers", 20, partial_ok=True)
    _, prepare_time = timed(index.prepare)
    steps = index.timings
    load_abstracts = steps.get("load abstracts", 0.0)
    build = flags_time + titles_time + prepare_time - load_abstracts
    print(f"  library open {open_time:.2f} s (not search; for scale)")
    print(
        f"  index build, cold: {build:.2f} s = flags {flags_time:.2f} + titles/tags/links {titles_time:.2f} "
        f"+ abstracts {steps.get('index abstracts', 0.0):.2f} + save {steps.get('save index', 0.0):.2f} "
        f"+ save phrases {steps.get('save phrases', 0.0):.2f} s"
        f"   (+ the library loading its abstracts: {load_abstracts:.2f} s)"
    )
    print(
        "  saved index: "
        + (f"{cache.stat().st_size / 1e6:.0f} MB at {cache.name}" if cache.exists() else "not saved")
        + "; phrases file: "
        + (f"{phrases.stat().st_size / 1e6:.0f} MB at {phrases.name}" if phrases.exists() else "not saved")
    )

    # Warm start: a new process would open the library and find the saved index.
    del index, library
    gc.collect()
    library = Library.open(path)
    index = SearchIndex(library)
    _, flags_time = timed(index.sync)
    _, titles_time = timed(index.search, "efficient transformers", 20, partial_ok=True)
    _, prepare_time = timed(index.prepare)
    load_abstracts = index.timings.get("load abstracts", 0.0)
    print(
        f"  index start, warm (saved index): flags {flags_time:.2f} + titles/tags/links {titles_time:.2f} "
        f"+ abstracts {prepare_time - load_abstracts:.2f} = {flags_time + titles_time + prepare_time - load_abstracts:.2f} s"
        f"   (+ the library loading its abstracts: {load_abstracts:.2f} s)"
    )

    # The phrases file alone, for a saved index without one (a library made by an older version).
    phrases.unlink()
    stale = index.phrases_stale()
    _, phrases_time = timed(index.write_phrases)
    print(
        f"  phrases file alone (write_phrases; stale before: {stale}, after: {index.phrases_stale()}): "
        f"{phrases_time:.2f} s = cut the abstracts {index.timings.get('index phrases', 0.0):.2f} "
        f"+ save {index.timings.get('save phrases', 0.0):.2f} s"
    )

    # Incremental updates.
    ids = library.ids()
    library.tag([ids[12345 % len(ids)]], ["benchmarked"])
    _, tag_sync = timed(index.sync)
    library.set_read([ids[23456 % len(ids)]], read=True)
    _, read_sync = timed(index.sync)
    new = make_candidates(100, seed=99, source="late")
    library.import_candidates(new, sources=["late"])
    _, import_sync = timed(index.search, new[0].title, 5)
    print(
        f"  update: tag change {tag_sync * 1000:.1f} ms, read change {read_sync * 1000:.1f} ms, "
        f"100 imported papers {import_sync * 1000:.0f} ms (sync + a search)"
    )

    # Queries.
    queries = queries_for(library)
    titles = [paper.title for paper in library.papers()]
    ours_page: list[float] = []
    ours_all: list[float] = []
    ours_ids: list[float] = []
    baseline: list[float] = []
    per_query = []
    without_phrase: list[float] = []
    for query in queries:
        index.search(query, 100)  # warm this query's first-use costs out of the figures
        page_times = []
        for _ in range(repeat):
            result, seconds = timed(index.search, query, 100)
            page_times.append(seconds)
            _, seconds = timed(index.search, query)
            ours_all.append(seconds)
            _, seconds = timed(index.search_ids, query)
            ours_ids.append(seconds)
        ours_page.extend(page_times)
        if not query.startswith('"'):
            without_phrase.extend(page_times)
        base_times = []
        for _ in range(repeat):
            _, seconds = timed(process.extract, query, titles, scorer=fuzz.WRatio)
            base_times.append(seconds)
        baseline.extend(base_times)
        per_query.append((query, result.total, statistics.median(page_times), statistics.median(base_times)))
    print(f"  {'query':42} {'matches':>8} {'ours p50':>10} {'WRatio p50':>11}")
    for query, total, ours, base in per_query:
        print(f"  {query[:42]!r:42} {total:8d} {ours * 1000:8.1f}ms {base * 1000:9.1f}ms")
    p50, p95 = percentile(ours_page, 0.5), percentile(ours_page, 0.95)
    a50, a95 = percentile(ours_all, 0.5), percentile(ours_all, 0.95)
    i50, i95 = percentile(ours_ids, 0.5), percentile(ours_ids, 0.95)
    b50, b95 = percentile(baseline, 0.5), percentile(baseline, 0.95)
    print(f"  search, page of 100 (titles+abstracts+tags+links): p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(
        f"    the same without the phrase queries:              p50 {percentile(without_phrase, 0.5) * 1000:.1f} ms,"
        f" p95 {percentile(without_phrase, 0.95) * 1000:.1f} ms"
    )
    print(f"  search, all results as ids (search_ids):           p50 {i50 * 1000:.1f} ms, p95 {i95 * 1000:.1f} ms")
    print(f"  search, all results as Hit objects (search):       p50 {a50 * 1000:.1f} ms, p95 {a95 * 1000:.1f} ms")
    print(f"  baseline process.extract(q, titles, scorer=WRatio):  p50 {b50 * 1000:.1f} ms, p95 {b95 * 1000:.1f} ms")
    print(
        f"  ratio baseline/ours (page): p50 {b50 / p50:.1f}x, p95 {b95 / p95:.1f}x;"
        f" (all results as ids): p50 {b50 / i50:.1f}x, p95 {b95 / i95:.1f}x"
    )

    if memory:
        del index
        gc.collect()
        library = Library.open(path)
        library.abstracts()  # the library's own memory, not the index's
        cache.unlink(missing_ok=True)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        index = SearchIndex(library)
        index.prepare()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  index memory: {(current - before) / 1e6:.0f} MB held, {(peak - before) / 1e6:.0f} MB peak while building"
            " (tracemalloc; the library's own papers and abstracts not counted)"
        )


def quality() -> None:
    """Ranking quality on the sample pages: the cases of tests/test_search_quality.py, ours vs WRatio."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.test_search_quality import CASES, READ, TAGGED, _find

    from reader.importers.hf_pages import parse_page_file
    from reader.paths import sample_files

    with tempfile.TemporaryDirectory(prefix="reader-search-quality-") as tmp:
        library = Library.open(Path(tmp) / "library.json")
        parsed = [parse_page_file(path) for path in sample_files()]
        library.import_candidates([c for item in parsed for c in item.candidates], sources=[i.source for i in parsed])
        for title, tags in TAGGED.items():
            library.tag([_find(library, title).id], tags)
        library.set_read([_find(library, title).id for title in READ])
        index = SearchIndex(library)
        papers = library.papers()
        titles = [paper.title for paper in papers]
        both = [paper.title + " " + library.abstract(paper.id) for paper in papers]
        tally = {"ours": [0, 0], "WRatio over titles": [0, 0], "WRatio over titles + abstracts": [0, 0]}
        for query, wanted in CASES:
            wanted_id = _find(library, wanted).id
            ranked = {
                "ours": [hit.paper.id for hit in index.search(query, 3)],
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
        print(f"ranking quality, {len(CASES)} realistic queries on the sample pages (tests/test_search_quality.py):")
        for name, (first, top3) in tally.items():
            print(f"  {name:32} first {first / len(CASES):4.0%}   top three {top3 / len(CASES):4.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each query (default 7)")
    parser.add_argument("--workdir", type=Path, help="keep the synthetic libraries here between runs")
    parser.add_argument("--no-memory", action="store_true", help="skip the (slow) memory measurement")
    parser.add_argument("--quality", action="store_true", help="only compare ranking quality on the sample pages")
    args = parser.parse_args()
    if args.quality:
        quality()
        return
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        workdir = args.workdir
        for size in args.sizes:
            bench_size(workdir, size, args.repeat, not args.no_memory)
    else:
        with tempfile.TemporaryDirectory(prefix="reader-search-bench-") as tmp:
            for size in args.sizes:
                bench_size(Path(tmp), size, args.repeat, not args.no_memory)


if __name__ == "__main__":
    main()
