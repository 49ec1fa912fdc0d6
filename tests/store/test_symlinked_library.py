"""A symlinked library keeps its siblings beside the real file, and the link stays a link (issue 14 item 4)."""

from __future__ import annotations

import os

from reader.importers import Candidate
from reader.store import Library
from tests.conftest import run_cli


def test_a_library_opened_through_a_symlink_works_on_the_real_files(tmp_path):
    real_dir, link_dir = tmp_path / "synced", tmp_path / "home"
    real_dir.mkdir()
    link_dir.mkdir()
    real = real_dir / "papers.json"
    seeded = Library.open(real)
    seeded.import_candidates([Candidate(f"Paper {n}", f"Abstract number {n}.", "seed") for n in range(50)], sources=["s"])
    seeded.compact()
    link = link_dir / "library.json"
    link.symlink_to(real)

    library = Library.open(link)
    pid = library.ids()[7]
    assert library.abstract(pid) == "Abstract number 7."
    library.tag([pid], ["via-link"])
    library.compact()  # rewrites the papers and abstracts files
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert sorted(p.name for p in link_dir.iterdir()) == ["library.json"], "files written beside the link"
    reopened = Library.open(real)
    assert reopened.get(pid).tags == ("via-link",)
    assert all(reopened.abstract(p) == f"Abstract number {n}." for n, p in enumerate(reopened.ids()))

    result = run_cli("show", pid, db=link)
    assert result.returncode == 0 and b"Abstract number 7." in result.stdout
    assert link.is_symlink()
