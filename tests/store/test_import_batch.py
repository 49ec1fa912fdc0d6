"""A multi-file import is one change or none (issue 14 item 7)."""

from __future__ import annotations

import json

from reader.store import Library
from tests.conftest import SAMPLE_FILES, run_cli


def _backup(path, extra: dict) -> None:
    paper = {"id": "backup-paper-1", "title": "A Paper From A Backup", "added": "2026-01-01T00:00:00Z",
             "abstract": "Saved.", "extra": extra}
    path.write_text(json.dumps({"format": "reader-backup", "version": 1, "papers": [paper]}))


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"x": value}
    return value


def test_pages_a_backup_and_a_list_are_one_change_one_undo(tmp_path, db_path):
    backup = tmp_path / "backup.json"
    _backup(backup, {})
    listing = tmp_path / "list.md"
    listing.write_text("- [x] A Paper From A Backup #kept\n")
    result = run_cli("import", str(SAMPLE_FILES[0]), str(backup), str(listing), db=db_path)
    assert result.returncode == 0, result.stderr
    library = Library.open(db_path)
    assert len(library.history(limit=0)) == 1
    restored = library.find_existing("A Paper From A Backup")
    assert restored.read and restored.tags == ("kept",)
    assert run_cli("undo", db=db_path).returncode == 0
    assert len(Library.open(db_path)) == 0


def test_a_file_that_fails_while_being_applied_leaves_the_library_as_it_was(tmp_path, db_path):
    backup = tmp_path / "deep.json"
    _backup(backup, {"github": _nested(55)})  # parses (JSON limit 64), but too deep to store
    result = run_cli("import", str(SAMPLE_FILES[0]), str(backup), db=db_path)
    err = result.stderr.decode()
    assert result.returncode == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "nests deeper than" in err
    reopened = Library.open(db_path)
    assert len(reopened) == 0 and reopened.seq == 0 and not reopened.history()


def test_a_batch_that_raises_saves_nothing_and_memory_follows_the_disk(sample_library, db_path):
    ids = sample_library.ids()
    seq = sample_library.seq
    try:
        with sample_library.batch("two changes"):
            sample_library.tag(ids[:2], ["first"])
            assert "first" in sample_library.get(ids[0]).tags  # later changes see earlier ones
            sample_library.delete(ids[2:3])
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert sample_library.seq == seq and "first" not in sample_library.get(ids[0]).tags and ids[2] in sample_library
    with sample_library.batch("two changes"):
        sample_library.tag(ids[:2], ["first"])
        sample_library.delete(ids[2:3])
    reopened = Library.open(db_path)
    assert reopened.seq == seq + 1 and "first" in reopened.get(ids[1]).tags and ids[2] not in reopened
    assert reopened.history(limit=1)[0].label == "two changes"
    reopened.undo()
    assert "first" not in Library.open(db_path).get(ids[1]).tags and ids[2] in Library.open(db_path)
