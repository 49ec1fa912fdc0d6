"""CLI behaviour a user notices: ids, tags, limits, wording, wrapping, unwritable output."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reader.cli import main
from reader.importers import Candidate
from reader.store import Library
from reader.online.http import make_client
from reader.papers import Link, title_id

from tests.conftest import ROOT, run_cli

LONG_TITLE = "A Remarkably Long Title About Sparse Mixtures of Experts That Goes On Well Past Forty Columns"


def _colliding_titles() -> tuple[str, str]:
    """Two titles whose ids start with the same 4 characters (found, not hard-coded)."""
    seen: dict[str, str] = {}
    for n in range(100_000):
        title = f"Collision Study Number {n}"
        prefix = title_id(title)[:4]
        if prefix in seen:
            return seen[prefix], title
        seen[prefix] = title
    raise AssertionError("no collision found")


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "lib" / "library.json"
    first, second = _colliding_titles()
    Library.open(path).import_candidates(
        [
            Candidate(title=LONG_TITLE, abstract="word " * 60, source="t", links=(Link("https://a.test/long", "project"),)),
            Candidate(title="Short One", abstract="An abstract.", source="t", links=(Link("https://a.test/short", "code"),)),
            Candidate(title=first, abstract="x", source="t"),
            Candidate(title=second, abstract="y", source="t"),
        ],
        sources=["t"],
    )
    return path


def _id(db: Path, title: str) -> str:
    return Library.open(db).find_existing(title).id


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(*args, db=db)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


# -- ids ---------------------------------------------------------------------------------------


def test_a_too_short_id_asks_for_four_characters(db, capsys):
    assert main(["show", "b83", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "'b83' is too short: use at least 4 characters" in err


def test_an_ambiguous_id_lists_the_candidates_with_their_titles(db, capsys):
    first, second = _colliding_titles()
    prefix = title_id(first)[:4]
    assert main(["show", prefix, "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert f"id '{prefix}' matches 2 papers" in err
    assert first in err and second in err and title_id(first)[:7] in err


# -- tag and untag ---------------------------------------------------------------------------------


def test_tag_takes_several_ids_and_several_tags_after_t_or_after_double_dash(db, capsys):
    long_id, short_id = _id(db, LONG_TITLE), _id(db, "Short One")
    assert main(["tag", long_id[:6], short_id[:6], "-t", "moe", "to-read", "--db", str(db)]) == 0
    assert main(["tag", long_id[:6], short_id[:6], "--db", str(db), "--", "later"]) == 0
    library = Library.open(db)
    assert library.get(long_id).tags == ("moe", "to-read", "later")
    assert library.get(short_id).tags == ("moe", "to-read", "later")
    assert main(["untag", long_id[:6], short_id[:6], "-t", "moe", "later", "--db", str(db)]) == 0
    library = Library.open(db)
    assert library.get(long_id).tags == ("to-read",) and library.get(short_id).tags == ("to-read",)
    assert library.history(limit=1)[0].label == "untag 2 paper(s) -later -moe"


def test_the_one_paper_form_still_works_but_refuses_a_second_paper_id_taken_for_a_tag(db, capsys):
    long_id, short_id = _id(db, LONG_TITLE), _id(db, "Short One")
    assert main(["tag", long_id[:6], "x", "y", "--db", str(db)]) == 0
    assert Library.open(db).get(long_id).tags == ("x", "y")
    capsys.readouterr()
    assert main(["tag", long_id[:6], short_id[:7], "z", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"'{short_id[:7]}' is a paper id" in err and "-t" in err
    assert Library.open(db).get(long_id).tags == ("x", "y")  # nothing changed


# -- limits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_limit_below_one_is_a_usage_error(db, limit, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["list", "--limit", limit, "--db", str(db)])
    assert exit_info.value.code == 2
    assert "--limit: must be at least 1" in capsys.readouterr().err


# -- wording ---------------------------------------------------------------------------------------


def test_history_and_undo_count_papers_in_words_and_name_a_single_paper(db, capsys):
    long_id = _id(db, LONG_TITLE)
    main(["read", long_id[:6], "--db", str(db)])
    capsys.readouterr()
    main(["history", "--limit", "1", "--db", str(db)])
    out = capsys.readouterr().out
    assert 'mark "A Remarkably Long Title About Sparse Mi…" read [1 paper]' in out and "(s)" not in out
    main(["tag", long_id[:6], _id(db, "Short One")[:6], "-t", "x", "--db", str(db)])
    main(["undo", "--db", str(db)])
    out = capsys.readouterr().out
    assert "undo: tag 2 papers +x (2 papers)" in out and "(s)" not in out
    main(["history", "--limit", "3", "--json", "--db", str(db)])
    entries = json.loads(capsys.readouterr().out)
    assert entries[-1]["ids"] == [long_id] and entries[-1]["label"] == "mark 1 paper(s) read"  # as stored


def test_restoring_a_backup_of_one_paper_says_1_paper(db, tmp_path, capsys):
    backup = tmp_path / "one.json"
    main(["export", "Short", "--format", "json", "-o", str(backup), "--db", str(db)])
    capsys.readouterr()
    assert main(["import", str(backup), "--db", str(tmp_path / "other" / "library.json")]) == 0
    out = capsys.readouterr().out
    assert "Restored backup one: 1 paper: 1 added" in out and "1 papers" not in out


# -- commands that take a query take ids too ------------------------------------------------------------


def test_check_links_and_export_accept_paper_ids(db, monkeypatch, capsys):
    short_id = _id(db, "Short One")
    checked = []

    def handler(request):
        checked.append(str(request.url))
        return httpx.Response(200)

    monkeypatch.setattr("reader.cli.context.make_client", lambda **kw: make_client(transport=httpx.MockTransport(handler)))
    assert main(["check-links", short_id[:5], "--db", str(db)]) == 0
    assert checked == ["https://a.test/short"]
    assert "Checked 1 link of 1 paper: 1 ok, 0 dead." in capsys.readouterr().out
    assert main(["export", short_id[:5], "--db", str(db)]) == 0
    exported = capsys.readouterr()
    assert "Short One" in exported.out and LONG_TITLE not in exported.out
    assert "Wrote" not in exported.err


# -- wrapping --------------------------------------------------------------------------------------------


def _in_a_terminal(db: Path, *args: str, columns: int) -> str:
    """The output of `reader ARGS` run with its stdout on a pseudo-terminal COLUMNS wide."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "24"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reader", *args, "--db", str(db)],
        stdout=follower, stderr=subprocess.DEVNULL, env=env, cwd=str(ROOT),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_show_and_list_wrap_to_the_terminal_but_never_when_piped(db):
    long_id = _id(db, LONG_TITLE)
    for args in (("show", long_id[:6]), ("list", "Remarkably")):
        shown = _in_a_terminal(db, *args, columns=40)
        lines = [line for line in shown.splitlines() if line]
        assert lines and max(len(line) for line in lines) <= 40, shown
        assert "Sparse" in shown and "Mixtures" in shown  # words kept whole
        code, piped, _ = run(db, *args)
        assert code == 0 and any(LONG_TITLE in line for line in piped.splitlines())


