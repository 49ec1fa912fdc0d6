"""Two and four processes changing one library at once lose nothing.

Each writer has its own tags, its own papers to mark read and its own page
names, but they all tag the *same* papers and import overlapping pages, so a
lost update (a read-modify-write that missed another writer's change) shows
up as a missing tag or a missing page in a paper's sources. Writers are

* processes using the API (``tests/helpers/store_child.py``), some keeping
  one ``Library`` open, some opening it for every change like the CLI does,
  with ``COMPACT_RECORDS`` low so compactions happen all the time;
* ``reader`` commands run by several threads at once (``run_cli``);
* one long-lived ``Library`` in this process, as the TUI holds one: it calls
  ``refresh()`` and changes papers between the others' writes, and every
  refresh must report (through ``changes_since``) every paper that changed.

At the end the library must hold every change (each writer's changes
replayed on their own and merged), with one journal sequence number per
change, load with plain TinyDB, and agree with the long-lived ``Library``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reader.store import Library

from tests.conftest import run_cli
from tests.helpers.procs import Child, store_child_command
from tests.helpers.storemodel import (
    Model,
    constant_clock,
    dump_plan,
    library_state,
    run_op,
    seed_library,
    tinydb_loads,
    tinydb_state,
    abstract_for,
)

SHARED_TITLES = [f"A Paper Several Writers Import Number {k}" for k in range(6)]


@dataclass
class Writer:
    name: str
    ops: list[dict] = field(default_factory=list)
    model: Model | None = None  # the seed library with only this writer's changes
    own_tags: tuple[str, ...] = ()
    own_papers: tuple[str, ...] = ()


def plan_writer(rng: random.Random, name: str, seed_model: Model, own_papers: list[str], count: int, *, compacts: bool) -> Writer:
    """Random changes for one writer; valid whatever the others do."""
    writer = Writer(name, own_tags=tuple(f"{name}-{k}" for k in range(4)), own_papers=tuple(own_papers))
    model = seed_model.copy()
    seed_ids = sorted(seed_model.papers)
    pages = 0
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            op = {"op": "tag", "ids": [rng.choice(seed_ids)], "tags": [rng.choice(writer.own_tags)]}
        elif roll < 0.6:
            op = {"op": "untag", "ids": [rng.choice(seed_ids)], "tags": [rng.choice(writer.own_tags)]}
        elif roll < 0.8 and own_papers:
            op = {"op": rng.choice(["read", "read", "unread"]), "ids": [rng.choice(own_papers)]}
        elif roll < 0.95:
            pages += 1
            titles = [f"Paper {pages} Imported Only By Writer {name}"] + rng.sample(SHARED_TITLES, rng.randint(0, 2))
            op = {"op": "import", "source": f"{name}-page-{pages}", "titles": titles}
        elif compacts:
            op = {"op": "compact"}
        else:
            op = {"op": "refresh"}
        model.apply(op)
        writer.ops.append(op)
    writer.model = model
    return writer


def merged_expectation(seed_model: Model, writers: list[Writer]) -> dict[str, tuple]:
    """What the library must hold: every writer's changes, none lost, as sets where order may vary."""
    expected: dict[str, tuple] = {}
    owner = {pid: writer for writer in writers for pid in writer.own_papers}
    all_ids = set().union(*(writer.model.papers for writer in writers))
    for pid in all_ids:
        versions = [writer.model.papers[pid] for writer in writers if pid in writer.model.papers]
        title = versions[0][0]
        tags = frozenset(tag for writer in writers if pid in writer.model.papers for tag in writer.model.papers[pid][1]
                         if tag in writer.own_tags)
        read = owner[pid].model.papers[pid][2] if pid in owner else False
        sources = frozenset(source for version in versions for source in version[3])
        expected[pid] = (title, tags, read, sources)
    return expected


def comparable(state: dict[str, tuple]) -> dict[str, tuple]:
    return {pid: (title, frozenset(tags), read, frozenset(sources)) for pid, (title, tags, read, sources, _) in state.items()}


def expected_seq(writers: list[Writer]) -> int:
    # One journal record per change that changed something; no writer undoes, so each
    # writer's model stack holds exactly its effective changes (plus the seed import).
    return 1 + sum(len(writer.model.undo_stack) - 1 for writer in writers)


