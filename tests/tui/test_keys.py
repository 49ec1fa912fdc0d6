"""The key table: every binding can be remapped, and a config's [keys] table is checked."""

from __future__ import annotations

from textual.binding import Binding

from reader.tui import keys
from reader.tui.app import ReaderApp
from reader.tui.widgets.detail import PaperDetail
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.main import MainScreen
from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.copy import CopyModal
from reader.tui.modals.export import ExportModal
from reader.tui.modals.tags import TagEditorModal, TagInput
from reader.tui.widgets.paper_list import PaperList
from reader.tui.widgets.sidebar import SmartListSidebar
from reader.tui.screens.welcome import WelcomeScreen


def test_every_binding_has_an_id():
    owners = [
        ReaderApp, MainScreen, WelcomeScreen, HelpScreen, PaperList, PaperDetail, SmartListSidebar,
        ConfirmModal, CopyModal, ExportModal, TagEditorModal, TagInput,
    ]
    for owner in owners:
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding) and binding.id, (owner.__name__, binding)


def test_ids_are_unique_in_the_table():
    assert len(keys.KEYS_BY_ID) == len(keys.KEYS)


def test_check_keymap_keeps_known_ids_and_reports_the_rest():
    usable, problems = keys.check_keymap({"toggle_read": "x, ctrl+x", "nope": "z", "undo": " , "})
    assert usable == {"toggle_read": "x,ctrl+x"}
    assert problems == ["unknown key id 'nope'", "undo: no key given"]


def test_effective_keys_follow_the_keymap():
    spec = keys.KEYS_BY_ID["toggle_read"]
    assert keys.effective_keys(spec, {}) == ["r"]
    assert keys.effective_keys(spec, {"toggle_read": "x,ctrl+x"}) == ["x", "ctrl+x"]


def test_a_key_already_in_use_is_refused_and_the_action_keeps_its_own():
    usable, problems = keys.check_keymap({"toggle_read": "j"})
    assert usable == {}  # r still toggles read; j still moves down
    assert problems == [
        "toggle_read = 'j' left out: j already does next paper (or item) (cursor_down); toggle_read keeps r"
    ]
    # Part of a remap that clashes: the rest is kept.
    usable, problems = keys.check_keymap({"tag": "x,o"})
    assert usable == {"tag": "x"} and "o already does open the code link" in problems[0]
    # Moving the other action away first is a swap, not a clash; keys live apart do not clash.
    assert keys.check_keymap({"toggle_read": "j", "cursor_down": "ctrl+n"}) == (
        {"toggle_read": "j", "cursor_down": "ctrl+n"}, []
    )
    assert keys.check_keymap({"toggle_read": "s"}) == ({"toggle_read": "s"}, [])  # s: triage and welcome only
    assert keys.check_keymap({"undo": "ctrl+p"})[1] == ["undo = 'ctrl+p' left out: ctrl+p already opens the "
                                                       "command palette; undo keeps u"]
