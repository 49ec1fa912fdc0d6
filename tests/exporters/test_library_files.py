"""An export never writes over the library's own files, not even with --force (tester items 4, 22).

`reader export -o library.json --force` used to replace the library with a
reading list (the tag the user had was gone for good). Every file and folder
of the library is refused in one line: the papers file, the abstracts, the
journal, the lock, the snapshot, anything inside the backups or search-index
folders, and the same files reached through a symbolic or hard link.
``-o /dev/stdout`` says to use ``-o -``, which writes to standard output.
"""

from __future__ import annotations

import os
from dataclasses import fields

import pytest

from reader.exporters import ExportError, check_output_path, write_output
from reader.store.layout import Layout
from reader.tasks.exporting import library_files

from tests.conftest import SAMPLE_FILES, run_cli


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "lib" / "library.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=path).returncode == 0
    listed = run_cli("list", "--limit", "1", db=path).stdout.decode().split()[0]
    assert run_cli("tag", listed, "keepme", db=path).returncode == 0
    assert run_cli("backup", "now", db=path).returncode == 0
    return path


def _library_state(folder):
    """Every file under the library's folder with its bytes."""
    return {
        os.path.relpath(os.path.join(root, name), folder): open(os.path.join(root, name), "rb").read()
        for root, _dirs, names in os.walk(folder)
        for name in names
    }


def test_library_files_names_everything_the_layout_names_and_the_search_index(tmp_path):
    layout = Layout.for_library(tmp_path / "library.json")
    named = {getattr(layout, field.name) for field in fields(layout)}
    assert named | {tmp_path / "library.json.index"} == set(library_files(tmp_path / "library.json"))
    assert {tmp_path / "library.abstracts.json", tmp_path / "library.json.wal"} <= named


def test_a_symlinked_library_protects_the_real_files_and_the_link(tmp_path):
    real = tmp_path / "real" / "library.json"
    real.parent.mkdir()
    real.write_text("{}", encoding="utf-8")
    link = tmp_path / "library.json"
    link.symlink_to(real)
    files = library_files(link)
    assert link in files and real.with_name("library.json.wal") in files
    with pytest.raises(ExportError, match="part of the library"):
        check_output_path(real.with_name("library.abstracts.json"), replace=True, protected=files)


@pytest.mark.parametrize(
    "target",
    [
        "library.json",
        "library.abstracts.json",
        "library.json.wal",
        "library.json.lock",
        "library.json.snapshot",
        "library.json.backups/list.md",
        "library.json.index/list.md",
    ],
)
def test_export_force_onto_a_library_file_is_refused_and_changes_nothing(db, target):
    folder = db.parent
    (folder / "library.json.index").mkdir(exist_ok=True)
    before = _library_state(folder)
    done = run_cli("export", "-o", str(folder / target), "--force", db=db)
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "not even with --force" in err, err
    assert _library_state(folder) == before
    assert "keepme" in run_cli("list", "tag:keepme", db=db).stdout.decode()


def test_a_link_to_the_library_is_refused_too(db, tmp_path):
    symbolic = tmp_path / "symbolic.json"
    symbolic.symlink_to(db)
    hard = tmp_path / "hard.json"
    os.link(db, hard)
    before = db.read_bytes()
    for target in (symbolic, hard):
        with pytest.raises(ExportError, match=r"is part of the library \(library.json\)"):
            write_output(target, ["# list\n"], replace=True, protected=library_files(db))
    assert db.read_bytes() == before and symbolic.is_symlink()


def test_other_files_beside_the_library_are_written(db):
    out = write_output(db.parent / "reading-list.md", ["# list\n"], protected=library_files(db))
    assert out.read_text(encoding="utf-8") == "# list\n"
    assert check_output_path(db.parent / "library2.json", protected=library_files(db)) == db.parent / "library2.json"


def test_standard_output_by_name_says_to_use_a_dash_and_the_dash_writes_it(db):
    done = run_cli("export", "-o", "/dev/stdout", db=db)
    err = done.stderr.decode()
    assert done.returncode == 1 and len(err.strip().splitlines()) == 1 and "give -o -" in err, err
    done = run_cli("export", "-o", "-", db=db)
    assert done.returncode == 0 and done.stdout.decode().startswith("# Reading list\n")
