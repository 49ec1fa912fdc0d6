"""A full disk, a read-only disk: a change is saved or reported as not saved, never half of each.

Every write step a change makes (journal appends, fsyncs, the temporary
files and renames of a compaction, the copies, links and folders of a
backup) is made to fail in turn with ENOSPC, EROFS or EACCES, through
``tests/helpers/diskfull.py``. After each failure:

* the call raised :class:`LibraryError` (one line, naming the reason) and
  nothing of the change is on disk, or it returned and the whole change is
  on disk; when a step failed and the call returned anyway, the library
  says what went wrong in ``Library.warnings`` (unless it was only the
  fsync of a directory);
* the ``Library`` object in memory equals a fresh load of the files (papers,
  abstracts, sequence number, history), the files load with plain TinyDB,
  the files that existed before a failed change are byte-identical, and no
  temporary file is left behind;
* once the disk has room again, the next change is saved.

The same through the ``reader`` command: one stderr line, exit 1, no
traceback. We run as root, so chmod does not stop writes: a read-only
directory is simulated by refusing every write (``read_only``), and two real
obstacles need no simulation (a journal path that is a directory, a backups
path that is a file).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reader.errors import LibraryError
from reader.store import Library
from tests.helpers.limits import use_limits

from tests.conftest import ROOT, run_cli
from tests.helpers.diskfull import diskfull_env, disk_faults, read_only, write_sitecustomize
from tests.helpers.storemodel import (
    abstract_for,
    candidates_for,
    constant_clock,
    library_state,
    tinydb_loads,
    tinydb_state,
    title_for,
)

ERRORS = (errno.ENOSPC, errno.EROFS, errno.EACCES)
TINY_INTERVAL = 1e-9  # "a backup before every change"


# -- libraries to break ------------------------------------------------------------------------


def prepare(db: Path, *, papers: int = 6, journal: bool = True, backup: bool = False) -> None:
    """A compacted library of ``papers`` papers, two changes in its journal, maybe one backup."""
    db.parent.mkdir(parents=True, exist_ok=True)
    if not papers:
        return
    library = Library.open(db, clock=constant_clock, backup_interval=0)
    titles = [title_for(100 + k) for k in range(papers)]
    library.import_candidates(candidates_for(titles, "seed"), sources=["seed"])
    library.compact()
    ids = library.ids()
    if journal:
        library.tag([ids[0]], ["seeded"])
        library.set_read([ids[1]], True)
    if backup:
        library.backup()


def new_titles(count: int) -> list[str]:
    return [title_for(500 + k) for k in range(count)]


@dataclass
class Scenario:
    name: str
    op: Callable[[Library], object]
    papers: int = 6
    backup: bool = False  # the prepared library has a backup already
    backup_interval: float = 0
    limits: dict = field(default_factory=dict)  # StoreLimits fields
    is_change: bool = True  # False: housekeeping the user asked for (compact)


SCENARIOS = [
    Scenario("tag", lambda lib: lib.tag([lib.ids()[2]], ["fault"])),
    Scenario("read", lambda lib: lib.set_read(lib.ids()[2:4], True)),
    Scenario("delete", lambda lib: lib.delete([lib.ids()[3]])),
    Scenario("undo", lambda lib: lib.undo()),
    Scenario(
        "import",
        lambda lib: lib.import_candidates(
            candidates_for(new_titles(2) + [lib.papers()[0].title], "page-2"), sources=["page-2"]
        ),
    ),
    Scenario(
        "first-import",  # no library yet: the journal and both TinyDB files are created
        lambda lib: lib.import_candidates(candidates_for(new_titles(3), "page-1"), sources=["page-1"]),
        papers=0,
    ),
    Scenario("tag-compacts", lambda lib: lib.tag([lib.ids()[2]], ["fault"]), limits={"compact_records": 1}),
    Scenario("compact", lambda lib: lib.compact(), is_change=False),
    Scenario(  # the snapshot written after the papers file (reader/snapshot.py)
        "compact-snapshot", lambda lib: lib.compact(), is_change=False, limits={"snapshot_min_papers": 1}
    ),
    Scenario(
        "tag-compacts-snapshot",
        lambda lib: lib.tag([lib.ids()[2]], ["fault"]),
        limits={"compact_records": 1, "snapshot_min_papers": 1},
    ),
    Scenario("first-backup", lambda lib: lib.tag([lib.ids()[2]], ["fault"]), backup_interval=TINY_INTERVAL),
    Scenario(
        "next-backup",  # unchanged files are hard-linked to the previous backup's copy
        lambda lib: lib.tag([lib.ids()[2]], ["fault"]),
        backup=True,
        backup_interval=TINY_INTERVAL,
    ),
    Scenario(
        "direct-import",  # a big change, written straight into the TinyDB files
        lambda lib: lib.import_candidates(candidates_for(new_titles(3), "page-3"), sources=["page-3"]),
        limits={"direct_write_papers": 1},
    ),
    Scenario(
        "direct-delete",
        lambda lib: lib.delete(lib.ids()[:3]),
        limits={"direct_write_papers": 1},
    ),
    Scenario(
        "direct-read",
        lambda lib: lib.set_read(lib.ids()[2:], True),
        limits={"direct_write_papers": 1},
    ),
]
BY_NAME = {s.name: s for s in SCENARIOS}

@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """One prepared library directory per scenario (copied for every trial)."""
    root = tmp_path_factory.mktemp("diskfull-bases")
    made: dict[str, Path] = {}

    def base(scenario: Scenario) -> Path:
        if scenario.name not in made:
            db = root / scenario.name / "lib" / "library.json"
            prepare(db, papers=scenario.papers, backup=scenario.backup)
            made[scenario.name] = db
        return made[scenario.name]

    return base


# -- what a trial checks -----------------------------------------------------------------------


def full_state(library: Library) -> dict:
    """Everything a person could notice: papers with abstracts, seq, and the history (undo)."""
    return {
        "papers": library_state(library),
        "seq": library.seq,
        "history": [(h.seq, h.label, h.papers, h.undone) for h in library.history(limit=0)],
    }


def library_files(db: Path) -> dict[str, bytes]:
    """The library's own files (not the lock, not backups)."""
    library = Library(db)
    return {
        p.name: p.read_bytes() for p in (library.path, library.abstracts_path, library.wal_path) if p.is_file()
    }


