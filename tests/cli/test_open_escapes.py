"""`reader open` never prints a link's escape sequences to the terminal (tester item 11).

A link holding ``ESC ] 52 ; c ; ... BEL`` (an OSC 52 clipboard write) came in
through a Markdown list and `reader open ID --print`, and the no-browser
fallback, printed it raw. Such a link is not imported any more, and one
already in a library is refused with the URL shown escaped.
"""

from __future__ import annotations

from reader.papers import Link, Paper
from reader.store import Library

from tests.conftest import run_cli

EVIL = "https://github.com/x/y\x1b]52;c;SGk=\x07"


def test_open_refuses_a_link_with_an_escape_sequence_and_shows_it_escaped(tmp_path):
    db = tmp_path / "library.json"
    Library.open(db).put([Paper("e0e0e0e0e0e0e0e0", "Evil links", links=(Link(EVIL, "code"),))], label="test")
    for extra in (["--print"], [], ["--copy"]):
        done = run_cli("open", "e0e0", *extra, db=db, env={"BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""})
        out, err = done.stdout.decode(), done.stderr.decode()
        assert done.returncode == 1 and "\x1b" not in out + err and "\x07" not in out + err
        assert "control characters" in err and len(err.strip().splitlines()) == 1, err


def test_a_markdown_list_link_with_an_escape_sequence_is_not_imported(tmp_path):
    listed = tmp_path / "evil.md"
    listed.write_text(f"# Reading list\n\n- [ ] **A paper about evil links** · [code]({EVIL})\n", encoding="utf-8")
    db = tmp_path / "library.json"
    done = run_cli("import", str(listed), db=db)
    assert "\x1b" not in done.stdout.decode() + done.stderr.decode()
    assert all(EVIL not in [link.url for link in paper.links] for paper in Library.open(db).papers())
