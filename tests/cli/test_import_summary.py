"""Importing page dumps and a backup together gives one account that adds up (tester items 18, 19).

It said "Imported 1 file, 55 entries ..." when two files were given, and a
backup holding one title under two ids came back as two papers.
"""

from __future__ import annotations

import json
import re

from tests.conftest import SAMPLE_FILES, run_cli


def test_pages_and_a_backup_together_are_counted_as_the_files_given(tmp_path):
    first = tmp_path / "first" / "library.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=first).returncode == 0
    backup = tmp_path / "backup.json"
    assert run_cli("export", "--format", "json", "-o", str(backup), db=first).returncode == 0
    data = json.loads(backup.read_text(encoding="utf-8"))
    twin = dict(data["papers"][0], id="ffffffffffffffff")  # the same title under another id
    data["papers"].append(twin)
    backup.write_text(json.dumps(data), encoding="utf-8")

    db = tmp_path / "second" / "library.json"
    done = run_cli("import", str(SAMPLE_FILES[1]), str(backup), db=db)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    lines = out.splitlines()
    assert lines[0].startswith("Imported 2 files (1 page dump, 1 backup). Page dump: "), out
    restored = next(line for line in lines if line.startswith("Restored backup"))
    numbers = [int(n) for n in re.findall(r"(\d+) (?:papers:|added|merged|unchanged|repeated)", restored)]
    assert numbers[0] == len(data["papers"]) == sum(numbers[1:]), restored
    assert "1 repeated within the backup" in restored
    titles = run_cli("list", "--limit", "1000", db=db).stdout.decode()
    assert titles.count(twin["id"][:7]) == 0  # joined into the paper of the same title