def leftovers(db: Path) -> list[str]:
    """Temporary files and half-made backups a failed step left behind."""
    found = [p.name for p in db.parent.iterdir() if ".tmp-" in p.name]
    backups = Library(db).backups_dir
    if backups.is_dir():
        found += [f"backups/{p.name}" for p in backups.iterdir() if p.name.startswith(".")]
    return found


def compare(a: dict, b: dict, a_name: str, b_name: str) -> str:
    """The papers that differ between two states, labelled."""
    lines = []
    for pid in sorted(set(a) | set(b)):
        if a.get(pid) != b.get(pid):
            lines.append(f"  {pid}: {a_name}: {a.get(pid)!r}\n  {' ' * len(pid)}  {b_name}: {b.get(pid)!r}")
    return "\n".join(lines[:4]) + (f"\n  ... {len(lines) - 4} more" if len(lines) > 4 else "")


def load(db: Path, **kwargs) -> Library:
    return Library.open(db, clock=constant_clock, **kwargs)


@dataclass
class Reference:
    """A scenario run once without faults: its steps and the states before and after."""

    steps: list[tuple[str, str]]
    directory_fsyncs: set[int]
    before: dict
    after: dict


def reference(scenario: Scenario, base_db: Path, work: Path) -> Reference:
    db = copy_library(base_db, work / "reference")
    library = load(db, backup_interval=scenario.backup_interval)
    before = library_state(library)
    with disk_faults(db.parent) as counter:
        scenario.op(library)
    assert counter.steps, f"{scenario.name}: no write step counted; the fault hooks do not see this change"
    assert library.warnings == [], f"{scenario.name}: warnings without any fault: {library.warnings}"
    dirs = {n for n in range(1, len(counter.steps) + 1) if counter.step_is_directory_fsync(n)}
    return Reference(counter.steps, dirs, before, library_state(load(db)))


def copy_library(base_db: Path, where: Path) -> Path:
    if where.exists():
        shutil.rmtree(where)
    shutil.copytree(base_db.parent, where / "lib")
    return where / "lib" / base_db.name


def later_change(library: Library, db: Path, context: str) -> None:
    """With the disk healthy again, the next change is saved (and compaction works)."""
    if library.ids():
        pid = library.ids()[-1]
        library.tag([pid], ["after-fault"])
        assert "after-fault" in load(db).get(pid).tags, f"{context}\nthe change after the fault was not saved"
    else:
        library.import_candidates(candidates_for(["A Paper After The Fault"], "later"), sources=["later"])
        assert len(load(db)) == 1, f"{context}\nthe import after the fault was not saved"
    assert full_state(library) == full_state(load(db)), f"{context}\nmemory and disk differ after the later change"
    library.compact()
    wanted = {pid: (t, tags, read) for pid, (t, tags, read, _, _) in library_state(library).items()}
    assert tinydb_state(db) == wanted, f"{context}\nplain TinyDB reads something else after the later compaction"


