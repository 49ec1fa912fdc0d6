"""Start-up housekeeping: a big library without a usable snapshot gets one, so the next start is fast."""

from __future__ import annotations

from conftest import SIZE, list_rows, settle

import reader.library as library_module
from reader.library import Library


async def test_a_library_without_its_snapshot_gets_one_after_start_up(sample_library, db_path, make_app, monkeypatch):
    monkeypatch.setattr(library_module, "SNAPSHOT_MIN_PAPERS", 100)  # the sample library counts as big
    assert sample_library.needs_snapshot and not sample_library.snapshot_path.exists()
    app = make_app(sample_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(list_rows(app)) > 10  # the app was usable meanwhile, and still is
    assert sample_library.snapshot_path.exists()
    reopened = Library.open(db_path)
    assert reopened.opened_from_snapshot and len(reopened) == 442


async def test_a_library_with_its_snapshot_is_not_rewritten(sample_library, db_path, make_app, monkeypatch):
    monkeypatch.setattr(library_module, "SNAPSHOT_MIN_PAPERS", 100)
    sample_library.compact()
    library = Library.open(db_path)
    before = db_path.stat().st_mtime_ns, library.snapshot_path.stat().st_mtime_ns
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert (db_path.stat().st_mtime_ns, library.snapshot_path.stat().st_mtime_ns) == before
