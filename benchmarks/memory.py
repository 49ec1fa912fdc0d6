"""Peak memory of `reader import` on absurd single inputs (issue 14, item 13).

    .venv/bin/python benchmarks/memory.py              # all cases (about a minute)
    .venv/bin/python benchmarks/memory.py --only json   # the cases whose name holds 'json'
    .venv/bin/python benchmarks/memory.py --only real --papers 100000   # a real backup of that many papers

Each case writes one input file into a temporary directory, runs
``python -m reader import FILE`` (or ``import -`` with the file on stdin) in a
fresh child process, and prints the child's peak resident memory (the
kernel's ``VmHWM``, written by the child itself at exit: see
``tests/helpers/peakmem.py``), the ratio of that peak to the input's size, the
exit status, and whether the peak stays under the budget the issue sets:
300 MB plus the size of the input. For a real backup it also prints the floor:
the peak of a fresh process that only opens the library the import made
(``Library.open``), since after an import the library is in memory anyway.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.peakmem import peak_env, read_peak_mb  # noqa: E402

MB = 1024 * 1024
BUDGET_MB = 300


def list_with_long_line(size: int) -> bytes:
    """A Markdown reading list whose only item is one line of ``size`` bytes."""
    words = "word " * (size // 5)
    return f"# Reading list\n\n- [ ] **{words}**\n".encode()


def list_with_long_abstract(size: int) -> bytes:
    """A well-formed item whose quoted abstract is one line of ``size`` bytes."""
    text = "abstract " * (size // 9)
    return f"# Reading list\n\n- [ ] **Title** · [code](<https://github.com/o/r>)\n  > {text}\n".encode()


def json_of_empty_arrays(size: int) -> bytes:
    return b"[" + b"[]," * (size // 3) + b"[]]"


def backup_of_empty_objects(size: int) -> bytes:
    head = b'{"format": "reader-backup", "version": 1, "papers": [{"id": "p", "title": "T", "extra": {"x": ['
    return head + b"{}," * (size // 3) + b"{}]}}]}"


def real_backup(papers: int) -> bytes:
    """A backup as `reader export --format json` writes it, of ``papers`` synthetic papers (benchmarks/synth.py)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import make_candidates

    from reader.exporters.json_backup import render_backup
    from reader.papers import Paper

    github = {"repo": "o/r", "url": "https://github.com/o/r", "stars": 5, "description": "a repository",
              "archived": False, "pushed_at": "2024-01-01T00:00:00Z", "checked": "2026-01-01T00:00:00Z"}
    candidates = make_candidates(papers)
    records = [
        Paper(f"p{number}", c.title, links=c.links, tags=("to-read", "ml"), added="2026-01-01T00:00:00Z",
              sources=(c.source,), authors=("Ann A", "Bob B", "Cy C", "Di D", "Ed E"), extra={"github": github})
        for number, c in enumerate(candidates)
    ]
    abstracts = {paper.id: c.abstract for paper, c in zip(records, candidates, strict=True)}
    return render_backup(records, abstracts, exported_at="2026-01-01T00:00:00Z").encode()


CASES: dict[str, tuple[str, Callable[[int], bytes], int, bool]] = {
    # name: (file name, maker, size, via stdin)
    "list-10mb-line": ("list.md", list_with_long_line, 10 * MB, False),
    "list-30mb-line": ("list.md", list_with_long_line, 30 * MB, False),
    "list-10mb-abstract": ("list.md", list_with_long_abstract, 10 * MB, False),
    "json-100mb-empty-arrays": ("arrays.json", json_of_empty_arrays, 100 * MB, False),
    "json-100mb-empty-arrays-stdin": ("arrays.json", json_of_empty_arrays, 100 * MB, True),
    "backup-100mb-empty-objects": ("backup.json", backup_of_empty_objects, 100 * MB, False),
    # A real backup (not absurd): 20,000 papers, ~42 MB; it is imported.
    "backup-real-20k-papers": ("backup.json", real_backup, 20_000, False),
    # 100,000 papers, ~210 MB: the largest library reader is sized for; from a file and on stdin.
    "backup-real-100k-papers": ("backup.json", real_backup, 100_000, False),
    "backup-real-100k-papers-stdin": ("backup.json", real_backup, 100_000, True),
}


def open_peak_mb(db: Path, directory: Path) -> float:
    """The peak memory of a fresh process that opens the library at ``db`` (and nothing else)."""
    env, report = peak_env(directory / "peak-open")
    code = f"from reader.store import Library; Library.open({str(db)!r})"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **env}, cwd=str(ROOT), timeout=600)
    return read_peak_mb(report)


def measure(name: str, directory: Path, papers: int | None = None) -> dict:
    file_name, make, size, stdin = CASES[name]
    if papers is not None and make is real_backup:
        size = papers
        name = f"backup-real-{papers:,}-papers" + ("-stdin" if stdin else "")
    path = directory / file_name
    path.write_bytes(make(size))
    input_mb = path.stat().st_size / MB
    env, report = peak_env(directory / "peak")
    db = directory / "lib" / "library.json"
    args = [sys.executable, "-m", "reader", "--db", str(db), "import", "-" if stdin else str(path)]
    started = time.perf_counter()
    with open(path, "rb") as source:
        done = subprocess.run(args, stdin=source if stdin else subprocess.DEVNULL, capture_output=True,
                              env={**os.environ, **env}, cwd=str(ROOT), timeout=600)
    seconds = time.perf_counter() - started
    peak = read_peak_mb(report)
    path.unlink()
    said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
    floor = open_peak_mb(db, directory) if make is real_backup and done.returncode == 0 else None
    return {
        "case": name,
        "input_mb": input_mb,
        "peak_mb": peak,
        "ratio": peak / input_mb,
        "exit": done.returncode,
        "seconds": seconds,
        "within": peak < BUDGET_MB + input_mb,
        "said": said[-1][:110] if said else "",
        "floor_mb": floor,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only the cases whose name holds this text")
    parser.add_argument("--papers", type=int, default=None,
                        help="the real-backup cases import a backup of this many papers instead")
    args = parser.parse_args()
    names = [name for name in CASES if args.only in name]
    if args.papers is not None:  # one real-backup case from a file, one on stdin: they differ only in size
        real = {CASES[name][3]: name for name in reversed(names) if CASES[name][1] is real_backup}
        names = [name for name in names if CASES[name][1] is not real_backup] + [real[k] for k in sorted(real)]
    print(f"{'case':32} {'input MB':>9} {'peak MB':>8} {'peak/input':>10} {'exit':>4} {'s':>6}  within 300 MB + input")
    worst = True
    for name in names:
        with tempfile.TemporaryDirectory(prefix="reader-mem-") as tmp:
            row = measure(name, Path(tmp), args.papers)
        worst = worst and row["within"]
        print(f"{row['case']:32} {row['input_mb']:9.1f} {row['peak_mb']:8.1f} {row['ratio']:10.2f} "
              f"{row['exit']:4d} {row['seconds']:6.2f}  {'yes' if row['within'] else 'NO'}")
        print(f"    {row['said']}")
        if row["floor_mb"] is not None:
            print(f"    opening the library it made peaks at {row['floor_mb']:.1f} MB: "
                  f"the import takes {row['peak_mb'] / row['floor_mb']:.2f}x that")
    return 0 if worst else 1


if __name__ == "__main__":
    sys.exit(main())
