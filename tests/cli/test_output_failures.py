"""When only the output fails, say so, and say whether the change was saved (tester items 10, 20).

`reader list >&-` (stdout closed) gave a traceback; `reader tag ID x > /dev/full`
saved the tag and then said only "error: cannot write the output", so the user
believed the tag was lost. `reader import - -` read an empty second stdin.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE_FILES, run_cli


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "lib" / "library.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=path).returncode == 0
    return path


def _first_id(db) -> str:
    return run_cli("list", "--limit", "1", db=db).stdout.decode().split()[0]


def _with_stdout_closed(*args: str, db) -> subprocess.CompletedProcess:
    command = ["sh", "-c", 'exec "$0" "$@" >&-', sys.executable, "-m", "reader", *args, "--db", str(db)]
    return subprocess.run(command, stderr=subprocess.PIPE, cwd=str(ROOT), timeout=120, env=dict(os.environ))


def test_a_closed_stdout_is_one_line_not_a_traceback(db):
    done = _with_stdout_closed("list", db=db)
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err
    assert err.strip().splitlines() == ["reader: error: cannot write the output: standard output is closed"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_change_whose_output_fails_says_it_was_saved(db):
    pid = _first_id(db)
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "reader", "tag", pid, "kept", "--db", str(db)],
                              stdout=full, stderr=subprocess.PIPE, cwd=str(ROOT), timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 1 and len(err.strip().splitlines()) == 1, err
    assert "the change was saved; only writing the output failed" in err
    assert pid in run_cli("list", "tag:kept", db=db).stdout.decode()
    with open("/dev/full", "wb") as full:  # nothing changed: no claim that something was saved
        done = subprocess.run([sys.executable, "-m", "reader", "show", pid, "--db", str(db)],
                              stdout=full, stderr=subprocess.PIPE, cwd=str(ROOT), timeout=120)
    assert done.returncode == 1 and "saved" not in done.stderr.decode()


def test_standard_input_given_twice_is_a_usage_error(db):
    before = db.read_bytes()
    done = run_cli("import", "-", "-", db=db, input=SAMPLE_FILES[0].read_bytes())
    err = done.stderr.decode()
    assert done.returncode == 2 and "give - (standard input) only once" in err, err
    assert db.read_bytes() == before
