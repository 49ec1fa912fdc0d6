"""JSON backups: everything comes back, nothing is lost or duplicated, bad files change nothing."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from reader.errors import ImportProblem
from reader.exporters.json_backup import BACKUP_FORMAT, BACKUP_VERSION, backup_library, render_backup
from reader.importers.backup import merge_papers, parse_backup, restore_backup
from reader.store import Library
from reader.papers import CODE, PROJECT, Link, Paper

from tests.conftest import SAMPLE_FILES, FixedClock, run_cli


def snapshot(library) -> tuple[list[dict], dict[str, str]]:
    """Everything a person keeps in a library, in the library's order."""
    return [p.to_doc() for p in library.papers()], {p.id: library.abstract(p.id) for p in library.papers()}


def personalise(library) -> None:
    """Tags, read state, notes and odd text: what a backup must not lose."""
    papers = library.papers()
    library.tag([p.id for p in papers[::3]], ["to-read"])
    library.tag([papers[1].id], ["Vision", "c++"])
    library.set_read([p.id for p in papers[::4]])
    library.set_notes(papers[2].id, "Read §3 twice.\nCompare with \"Pointer Networks\" \u202e")
    library.modify(
        [papers[5].id],
        lambda p: replace(p, arxiv_id="2401.01234", authors=("Ada Lovelace",), upvotes=12, extra={"k": [1]}),
        label="enrich",
    )


def parse(text: str):
    return parse_backup(text.encode("utf-8"), "backup.json", "backup")


def test_export_wipe_import_gives_an_identical_library(sample_library, tmp_path):
    personalise(sample_library)
    original = snapshot(sample_library)
    text = "".join(backup_library(sample_library))
    # Wipe: delete every paper, then restore into the same (now empty) library.
    sample_library.delete(sample_library.ids())
    assert len(sample_library) == 0
    report = restore_backup(sample_library, parse(text))
    assert len(report.added) == 442 and report.merged == [] and report.unchanged == 0
    assert snapshot(sample_library) == original
    # And into a brand-new library file, reopened from disk.
    fresh = Library.open(tmp_path / "fresh" / "library.json", clock=FixedClock())
    restore_backup(fresh, parse(text))
    assert snapshot(Library.open(fresh.path)) == original


def test_restoring_twice_changes_nothing(sample_library):
    personalise(sample_library)
    text = "".join(backup_library(sample_library))
    seq = sample_library.seq
    report = restore_backup(sample_library, parse(text))
    assert not report.changed and report.unchanged == 442 and sample_library.seq == seq


def test_restore_into_a_changed_library_loses_nothing_and_duplicates_nothing(sample_library):
    personalise(sample_library)
    papers = sample_library.papers()
    backup = parse("".join(backup_library(sample_library)))
    # After the backup: a new tag, a paper marked unread, notes edited, a paper deleted,
    # and one paper re-created under another id (as an arXiv paper with the same title).
    sample_library.tag([papers[0].id], ["since-backup"])
    sample_library.set_read([papers[4].id], read=False)
    sample_library.set_notes(papers[2].id, "New notes.")
    sample_library.delete([papers[7].id, papers[8].id])
    sample_library.put([replace(papers[8], id="2402.00002", arxiv_id="2402.00002", tags=())], label="re-add")
    report = restore_backup(sample_library, backup)
    assert len(sample_library) == 442  # the re-created paper was merged, not duplicated
    assert report.added == [papers[7].id]
    assert sample_library.get(papers[7].id) == papers[7]
    assert sample_library.abstract(papers[7].id) == backup.abstracts[papers[7].id]
    assert sample_library.get(papers[0].id).tags == ("to-read", "since-backup")
    assert sample_library.get(papers[4].id).read  # read in the backup
    notes = sample_library.get(papers[2].id).notes
    assert notes.startswith("New notes.") and papers[2].notes in notes
    merged = sample_library.get("2402.00002")
    assert merged.tags == papers[8].tags and "2402.00002" in report.merged
    assert not restore_backup(sample_library, backup).changed


def test_merge_keeps_both_sides():
    mine = Paper(
        id="a", title="T", links=(Link("https://github.com/o/r", CODE),), tags=("x",), read=False,
        added="2026-02-01T00:00:00Z", sources=("p1",), notes="mine",
    )
    saved = Paper(
        id="a", title="T", links=(Link("https://o.github.io/r", PROJECT),), tags=("y", "x"), read=True,
        read_at="2026-01-05T00:00:00Z", added="2026-01-01T00:00:00Z", sources=("p2",), notes="saved",
        authors=("A B",), upvotes=3,
    )
    merged = merge_papers(mine, saved)
    assert merged.links == mine.links + saved.links and merged.tags == ("x", "y")
    assert merged.read and merged.read_at == "2026-01-05T00:00:00Z" and merged.added == "2026-01-01T00:00:00Z"
    assert merged.sources == ("p1", "p2") and merged.notes == "mine\n\nsaved"
    assert merged.authors == ("A B",) and merged.upvotes == 3
    assert merge_papers(merged, saved) == merged


