"""The peak memory of a child Python process, as the process itself saw it.

``ru_maxrss`` from ``wait4`` is no good here: a child started by a big
pytest process inherits the parent's high-water mark through fork/exec. The
kernel's ``VmHWM`` in ``/proc/self/status`` belongs to the new program's
memory alone, so the child writes it at exit (from a ``sitecustomize.py``
on ``PYTHONPATH``) to the file named by ``READER_PEAK_FILE``.
"""

from __future__ import annotations

import os
from pathlib import Path

SITECUSTOMIZE = '''\
"""Loaded by every Python started with this directory on PYTHONPATH (tests only)."""
import os

if os.environ.get("READER_PEAK_FILE"):
    import atexit

    def _report_peak_memory():
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    with open(os.environ["READER_PEAK_FILE"], "w", encoding="ascii") as out:
                        out.write(line.split()[1])  # kB

    atexit.register(_report_peak_memory)
'''


def peak_env(directory: Path) -> tuple[dict[str, str], Path]:
    """Environment for a child that reports its peak memory, and the file it reports to."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    report = directory / "peak-kb"
    if report.exists():
        report.unlink()
    root = Path(__file__).resolve().parent.parent.parent
    return {"PYTHONPATH": os.pathsep.join([str(directory), str(root)]), "READER_PEAK_FILE": str(report)}, report


def read_peak_mb(report: Path) -> float:
    return int(report.read_text(encoding="ascii")) / 1024
