"""A streamed import of a big backup, killed at any step, leaves the old library or the new one
(issue 14 items 7 and 13).

The backup is read and stored a batch at a time, its abstracts set aside in a
spill file, then saved as one change by a direct write (the automatic backup
first, then the abstracts file, the papers file, the snapshot and a new
journal, each replaced whole). Every file-system step of that is a kill point
(``tests/helpers/faults.py``); after each kill the library must be exactly the
old one or the new one, take the next command, and hold no leftover spill file.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reader.importers import Candidate
from reader.store import Library
from tests.conftest import ROOT
from tests.helpers.faults import fault_env, write_sitecustomize
from tests.helpers.procs import reader_command, run_watched

PAPERS = 2500  # three batches; more than a direct write needs


def _state(db: Path) -> dict:
    library = Library.open(db)
    return {p.id: (p.to_stored_doc(), library.abstract(p.id)) for p in library.papers()}


def _base_library(db: Path) -> None:
    library = Library.open(db, backup_interval=0)
    # Papers 0-4 have no abstract: the backup fills them in (a change to papers the old library has).
    library.import_candidates([Candidate(f"Existing paper {n}", f"Old abstract {n}." if n >= 5 else "", "a")
                               for n in range(30)], sources=["a"])
    library.tag(library.ids()[:5], ["old"])
    library.compact()
    library.tag(library.ids()[-3:], ["in-journal"])


def _backup(path: Path) -> None:
    with open(path, "w", encoding="ascii") as out:
        out.write('{"format": "reader-backup", "version": 1, "papers": [\n')
        for number in range(PAPERS):
            title = f"Existing paper {number}" if number < 10 else f"Backed up paper {number}"  # 10 merge
            paper = {"id": f"b{number}", "title": title, "tags": ["restored"], "abstract": f"Saved abstract {number}. " * 20}
            out.write(json.dumps(paper) + (",\n" if number < PAPERS - 1 else "\n]}\n"))


def _leftovers(directory: Path) -> list[str]:
    return [name for name in os.listdir(directory) if "spill" in name]


@pytest.mark.slow
def test_a_streamed_import_killed_at_any_step_leaves_the_old_library_or_the_new_one(tmp_path):
    site = write_sitecustomize(tmp_path / "site")
    env = {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
           "READER_STORE_LIMITS": "batch_abstracts_bytes=1,snapshot_min_papers=1"}
    base = tmp_path / "base" / "library.json"
    _base_library(base)
    backup = tmp_path / "backup.json"
    _backup(backup)
    old = _state(base)

    dry = tmp_path / "dry"
    shutil.copytree(base.parent, dry)
    done = run_watched(reader_command("import", str(backup), db=dry / base.name), watch="stderr",
                       env=env | fault_env(dry, announce=True))
    assert done.returncode == 0, done.lines
    new = _state(dry / base.name)
    assert len(new) == len(old) + PAPERS - 10 and new != old
    steps = [line.split()[2] for line in done.lines if line.startswith("fault-step")]
    assert steps.count("replace") >= 4, steps  # abstracts, papers file, snapshot, journal

    for number in range(1, len(steps) + 1):
        for torn in (False, True) if steps[number - 1] == "write" else (False,):
            work = tmp_path / f"trial-{number}-{int(torn)}"
            shutil.copytree(base.parent, work)
            db = work / base.name
            outcome = run_watched(reader_command("import", str(backup), db=db), watch="stderr",
                                  kill_when=lambda line: line.startswith("fault-stop"),
                                  env=env | fault_env(work, stop=number, torn=torn))
            assert outcome.killed, f"step {number}: not stopped ({outcome.lines[-3:]})"
            got = _state(db)
            assert got in (old, new), f"step {number} ({steps[number - 1]}, torn={torn}): neither old nor new"
            listed = run_watched(reader_command("list", "--json", db=db))
            assert listed.returncode == 0, listed.other
            assert _state(db) == got
            assert not _leftovers(work), _leftovers(work)
            shutil.rmtree(work)