def test_format_is_versioned_and_documented_fields_are_there(sample_library):
    personalise(sample_library)
    value = json.loads("".join(backup_library(sample_library)))
    assert value["format"] == BACKUP_FORMAT and value["version"] == BACKUP_VERSION == 1
    assert value["count"] == len(value["papers"]) == 442
    fields = {"id", "title", "abstract", "links", "tags", "read", "read_at", "added", "sources", "notes",
              "arxiv_id", "authors", "published", "upvotes"}
    assert all(fields <= set(doc) for doc in value["papers"])
    assert all(doc["abstract"] for doc in value["papers"])


BAD_BACKUPS = [
    ("", "not valid JSON"),
    ('{"format": "reader-backup", "version": 1, "papers": [{"id": "a", "ti', "not valid JSON"),
    ("[1, 2]", "not a reader backup"),
    ('{"papers": []}', "not a reader backup"),
    ('{"format": "reader-backup", "version": 2, "papers": []}', "newer than this reader"),
    ('{"format": "reader-backup", "version": "1", "papers": []}', "no valid \"version\""),
    ('{"format": "reader-backup", "version": 1}', "no \"papers\" list"),
    ('{"format": "reader-backup", "version": 1, "papers": [{"id": "a"}]}', "paper 1 has no 'title'"),
    ('{"format": "reader-backup", "version": 1, "papers": [{"id": "a", "title": "T", "tags": "x"}]}', "'tags'"),
    ('{"format": "reader-backup", "version": 1, "papers": [{"id": "a", "title": "T", "upvotes": "9"}]}', "upvotes"),
    ('{"format": "reader-backup", "version": 1, "papers": [{"id": "a", "title": "T", "links": [{"url": 1}]}]}',
     "'links'"),
    ('{"format": "reader-backup", "version": 1, "papers": [{"id": "a", "title": "T"}, {"id": "a", "title": "U"}]}',
     "appears twice"),
]


@pytest.mark.parametrize("text,reason", BAD_BACKUPS)
def test_bad_backups_are_refused_with_a_reason(text, reason):
    with pytest.raises(ImportProblem, match=re.escape(reason)) as info:
        parse(text)
    assert "\n" not in str(info.value)


def test_cli_backup_restore_and_bad_file(tmp_path):
    db = tmp_path / "lib.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=db).returncode == 0
    listing = json.loads(run_cli("list", "--json", "--limit", "3", db=db).stdout)
    assert run_cli("tag", listing[0]["id"], "kept", db=db).returncode == 0
    assert run_cli("read", listing[1]["id"], db=db).returncode == 0
    backup = tmp_path / "backup.json"
    result = run_cli("export", "--format", "json", "-o", str(backup), db=db)
    assert result.returncode == 0, result.stderr.decode()
    assert run_cli("export", "--format", "json", "-o", str(backup), db=db).returncode == 1  # no --force

    restored = tmp_path / "restored.json"
    result = run_cli("import", str(backup), db=restored)
    assert result.returncode == 0, result.stderr.decode()
    assert "212 added" in result.stdout.decode()
    assert snapshot(Library.open(restored)) == snapshot(Library.open(db))
    # By content, too: a backup piped on stdin.
    again = run_cli("import", "--json", "-", db=restored, input=backup.read_bytes())
    assert json.loads(again.stdout)["backups"][0]["unchanged"] == 212

    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("restored") and p.is_file()}
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(backup.read_bytes()[:5000])
    bad = run_cli("import", str(truncated), db=restored)
    assert bad.returncode == 1 and len(bad.stderr.decode().strip().splitlines()) == 1
    assert "not valid JSON" in bad.stderr.decode()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("restored") and p.is_file()} == before


def test_text_that_is_not_valid_unicode_survives_a_backup(library):
    odd = Paper(id="odd", title="Lone \udc80 surrogate \x1b[31m", notes="\x00nul")
    text = render_backup([odd], {"odd": "\ud800"})
    assert text.isascii()
    backup = parse(text)
    assert backup.papers == [odd] and backup.abstracts == {"odd": "\ud800"}


def test_a_restore_made_by_another_process_is_seen_and_never_undone(tmp_path):
    """The TUI keeps running while `reader backup restore` puts an older state back."""
    from reader.store import Library
    from reader.papers import Paper

    path = tmp_path / "library.json"
    running = Library.open(path, backup_interval=0)
    running.put([Paper(id="keep", title="Keep this")], {}, label="one")
    running.compact()
    running.backup()
    running.put([Paper(id="mistake", title="Imported by mistake")], {}, label="two")
    running.compact()

    Library.open(path, backup_interval=0).restore_backup(1)  # the CLI, another process

    running.refresh()
    assert running.ids() == ["keep"]
    running.tag(["keep"], ["x"])  # its next change and compaction keep the restored state
    running.compact()
    assert Library.open(path).ids() == ["keep"]
    assert Library.open(path).get("keep").tags == ("x",)