def check_final(db: Path, seed_model: Model, writers: list[Writer]) -> Library:
    tinydb_loads(db)
    library = Library.open(db, clock=constant_clock)
    got = comparable(library_state(library))
    wanted = merged_expectation(seed_model, writers)
    nothing = ("", frozenset(), False, frozenset())
    wrong = {
        pid: {
            "missing tags": sorted(wanted.get(pid, nothing)[1] - got.get(pid, nothing)[1]),
            "extra tags": sorted(got.get(pid, nothing)[1] - wanted.get(pid, nothing)[1]),
            "missing sources": sorted(wanted.get(pid, nothing)[3] - got.get(pid, nothing)[3]),
            "read": (got.get(pid, nothing)[2], wanted.get(pid, nothing)[2]),
            "present": (pid in got, pid in wanted),
        }
        for pid in set(got) | set(wanted)
        if got.get(pid) != wanted.get(pid)
    }
    assert got == wanted, f"lost or wrong updates: {dict(list(wrong.items())[:5])}"
    assert library.seq == expected_seq(writers), "a change was recorded twice or not at all"
    library.compact()
    plain = tinydb_state(db)
    assert {pid: (title, frozenset(tags), read) for pid, (title, tags, read) in plain.items()} == {
        pid: (title, tags, read) for pid, (title, tags, read, _) in wanted.items()
    }, "plain TinyDB reads something else than reader"
    return library


def api_writers(rng, seed_model: Model, count: int, ops_each: int) -> list[Writer]:
    seed_ids = sorted(seed_model.papers)
    return [
        plan_writer(rng, f"p{n}", seed_model, seed_ids[n::count], ops_each, compacts=n == 0)
        for n in range(count)
    ]


def start_api_children(tmp_path: Path, db: Path, writers: list[Writer], rng: random.Random) -> list[Child]:
    children = []
    for number, writer in enumerate(writers):
        config = {
            "db": str(db),
            "ops": writer.ops,
            "compact_records": rng.choice([4, 7, 25]),
            "direct_write": 6 if number == 1 else None,
            "fresh_each_op": number % 2 == 1,  # like the CLI: open, change, exit
            "wait_for_go": True,
        }
        children.append(Child(store_child_command(dump_plan(tmp_path / f"{writer.name}.json", config))))
    return children


def run_together(children: list[Child]) -> None:
    try:
        for child in children:
            child.wait_for("ready")
        for child in children:
            child.send("go")
    except BaseException:
        for child in children:
            child.kill()
        raise


def finish_all(children: list[Child], writers: list[Writer]) -> None:
    for child, writer in zip(children, writers, strict=True):
        outcome = child.finish()
        assert outcome.returncode == 0 and outcome.lines[-1:] == ["done"], (
            f"{writer.name} failed (exit {outcome.returncode}):\n{outcome.other[-2000:]}"
        )
        refused = [line for line in outcome.lines if line.startswith("error")]
        assert not refused, f"{writer.name}: the library refused valid changes: {refused[:3]}"