def run_trial(scenario: Scenario, base_db: Path, ref: Reference, work: Path, step: int, error: int) -> None:
    db = copy_library(base_db, work / "trial")
    library = load(db, backup_interval=scenario.backup_interval)
    kind, name = ref.steps[step - 1]
    context = f"scenario {scenario.name}: step {step}/{len(ref.steps)} ({kind} {name}) fails with {errno.errorcode[error]}"
    failure = None
    try:
        with disk_faults(db.parent, mode="fail", at=step, error=error) as injector:
            scenario.op(library)
    except LibraryError as exc:
        failure = str(exc)
    assert injector.fired, f"{context}\nthe step did not happen in this run: {injector.steps} vs {ref.steps}"
    context += f"\n-> {'raised: ' + failure if failure else 'returned'}; warnings: {library.warnings}"

    try:
        tinydb_loads(db)
        on_disk = load(db)
    except (LibraryError, ValueError) as exc:
        raise AssertionError(f"{context}\nthe library does not load afterwards: {exc}") from None
    memory, disk = full_state(library), full_state(on_disk)
    assert memory == disk, f"{context}\nthe Library in memory differs from the files:\n" + compare(
        memory["papers"], disk["papers"], "in memory", "on disk"
    ) + f"\nseq {memory['seq']} vs {disk['seq']}\nhistory {memory['history'][:3]} vs {disk['history'][:3]}"

    if failure is not None:
        assert "\n" not in failure and os.strerror(error) in failure, f"{context}\nnot a one-line message with the reason"
        assert disk["papers"] == ref.before, f"{context}\na change reported as failed is (partly) on disk:\n" + (
            compare(disk["papers"], ref.before, "on disk", "before the change")
        )
    else:
        assert disk["papers"] == ref.after, f"{context}\na change reported as saved is not (all) on disk:\n" + (
            compare(disk["papers"], ref.after, "on disk", "after the change")
        )
        if step not in ref.directory_fsyncs:
            assert library.warnings, f"{context}\na step failed, the call returned, and nothing says so"
    assert leftovers(db) == [], f"{context}\nleft behind: {leftovers(db)}"
    later_change(library, db, context)


def run_scenario(scenario: Scenario, base_db: Path, work: Path, monkeypatch, errors=ERRORS) -> int:
    use_limits(monkeypatch, **scenario.limits)
    ref = reference(scenario, base_db, work)
    trials = 0
    for step in range(1, len(ref.steps) + 1):
        for error in errors:
            if ref.steps[step - 1][0] == "sendfile" and error != errno.ENOSPC:
                continue  # shutil falls back to read/write when sendfile fails otherwise (and succeeds)
            run_trial(scenario, base_db, ref, work, step, error)
            trials += 1
    return trials


# -- every write step fails in turn (API) -------------------------------------------------------


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_each_failing_write_step_leaves_a_consistent_library(name, bases, tmp_path, monkeypatch):
    scenario = BY_NAME[name]
    trials = run_scenario(scenario, bases(scenario), tmp_path, monkeypatch)
    assert trials >= 2


@dataclass
class FailedChange:
    """A change that failed because one of its write steps hit a full disk."""

    step: int
    kind: str
    file_name: str
    db: Path
    files_before: dict[str, bytes]
    message: str


