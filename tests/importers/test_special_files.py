"""Files that are not regular files given to `reader import` (issue 14, item 10, the input side).

A FIFO would block the import forever waiting for a writer, and a device such
as /dev/zero would be read until memory runs out: both are refused at once,
with one line, and the library is not touched.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reader.errors import ImportProblem
from reader.importers import read_input_bytes

from tests.conftest import ROOT, SAMPLE_FILES, run_cli

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


def _import(db, *paths):
    # Not run_cli: a FIFO that blocks must fail this test in seconds, not in two minutes.
    return subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(db), "import", *map(str, paths)],
        capture_output=True, text=True, timeout=30, cwd=str(ROOT),
    )


@pytest.mark.parametrize("name", ["pages.txt", "list.md", "backup.json"])
def test_a_fifo_is_refused_at_once_and_nothing_is_imported(tmp_path, name):
    db = tmp_path / "lib" / "library.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    before = db.read_bytes()
    fifo = tmp_path / name
    os.mkfifo(fifo)
    done = _import(db, fifo)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "FIFO" in done.stderr and name in done.stderr
    assert db.read_bytes() == before


def test_a_device_or_a_link_to_one_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "pages.txt"
    link.symlink_to("/dev/zero")  # only read from, never written
    for path in ("/dev/zero", link):
        with pytest.raises(ImportProblem, match="character device, not a regular file"):
            read_input_bytes(path)


def test_a_regular_file_and_a_link_to_one_are_still_read(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(SAMPLE_FILES[0])
    assert read_input_bytes(link) == SAMPLE_FILES[0].read_bytes()
    with pytest.raises(ImportProblem, match="no such file"):
        read_input_bytes(tmp_path / "absent.txt")
    with pytest.raises(ImportProblem, match="is a directory"):
        read_input_bytes(tmp_path)


def test_a_fifo_where_a_cache_file_should_be_is_ignored_at_once(tmp_path):
    import threading

    from reader.online.github import GitHubCache
    from reader.online.resolve import ResolveCache

    for kind in (GitHubCache, ResolveCache):
        fifo = tmp_path / f"{kind.__name__}.json"
        os.mkfifo(fifo)
        loaded: list = []
        reader = threading.Thread(target=lambda kind=kind, fifo=fifo, loaded=loaded: loaded.append(kind.load(fifo)), daemon=True)
        reader.start()
        reader.join(10)
        assert loaded, "loading the cache blocked on a FIFO"
        assert loaded[0].entries == {} and "FIFO" in loaded[0].problem


def test_a_fifo_as_the_config_file_is_one_line_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "config.toml")
    done = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(tmp_path / "lib" / "library.json"), "fetch", "--date", "2024-03-11"],
        capture_output=True, text=True, timeout=30, cwd=str(ROOT),
        env={**os.environ, "READER_CONFIG_DIR": str(tmp_path)},
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "config.toml: not a regular file" in done.stderr and len(done.stderr.strip().splitlines()) == 1