# -- output that cannot be written -------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("list",), ("show", "--json"), ("export",)])
def test_a_full_stdout_is_one_line_and_exit_1_not_a_traceback(db, args):
    if args[0] == "show":
        args = ("show", _id(db, "Short One")[:6], "--json")
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "reader", *args, "--db", str(db)],
            stdout=full, stderr=subprocess.PIPE, cwd=str(ROOT), timeout=60,
        )
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    assert err.strip().splitlines() == ["reader: error: cannot write the output: No space left on device"]


@pytest.mark.parametrize("args", [("export", "--abstracts", "quote"), ("list",), ("export", "--format", "json")])
def test_a_closed_pipe_ends_quietly(tmp_path, args):
    """`reader ... | head -1`: far more output than a pipe holds, the reader gone after one line."""
    db = tmp_path / "big" / "library.json"
    Library.open(db).import_candidates(
        [Candidate(title=f"Paper number {n} on closed pipes", abstract="long text " * 40, source="t")
         for n in range(1500)],
        sources=["t"],
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "reader", *args, "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT),
    )
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_a_config_file_that_is_not_utf8_is_one_line(db, monkeypatch, tmp_path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "config.toml").write_bytes(b'[online]\nhf_api_url = "\xff\xfe"\n')
    result = run_cli("fetch", "--date", "2024-03-13", db=db, env={"READER_CONFIG_DIR": str(config_dir)})
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "config.toml: not valid TOML" in err and "utf-8" in err


def test_a_copied_markdown_link_uses_angle_brackets_only_when_needed():
    from reader.copying import markdown_destination

    assert markdown_destination("https://arxiv.org/abs/2401.00001") == "https://arxiv.org/abs/2401.00001"
    assert markdown_destination("https://en.wikipedia.org/wiki/A_(b)") == "<https://en.wikipedia.org/wiki/A_(b)>"
    assert markdown_destination("javascript:alert(1)") is None


def test_the_copy_formats_the_parser_offers_are_the_ones_copying_renders():
    from reader.cli.commands.exchange import COPY_FORMATS as offered
    from reader.copying import COPY_FORMATS

    assert offered == COPY_FORMATS


def test_show_json_is_valid_json(db, capsys):
    assert main(["show", _id(db, "Short One")[:6], "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Short One"


def test_words_that_look_like_ids_but_name_no_paper_are_searched_for_and_the_note_says_so(db, capsys):
    assert main(["export", "2024", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "no paper with id '2024'" in captured.err and "searching for '2024' instead" in captured.err
    assert "# Reading list: 2024" in captured.out
