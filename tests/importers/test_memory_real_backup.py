"""A real backup of 100,000 papers imports within 300 MB plus its size (issue 14 item 13).

The backup is what ``reader export --format json`` writes for a library of
100,000 synthetic papers with abstracts, links, authors and GitHub data
(``benchmarks/memory.py``'s ``real_backup``): about 210 MB. It peaked at 695
to 721 MB; streamed, it stays under 300 MB plus its size, and close to what
merely opening the library it makes takes. Slow (about a minute).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli
from tests.helpers.peakmem import peak_env, read_peak_mb

MB = 1024 * 1024


def _real_backup(papers: int) -> bytes:
    spec = importlib.util.spec_from_file_location("memory_benchmark", ROOT / "benchmarks" / "memory.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.real_backup(papers)


@pytest.mark.slow
def test_a_real_backup_of_100000_papers_imports_within_300_mb_plus_its_size(tmp_path):
    path = tmp_path / "backup.json"
    path.write_bytes(_real_backup(100_000))
    size_mb = path.stat().st_size / MB
    db = tmp_path / "lib" / "library.json"
    env, report = peak_env(tmp_path / "peak")
    done = run_cli("import", str(path), db=db, env=env)
    assert done.returncode == 0, done.stderr
    assert b"100,000 papers: 100000 added" in done.stdout
    peak = read_peak_mb(report)
    assert peak < 300 + size_mb, (peak, size_mb)  # it was 721 MB for 212 MB

    env, report = peak_env(tmp_path / "peak-open")
    code = f"from reader.store import Library; assert len(Library.open({str(db)!r})) == 100_000"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **env}, cwd=str(ROOT), timeout=300)
    floor = read_peak_mb(report)
    assert peak < 1.6 * floor, (peak, floor)  # the library itself is most of it (416 MB against 315 MB)
