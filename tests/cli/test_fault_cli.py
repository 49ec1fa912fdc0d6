"""SIGKILL the real `reader` command at random points of imports, tags and read marks.

The same trials as ``test_fault_kill.py``, through ``python -m reader``: a
``sitecustomize.py`` on ``PYTHONPATH`` installs ``tests/helpers/faults.py``
from ``READER_FAULT_*`` variables in the command's process. A trial runs a
few commands to completion (each one acknowledged by exit status 0), then
runs the next one on a copy to number its steps, then for real, stopped at
one step (maybe a torn write) or killed when it announces a chosen step while
it keeps working. The library must then hold every completed command, with or
without the killed one, and take further commands.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers.crashcheck import check_recovered
from tests.helpers.faults import fault_env, write_sitecustomize
from tests.helpers.procs import reader_command, run_watched
from tests.helpers.storemodel import Model, OpGenerator, abstract_for, seed_library

BASE_SEED = int(os.environ.get("READER_FAULT_SEED", "7207"))
CLI_KINDS = ("import", "tag", "untag", "read", "unread", "compact")


def cli_plan(rng: random.Random, model: Model, count: int) -> tuple[list[dict], list[Model]]:
    """Random changes the CLI can make (one id per tag command), with the model after each."""
    generator = OpGenerator(rng, next_title=500)
    ops, models = [], [model.copy()]
    current = model.copy()
    while len(ops) < count:
        op = generator.one(current)
        if op["op"] not in CLI_KINDS:
            continue
        if op["op"] in ("tag", "untag"):
            op["ids"] = op["ids"][:1]
        current.apply(op)
        ops.append(op)
        models.append(current.copy())
    return ops, models


def page_dump(titles: list[str]) -> str:
    """A page dump in the block layout, with the page chrome real dumps carry."""
    blocks = [f"{title}\n\n{abstract_for(title)}\n" for title in titles]
    return "Daily Papers\n\nbyAK and the research community\n\n" + "\n".join(blocks)


def command_for(op: dict, db: Path, pages: Path) -> list[str]:
    kind = op["op"]
    if kind == "import":
        page = pages / f"{op['source']}.txt"
        page.write_text(page_dump(op["titles"]), encoding="utf-8")
        return reader_command("import", str(page), db=db)
    if kind in ("tag", "untag"):
        return reader_command(kind, op["ids"][0], *op["tags"], db=db)
    if kind in ("read", "unread"):
        return reader_command(kind, *op["ids"], db=db)
    return reader_command("compact", db=db)


def run_cli_trial(tmp_path: Path, seed: int, style: str) -> str:
    rng = random.Random(seed)
    site = write_sitecustomize(tmp_path / "site")
    pages = tmp_path / "pages"
    pages.mkdir()
    db = tmp_path / "lib" / "library.json"
    _, model = seed_library(db, count=rng.randint(1, 10))
    ops, models = cli_plan(rng, model, rng.randint(3, 7))
    limits = {"compact_records": rng.choice([None, 2, 3]), "direct_write": rng.choice([None, 3])}
    base_env = {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    target = rng.randrange(len(ops))
    context = f"seed={seed} style={style} limits={limits} (READER_FAULT_SEED={BASE_SEED})\ncommands: {ops}"

    for index in range(target):
        done = run_watched(command_for(ops[index], db, pages), env=base_env | fault_env(db.parent, **limits))
        assert done.returncode == 0, f"{context}\ncommand {index} failed: {done.lines} {done.other}"

    dry_dir = tmp_path / "dry"
    shutil.copytree(db.parent, dry_dir)
    dry_db = dry_dir / db.name
    dry = run_watched(
        command_for(ops[target], dry_db, pages),
        watch="stderr",
        env=base_env | fault_env(dry_dir, announce=True, **limits),
    )
    assert dry.returncode == 0, f"{context}\ndry run of command {target} failed: {dry.lines}"
    steps = [line.split()[2] for line in dry.lines if line.startswith("fault-step")]

    if style == "stop" and steps:
        number = rng.randint(1, len(steps))
        torn = steps[number - 1] == "write" and rng.random() < 0.6
        env = fault_env(db.parent, stop=number, torn=torn, **limits)
        kill_when = lambda line: line.startswith("fault-stop")  # noqa: E731
        where = f"command {target} stopped at step {number}/{len(steps)} ({steps[number - 1]}{', torn' if torn else ''})"
    else:
        number = rng.randint(1, max(1, len(steps)))
        env = fault_env(db.parent, announce=True, **limits)
        kill_when = lambda line: line.startswith(f"fault-step {number} ")  # noqa: E731
        where = f"command {target} killed after it announced step {number}/{len(steps)}"
    outcome = run_watched(command_for(ops[target], db, pages), watch="stderr", kill_when=kill_when, env=base_env | env)
    context += f"\n{where}"
    if outcome.killed:
        allowed = [models[target], models[target + 1]]
    else:
        assert outcome.returncode == 0, f"{context}\ncommand failed: {outcome.lines} {outcome.other}"
        allowed = [models[target + 1]]
    recovered = check_recovered(db, allowed, context, rng)

    # The CLI still works on the recovered library: it lists every paper and takes a change.
    listed = run_watched(reader_command("list", "--json", db=db))
    assert listed.returncode == 0, f"{context}\n`reader list` failed after the crash: {listed.other}"
    assert {paper["id"] for paper in json.loads("\n".join(listed.lines))} == set(recovered.papers), context
    if recovered.papers:
        pid = sorted(recovered.papers)[0]
        tagged = run_watched(reader_command("tag", pid, "after-cli", db=db))
        assert tagged.returncode == 0, f"{context}\n`reader tag` failed after the crash: {tagged.other}"
        shown = run_watched(reader_command("show", pid, "--json", db=db))
        assert "after-cli" in json.loads("\n".join(shown.lines))["tags"], context
    return where + (" (killed)" if outcome.killed else " (finished before the kill)")


def test_killed_cli_command_loses_no_completed_command(tmp_path):
    run_cli_trial(tmp_path, BASE_SEED + 11, "stop")


SLOW_TRIALS = 14


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(SLOW_TRIALS))
def test_killed_cli_command_loses_no_completed_command_slow(tmp_path, trial):
    seed = BASE_SEED * 1000 + 500 + trial
    print(f"cli trial {trial} seed={seed}: " + run_cli_trial(tmp_path, seed, "stop" if trial % 3 else "random"))