@pytest.mark.parametrize("processes", [2, 4])
def test_api_processes_lose_no_update(tmp_path, processes):
    rng = random.Random(31 + processes)
    db = tmp_path / "lib" / "library.json"
    _, seed_model = seed_library(db, count=16)
    writers = api_writers(rng, seed_model, processes, 240 // processes)
    children = start_api_children(tmp_path, db, writers, rng)
    run_together(children)
    finish_all(children, writers)
    check_final(db, seed_model, writers)


class LongLivedLibrary:
    """What the TUI does with its one ``Library``: refresh, check what changed, change something."""

    def __init__(self, db: Path, writer: Writer) -> None:
        self.library = Library.open(db, clock=constant_clock)
        self.writer = writer
        self.refreshes = 0

    def refresh_and_check(self) -> None:
        before = library_state(self.library)
        generation = self.library.generation
        self.library.refresh()
        after = library_state(self.library)
        changed = self.library.changes_since(generation)
        if changed is not None:  # None means "assume everything changed": always correct
            really = {pid for pid in set(before) | set(after) if before.get(pid) != after.get(pid)}
            assert really <= changed, f"refresh() changed papers it did not report: {sorted(really - changed)[:5]}"
        self.refreshes += 1

    def run(self, op: dict) -> None:
        self.refresh_and_check()
        run_op(self.library, op)


def test_long_lived_library_and_processes_lose_no_update(tmp_path):
    rng = random.Random(77)
    db = tmp_path / "lib" / "library.json"
    _, seed_model = seed_library(db, count=16)
    writers = api_writers(rng, seed_model, 3, 60)
    tui_writer = plan_writer(rng, "tui", seed_model, [], 60, compacts=False)
    tui = LongLivedLibrary(db, tui_writer)
    children = start_api_children(tmp_path, db, writers, rng)
    run_together(children)
    try:
        for op in tui_writer.ops:  # between the others' writes
            tui.run(op)
    finally:
        finish_all(children, writers)
    tui.refresh_and_check()
    check_final(db, seed_model, writers + [tui_writer])
    assert library_state(tui.library) == library_state(Library.open(db)), "the long-lived library diverged from disk"


def cli_commands(writer: Writer, db: Path, pages: Path) -> list[list[str]]:
    commands = []
    for op in writer.ops:
        kind = op["op"]
        if kind == "import":
            page = pages / f"{op['source']}.txt"
            body = "\n".join(f"{title}\n\n{abstract_for(title)}\n" for title in op["titles"])
            page.write_text(body, encoding="utf-8")
            commands.append(["import", str(page)])
        elif kind in ("tag", "untag"):
            commands.append([kind, op["ids"][0], *op["tags"]])
        elif kind in ("read", "unread"):
            commands.append([kind, *op["ids"]])
        elif kind == "compact":
            commands.append(["compact"])
        else:
            commands.append(["list", "--limit", "3"])
    return commands


def run_cli_writers(tmp_path: Path, db: Path, writers: list[Writer]) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    failures: list[str] = []
    barrier = threading.Barrier(len(writers))

    def work(writer: Writer) -> None:
        barrier.wait()
        for args in cli_commands(writer, db, pages):
            result = run_cli(*args, db=db)
            if result.returncode != 0:
                failures.append(f"{writer.name}: reader {' '.join(args)} -> {result.returncode}: {result.stderr!r}")

    threads = [threading.Thread(target=work, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]


def test_cli_processes_lose_no_update(tmp_path):
    rng = random.Random(5)
    db = tmp_path / "lib" / "library.json"
    _, seed_model = seed_library(db, count=8)
    writers = [plan_writer(rng, f"c{n}", seed_model, sorted(seed_model.papers)[n::2], 12, compacts=n == 0) for n in range(2)]
    run_cli_writers(tmp_path, db, writers)
    check_final(db, seed_model, writers)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(2))
def test_many_writers_of_every_kind_lose_no_update_slow(tmp_path, trial):
    """Four API processes, four CLI threads and a long-lived library, all at once."""
    rng = random.Random(1000 + trial)
    db = tmp_path / "lib" / "library.json"
    _, seed_model = seed_library(db, count=24)
    writers = api_writers(rng, seed_model, 4, 250)
    cli = [plan_writer(rng, f"c{n}", seed_model, [], 30, compacts=n == 0) for n in range(4)]
    tui_writer = plan_writer(rng, "tui", seed_model, [], 200, compacts=False)
    tui = LongLivedLibrary(db, tui_writer)
    children = start_api_children(tmp_path, db, writers, rng)
    run_together(children)
    cli_errors: list[BaseException] = []

    def cli_work() -> None:
        try:
            run_cli_writers(tmp_path, db, cli)
        except BaseException as exc:  # reported below, in the test's thread
            cli_errors.append(exc)

    cli_thread = threading.Thread(target=cli_work)
    cli_thread.start()
    try:
        for op in tui_writer.ops:
            tui.run(op)
    finally:
        cli_thread.join()
        finish_all(children, writers)
    assert not cli_errors, cli_errors
    tui.refresh_and_check()
    library = check_final(db, seed_model, writers + cli + [tui_writer])
    assert library_state(tui.library) == library_state(Library.open(db))
    print(f"trial {trial}: {library.seq} changes, {tui.refreshes} refreshes of the long-lived library")
