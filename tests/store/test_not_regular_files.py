"""A FIFO, a device or a directory where a library file should be is refused at once (issue 14 item 10)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reader.store import Library
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def _cli(*args: str, db) -> subprocess.CompletedProcess:
    """The CLI with a deadline: a read that blocks on a FIFO fails the test instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "reader", *args, "--db", str(db)],
        capture_output=True, cwd=str(ROOT), timeout=30, env={**os.environ, "READER_STORE_LIMITS": ""},
    )


def _replace_with_fifo(path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


@pytest.mark.parametrize("which", ["path", "wal_path", "abstracts_path"])
def test_a_fifo_in_place_of_a_library_file_is_refused_at_once(sample_library, db_path, which):
    sample_library.tag(sample_library.ids()[:1], ["journal"])
    sample_library.backup_interval = 0  # no backup taken by the test's own changes
    target = getattr(sample_library, which)
    _replace_with_fifo(target)
    commands = [("list",), ("show", sample_library.ids()[0]), ("tag", sample_library.ids()[1], "x"), ("compact",)]
    refused = 0
    for args in commands:
        result = _cli(*args, db=db_path)
        err = result.stderr.decode()
        assert "Traceback" not in err, err
        if result.returncode != 0:
            assert err.count("\n") == 1 and str(target) in err and "not a regular file" in err, err
            refused += 1
    assert refused >= 2
    assert os.path.exists(target) and not os.path.isfile(target), "the FIFO was replaced by a file"


@pytest.mark.parametrize("which", ["path", "wal_path"])
def test_a_symlink_to_dev_zero_is_refused_and_never_backed_up(sample_library, db_path, which):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    sample_library.tag(sample_library.ids()[:1], ["journal"])
    target = getattr(sample_library, which)
    target.unlink()
    target.symlink_to("/dev/zero")
    for args in (("list",), ("tag", sample_library.ids()[1], "x"), ("backup", "now")):
        result = _cli(*args, db=db_path)
        err = result.stderr.decode()
        assert result.returncode == 1 and "not a regular file" in err and "Traceback" not in err, err
    copies = [p for p in sample_library.backups_dir.rglob("*") if p.name == target.name]
    assert all(p.is_file() and not p.is_symlink() and p.stat().st_size < 10_000_000 for p in copies)


def test_the_automatic_backup_never_copies_a_fifo(sample_library):
    sample_library.backup_interval = 0.001
    _replace_with_fifo(sample_library.abstracts_path)
    sample_library.tag(sample_library.ids()[:1], ["x"])
    assert any("not a regular file" in w for w in sample_library.warnings)
    assert not sample_library.backups_dir.exists() or not any(
        p.name == sample_library.abstracts_path.name for p in sample_library.backups_dir.rglob("*")
    )
    Library.open(sample_library.path)  # the journal holds the change; the papers file loads


def test_a_fifo_as_the_lock_file_is_refused_for_changes_and_ignored_for_reading(sample_library, db_path):
    sample_library.lock_path.unlink(missing_ok=True)
    os.mkfifo(sample_library.lock_path)
    assert len(Library.open(db_path)) == len(sample_library)  # the directory's lock is enough to read
    from reader.errors import LibraryError

    with pytest.raises(LibraryError, match="not a regular file"):
        sample_library.tag(sample_library.ids()[:1], ["x"])


def test_a_file_larger_than_any_library_file_is_refused_before_it_is_read(tmp_path):
    from reader.errors import LibraryError
    from reader.store.files import read_bytes

    big = tmp_path / "library.json"
    big.write_bytes(b"x" * 4096)
    with pytest.raises(LibraryError, match="more than a library file can be"):
        read_bytes(big, limit=1024)
    assert read_bytes(tmp_path / "missing.json") is None
