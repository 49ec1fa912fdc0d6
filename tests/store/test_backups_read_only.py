"""Reading a backup never writes to it, and its time is the time it was taken (issue 14 item 1)."""

from __future__ import annotations

import os
import time

from reader.store import Library
from tests.conftest import run_cli


def _tree(directory) -> dict:
    """Every file and folder under ``directory`` with its size and modification time."""
    found = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.stat(path)
            found[os.path.relpath(path, directory)] = (info.st_size, info.st_mtime_ns)
    return found


def _three_backups(library: Library) -> list[float]:
    library.backup_interval = 0  # only the backups taken here
    taken = []
    for n in range(3):
        library.tag(library.ids()[n : n + 1], [f"b{n}"])
        taken.append(library.backup().created)
        while time.time() <= taken[-1]:  # the next backup gets a later time, however coarse the clock
            pass
    return taken


def test_listing_backups_twice_writes_nothing_and_shows_the_times_they_were_taken(sample_library, db_path):
    taken = _three_backups(sample_library)
    backups_dir = sample_library.backups_dir
    # Touch the folders as a sync tool or a copy would: their own times must not matter.
    for entry in backups_dir.iterdir():
        os.utime(entry, (1_000_000_000, 1_000_000_000))
    before = _tree(backups_dir)
    first = run_cli("backup", "list", "--json", db=db_path)
    second = run_cli("backup", "list", "--json", db=db_path)
    assert first.returncode == 0 and first.stdout == second.stdout
    assert _tree(backups_dir) == before, "listing backups wrote to them"
    listed = [b.created for b in Library(db_path).list_backups()]
    assert listed == sorted(taken, reverse=True)
    assert len({time.strftime("%H:%M:%S", time.gmtime(t)) + f"{t:.3f}" for t in listed}) == 3


def test_restore_names_the_time_the_chosen_backup_was_taken(sample_library, db_path):
    taken = _three_backups(sample_library)
    for entry in sample_library.backups_dir.iterdir():
        os.utime(entry, (1_000_000_000, 1_000_000_000))
    result = run_cli("backup", "restore", "3", db=db_path)
    assert result.returncode == 0, result.stderr
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(taken[0]))
    assert f"Restored the backup of {stamp}" in result.stdout.decode()


def test_a_backup_opened_to_be_read_cannot_be_changed(sample_library):
    backup = sample_library.backup()
    before = _tree(backup.path)
    copy = Library.open(backup.path / "library.json", read_only=True)
    assert len(copy) == len(sample_library)
    for attempt in (lambda: copy.tag(copy.ids()[:1], ["x"]), copy.compact, copy.backup):
        try:
            attempt()
        except Exception as exc:  # noqa: BLE001 - any refusal; what matters is that nothing was written
            assert "read-only" in str(exc)
        else:
            raise AssertionError("a read-only library accepted a change")
    assert _tree(backup.path) == before


def test_a_backup_from_an_older_reader_is_dated_by_its_folder_name(sample_library):
    sample_library.backup_interval = 0
    backup = sample_library.backup()
    (backup.path / "backup.json").unlink()  # as an older reader wrote it
    os.utime(backup.path, (1_000_000_000, 1_000_000_000))
    listed = sample_library.list_backups()[0]
    assert abs(listed.created - backup.created) < 1e-6  # the name holds the time to the nanosecond
    assert listed.summary() == f"{len(sample_library)} papers, 0 read"
