"""Notes: saved exactly, undoable, and never lost when two processes edit the same note."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reader.errors import ReaderError
from reader.exporters.json_backup import iter_backup
from reader.exporters.markdown import render_reading_list
from reader.importers.markdown_list import parse_reading_list
from reader.store import Library
from reader.notes import CONFLICT_LINE, EditorError, edit_in_editor, editor_command, merge_notes, save_note

from tests.conftest import ROOT, run_cli


def _paper(library):
    return library.papers()[0]


HOSTILE = (
    "# Heading [bold]not markup[/bold] \x1b[31mred\x1b[0m\r\n"
    "\\escaped \\n `code` <script>alert(1)</script> \u202eevil\u202c \x00nul \ud800 emoji 🧪\n"
    "</details>\n- [ ] **looks like an item**\n"
)


def test_any_text_is_stored_exactly_and_survives_reopening(sample_library, db_path):
    paper = _paper(sample_library)
    big = (HOSTILE * (1024 * 1024 // len(HOSTILE) + 1))[: 1024 * 1024]
    for text in (HOSTILE, big):
        saved = save_note(sample_library, paper.id, text)
        assert saved.changed and not saved.conflict
        assert sample_library.get(paper.id).notes == text
        assert Library.open(db_path).get(paper.id).notes == text  # from the journal
    sample_library.compact()
    assert Library.open(db_path).get(paper.id).notes == big  # from the TinyDB files


def test_notes_are_undoable_and_clearing_is_a_change(sample_library):
    paper = _paper(sample_library)
    save_note(sample_library, paper.id, "first")
    save_note(sample_library, paper.id, "second")
    cleared = save_note(sample_library, paper.id, "")
    assert cleared.changed and sample_library.get(paper.id).notes == ""
    assert "clear notes" in sample_library.history(1)[0].label
    sample_library.undo()
    assert sample_library.get(paper.id).notes == "second"
    sample_library.undo()
    assert sample_library.get(paper.id).notes == "first"
    again = save_note(sample_library, paper.id, "first")
    assert not again.changed and again.seq == 0


def test_a_note_changed_by_another_library_is_kept_with_ours(sample_library, db_path):
    paper = _paper(sample_library)
    save_note(sample_library, paper.id, "base text")
    other = Library.open(db_path)  # another process's view
    base = sample_library.get(paper.id).notes
    save_note(other, paper.id, "their edit")
    saved = save_note(sample_library, paper.id, "our edit", base=base)
    assert saved.conflict
    final = Library.open(db_path).get(paper.id).notes
    assert final == f"their edit\n\n{CONFLICT_LINE}\n\nour edit"
    assert final.index("their edit") < final.index("our edit")


def test_no_conflict_when_we_changed_nothing_or_the_same(sample_library, db_path):
    paper = _paper(sample_library)
    save_note(sample_library, paper.id, "base")
    other = Library.open(db_path)
    save_note(other, paper.id, "theirs")
    unchanged = save_note(sample_library, paper.id, "base", base="base")  # we edited nothing: theirs stands
    assert not unchanged.conflict and sample_library.get(paper.id).notes == "theirs"
    same = save_note(sample_library, paper.id, "theirs", base="base")
    assert not same.conflict and not same.changed


def test_merge_keeps_both_and_skips_empty_sides():
    assert merge_notes("", "ours") == "ours"
    assert merge_notes("theirs", "") == "theirs"
    assert merge_notes("a\n", "b") == f"a\n\n{CONFLICT_LINE}\n\nb"


def test_a_paper_deleted_by_another_process_is_reported_not_recreated(sample_library, db_path):
    paper = _paper(sample_library)
    Library.open(db_path).delete([paper.id])  # our library object has not seen this yet
    with pytest.raises(ReaderError, match="deleted meanwhile; the note was not saved"):
        save_note(sample_library, paper.id, "x")
    assert Library.open(db_path).get(paper.id) is None


def test_markdown_export_puts_the_note_under_its_item_and_import_skips_it(sample_library):
    paper = _paper(sample_library)
    save_note(sample_library, paper.id, HOSTILE)
    text = render_reading_list([sample_library.get(paper.id)])
    lines = text.splitlines()
    item = next(i for i, line in enumerate(lines) if line.startswith("- [ ]"))
    assert lines[item + 1] == "  <details open><summary>Notes</summary>"
    assert "  &lt;/details>" in lines  # cannot close the block early
    assert "\x1b" not in text and "\u202e" not in text
    parsed = parse_reading_list(text, "list")
    assert len(parsed.items) == 1 and parsed.items[0].abstract == "" and not parsed.unrecognised


def test_json_export_carries_the_note(sample_library):
    paper = _paper(sample_library)
    save_note(sample_library, paper.id, HOSTILE)
    import json

    backup = json.loads("".join(iter_backup([sample_library.get(paper.id)], {})))
    assert backup["papers"][0]["notes"] == HOSTILE


def test_editor_command_prefers_visual_then_editor_then_vi():
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "nano"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "nano -R"}) == ["nano", "-R"]
    assert editor_command({}) == ["vi"]
    with pytest.raises(EditorError):
        editor_command({"EDITOR": "'unclosed"})


def _editor_script(tmp_path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text("import sys\npath = sys.argv[1]\n" + body)
    return f"{sys.executable} {script}"


def test_edit_in_editor_returns_the_edited_bytes_exactly(tmp_path):
    editor = _editor_script(
        tmp_path, "data = open(path, 'rb').read()\nopen(path, 'wb').write(data + 'é\\r\\n'.encode())\n"
    )
    assert edit_in_editor("a\r\nb", environ={"EDITOR": editor}) == "a\r\nbé\r\n"


def test_editor_that_fails_or_is_missing_says_so(tmp_path):
    with pytest.raises(EditorError, match="could not start the editor"):
        edit_in_editor("x", environ={"EDITOR": str(tmp_path / "no-such-editor")})
    failing = _editor_script(tmp_path, "sys.exit(3)\n")
    with pytest.raises(EditorError, match="status 3"):
        edit_in_editor("x", environ={"EDITOR": failing})
    not_utf8 = _editor_script(tmp_path, "open(path, 'wb').write(b'\\xff\\xfe')\n")
    with pytest.raises(EditorError, match="not UTF-8"):
        edit_in_editor("x", environ={"EDITOR": not_utf8})


# -- the CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path):
    from tests.conftest import SAMPLE_FILES

    db = tmp_path / "lib.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    return db


def _first_id(db) -> str:
    return Library.open(db).papers()[0].id


def test_cli_note_set_print_stdin_clear(cli_db):
    pid = _first_id(cli_db)
    result = run_cli("note", pid, "*my* note [b]x[/b]", db=cli_db)
    assert result.returncode == 0 and b"Saved the note" in result.stderr
    printed = run_cli("note", pid, db=cli_db)
    assert printed.stdout.decode() == "*my* note [b]x[/b]"  # exactly, when not a terminal
    raw = HOSTILE.replace("\ud800", "").encode()
    assert run_cli("note", pid, "-", input=raw, db=cli_db).returncode == 0
    assert run_cli("note", pid, db=cli_db).stdout == raw
    assert run_cli("note", pid, "--clear", db=cli_db).returncode == 0
    empty = run_cli("note", pid, db=cli_db)
    assert empty.stdout == b"" and b"has no note" in empty.stderr
    assert run_cli("undo", db=cli_db).returncode == 0
    assert run_cli("note", pid, db=cli_db).stdout == raw


def test_cli_note_bad_input_is_one_line(cli_db):
    pid = _first_id(cli_db)
    for args, expected in (
        (("note", pid, "x", "--clear"), b"give only one of"),
        (("note", "zzzzzz", "x"), b"reader: error:"),
        (("note", pid, "--edit"), b"could not start the editor"),
    ):
        result = run_cli(*args, db=cli_db, env={"EDITOR": "/no/such/editor", "VISUAL": ""})
        assert result.returncode == 1 and result.stderr.count(b"\n") == 1, (args, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
    bad = run_cli("note", pid, "-", input=b"\xff\xfe", db=cli_db)
    assert bad.returncode == 1 and b"not UTF-8" in bad.stderr
    assert Library.open(cli_db).get(pid).notes == ""


def test_cli_note_edit_uses_the_editor(cli_db, tmp_path):
    pid = _first_id(cli_db)
    run_cli("note", pid, "before", db=cli_db)
    editor = _editor_script(tmp_path, "open(path, 'a').write(' and after')\n")
    result = run_cli("note", pid, "--edit", db=cli_db, env={"VISUAL": editor})
    assert result.returncode == 0, result.stderr
    assert Library.open(cli_db).get(pid).notes == "before and after"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_two_processes_editing_one_note_lose_neither_text(cli_db, tmp_path):
    """Process A edits in its editor; meanwhile process B sets the note; A saves: both texts are kept."""
    pid = _first_id(cli_db)
    run_cli("note", pid, "the original", db=cli_db)
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    # The editor waits (blocked on the FIFO, no clock) until the test says go, then writes A's text.
    editor = _editor_script(tmp_path, f"open({str(fifo)!r}).read()\nopen(path, 'w').write('edit from A')\n")
    env = dict(os.environ, VISUAL=editor)
    a = subprocess.Popen(
        [sys.executable, "-m", "reader", "note", pid, "--edit", "--db", str(cli_db)],
        env=env, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        with open(fifo, "w") as go:  # opens once A's editor is running (A has read the note)
            b = run_cli("note", pid, "edit from B", db=cli_db)
            assert b.returncode == 0, b.stderr
            go.write("go")
        _, stderr = a.communicate(timeout=120)
    finally:
        if a.poll() is None:
            a.kill()
    assert a.returncode == 0, stderr
    assert b"changed elsewhere" in stderr
    note = Library.open(cli_db).get(pid).notes
    assert "edit from B" in note and "edit from A" in note and "the original" not in note