def failed_changes(scenario: Scenario, bases, tmp_path: Path, monkeypatch) -> Iterator[FailedChange]:
    """Each write step of the scenario's change failing with ENOSPC on a fresh copy of the library;
    yields the steps that made the change fail (the steps it survived are passed over)."""
    use_limits(monkeypatch, **scenario.limits)
    base_db = bases(scenario)
    ref = reference(scenario, base_db, tmp_path)
    for step in range(1, len(ref.steps) + 1):
        db = copy_library(base_db, tmp_path / "trial")
        files_before = library_files(db)
        library = load(db, backup_interval=scenario.backup_interval)
        try:
            with disk_faults(db.parent, mode="fail", at=step, error=errno.ENOSPC):
                scenario.op(library)
            continue
        except LibraryError as exc:
            message = str(exc)
        kind, file_name = ref.steps[step - 1]
        yield FailedChange(step, kind, file_name, db, files_before, message)


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS if s.is_change])
def test_a_failed_change_says_it_was_not_saved(name, bases, tmp_path, monkeypatch):
    failures = list(failed_changes(BY_NAME[name], bases, tmp_path, monkeypatch))
    assert failures, "no step made the change fail"
    for failed in failures:
        assert "not saved" in failed.message, f"step {failed.step} ({failed.kind} {failed.file_name}): {failed.message!r}"


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS if s.is_change])
def test_a_failed_change_leaves_the_files_as_they_were(name, bases, tmp_path, monkeypatch):
    """Byte for byte: a change reported as failed wrote nothing that stays (a new empty journal at most)."""
    for failed in failed_changes(BY_NAME[name], bases, tmp_path, monkeypatch):
        context = f"step {failed.step} ({failed.kind} {failed.file_name}) failed the change"
        files_after = library_files(failed.db)
        for file_name, content in failed.files_before.items():
            assert files_after.get(file_name) == content, f"{context}, and {file_name} was rewritten"
        for file_name in set(files_after) - set(failed.files_before):
            assert files_after[file_name] == b"", f"{context}, and left {file_name} with content"


def test_compaction_that_fails_says_which_file_and_why(bases, tmp_path, monkeypatch):
    scenario = BY_NAME["compact"]
    base_db = bases(scenario)
    ref = reference(scenario, base_db, tmp_path)
    failed = 0
    for step in range(1, len(ref.steps) + 1):
        db = copy_library(base_db, tmp_path / "trial")
        library = load(db)
        try:
            with disk_faults(db.parent, mode="fail", at=step, error=errno.ENOSPC):
                library.compact()
        except LibraryError as exc:
            failed += 1
            assert str(db.parent) in str(exc) and "No space left on device" in str(exc), str(exc)
    assert failed >= 2  # the two steps of writing library.json


def test_automatic_backup_failure_is_a_warning_and_the_change_is_saved(bases, tmp_path):
    """Copying the library into the backup fails: the tag is still saved, and a warning says the backup failed."""
    db = copy_library(bases(BY_NAME["first-backup"]), tmp_path)
    library = load(db, backup_interval=TINY_INTERVAL)
    pid = library.ids()[2]
    with disk_faults(db.parent) as counter:
        library.tag([pid], ["counted"])
    copies = [n for n, (kind, _) in enumerate(counter.steps, start=1) if kind == "sendfile"]
    assert copies, counter.steps
    db = copy_library(bases(BY_NAME["first-backup"]), tmp_path / "again")
    library = load(db, backup_interval=TINY_INTERVAL)
    with disk_faults(db.parent, mode="fail", at=copies[-1], error=errno.ENOSPC):
        library.tag([pid], ["saved"])
    assert "saved" in load(db).get(pid).tags
    assert len(library.warnings) == 1 and library.warnings[0].startswith("automatic backup failed: ")
    assert library.list_backups() == []  # no half backup is offered for restoring
    library.tag([pid], ["next"])  # the disk has room again: the next change takes its backup
    assert len(library.list_backups()) == 1


# -- a read-only library directory (API) ---------------------------------------------------------


@pytest.mark.parametrize("error", [errno.EROFS, errno.EACCES], ids=["EROFS", "EACCES"])
def test_read_only_directory_reads_work_and_every_change_fails_cleanly(bases, tmp_path, error):
    base_db = bases(BY_NAME["tag"])
    db = copy_library(base_db, tmp_path)
    files_before = library_files(db)
    with read_only(db.parent, error) as guard:
        library = load(db)  # opening a read-only library works
        ids = library.ids()
        assert len(ids) == 6 and library.abstract(ids[0])
        changes = {
            "tag": lambda: library.tag([ids[0]], ["x"]),
            "untag": lambda: library.untag([ids[0]], ["seeded"]),
            "read": lambda: library.set_read([ids[2]], True),
            "delete": lambda: library.delete([ids[3]]),
            "undo": lambda: library.undo(),
            "import": lambda: library.import_candidates(candidates_for(new_titles(1), "p"), sources=["p"]),
            "compact": lambda: library.compact(),
            "backup": lambda: library.backup(),
        }
        for what, change in changes.items():
            with pytest.raises(LibraryError) as caught:
                change()
            message = str(caught.value)
            assert "\n" not in message and os.strerror(error) in message, f"{what}: {message!r}"
            assert full_state(library) == full_state(load(db)), f"{what}: memory differs from disk"
        assert guard.refused  # the guard did refuse writes
    assert library_files(db) == files_before
    assert leftovers(db) == []
    later_change(library, db, "after the directory became writable again")


