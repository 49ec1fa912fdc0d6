"""What a CLI command costs against the process floor, and which modules it loads (issue 13).

    .venv/bin/python benchmarks/cli_imports.py               # 10,000 papers, 15 runs each
    .venv/bin/python benchmarks/cli_imports.py --papers 2000 --repeat 5

Builds a synthetic library (benchmarks/synth.py) in a temporary directory, then
times, in fresh processes in the same run: ``reader --version`` (the floor:
Python plus the parser), ``reader tag`` (load the library, one change) and
``reader list --limit 20`` (answered by the search index). For each it prints
the median and the 90th percentile wall time, the time above the floor, and
whether the command imported any of the modules it never needs (exporters,
copying, Markdown parsing, Textual, the HTTP client).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synth import make_candidates  # noqa: E402

UNNEEDED = ("reader.exporters", "reader.copying", "markdown_it", "textual", "httpx", "reader.tui")

# Prints the modules of UNNEEDED that the command imported, after running it in this process.
PROBE = """
import sys
from reader.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = sorted({name.split('.')[0] if not name.startswith('reader.') else '.'.join(name.split('.')[:2])
                 for name in sys.modules if name.startswith(%r)})
sys.stderr.write('LOADED:' + ','.join(loaded) + '\\n')
"""


def run(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reader", *args], env=env, cwd=str(ROOT), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def loaded_modules(args: list[str], env: dict) -> list[str]:
    code = PROBE % (UNNEEDED,)
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=str(ROOT),
                            capture_output=True, text=True, check=True)
    line = next(row for row in result.stderr.splitlines() if row.startswith("LOADED:"))
    return [name for name in line[len("LOADED:"):].split(",") if name]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()

    from reader.store import Library

    with tempfile.TemporaryDirectory(prefix="reader-cli-bench-") as work:
        db = Path(work) / "library.json"
        library = Library.open(db)
        library.import_candidates(make_candidates(options.papers), sources=["synthetic"])
        library.compact()
        pid = library.papers()[0].id
        env = {**os.environ, "READER_DB": str(db), "READER_DATA_DIR": work, "READER_CONFIG_DIR": work}
        # As installed: compiled modules are cached (the first run writes them), not compiled every run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run(["list", "--limit", "20"], env)  # the search index is built once, outside the timing
        commands = {
            "reader --version": ["--version"],
            "reader tag ID -t TAG": ["tag", pid, "-t", "bench"],
            "reader list --limit 20": ["list", "--limit", "20"],
        }
        # Interleaved rounds, so that a busy machine slows every command alike.
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(options.repeat):
            for name, args in commands.items():
                times[name].append(run(args, env))
        floor = statistics.median(times["reader --version"])
        print(f"{options.papers:,} papers, {options.repeat} runs each (fresh processes, interleaved)")
        print(f"{'command':<26}{'median':>9}{'p90':>9}{'above floor':>13}  unneeded modules loaded")
        for name, args in commands.items():
            median = statistics.median(times[name])
            extra = "" if name == "reader --version" else f"{(median - floor) * 1000:>10.0f} ms"
            loaded = loaded_modules(args, env) if name != "reader --version" else []
            print(
                f"{name:<26}{median * 1000:>7.0f} ms{percentile(times[name], 90) * 1000:>6.0f} ms"
                f"{extra:>13}  {', '.join(loaded) or 'none'}"
            )


if __name__ == "__main__":
    main()
