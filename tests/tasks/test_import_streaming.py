"""A backup is imported as it is read, never held whole (issue 14 item 13).

A real backup of 100,000 papers (210 MB) peaked at 695 MB: the whole file was
decoded into papers and abstracts before the library was opened, and the
store then held every abstract in memory (twice) until it saved them. Now the
papers flow from the file to the store a batch at a time and the batch's
abstracts wait in a spill file, so the import holds little more than the
library itself. A problem found anywhere in the backup, even in its last
bytes after every paper was read, still changes nothing.

``benchmarks/memory.py --only real --papers 100000`` measures the real peak;
``tests/importers/test_memory_real_backup.py`` (slow) checks it.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tracemalloc
import types
from pathlib import Path

import pytest

from reader.store import Library, StoreLimits
from reader.tasks.importing import import_files, load_files

from tests.conftest import SAMPLE_FILES, run_cli

ABSTRACT_CHARS = 6000


def _paper(number: int) -> dict:
    return {"id": f"paper-{number}", "title": f"A Streamed Paper Number {number}", "tags": ["to-read"],
            "added": "2026-01-01T00:00:00Z", "sources": ["backup"],
            "links": [{"url": f"https://github.com/o/r{number}", "kind": "code"}],
            "abstract": f"Abstract {number}: " + "word " * (ABSTRACT_CHARS // 5)}


def _write_backup(path: Path, papers: int, *, last: str | None = None, tail: str = "\n]}\n") -> int:
    """A backup as reader writes it (one paper a line); ``last`` replaces the last paper's line."""
    with open(path, "w", encoding="ascii") as out:
        out.write('{\n"format": "reader-backup",\n"version": 1,\n"papers": [\n')
        for number in range(papers):
            line = json.dumps(_paper(number))
            if number == papers - 1 and last is not None:
                line = last
            out.write(line + (",\n" if number < papers - 1 else ""))
        out.write(tail)
    return path.stat().st_size


@pytest.mark.parametrize("given", ["file", "stdin"])
def test_importing_a_backup_holds_little_more_than_the_library_it_makes(tmp_path, monkeypatch, given):
    path = tmp_path / "backup.json"
    papers = 3000
    _write_backup(path, papers)
    abstracts = papers * ABSTRACT_CHARS  # 18 MB of abstracts
    db = tmp_path / "lib" / "library.json"
    library = Library.open(db, limits=StoreLimits(batch_abstracts_bytes=256 * 1024), backup_interval=0)
    if given == "stdin":  # a pipe: every read makes new bytes (the text itself is not counted)
        pipe = io.BufferedReader(io.BytesIO(path.read_bytes()))  # type: ignore[arg-type]
        monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=pipe))

    tracemalloc.start()
    try:
        outcome = import_files(library, load_files([path if given == "file" else "-"]))
        import_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(outcome.backups[0].added) == papers and len(library) == papers
    del library, outcome

    tracemalloc.start()
    try:
        reopened = Library.open(db)
        floor = tracemalloc.get_traced_memory()[0]  # the library itself, as opening it holds it
    finally:
        tracemalloc.stop()
    assert len(reopened) == papers and reopened.abstract("paper-2999").startswith("Abstract 2999: word")
    # Before: the whole backup (its 18 MB of abstracts; from stdin, its bytes too) and then every
    # abstract again in the store, at once: more than the library plus all the abstracts. Now: at
    # most one batch's (stdin is copied into a temporary file as it comes).
    assert import_peak - floor < abstracts / 2, (import_peak / 2**20, floor / 2**20)


BAD_ENDINGS = {
    "truncated": ({}, "\n]"),
    "garbage-after": ({}, "\n]} x\n"),
    "bad-value-after-papers": ({}, '\n], "after": [1,]}\n'),
    "number-key-after-papers": ({}, '\n], 5: 1}\n'),
    "malformed-last-paper": ({"last": json.dumps({"id": "paper-last", "title": 5})}, "\n]}\n"),
    "repeated-id-last": ({"last": json.dumps(_paper(0))}, "\n]}\n"),
}


@pytest.mark.parametrize("ending", list(BAD_ENDINGS))
def test_a_backup_bad_in_its_last_bytes_changes_nothing_after_its_papers_were_stored(tmp_path, ending):
    """2,500 papers: two batches are stored (and their abstracts set aside) before the problem."""
    db = tmp_path / "lib" / "library.json"
    done = run_cli("import", str(SAMPLE_FILES[0]), db=db)
    assert done.returncode == 0, done.stderr
    before = {name: (db.parent / name).read_bytes() for name in os.listdir(db.parent)}
    changes, tail = BAD_ENDINGS[ending]
    backup = tmp_path / "backup.json"
    _write_backup(backup, 2500, tail=tail, **changes)
    pages = tmp_path / "pages.txt"
    pages.write_bytes(SAMPLE_FILES[1].read_bytes())
    env = {"READER_STORE_LIMITS": "batch_abstracts_bytes=1"}
    result = run_cli("import", str(pages), str(backup), db=db, env=env)
    err = result.stderr.decode()
    assert result.returncode == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    assert str(backup) in err and "nothing was imported" in err.lower(), err
    after = {name: (db.parent / name).read_bytes() for name in os.listdir(db.parent)}
    assert after == before  # no file changed, none left behind (the spill file has no name)
    assert len(Library.open(db).history(limit=0)) == 1


def test_a_good_backup_imports_with_its_abstracts_set_aside_exactly_as_without(tmp_path):
    backup = tmp_path / "backup.json"
    _write_backup(backup, 2500)
    states = []
    for name, limit in (("spilled", "1"), ("in-memory", str(2**40))):
        db = tmp_path / name / "library.json"
        result = run_cli("import", str(backup), db=db, env={"READER_STORE_LIMITS": f"batch_abstracts_bytes={limit}"})
        assert result.returncode == 0, result.stderr
        library = Library.open(db)
        states.append([(p.to_stored_doc(), library.abstract(p.id)) for p in library.papers()])
        assert sorted(os.listdir(db.parent)) == ["library.abstracts.json", "library.json", "library.json.lock",
                                                 "library.json.wal"]
    assert states[0] == states[1] and len(states[0]) == 2500
    assert states[0][-1][1].startswith("Abstract 2499: word")


def test_a_backup_on_stdin_is_imported_as_it_is_read_and_a_bad_end_changes_nothing(tmp_path):
    backup = tmp_path / "backup.json"
    _write_backup(backup, 2500, tail="\n]")  # cut short: the error is in its last bytes
    db = tmp_path / "lib" / "library.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    before = {name: (db.parent / name).read_bytes() for name in os.listdir(db.parent)}
    result = run_cli("import", "-", db=db, input=backup.read_bytes())
    err = result.stderr.decode()
    assert result.returncode == 1 and err.count("\n") == 1 and "stdin: not valid JSON" in err, err
    assert {name: (db.parent / name).read_bytes() for name in os.listdir(db.parent)} == before
    _write_backup(backup, 2500)
    result = run_cli("import", "-", db=db, input=backup.read_bytes())
    assert result.returncode == 0, result.stderr
    assert b"Restored backup stdin: 2,500 papers: 2500 added" in result.stdout
    assert Library.open(db).abstract("paper-2499").startswith("Abstract 2499: word")
