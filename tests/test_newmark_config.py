"""The New mark (state.json beside config.toml) and settings written back into config.toml."""

from __future__ import annotations

import pytest

from reader.config import ConfigError, load_config, remember_setting
from reader.newmark import NewMarks, is_new, state_path


def test_the_mark_starts_at_the_previous_opening_until_a_triage_finishes(tmp_path):
    marks = NewMarks(tmp_path / "state.json")
    library = tmp_path / "lib" / "library.json"
    assert marks.session_started(library, "2026-01-01T10:00:00Z") is None  # first start: everything is new
    assert marks.session_started(library, "2026-01-02T10:00:00Z") == "2026-01-01T10:00:00Z"
    marks.triage_finished(library, "2026-01-02T09:00:00Z")
    assert marks.session_started(library, "2026-01-03T10:00:00Z") == "2026-01-02T09:00:00Z"
    assert marks.session_started(library, "2026-01-04T10:00:00Z") == "2026-01-02T09:00:00Z"  # opening: no move
    marks.triage_finished(library, "2026-01-01T00:00:00Z")  # an older batch never moves it back
    assert marks.since(library) == "2026-01-02T09:00:00Z"
    other = tmp_path / "other.json"
    assert marks.since(other) is None  # one mark per library


def test_a_damaged_state_file_means_no_mark_and_is_replaced(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    marks = NewMarks(path)
    assert marks.since(tmp_path / "l.json") is None
    marks.triage_finished(tmp_path / "l.json", "2026-01-01T00:00:00Z")
    assert marks.since(tmp_path / "l.json") == "2026-01-01T00:00:00Z"


def test_is_new_and_the_default_state_path(monkeypatch, tmp_path):
    assert is_new("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z")
    assert not is_new("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
    assert is_new("", None)
    monkeypatch.setenv("READER_CONFIG_DIR", str(tmp_path))
    assert state_path() == tmp_path / "state.json"


def test_remember_setting_changes_one_line_and_keeps_the_rest(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# my settings\n[keys]\ntoggle_read = "x"  # mine\n\n[tui]\ntheme = "old"\n[online]\nx = 1\n')
    remember_setting("tui", "theme", 'nord "quoted"', path)
    remember_setting("tui", "date_column", True, path)
    remember_setting("triage", "keep_tag", "Read Later", path)
    text = path.read_text()
    assert text.startswith('# my settings\n[keys]\ntoggle_read = "x"  # mine\n')
    assert '[tui]\ntheme = "nord \\"quoted\\""\ndate_column = true\n[online]' in text
    config = load_config(path, {})
    assert config.theme == 'nord "quoted"' and config.date_column is True
    assert config.keep_tag == "read-later" and config.keys == {"toggle_read": "x"}


def test_remember_setting_creates_the_file(tmp_path):
    path = tmp_path / "new" / "config.toml"
    remember_setting("tui", "theme", "gruvbox", path)
    assert load_config(path, {}).theme == "gruvbox"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[tui]\ntheme = 3\n", "theme must be a theme name"),
        ("[tui]\ndate_column = \"yes\"\n", "date_column must be true or false"),
        ("[triage]\nkeep_tag = \"  \"\n", "keep_tag must be a tag name"),
        ("tui = 1\n", "must be tables"),
    ],
)
def test_bad_notebook_settings_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path, {})
