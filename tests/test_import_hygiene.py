"""Nothing outside reader/tui imports Textual: the domain works without the UI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import reader


def test_domain_modules_do_not_import_textual():
    modules = [
        name
        for _, name, _ in pkgutil.walk_packages(reader.__path__, "reader.")
        if not name.startswith("reader.tui") and name not in ("reader.__main__",)
    ]
    assert "reader.store.library" in modules and "reader.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
