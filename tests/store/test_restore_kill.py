"""Restoring a backup is all or nothing: killed at any step, the next command sees the old
library or the restored one, never a mix (issue 14 item 2)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reader.importers import Candidate
from reader.store import Library
from tests.conftest import ROOT
from tests.helpers.faults import fault_env, write_sitecustomize
from tests.helpers.procs import reader_command, run_watched


def _state(db: Path) -> dict:
    library = Library.open(db)
    return {p.id: (p.title, p.tags, library.abstract(p.id)) for p in library.papers()}


def _library_with_a_backup(db: Path) -> tuple[dict, dict]:
    """A library and one backup of an older state; returns (the backup's state, the current state)."""
    library = Library.open(db, backup_interval=0)
    library.import_candidates([Candidate(f"Old paper {n}", f"Old abstract {n}.", "a") for n in range(30)], sources=["a"])
    library.tag(library.ids()[:5], ["old"])
    library.compact()
    library.backup()
    backed_up = _state(db)
    library.delete(library.ids()[:10])
    library.import_candidates([Candidate(f"New paper {n}", f"New abstract {n}.", "b") for n in range(30)], sources=["b"])
    library.tag(library.ids()[-3:], ["acknowledged"])
    library.compact()
    library.tag(library.ids()[:2], ["in-journal"])
    return backed_up, _state(db)


def _restore_steps(tmp_path: Path, base: Path, env: dict) -> list[str]:
    dry = tmp_path / "dry"
    shutil.copytree(base.parent, dry)
    done = run_watched(
        reader_command("backup", "restore", "1", db=dry / base.name),
        watch="stderr",
        env=env | fault_env(dry, announce=True),
    )
    assert done.returncode == 0, done.lines
    assert _state(dry / base.name) is not None
    return [line.split()[2] for line in done.lines if line.startswith("fault-step")]


def _trial(tmp_path: Path, base: Path, env: dict, number: int, torn: bool, wanted: tuple[dict, dict]) -> None:
    work = tmp_path / f"trial-{number}-{int(torn)}"
    shutil.copytree(base.parent, work)
    db = work / base.name
    outcome = run_watched(
        reader_command("backup", "restore", "1", db=db),
        watch="stderr",
        kill_when=lambda line: line.startswith("fault-stop"),
        env=env | fault_env(work, stop=number, torn=torn),
    )
    assert outcome.killed, f"step {number}: not stopped ({outcome.lines})"
    restored, current = wanted
    got = _state(db)
    assert got in (restored, current), f"step {number} (torn={torn}): a mix of the old and the restored library"
    listed = run_watched(reader_command("list", "--json", db=db))
    assert listed.returncode == 0, listed.other
    again = _state(db)
    assert again == got
    assert not (work / (base.name + ".restoring")).exists()


@pytest.mark.slow
def test_a_restore_killed_at_any_step_leaves_the_old_library_or_the_restored_one(tmp_path):
    site = write_sitecustomize(tmp_path / "site")
    env = {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    base = tmp_path / "base" / "library.json"
    wanted = _library_with_a_backup(base)
    assert wanted[0] != wanted[1]
    steps = _restore_steps(tmp_path, base, env)
    assert "replace" in steps and len(steps) >= 6
    for number in range(1, len(steps) + 1):
        _trial(tmp_path, base, env, number, False, wanted)
        if steps[number - 1] == "write":
            _trial(tmp_path, base, env, number, True, wanted)
