"""Start-up housekeeping: a big library without a usable snapshot gets one, so the next start is fast."""

from __future__ import annotations

from conftest import list_rows, running

from reader.store import Library

from tests.helpers.limits import use_limits


async def test_a_library_without_its_snapshot_gets_one_after_start_up(sample_library, db_path, make_app, monkeypatch):
    use_limits(monkeypatch, sample_library, snapshot_min_papers=100)  # the sample library counts as big
    assert sample_library.needs_tidying and not sample_library.snapshot_path.exists()
    app = make_app(sample_library)
    async with running(app):
        assert len(list_rows(app)) > 10  # the app was usable meanwhile, and still is
    assert sample_library.snapshot_path.exists()
    reopened = Library.open(db_path)
    assert reopened.opened_from_snapshot and len(reopened) == 442


async def test_a_library_with_its_snapshot_is_not_rewritten(sample_library, db_path, make_app, monkeypatch):
    use_limits(monkeypatch, sample_library, snapshot_min_papers=100)
    sample_library.compact()
    library = Library.open(db_path)
    before = db_path.stat().st_mtime_ns, library.snapshot_path.stat().st_mtime_ns
    app = make_app(library)
    async with running(app):
        pass  # started and settled
    assert (db_path.stat().st_mtime_ns, library.snapshot_path.stat().st_mtime_ns) == before


async def test_a_copied_library_gets_its_abstract_offsets_saved_again(sample_library, db_path, make_app, monkeypatch):
    """A copy (or a restored backup) has new files: the recorded offsets of the abstracts no longer apply,
    and every start would scan the whole abstracts file to find them again."""
    import shutil

    use_limits(monkeypatch, sample_library, snapshot_min_papers=100)
    sample_library.compact()
    copy = db_path.parent.parent / "copy" / "library.json"
    copy.parent.mkdir()
    for path in db_path.parent.iterdir():
        if path.is_file() and not path.name.endswith(".lock"):
            shutil.copy(path, copy.parent / path.name)
    library = Library.open(copy)
    assert library.opened_from_snapshot and library.needs_tidying
    abstracts_inode = library.abstracts_path.stat().st_ino
    app = make_app(library)
    async with running(app):
        pass  # started and settled
    reopened = Library.open(copy)
    assert not reopened.needs_tidying
    assert reopened.abstracts_path.stat().st_ino == abstracts_inode  # offsets saved, the file not rewritten
    pid = reopened.ids()[5]
    assert reopened.abstract(pid) == sample_library.abstract(pid)
