"""TUI figures at 10,000 and 100,000 papers, against a bare Textual app in the same run.

    .venv/bin/python benchmarks/tui.py                      # both sizes (builds the libraries: minutes)
    .venv/bin/python benchmarks/tui.py --sizes 10000 --repeat 5
    .venv/bin/python benchmarks/tui.py --cache /tmp/reader-bench   # keep the built libraries for next time

What it measures (each in a fresh process, headless, 120x40):

* first screen: from just before the process is started to the first paper
  row drawn by ``reader --db LIB`` (argument parsing, the app, its first
  frame). Its rows come from the search index when it is current (as here),
  and the library is opened after the first frame: the time until it is in
  (its rows in place of the index's) is shown too. ``Library.open`` alone is
  shown for the breakdown, with its snapshot (``library.json.snapshot``,
  written at every compaction) and from the JSON alone (as when the snapshot
  is stale or missing);
* the floor: the same for a bare Textual app that draws one line;
* keystroke: typing a query one character at a time in the search bar, the
  time from the key press to the list showing the new results (the first
  page; the rest follows once typing pauses), and the longest stall of the
  event loop meanwhile (a 5 ms ticker; a stall means the UI froze);
* peak memory (max RSS) of the process after startup and after searching.

The library's search index (``library.json.index``) is built before the
children run, as it is after a library's first search, and reader's modules
are compiled to bytecode first (``__pycache__``, as Python does at the first
run, and pip at install; an environment with PYTHONDONTWRITEBYTECODE would
otherwise compile them again in every child): the figures are those of an
ordinary start. Targets (issue 12): first screen at 100,000 within
0.5 s; results after every keystroke within 50 ms at 100,000 without blocking
the event loop; peak memory under 250 MB at 100,000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

SIZE = (120, 40)
QUERY = "efficient transformers"


def _rss_mb() -> float:
    """Peak RSS of this process. On Linux from VmHWM: ru_maxrss survives exec, so a child would
    report the parent's peak (this script loads the library to check its index) when it is higher."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- child processes -------------------------------------------------------------------


def child_bare() -> None:
    """A bare Textual app with one line; prints when that line is first drawn."""
    from textual.app import App, ComposeResult
    from textual.strip import Strip
    from textual.widget import Widget
    from rich.segment import Segment

    class Line(Widget):
        drawn = False

        def render_line(self, y: int) -> Strip:
            if not Line.drawn:
                Line.drawn = True
                print(json.dumps({"first_row": time.monotonic(), "rss_mb": _rss_mb()}), flush=True)
                self.app.exit()
            return Strip([Segment("hello")])

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Line()

    Bare().run(headless=True, size=SIZE)


def child_first(db: str) -> None:
    """``reader --db DB`` headless; prints when the first paper row is drawn."""
    from reader import cli
    from reader.tui import app as app_module
    from reader.tui.widgets.paper_list import PaperList

    original_render = PaperList.render_line
    original_run = app_module.ReaderApp.run
    seen = {}

    def render_line(self, y):
        strip = original_render(self, y)
        if "first_row" not in seen and self.rows:
            seen["first_row"] = time.monotonic()
            seen["rss_mb"] = _rss_mb()
            app = self.app
            if not app.opening:  # the library was opened before the first frame
                seen["library_in"] = seen["first_row"]
                app.exit()
                return strip

            def library_in() -> None:
                if not app.opening:
                    seen["library_in"] = time.monotonic()
                    seen["rss_in_mb"] = _rss_mb()
                    app.exit()

            app.set_interval(0.005, library_in)
        return strip

    def run(self, **kwargs):
        return original_run(self, headless=True, size=SIZE)

    PaperList.render_line = render_line
    app_module.ReaderApp.run = run
    cli.main(["--db", db])
    print(json.dumps(seen), flush=True)


def child_open(db: str, how: str = "snapshot") -> None:
    from reader.store import Library
    from reader.store import snapshot as snapshot_module

    if how == "json":  # as when the snapshot is missing or stale (see reader/store/snapshot.py)
        snapshot_module.read_snapshot = lambda *args, **kwargs: None
    start = time.perf_counter()
    library = Library.open(db)
    elapsed = time.perf_counter() - start
    print(json.dumps({"open_s": elapsed, "papers": len(library), "snapshot": library.opened_from_snapshot}), flush=True)