def test_read_only_directory_failed_change_says_not_saved(bases, tmp_path):
    db = copy_library(bases(BY_NAME["tag"]), tmp_path)
    with read_only(db.parent):
        library = load(db)
        with pytest.raises(LibraryError) as caught:
            library.tag([library.ids()[0]], ["x"])
    assert "not saved" in str(caught.value), str(caught.value)


# -- through the reader command ------------------------------------------------------------------


@pytest.fixture
def site(tmp_path) -> dict[str, str]:
    directory = write_sitecustomize(tmp_path / "site")
    return {"PYTHONPATH": os.pathsep.join([str(directory), str(ROOT)])}


def cli_steps(args: list[str], base_db: Path, work: Path, site: dict) -> tuple[list[tuple[str, str]], set[int]]:
    """The numbered write steps `reader ARGS` makes (on a copy), and which are directory fsyncs."""
    db = copy_library(base_db, work / "count")
    result = run_cli(*args, db=db, env=site | diskfull_env(db.parent, announce=True))
    assert result.returncode == 0, result.stderr.decode()
    steps = []
    for line in result.stderr.decode().splitlines():
        if line.startswith("fault-step "):
            _, _, kind, name = line.split(" ", 3)
            steps.append((kind, name))
    dirs = {
        n
        for n, (kind, name) in enumerate(steps, start=1)
        if kind == "fsync" and (name == db.parent.name or (db.parent / name).is_dir())
    }
    return steps, dirs


def cli_trial(args, base_db: Path, work: Path, site: dict, step: int, steps, dirs, error: int, after_ok) -> None:
    db = copy_library(base_db, work / "trial")
    before = library_state(load(db))
    files_before = library_files(db)
    kind, name = steps[step - 1]
    result = run_cli(*args, db=db, env=site | diskfull_env(db.parent, fail_at=step, error=error))
    err = result.stderr.decode("utf-8", "replace")
    context = f"reader {' '.join(args)}: step {step}/{len(steps)} ({kind} {name}) fails with {errno.errorcode[error]}"
    context += f"\nexit {result.returncode}, stderr:\n{err}"
    assert "Traceback" not in err, context
    lines = err.splitlines()
    try:
        tinydb_loads(db)
        now = library_state(load(db))
    except (LibraryError, ValueError) as exc:
        raise AssertionError(f"{context}\nthe library does not load afterwards: {exc}") from None
    if result.returncode == 0:
        assert all(line.startswith("reader: warning: ") for line in lines), context
        if step not in dirs:
            assert lines, f"{context}\na step failed and the command said nothing"
        after_ok(now, before, context)
    else:
        assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("reader: error: "), context
        assert os.strerror(error) in lines[0], context
        assert now == before, f"{context}\na command that failed changed the library:\n" + compare(now, before, "on disk", "before")
        files_after = library_files(db)
        for file_name, content in files_before.items():
            assert files_after.get(file_name) == content, f"{context}\n{file_name} was rewritten by a failed command"
    assert leftovers(db) == [], f"{context}\nleft behind: {leftovers(db)}"
    later_change(load(db), db, context)  # in-process: quicker than another command, same files


def cli_cases(base_db: Path, work: Path) -> list[tuple[list[str], Callable]]:
    library = load(base_db)
    pid = library.ids()[2]
    page = work / "page-9.txt"
    titles = new_titles(2)
    page.write_text(
        "Daily Papers\n\n" + "".join(f"{t}\n\n{abstract_for(t)}\n\n" for t in titles), encoding="utf-8"
    )

    def tagged(now, before, context):
        assert "fault" in now[pid][1] and len(now) == len(before), f"{context}\nthe tag is not on disk"

    def imported(now, before, context):
        assert {v[0] for v in now.values()} == {v[0] for v in before.values()} | set(titles), context

    def compacted(now, before, context):
        assert now == before, context

    return [
        (["tag", pid, "fault"], tagged),  # the first change of this library also takes a backup
        (["import", str(page)], imported),
        (["compact"], compacted),
    ]


