"""The `reader` command, run as a subprocess the way people and scripts run it."""

from __future__ import annotations

import json

from reader.papers import title_id

from tests.conftest import SAMPLE_FILES, run_cli


def out(result) -> str:
    return result.stdout.decode()


def err(result) -> str:
    return result.stderr.decode()


def test_import_list_tag_read_export(tmp_path):
    db = tmp_path / "lib.json"
    result = run_cli("import", *map(str, SAMPLE_FILES), db=db)
    assert result.returncode == 0, err(result)
    assert "477 entries: 442 new papers, 35 repeated within the files" in out(result)

    again = run_cli("import", "--json", *map(str, SAMPLE_FILES), db=db)
    report = json.loads(out(again))
    assert report["added"] == [] and len(report["merged"]) == 442 and report["entries"] == 477

    pid = title_id("Pointer Networks")
    listing = json.loads(out(run_cli("list", "--json", "pointer", "networks", db=db)))
    assert listing[0]["id"] == pid, "the paper named in the query comes first"
    assert set(listing[0]) >= {"id", "title", "tags", "read", "links", "sources"}

    tagged = run_cli("tag", pid[:7], "Classic", "seq2seq", db=db)
    assert tagged.returncode == 0, err(tagged)
    assert "#classic #seq2seq" in out(tagged)
    assert run_cli("read", pid[:7], db=db).returncode == 0
    assert run_cli("untag", pid[:7], "seq2seq", db=db).returncode == 0

    shown = json.loads(out(run_cli("show", "--json", pid[:7], db=db)))
    assert shown["tags"] == ["classic"] and shown["read"] is True and shown["abstract"]

    exported = out(run_cli("export", "classic", db=db))
    assert "- [x] **Pointer Networks**" in exported

    target = tmp_path / "list.md"
    assert run_cli("export", "-o", str(target), db=db).returncode == 0
    assert target.read_text().count("\n- [") == 442
    refused = run_cli("export", "-o", str(target), db=db)
    assert refused.returncode == 1 and "--force" in err(refused)
    assert run_cli("export", "-o", str(target), "--force", db=db).returncode == 0


def test_list_short_ids_are_typeable(tmp_path):
    db = tmp_path / "lib.json"
    run_cli("import", str(SAMPLE_FILES[0]), db=db)
    first_line = out(run_cli("list", "--limit", "1", db=db)).splitlines()[0]
    short = first_line.split()[0]
    assert len(short) == 7
    assert run_cli("read", short, db=db).returncode == 0


def test_import_from_stdin(tmp_path):
    db = tmp_path / "lib.json"
    result = run_cli("import", "-", db=db, input=SAMPLE_FILES[0].read_bytes())
    assert result.returncode == 0, err(result)
    assert "212 entries: 212 new papers," in out(result)


def test_errors_are_one_line_and_change_nothing(tmp_path):
    db = tmp_path / "lib.json"
    run_cli("import", str(SAMPLE_FILES[0]), db=db)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    cases = [
        ("tag", "nosuchid", "x"),
        ("tag", title_id("Pointer Networks")[:7], "   "),
        ("read", "nosuchid"),
        ("import", str(tmp_path / "missing.txt")),
        ("import", str(SAMPLE_FILES[1]), str(empty)),  # one bad file stops the whole import
        ("import", str(tmp_path)),
        ("show", "nosuchid"),
    ]
    for args in cases:
        result = run_cli(*args, db=db)
        assert result.returncode == 1, (args, err(result))
        lines = err(result).strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("reader: "), (args, err(result))
        assert "Traceback" not in err(result)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.name in before}
    assert after == before


def test_corrupt_library_is_named_and_kept(tmp_path):
    db = tmp_path / "lib.json"
    db.write_text('{"meta": {"1": {"app": "reader", "schema": 1')
    result = run_cli("list", db=db)
    assert result.returncode == 1
    assert str(db) in err(result) and "not valid JSON" in err(result)
    assert db.read_text() == '{"meta": {"1": {"app": "reader", "schema": 1'


