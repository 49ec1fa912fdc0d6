"""Values a backup's types allow but reader cannot use are refused in one line (tester item 21).

An id holding a line break (it would split ``reader list``'s one line per
paper), a link URL holding an escape sequence, 10**400 upvotes, a published
date of month 13: each is refused when the backup is read, naming the file,
the paper and the field; nothing is imported. A valid backup still imports.
"""

from __future__ import annotations

import json

import pytest

from reader.errors import ImportProblem
from reader.importers.backup import parse_backup
from reader.importers.markdown_list import parse_reading_list_text
from reader.links import is_openable
from reader.papers import Paper, value_problem

from tests.conftest import run_cli

GOOD = {
    "id": "0305654cdc1d2d0d",
    "title": "A Good Paper",
    "links": [{"url": "https://github.com/o/r", "kind": "code"}],
    "added": "2026-01-01T00:00:00Z",
    "published": "2024-03-11",
    "upvotes": 42,
}


def backup(**changes) -> str:
    paper = {**GOOD, **changes}
    return json.dumps({"format": "reader-backup", "version": 1, "papers": [paper]})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": "a b\nc"}, r"paper 1 \(a b\\nc\): its id holds a space, a line break"),
        ({"id": "abc\x1b[31m"}, "its id holds a space, a line break or another control character"),
        ({"id": "x" * 500}, "its id is longer than 200 characters"),
        ({"links": [{"url": "https://github.com/a/b\x1b[31m", "kind": "code"}]}, "a link's URL holds a control"),
        ({"upvotes": 10**400}, "'upvotes' must be from 0 to 1,000,000,000, not a number of 401 digits"),
        ({"upvotes": -5}, "'upvotes' must be from 0 to 1,000,000,000, not -5"),
        ({"published": "2024-13-45"}, r"'published' is not a date \('2024-13-45'\)"),
        ({"added": "not a date"}, "'added' is not a date"),
        ({"read": True, "read_at": "yesterday"}, "'read_at' is not a date"),
    ],
)
def test_a_backup_with_an_impossible_value_is_refused(changes, reason):
    with pytest.raises(ImportProblem, match=reason) as caught:
        parse_backup(backup(**changes), "b.json")
    message = str(caught.value)
    assert message.startswith("b.json: paper 1") and message.endswith("nothing was imported")
    assert "\n" not in message and len(message) < 200


def test_a_good_backup_still_imports_with_its_values():
    [paper] = parse_backup(backup(published="2024-03-11T18:59:57Z"), "b.json").papers
    assert (paper.id, paper.upvotes, paper.published) == ("0305654cdc1d2d0d", 42, "2024-03-11T18:59:57Z")
    assert value_problem(Paper("2401.00001", "arXiv id", upvotes=0, added="2026-01-01")) is None


def test_importing_such_a_backup_is_one_line_and_changes_nothing(tmp_path):
    db = tmp_path / "lib" / "library.json"
    good = tmp_path / "good.json"
    good.write_text(backup(id="1111111111111111", title="Already There"), encoding="utf-8")
    assert run_cli("import", str(good), db=db).returncode == 0
    before = db.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text(backup(id="a\nb"), encoding="utf-8")
    done = run_cli("import", str(bad), db=db)
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "bad.json" in err and "line break" in err, err
    assert db.read_bytes() == before


def test_a_link_with_an_escape_sequence_is_not_openable_and_a_list_drops_it():
    assert not is_openable("https://github.com/x/y\x1b]52;c;SGk=\x07")
    assert not is_openable("https://example.org/a\nb")
    assert is_openable("https://github.com/x/y")
    text = "# Reading list\n\n- [ ] **A paper about evil links** · [code](https://github.com/x/y\x1b]52;c;SGk=\x07)\n"
    [item] = parse_reading_list_text(text, "evil.md").items
    assert item.title == "A paper about evil links" and item.links == ()


def test_a_backup_holding_one_title_under_two_ids_restores_one_paper(tmp_path):
    """Tester item 18: the second id came back as a second paper with the same title."""
    from reader.importers.backup import restore_backup
    from reader.store import Library

    twin = {**GOOD, "id": "2222222222222222", "tags": ["second"], "upvotes": 7, "links": []}
    other = {**GOOD, "id": "3333333333333333", "title": "Another Paper"}
    text = json.dumps({"format": "reader-backup", "version": 1, "papers": [{**GOOD, "tags": ["first"]}, twin, other]})
    library = Library.open(tmp_path / "library.json")
    report = restore_backup(library, parse_backup(text, "b.json"))
    titles = sorted(paper.title for paper in library.papers())
    assert titles == ["A Good Paper", "Another Paper"]
    kept = library.get(GOOD["id"])
    assert kept is not None and kept.tags == ("first", "second") and kept.upvotes == 42
    assert (len(report.added), report.repeated, len(report.merged)) == (2, 1, 0)
    again = restore_backup(library, parse_backup(text, "b.json"))  # restoring it again changes nothing
    assert not again.changed and len(library.papers()) == 2
