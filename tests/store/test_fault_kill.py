"""SIGKILL a process at random points while it imports, tags and marks papers.

Each trial seeds a library, generates random changes (imports, tags, untags,
read/unread, deletes, undos, compactions) with a model of what they must do,
and runs them in a child process (``tests/helpers/store_child.py``) that
prints ``begin I`` / ``ack I`` around each one. First a dry run on a copy
numbers every file-system step of the run (``tests/helpers/faults.py``); then
the real run is killed

* at step K (``stop`` trials), before that step happens; a write may first
  put half its bytes on disk (a torn write);
* or when a chosen output line appears (``random`` trials): the child keeps
  working until the SIGKILL lands, wherever that is.

Afterwards the library must equal the model after the acknowledged changes,
with or without the one in flight; load with plain TinyDB; undo the right
change; and take a further change (``tests/helpers/crashcheck.py``). Some
trials kill several times in a row on the same library (a crash while
recovering from a crash); some run with ``COMPACT_RECORDS`` low so kills
straddle compaction, or ``DIRECT_WRITE_PAPERS`` low so big imports rewrite
the TinyDB files directly.

Seeded: ``READER_FAULT_SEED=N`` changes the base seed; a failure names the
seed and the kill point. ``pytest -m slow tests/store/test_fault_kill.py`` runs the
long series.
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from reader.store import Library

from tests.helpers.crashcheck import check_recovered, progress_from_lines
from tests.helpers.procs import run_watched, store_child_command
from tests.helpers.storemodel import OpGenerator, constant_clock, dump_plan, library_state, seed_library

BASE_SEED = int(os.environ.get("READER_FAULT_SEED", "7207"))


@dataclass(frozen=True)
class Setup:
    name: str
    ops: int = 12
    compact_records: int | None = None
    direct_write: int | None = None
    big_import: int = 0
    rounds: int = 1


SETUPS = [
    Setup("journal"),
    Setup("compaction", ops=14, compact_records=3),
    Setup("direct-write", ops=8, direct_write=4, big_import=7),
    Setup("compaction+direct", ops=12, compact_records=2, direct_write=5, big_import=8),
    Setup("crash-twice", ops=8, compact_records=4, rounds=2),
    Setup("crash-thrice", ops=6, compact_records=3, direct_write=5, big_import=6, rounds=3),
]


def choose_stop(rng: random.Random, steps: list[tuple[int, str]]) -> tuple[int, bool]:
    """A step to stop at (half the time a step of a randomly chosen kind), and whether to tear it."""
    kinds = sorted({kind for _, kind in steps})
    if rng.random() < 0.5:
        kind = rng.choice(kinds)
        number = rng.choice([n for n, k in steps if k == kind])
    else:
        number = rng.randint(1, len(steps))
    torn = steps[number - 1][1] == "write" and rng.random() < 0.6
    return number, torn


def choose_moment(rng: random.Random, lines: list[str]):
    """A line of the dry run to kill on: the child goes on working until the signal lands."""
    keys = [" ".join(line.split()[:2]) for line in lines if line.split()[0] in ("begin", "ack", "fault-step")]
    key = rng.choice(keys)
    return key, (lambda line: " ".join(line.split()[:2]) == key)


def run_trial(tmp_path: Path, seed: int, setup: Setup, style: str) -> list[str]:
    """One trial (``setup.rounds`` kills in a row); returns a line per kill describing it."""
    rng = random.Random(seed)
    db = tmp_path / "lib" / "library.json"
    _, model = seed_library(db, count=rng.randint(0, 12))
    generator = OpGenerator(rng)
    report = []
    for round_number in range(setup.rounds):
        plan = generator.plan(model, setup.ops, big_import=setup.big_import)
        config = {
            "ops": plan.ops,
            "compact_records": setup.compact_records,
            "direct_write": setup.direct_write,
        }
        context = f"seed={seed} setup={setup.name} style={style} round={round_number} (READER_FAULT_SEED={BASE_SEED})"

        # Dry run on a copy: number the steps, and check the run without a crash.
        dry_dir = tmp_path / f"dry-{round_number}"
        shutil.copytree(db.parent, dry_dir)
        dry_config = dict(config, db=str(dry_dir / "library.json"), faults={"announce": True})
        dry = run_watched(store_child_command(dump_plan(tmp_path / f"dry-{round_number}.json", dry_config)))
        assert dry.returncode == 0 and dry.lines[-1:] == ["done"], f"{context}\ndry run failed:\n{dry.other}"
        problems = [line for line in dry.lines if line.startswith(("error", "warning"))]
        assert not problems, f"{context}\nthe run without a crash reported: {problems[:3]}"
        dry_state = library_state(Library.open(dry_dir / "library.json", clock=constant_clock))
        assert dry_state == plan.models[-1].papers, f"{context}\nthe run without a crash does not match the model"
        steps = [(int(line.split()[1]), line.split()[2]) for line in dry.lines if line.startswith("fault-step")]

        if style == "stop":
            number, torn = choose_stop(rng, steps)
            config["faults"] = {"stop": number, "torn": torn}
            kill_when = lambda line: line.startswith("fault-stop")  # noqa: E731
            where = f"stop at step {number}/{len(steps)} ({steps[number - 1][1]}{', torn' if torn else ''})"
        else:
            key, kill_when = choose_moment(rng, dry.lines)
            config["faults"] = {"announce": True}
            where = f"kill on {key!r} ({len(steps)} steps in the run)"
        real_config = dict(config, db=str(db))
        outcome = run_watched(
            store_child_command(dump_plan(tmp_path / f"run-{round_number}.json", real_config)), kill_when=kill_when
        )
        context += f"\n{where}; last lines: {outcome.lines[-4:]}"
        assert outcome.killed or outcome.returncode == 0, f"{context}\nchild failed:\n{outcome.other}"
        progress = progress_from_lines(outcome.lines, len(plan.ops))
        assert not progress.errors, f"{context}\nthe library refused a valid change: {progress.errors}"
        allowed = [plan.models[progress.acked]]
        if progress.in_flight:
            allowed.append(plan.models[progress.acked + 1])
        model = check_recovered(db, allowed, context, rng)
        report.append(f"{where}: {progress.acked} acknowledged, in flight: {progress.in_flight}")
    return report


QUICK = [
    (SETUPS[1], "stop", 1),
    (SETUPS[2], "stop", 2),
    (SETUPS[4], "random", 3),
]


@pytest.mark.parametrize(("setup", "style", "number"), QUICK, ids=[f"{s.name}-{st}" for s, st, _ in QUICK])
def test_killed_child_loses_no_acknowledged_change(tmp_path, setup, style, number):
    run_trial(tmp_path, BASE_SEED + number, setup, style)


SLOW_TRIALS = 40


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(SLOW_TRIALS))
def test_killed_child_loses_no_acknowledged_change_slow(tmp_path, trial):
    setup = SETUPS[trial % len(SETUPS)]
    style = "stop" if trial % 5 < 3 else "random"
    seed = BASE_SEED * 1000 + trial
    report = run_trial(tmp_path, seed, setup, style)
    print(f"trial {trial} seed={seed} {setup.name} {style}: " + " | ".join(report))
