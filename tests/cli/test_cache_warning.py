"""A cache file that does not load is a warning, not an error: the run goes on (tester item 23)."""

from __future__ import annotations

import os
from pathlib import Path

from reader.cli import main
from reader.store import Library

from tests.helpers.network import answer_with
from tests.online.test_github import BASE, FakeGitHub, add_papers


def test_a_damaged_github_cache_is_a_warning_and_the_enrich_works(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("READER_GITHUB_API_URL", BASE)
    db = tmp_path / "lib.json"
    add_papers(Library.open(db), ["o/alpha"])
    cache = Path(os.environ["READER_DATA_DIR"]) / "github-cache.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("{ not json", encoding="utf-8")
    answer_with(monkeypatch, FakeGitHub())
    code = main(["enrich", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "reader: warning: " in err and "ignored a cache file that does not load" in err
    assert "reader: error:" not in err
    assert "1 fetched" in out