def test_reader_db_environment_variable(tmp_path):
    db = tmp_path / "env-lib.json"
    result = run_cli("import", str(SAMPLE_FILES[0]), env={"READER_DB": str(db)})
    assert result.returncode == 0, err(result)
    assert db.exists()
    info = json.loads(out(run_cli("info", "--json", env={"READER_DB": str(db)})))
    assert info["papers"] == 212 and info["path"] == str(db)


def test_help_and_version():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("import", "list", "tag", "untag", "read", "unread", "export"):
        assert command in out(result)
    assert run_cli("--version").returncode == 0


def test_history_undo_delete(tmp_path):
    db = tmp_path / "lib.json"
    run_cli("import", *map(str, SAMPLE_FILES), db=db)
    pid = title_id("Pointer Networks")
    run_cli("tag", pid[:7], "classic", db=db)
    run_cli("read", pid[:7], db=db)
    history = json.loads(out(run_cli("history", "--json", db=db)))
    assert [h["label"] for h in history][:2] == ["mark 1 paper(s) read", "tag 1 paper(s) +classic"]

    undone = run_cli("undo", "2", db=db)
    assert undone.returncode == 0, err(undone)
    shown = json.loads(out(run_cli("show", "--json", pid[:7], db=db)))
    assert shown["tags"] == [] and shown["read"] is False

    two = [title_id("Pointer Networks")[:7], title_id("Discrete Key-Value Bottleneck")[:7]]
    refused = run_cli("delete", *two, db=db)  # no terminal to confirm in
    assert refused.returncode == 1 and "--yes" in err(refused)
    assert run_cli("delete", "--yes", *two, db=db).returncode == 0
    assert json.loads(out(run_cli("info", "--json", db=db)))["papers"] == 440
    assert run_cli("undo", db=db).returncode == 0
    assert json.loads(out(run_cli("info", "--json", db=db)))["papers"] == 442


def test_backup_restore_after_corruption(tmp_path):
    db = tmp_path / "lib.json"
    run_cli("import", *map(str, SAMPLE_FILES), db=db)
    assert run_cli("backup", "now", db=db).returncode == 0
    db.write_text("{ truncated")
    broken = run_cli("list", db=db)
    assert broken.returncode == 1
    message = err(broken).strip()
    assert len(message.splitlines()) == 1
    assert str(db) in message and "reader backup restore 1" in message
    listed = out(run_cli("backup", "list", db=db))
    assert "442 papers" in listed
    restored = run_cli("backup", "restore", "1", db=db)
    assert restored.returncode == 0, err(restored)
    assert json.loads(out(run_cli("info", "--json", db=db)))["papers"] == 442
    # The broken file was kept as the newest backup, not thrown away.
    assert "does not load" in out(run_cli("backup", "list", db=db)).splitlines()[0]


def test_queries_may_start_with_minus_and_mix_with_options(tmp_path):
    db = tmp_path / "lib.json"
    run_cli("import", *map(str, SAMPLE_FILES), db=db)
    pid = title_id("Pointer Networks")
    run_cli("tag", pid[:7], "old", db=db)
    with_tag = json.loads(out(run_cli("list", "--json", "tag:old", db=db)))
    assert [p["id"] for p in with_tag] == [pid]
    without = run_cli("list", "pointer", "-tag:old", "--limit", "5", "--json", db=db)
    assert without.returncode == 0, err(without)
    ids = [p["id"] for p in json.loads(out(without))]
    assert ids and pid not in ids
    exported = run_cli("export", "-tag:old", "--title", "Not old", db=db)
    assert exported.returncode == 0, err(exported)
    assert "Pointer Networks" not in out(exported) and "441 papers" in out(exported)
    malformed = run_cli("list", "tag:", db=db)
    assert malformed.returncode == 1 and "tag name" in err(malformed)
