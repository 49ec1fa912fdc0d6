"""Library figures at 10,000 and 100,000 papers, against plain TinyDB in the same run.

    .venv/bin/python benchmarks/library.py            # both sizes (about 5 minutes on 2 cores)
    .venv/bin/python benchmarks/library.py --sizes 10000 --repeat 3

For each size it builds a synthetic library (seeded: ``benchmarks/synth.py``,
realistic titles, ~1.5 KB abstracts) and measures, several times each:

* open: a fresh process-equivalent ``Library.open`` plus listing every paper,
  from the snapshot a compaction writes and from the JSON alone;
* change: one durable tag or read change (journal append + fsync), on a
  freshly opened library (the CLI's path) and on a long-lived one (the TUI's);
* import: the papers as page dumps (1,000 per file) into an empty library,
  parsing included; then the same dumps again (all duplicates);
* export: every paper to Markdown;
* memory: peak RSS of a process that opens the library and lists it;
* file sizes.

The naive baseline is plain TinyDB with its default JSONStorage holding the
same documents (abstracts included, one table): open = ``TinyDB(...).table().all()``,
change = ``table.update(..., Query().id == pid)``, import = parse the dumps and ``insert_multiple`` (no dedupe), re-import = parse
and check each title against all titles read back, export = read all and render.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import write_page_dumps  # noqa: E402

from reader.exporters.markdown import render_reading_list  # noqa: E402
from reader.importers.hf_pages import parse_page_file  # noqa: E402
import reader.store.snapshot as snapshot_module  # noqa: E402
from reader.store import Library  # noqa: E402

TARGETS = {  # seconds, at 100,000 papers (issue: scale)
    "open + list": 0.8,
    "change (CLI path)": 0.020,
    "change (TUI, long-lived)": 0.020,
    "import new (page dumps)": 10.0,
    "re-import (all duplicates)": 5.0,
    "export Markdown": 3.0,
}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def import_dumps(library: Library, paths: list[Path]):
    parsed = [parse_page_file(path) for path in paths]
    return library.import_candidates(
        [c for item in parsed for c in item.candidates], sources=[item.source for item in parsed]
    )


def naive_db(path: Path, docs: list[dict]):
    from tinydb import TinyDB

    db = TinyDB(path)
    db.table("papers").insert_multiple(docs)
    db.close()


# A child's ru_maxrss starts at its parent's high-water mark (fork), so each
# child reports its own peak (VmHWM) from /proc instead.
_PEAK = (
    "def peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1]) / 1024\n"
)


def peak_rss_mb(db: Path) -> float:
    code = _PEAK + (
        "from reader.store import Library\n"
        f"lib = Library.open({str(db)!r})\n"
        "papers = lib.papers()\n"
        "print(peak())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def naive_rss_mb(db: Path) -> float:
    code = _PEAK + (
        "from tinydb import TinyDB\n"
        f"docs = TinyDB({str(db)!r}).table('papers').all()\n"
        "print(peak())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def bench_size(size: int, repeat: int, work: Path) -> list[dict]:
    rows: list[dict] = []
    print(f"\n== {size:,} papers: generating ...", flush=True)
    dumps = write_page_dumps(work / f"dumps-{size}", size)
    db = work / f"lib-{size}" / "library.json"
    naive_path = work / f"naive-{size}.json"

    def row(op, ours, naive=None, unit="s"):
        entry = {
            "operation": op,
            "size": size,
            "p50": statistics.median(ours),
            "p95": percentile(ours, 95),
            "target": TARGETS.get(op) if size == 100_000 else None,
            "naive_p50": statistics.median(naive) if naive else None,
            "unit": unit,
        }
        rows.append(entry)
        naive_text = f"  naive p50 {entry['naive_p50']:.4f}" if naive else ""
        print(f"   {op:<28} p50 {entry['p50']:.4f}  p95 {entry['p95']:.4f}{naive_text}", flush=True)

    # Import (parse + dedupe + write) into an empty library, then again (all duplicates).
    import_times = []
    for _attempt in range(max(1, min(repeat, 2))):
        shutil.rmtree(db.parent, ignore_errors=True)
        library = Library(db)
        library.load()
        gc.collect()
        start = time.perf_counter()
        report = import_dumps(library, dumps)
        import_times.append(time.perf_counter() - start)
        assert len(report.added) == size, (len(report.added), size)
    reimport = timed(lambda: import_dumps(Library.open(db), dumps), max(1, min(repeat, 3)))

    # The naive store holds the same documents (with abstracts, one table).
    library = Library.open(db)
    abstracts = library.abstracts()
    docs = [dict(p.to_doc(), abstract=abstracts[p.id]) for p in library.papers()]
    naive_path.unlink(missing_ok=True)
    start = time.perf_counter()
    for path in dumps:  # the naive import parses the same dumps, then inserts without deduping
        parse_page_file(path)
    naive_db(naive_path, docs)
    naive_import = [time.perf_counter() - start]
    del docs, abstracts, library
    gc.collect()

    def naive_reimport():
        from tinydb import TinyDB

        titles = {d["title"].casefold() for d in TinyDB(naive_path).table("papers").all()}
        for path in dumps:
            for cand in parse_page_file(path).candidates:
                _ = cand.title.casefold() in titles

    naive_reimport_times = timed(naive_reimport, 1)
    row("import new (page dumps)", import_times, naive_import)
    row("re-import (all duplicates)", reimport, naive_reimport_times)

    # Open and list: from the snapshot written at the last compaction (reader/snapshot.py),
    # and from the JSON alone (a library without a usable snapshot: an older reader's, a restored backup).
    def ours_open():
        lib = Library.open(db)
        lib.papers()
        assert lib.opened_from_snapshot

    def ours_open_json():
        saved = snapshot_module.read_snapshot
        snapshot_module.read_snapshot = lambda *args, **kwargs: None
        try:
            Library.open(db).papers()
        finally:
            snapshot_module.read_snapshot = saved

    def naive_open():
        from tinydb import TinyDB

        TinyDB(naive_path).table("papers").all()

    naive_open_times = timed(naive_open, max(1, min(repeat, 3)))
    row("open + list", timed(ours_open, repeat), naive_open_times)
    row("open + list, JSON alone", timed(ours_open_json, repeat), naive_open_times)

    # Durable single changes.
    ids = Library.open(db).ids()
    rng = random.Random(7)
    # A backup is taken before a change at most every 5 minutes (copying what was
    # compacted since the last one): measure that on its own, then the changes.
    lib = Library.open(db)
    start = time.perf_counter()
    lib.backup()
    backup_after_compaction = [time.perf_counter() - start]
    cli_times = []
    for i in range(max(60, repeat * 3)):
        lib = Library.open(db)
        pid = rng.choice(ids)
        start = time.perf_counter()
        lib.tag([pid], [f"bench{i % 5}"]) if i % 2 else lib.set_read([pid], read=bool(i % 4))
        cli_times.append(time.perf_counter() - start)
    long_lived = Library.open(db)
    tui_times = []
    for i in range(200):
        pid = rng.choice(ids)
        start = time.perf_counter()
        long_lived.tag([pid], [f"t{i % 7}"]) if i % 2 else long_lived.set_read([pid], read=bool(i % 4))
        tui_times.append(time.perf_counter() - start)
    compactions = [t for t in tui_times if t > 0.05]

    def naive_change():
        from tinydb import Query, TinyDB

        db_ = TinyDB(naive_path)
        db_.table("papers").update({"tags": ["naive"]}, Query().id == rng.choice(ids))
        db_.close()

    naive_changes = timed(naive_change, max(1, min(repeat, 3)))
    row("change (CLI path)", cli_times, naive_changes)
    row("backup taken before a change, 5-minutely", backup_after_compaction)
    row("change (TUI, long-lived)", tui_times, naive_changes)
    print(f"   (long-lived: {len(compactions)} of 200 changes above 50 ms: journal compactions)")

    # Export.
    lib = Library.open(db)
    papers = lib.papers()
    row("export Markdown", timed(lambda: render_reading_list(papers), repeat))

    # Memory and sizes.
    ours_rss = peak_rss_mb(db)
    naive_rss = naive_rss_mb(naive_path)
    rows.append({"operation": "peak RSS open+list (MB)", "size": size, "p50": ours_rss, "p95": ours_rss,
                 "target": 400 if size == 100_000 else None, "naive_p50": naive_rss, "unit": "MB"})
    print(f"   peak RSS open+list: {ours_rss:.0f} MB (naive TinyDB {naive_rss:.0f} MB)")
    sizes = {
        "library.json": db.stat().st_size,
        "library.abstracts.json": lib.abstracts_path.stat().st_size,
        "naive single file": naive_path.stat().st_size,
    }
    print("   files: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))
    from tinydb import TinyDB

    assert len(TinyDB(db, access_mode="r").table("papers")) == size, "library.json must load with TinyDB"
    return rows


def print_table(rows: list[dict]) -> None:
    print("\n| operation | papers | p50 | p95 | target | naive TinyDB p50 | naive / ours |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        unit = r["unit"]

        def fmt(v, unit=unit):
            if v is None:
                return "-"
            return f"{v:.0f} MB" if unit == "MB" else (f"{v * 1000:.1f} ms" if v < 1 else f"{v:.2f} s")

        ratio = f"{r['naive_p50'] / r['p50']:.1f}x" if r["naive_p50"] and r["p50"] else "-"
        print(f"| {r['operation']} | {r['size']:,} | {fmt(r['p50'])} | {fmt(r['p95'])} | {fmt(r['target'])} | "
              f"{fmt(r['naive_p50'])} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="reader-bench-"))
    try:
        rows = []
        for size in args.sizes:
            rows.extend(bench_size(size, args.repeat, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    print(f"\n(total {time.perf_counter() - started:.0f} s; python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
