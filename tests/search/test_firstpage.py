"""The newest papers read from the search index alone are the library's own first rows, newest first,
through imports, edits, deletes and undos; anything doubtful (no index, a damaged or foreign one, one
behind or ahead of the library's files) gives None."""

from __future__ import annotations

import os
import shutil

from reader.importers import Candidate
from reader.importers.hf_pages import parse_page_file
from reader.search import search
from reader.search.documents import index_dir
from reader.search.firstpage import first_page
from reader.store import Library
from tests.conftest import SAMPLE_FILES


def import_page(library, path) -> None:
    parsed = parse_page_file(path)
    library.import_candidates(parsed.candidates, sources=[parsed.source])


def damage_segments(index) -> None:
    """Each segment's document store becomes 7 bytes. The files are replaced, not cut in place: this
    process maps the old ones (cutting a mapped file kills the process with SIGBUS)."""
    for path in list(index.iterdir()):
        if path.name.endswith(".store"):
            spare = path.with_name(path.name + ".new")
            spare.write_bytes(b"garbage")
            os.replace(spare, path)


def newest(db_path, count: int):
    """What the library itself lists first (newest first), opened anew."""
    return list(reversed(Library.open(db_path).papers()))[:count]


def test_the_first_page_is_the_librarys_newest_papers_through_imports_edits_deletes_and_undos(library, db_path):
    import_page(library, SAMPLE_FILES[0])
    search(library, "")  # the index exists from the first search on; every change after it updates it
    steps = [
        lambda: import_page(library, SAMPLE_FILES[1]),  # many new papers in one change
        lambda: import_page(library, SAMPLE_FILES[2]),
        lambda: library.tag(library.ids()[-3:], ["keep"]),
        lambda: library.set_read(library.ids()[-1:], True),
        lambda: library.delete(library.ids()[-2:-1]),
        lambda: library.undo(),  # the deleted paper comes back: last in the library's order
        lambda: library.delete(library.ids()[5:7]),
        lambda: import_page(library, SAMPLE_FILES[3]),
        lambda: library.undo(),  # the whole import taken back
        lambda: library.redo(),
    ]
    for step in steps:
        step()
        page = first_page(db_path, 50)
        assert page is not None
        assert page.papers == newest(db_path, 50)
        assert page.total == len(Library.open(db_path))
        assert page.seq == library.seq
    whole = first_page(db_path, 10_000)
    assert whole is not None and whole.papers == newest(db_path, 10_000)  # the whole library, in order


def test_a_library_without_a_current_index_has_no_first_page(library, db_path):
    import_page(library, SAMPLE_FILES[0])
    assert first_page(db_path, 20) is None  # no index yet
    search(library, "")
    assert first_page(db_path, 20) is not None
    count = len(library)
    assert first_page(db_path, 20, min_papers=count + 1) is None  # fewer papers than asked for
    assert first_page(db_path, 20, min_papers=count) is not None

    # Another process changes the library without updating the index (as if killed before its commit).
    index = index_dir(db_path)
    saved = index.with_name("saved.index")
    shutil.copytree(index, saved)
    library.set_read(library.ids()[:1], True)
    shutil.rmtree(index)
    shutil.copytree(saved, index)  # the index as it was before the change: one behind the library
    assert first_page(db_path, 20) is None

    # Damaged, or made for another library.
    damage_segments(index)
    assert first_page(db_path, 20) is None
    shutil.rmtree(index)
    copy = db_path.parent.parent / "other" / "library.json"
    shutil.copytree(db_path.parent, copy.parent)
    shutil.copytree(saved, index_dir(copy))
    assert first_page(copy, 20) is None


def test_an_empty_library_has_no_first_page(library, db_path):
    library.import_candidates([Candidate(title="Only one", abstract="", source="t")], sources=["t"])
    search(library, "")
    library.delete(library.ids())
    assert first_page(db_path, 20) is None  # nothing to draw: the app starts as it always did


def test_a_symlinked_library_file_reads_the_index_beside_the_real_file(library, db_path):
    import_page(library, SAMPLE_FILES[0])
    search(library, "")
    link = db_path.parent.parent / "elsewhere" / "library.json"
    link.parent.mkdir()
    link.symlink_to(db_path)
    page = first_page(link, 5)
    assert page is not None and page.papers == newest(db_path, 5)


def test_segment_files_cut_to_a_few_bytes_are_a_damaged_index_not_a_crash(library, db_path):
    """tantivy panics on them (a BaseException): the first page is None and a search rebuilds
    the index with a note (it crashed with a traceback)."""
    import_page(library, SAMPLE_FILES[0])
    search(library, "")
    damage_segments(index_dir(db_path))
    assert first_page(db_path, 20) is None
    result = search(Library.open(db_path), "diffusion")
    assert result.note is not None and result.note.startswith("search index rebuilt (damaged")
    assert len(result) > 0 and first_page(db_path, 20) is not None
