"""The search index built in a child process, as the TUI does for a big library's first index."""

from __future__ import annotations

import subprocess
import sys

from reader.library import Library
from reader.search import SearchIndex
from reader.search_build import main

from tests.conftest import ROOT


def test_child_process_builds_and_saves_the_index(sample_library):
    sample_library.compact()
    done = subprocess.run(
        [sys.executable, "-m", "reader.search_build", str(sample_library.path)],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    index = SearchIndex(Library.open(sample_library.path))
    assert index.cache_path.exists()
    hits = index.search("trasnformer bayesian", 3)
    assert hits and hits[0].paper.title == "Transformers Can Do Bayesian Inference"


def test_a_library_that_does_not_load_is_one_line_and_exit_1(tmp_path, capsys):
    broken = tmp_path / "library.json"
    broken.write_text("{ not json")
    assert main([str(broken)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot build the search index" in err
    assert main([]) == 2