def distinct_steps(steps: list[tuple[str, str]], *, journal_only: bool) -> list[int]:
    """One step of each kind and file (backup folders and temporaries named alike), for the quick run."""
    seen, chosen = set(), []
    for number, (kind, name) in enumerate(steps, start=1):
        key = (kind, re.sub(r"\d+", "#", name))
        if key in seen or (journal_only and not name.endswith(".wal")):
            continue
        seen.add(key)
        chosen.append(number)
    return chosen


def run_cli_cases(work: Path, site: dict, *, all_errors: bool) -> int:
    base_db = work / "base" / "lib" / "library.json"
    prepare(base_db)
    trials = 0
    for args, after_ok in cli_cases(base_db, work):
        steps, dirs = cli_steps(args, base_db, work, site)
        assert steps, args
        chosen = range(1, len(steps) + 1)
        if not all_errors:
            chosen = distinct_steps(steps, journal_only=args[0] == "import")
        for step in chosen:
            errors = ERRORS if all_errors else [ERRORS[step % len(ERRORS)]]
            if steps[step - 1][0] == "sendfile":
                errors = [errno.ENOSPC]  # shutil falls back to read/write when sendfile fails otherwise
            for error in errors:
                cli_trial(args, base_db, work, site, step, steps, dirs, error, after_ok)
                trials += 1
    return trials


def test_cli_each_failing_write_step_gives_one_line_and_a_consistent_library(tmp_path, site):
    assert run_cli_cases(tmp_path, site, all_errors=False) >= 10


@pytest.mark.slow
def test_cli_each_failing_write_step_with_each_error(tmp_path, site):
    assert run_cli_cases(tmp_path, site, all_errors=True) >= 30


def test_cli_read_only_directory(tmp_path, site):
    db = tmp_path / "lib" / "library.json"
    prepare(db)
    pid = load(db).ids()[0]
    files_before = library_files(db)
    env = site | diskfull_env(db.parent, readonly=True)
    listed = run_cli("list", db=db, env=env)
    assert listed.returncode == 0 and len(listed.stdout.decode().splitlines()) == 6, listed.stderr.decode()
    shown = run_cli("show", pid, db=db, env=env)
    assert shown.returncode == 0 and shown.stdout.decode().startswith(load(db).get(pid).title)
    page = tmp_path / "page.txt"
    page.write_text("".join(f"{t}\n\n{abstract_for(t)}\n\n" for t in new_titles(2)), encoding="utf-8")
    changes = (["tag", pid, "x"], ["read", pid], ["undo"], ["delete", pid], ["import", str(page)])
    for args in (*changes, ["compact"], ["backup", "now"]):
        result = run_cli(*args, db=db, env=env)
        err = result.stderr.decode()
        assert result.returncode == 1, (args, err)
        assert len(err.splitlines()) == 1 and err.startswith("reader: error: ") and "Traceback" not in err, (args, err)
        assert "Read-only file system" in err, (args, err)
        if args in changes:
            assert "not saved" in err, (args, err)
        assert result.stdout == b"", (args, result.stdout)
    assert library_files(db) == files_before
    assert run_cli("tag", pid, "writable-again", db=db).returncode == 0
    assert "writable-again" in load(db).get(pid).tags


def test_cli_journal_path_that_is_a_directory(tmp_path):
    """A real obstacle, no hooks: the journal cannot be opened at all."""
    db = tmp_path / "lib" / "library.json"
    prepare(db, journal=False)
    library = load(db)
    pid = library.ids()[0]
    library.wal_path.unlink()
    library.wal_path.mkdir()
    files_before = library_files(db)
    for args in (["tag", pid, "x"], ["list"]):
        result = run_cli(*args, db=db)
        err = result.stderr.decode()
        assert result.returncode == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, (args, err)
        assert library.wal_path.name in err and "Is a directory" in err, err
    assert library_files(db) == files_before and library.wal_path.is_dir()
    library.wal_path.rmdir()
    assert run_cli("tag", pid, "x", db=db).returncode == 0
    assert "x" in load(db).get(pid).tags


def test_cli_backups_path_that_is_a_file_warns_and_saves(tmp_path):
    """Another real obstacle: the automatic backup cannot make its folder; the change is still saved."""
    db = tmp_path / "lib" / "library.json"
    prepare(db)
    library = load(db)
    pid = library.ids()[0]
    library.backups_dir.write_text("not a folder\n")
    result = run_cli("tag", pid, "kept", db=db)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert len(err.splitlines()) == 1 and err.startswith("reader: warning: automatic backup failed: "), err
    assert "kept" in load(db).get(pid).tags
    assert library.backups_dir.read_text() == "not a folder\n"