def child_keys(db: str) -> None:
    """Type QUERY into the search bar; time each keystroke until the list shows its results."""
    from reader.config import Config
    from reader.store import Library
    from reader.tui.app import ReaderApp
    from reader.tui.screens.main import MainScreen

    shown: list[tuple[float, str]] = []
    original_show = MainScreen._show_rows

    def show_rows(self, token, rows, total, error, keep):
        original_show(self, token, rows, total, error, keep)
        shown.append((time.monotonic(), self.query_text))

    MainScreen._show_rows = show_rows
    library = Library.open(db)

    async def run() -> dict:
        app = ReaderApp(library, config=Config(), poll_interval=None, clipboard=lambda text: None, freeze_heap=True)
        stalls: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            interval = 0.005
            last = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(interval)
                now = time.monotonic()
                stalls.append(now - last - interval)
                last = now

        async with app.run_test(size=SIZE) as pilot:
            # Let start-up work finish: counts, abstracts for the detail pane, the search index.
            from textual.worker import WorkerCancelled

            while any(worker.is_running for worker in app.workers):
                for worker in list(app.workers):
                    try:
                        await worker.wait()
                    except WorkerCancelled:
                        pass
                await pilot.pause()
            startup_rss = _rss_mb()
            tick = asyncio.create_task(ticker())
            await pilot.press("slash")
            latencies = []
            for index, char in enumerate(QUERY):
                expected = QUERY[: index + 1].strip()
                started = time.monotonic()
                await pilot.press("space" if char == " " else char)
                if expected == QUERY[:index].strip():
                    continue  # a trailing space does not change the query
                # The first rows shown for this query after the key (pilot.press may return late, after a
                # pause long enough for the list of every match to follow: that one is not the keystroke's).
                while not (first := [at for at, text in shown if at >= started and text == expected]):
                    await asyncio.sleep(0.001)
                latencies.append(first[0] - started)
            typing_stall = max(stalls) if stalls else 0.0
            stalls.clear()
            rest_started = time.monotonic()
            screen = app.main_screen
            while screen._searching:  # the rest of the matches, once typing paused
                await asyncio.sleep(0.005)
            rest_s = time.monotonic() - rest_started
            stop.set()
            await tick
            rows = len(screen.rows)
        return {
            "latencies": latencies,
            "max_stall": typing_stall,
            "rest_stall": max(stalls) if stalls else 0.0,
            "rest_s": rest_s,
            "rows": rows,
            "startup_rss_mb": startup_rss,
            "rss_mb": _rss_mb(),
        }

    print(json.dumps(asyncio.run(run())), flush=True)


# -- the parent: build libraries, run children, print figures ----------------------------------


def run_child(*args: str) -> tuple[dict, float]:
    env = dict(os.environ)
    env.setdefault("READER_CONFIG_DIR", tempfile.mkdtemp(prefix="reader-bench-config-"))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(ROOT),
        timeout=1800,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]), started


def build_library(directory: Path, count: int) -> Path:
    from synth import make_candidates

    from reader.store import Library

    from reader.search import search

    db = directory / f"lib-{count}" / "library.json"
    if db.exists():
        if not db.with_name(db.name + ".snapshot").exists():
            Library.open(db).compact()  # built by an older reader: compaction writes the snapshot
        search(Library.open(db), "")  # the search index, if an older reader built the library
        return db
    print(f"  building a library of {count:,} papers in {db.parent} ...", flush=True)
    started = time.perf_counter()
    library = Library.open(db)
    library.import_candidates(make_candidates(count), sources=["synthetic"])
    search(library, "")  # its search index, as after the first search
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return db


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is shown)")
    parser.add_argument("--cache", type=Path, help="keep built libraries here (reused when present)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        mode, *rest = args.child
        {"bare": child_bare, "first": child_first, "open": child_open, "keys": child_keys}[mode](*rest)
        return

    import compileall

    compileall.compile_dir(str(ROOT / "reader"), quiet=1)  # see the module's docstring
    workdir = args.cache or Path(tempfile.mkdtemp(prefix="reader-tui-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        print(f"reader TUI benchmark: sizes {args.sizes}, {args.repeat} run(s) each, {os.cpu_count()} CPUs")
        bare = []
        for _ in range(args.repeat):
            result, started = run_child("bare")
            bare.append(result["first_row"] - started)
        bare_s = median(bare)
        print(f"\nbare Textual app, process start -> first line: {bare_s:.3f} s (the floor)\n")

        for count in args.sizes:
            db = build_library(workdir, count)
            opens, json_opens, firsts, rss_first, ins, rss_in = [], [], [], [], [], []
            for _ in range(args.repeat):
                opened, _ = run_child("open", str(db))
                opens.append(opened["open_s"])
                if not opened["snapshot"]:
                    print("  (the library opened without its snapshot)")
                opened, _ = run_child("open", str(db), "json")
                json_opens.append(opened["open_s"])
                first, started = run_child("first", str(db))
                firsts.append(first["first_row"] - started)
                ins.append(first["library_in"] - started)
                rss_first.append(first["rss_mb"])
                rss_in.append(first.get("rss_in_mb", first["rss_mb"]))
            keys, _ = run_child("keys", str(db))
            first_s = median(firsts)
            lat = keys["latencies"]
            print(f"{count:,} papers")
            print(f"  first screen with rows:   {first_s:.3f} s  ({first_s / bare_s:.1f}x bare)")
            print(f"    the library in (opened after the first frame, its rows in place): {median(ins):.3f} s")
            print(f"    of which Library.open:  {median(opens):.3f} s  (from JSON alone, without the snapshot: "
                  f"{median(json_opens):.3f} s)")
            print(f"    RSS at first screen:    {median(rss_first):.0f} MB; when the library is in: "
                  f"{median(rss_in):.0f} MB")
            print(
                f"  keystroke -> new list:    median {median(lat) * 1000:.1f} ms, worst {max(lat) * 1000:.1f} ms"
                f"  ({len(lat)} keys typing {QUERY!r}; {keys['rows']:,} rows at the end)"
            )
            print(f"  longest event-loop stall while typing: {keys['max_stall'] * 1000:.1f} ms")
            print(
                f"  all {keys['rows']:,} matches listed {keys['rest_s'] * 1000:.0f} ms after the last key "
                f"(waits for a pause in typing); longest stall meanwhile {keys['rest_stall'] * 1000:.1f} ms"
            )
            print(
                f"  peak RSS: {keys['startup_rss_mb']:.0f} MB after startup (abstracts and index loaded), "
                f"{keys['rss_mb']:.0f} MB after searching"
            )
            print()
        print("targets (issue 12): first screen <= 0.5 s at 100k; keystroke <= 50 ms at 100k; RSS < 250 MB at 100k")
    finally:
        if args.cache is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
