"""The wheel carries what the program reads at run time (styles, sample papers)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_styles_and_sample_data(tmp_path):
    pytest.importorskip("setuptools")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("reader_tui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    samples = [n for n in names if n.startswith("reader/_sample_data/") and n.endswith(".txt")]
    assert len(samples) == 5
    assert any(n.startswith("reader/_styles/") and n.endswith(".tcss") for n in names)
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "reader").rglob("*.py")}
    missing = sorted(sources - set(names))
    assert not missing, f"modules left out of the wheel: {missing}"
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "reader = reader.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
