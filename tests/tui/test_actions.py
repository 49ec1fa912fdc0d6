"""Keys that change or use the library: read state, tags, links, copy, export, undo, refresh."""

from __future__ import annotations

from conftest import press, running
from conftest import (
    ATTENTION,
    DIFFUSION,
    GRAPHS,
    MAMBA,
    detail_text,
    list_rows,
    notifications,
    settle,
    status_text,
)
import pytest
from textual.widgets import Input

from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.copy import CopyModal
from reader.tui.modals.export import ExportModal
from reader.tui.modals.tags import TagEditorModal
from reader.tui.widgets.paper_list import PaperList
from reader.tui.widgets.sidebar import SmartListSidebar


def _sidebar_counts(app) -> dict[str, int]:
    sidebar = app.main_screen.query_one(SmartListSidebar)
    counts = {}
    for index in range(sidebar.option_count):
        option = sidebar.get_option_at_index(index)
        *label, count = str(option.prompt).split()
        counts[" ".join(label)] = int(count.replace(",", ""))
    return counts


# -- reading -----------------------------------------------------------------------------


async def test_r_toggles_read_in_place(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        assert "●" in list_rows(app)[0]
        await press(pilot, "r")
        assert library.get(ids[MAMBA]).read
        assert "●" not in list_rows(app)[0]
        assert MAMBA[:30] in list_rows(app)[0]  # still in place
        assert _sidebar_counts(app)["Read"] == 1
        assert "read 2026-01-01" in detail_text(app)
        await press(pilot, "r")
        assert not library.get(ids[MAMBA]).read
        assert _sidebar_counts(app)["Read"] == 0


async def test_selection_marks_many_read_after_confirming(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("space", "space")  # select the first two, cursor moves down
        assert "✔" in list_rows(app)[0] and "✔" in list_rows(app)[1]
        assert "2 selected" in status_text(app)
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "n")  # changed my mind
        assert not any(paper.read for paper in library.papers())
        await press(pilot, "r", "y")
        assert {p.id for p in library.papers() if p.read} == {ids[MAMBA], ids[GRAPHS]}
        assert any("Marked 2 papers read" in text for text in notifications(app))
        await pilot.press("escape")  # clears the selection
        assert "✔" not in list_rows(app)[0]
        assert "selected" not in status_text(app)


async def test_R_marks_the_whole_list_read_after_confirming(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "slash", *"github.com", "enter")  # the two papers with code
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmModal)
        assert "Mark all 2 papers in the search results read?" in str(app.screen.query_one(".dialog-question").render())
        await press(pilot, "y")
        assert {p.id for p in library.papers() if p.read} == {ids[MAMBA], ids[ATTENTION]}


async def test_n_and_p_jump_between_unread_papers(small_library, make_app):
    library, ids = small_library
    library.set_read([ids[GRAPHS], ids[DIFFUSION]], True)
    app = make_app(library)
    async with running(app) as pilot:
        paper_list = app.main_screen.query_one(PaperList)
        await pilot.press("n")
        assert paper_list.current_id == ids[ATTENTION]
        await pilot.press("n")  # none below: stays, and says so
        assert paper_list.current_id == ids[ATTENTION]
        assert any("No unread paper below" in text for text in notifications(app))
        await pilot.press("p")
        assert paper_list.current_id == ids[MAMBA]


# -- tags ------------------------------------------------------------------------------------


async def test_tag_editor_adds_and_removes_tags(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TagEditorModal)
        await press(pilot, *"ssm to-read", "enter")
        assert library.get(ids[MAMBA]).tags == ("ssm", "to-read")
        assert "#ssm #to-read" in list_rows(app)[0]
        assert "Tags: #ssm #to-read" in detail_text(app)
        assert _sidebar_counts(app)["#ssm"] == 1
        await press(pilot, "t", *"-to-read +classic", "enter")
        assert library.get(ids[MAMBA]).tags == ("ssm", "classic")
        assert "#to-read" not in _sidebar_counts(app)
        await press(pilot, "u")  # one change, one undo
        assert library.get(ids[MAMBA]).tags == ("ssm", "to-read")


async def test_tag_editor_completes_known_tags_with_tab(small_library, make_app):
    library, ids = small_library
    library.tag([ids[GRAPHS]], ["graph-learning"])
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("t", *"gra")
        field = app.screen.query_one(Input)
        assert "graph-learning (1)" in str(app.screen.query_one("#tag-known").render())
        await pilot.press("tab")
        assert field.value == "graph-learning "
        await press(pilot, "enter")
        assert library.get(ids[MAMBA]).tags == ("graph-learning",)


async def test_tag_editor_rejects_nonsense_and_escape_cancels(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("t", "minus", "enter")
        assert isinstance(app.screen, TagEditorModal)
        assert "needs a tag name" in str(app.screen.query_one("#tag-error").render())
        await press(pilot, "escape")
        assert not isinstance(app.screen, TagEditorModal)
        assert all(not paper.tags for paper in library.papers())


async def test_tags_apply_to_the_selection(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("space", "down", "space")  # Mamba and Diffusion
        await pilot.press("t")
        assert "2 selected papers" in str(app.screen.query_one(".dialog-title").render())
        await press(pilot, *"generative", "enter")
        tagged = {p.id for p in library.papers() if "generative" in p.tags}
        assert tagged == {ids[MAMBA], ids[DIFFUSION]}


async def test_T_tags_every_search_result(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "slash", *"github.com", "enter")
        await pilot.press("T")
        assert "all 2 papers in the search results" in str(app.screen.query_one(".dialog-title").render())
        await press(pilot, *"has-repo", "enter")
        assert {p.id for p in library.papers() if "has-repo" in p.tags} == {ids[MAMBA], ids[ATTENTION]}


# -- links -------------------------------------------------------------------------------------


async def test_o_opens_the_code_link_and_O_the_project_page(small_library, make_app, browser):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "o")
        assert browser.opened == ["https://github.com/state-spaces/mamba"]
        await press(pilot, "O")
        assert browser.opened[-1] == "https://mamba.github.io"
        assert any("Opening https://mamba.github.io" in text for text in notifications(app))


async def test_number_keys_open_numbered_links(small_library, make_app, browser):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        assert " 3 HF model" in detail_text(app)
        await press(pilot, "3")
        assert browser.opened == ["https://huggingface.co/state-spaces/mamba-2.8b"]
        await press(pilot, "4")
        assert browser.opened[-1] == "https://arxiv.org/abs/2312.00752"
        await press(pilot, "9")
        assert len(browser.opened) == 2
        assert any("there is no link 9" in text for text in notifications(app))


async def test_a_paper_without_links_says_so(small_library, make_app, browser):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("j")  # the graph survey: no links
        await press(pilot, "o", "1")
        assert browser.opened == []
        assert any("This paper has no links." in text for text in notifications(app))
        await pilot.press("j")  # diffusion: a project page, no code
        await press(pilot, "o")
        assert browser.opened == []
        assert any("no code link" in text for text in notifications(app))


async def test_links_that_are_not_http_are_never_opened(small_library, make_app, browser):
    from dataclasses import replace

    from reader.papers import Link

    library, ids = small_library
    paper = library.get(ids[MAMBA])
    library.put(
        [replace(paper, links=(Link("javascript:alert(1)", "code"), Link("file:///etc/passwd", "project")))],
        label="hostile links",
    )
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "o", "O", "1", "2")
        assert browser.opened == []
        assert sum("only http(s) links are opened" in text for text in notifications(app)) == 4


# -- copy -----------------------------------------------------------------------------------------


async def test_y_copies_the_chosen_format(small_library, make_app, clipboard):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("y")
        assert isinstance(app.screen, CopyModal)
        await press(pilot, "t")
        assert clipboard.copied == [MAMBA]
        # (checked now: a notification expires after a few seconds, which a loaded machine can take)
        assert any("Copied the title to the clipboard." in text for text in notifications(app))
        await press(pilot, "y", "c")
        assert clipboard.copied[-1] == "https://github.com/state-spaces/mamba"
        await press(pilot, "y", "m")
        assert clipboard.copied[-1] == (
            "[Mamba: Linear-Time Sequence Modeling with Selective State Spaces](https://arxiv.org/abs/2312.00752)"
        )  # no angle brackets: this link does not need them
        await press(pilot, "y", "a")
        assert clipboard.copied[-1].startswith("Foundation models on selective state spaces.")
        await press(pilot, "y", "b")
        assert clipboard.copied[-1].startswith("@misc{")
        assert "title" in clipboard.copied[-1] and "2312.00752" in clipboard.copied[-1]


async def test_copying_a_code_link_that_is_missing_says_so(small_library, make_app, clipboard):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "j", "y", "c")  # the graph survey
        assert clipboard.copied == []
        assert any("Nothing copied" in text and "no code link" in text for text in notifications(app))


async def test_copying_several_papers_says_what_was_left_out(small_library, make_app, clipboard):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "space", "space", "y", "c")  # Mamba (code) and the survey (none)
        assert clipboard.copied == ["https://github.com/state-spaces/mamba"]
        assert any("Left out 1 paper (no code link)" in text for text in notifications(app))


# -- export -----------------------------------------------------------------------------------------


async def test_e_exports_the_list_as_markdown(small_library, make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "slash", *"github.com", "enter")
        await pilot.press("e")
        assert isinstance(app.screen, ExportModal)
        path_field = app.screen.query_one("#export-path", Input)
        assert path_field.value == "reading-list-2026-01-01.md"
        await press(pilot, "enter")
        written = (tmp_path / "reading-list-2026-01-01.md").read_text(encoding="utf-8")
        assert "# Reading list: github.com" in written
        assert "Mamba: Linear-Time Sequence Modeling" in written and "Attention Is All You Need" in written
        assert "Diffusion" not in written
        assert any("Wrote 2 papers" in text for text in notifications(app))


async def test_export_groups_and_includes_abstracts_as_chosen(small_library, make_app, tmp_path, monkeypatch):
    from textual.widgets import Select

    monkeypatch.chdir(tmp_path)
    library, ids = small_library
    library.tag([ids[MAMBA]], ["ssm"])
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("e")
        app.screen.query_one("#export-path", Input).value = "grouped.md"
        app.screen.query_one("#export-group", Select).value = "tag"
        app.screen.query_one("#export-abstracts", Select).value = "quote"
        app.screen.query_one("#export-path", Input).focus()
        await press(pilot, "enter")
        text = (tmp_path / "grouped.md").read_text(encoding="utf-8")
        assert "## " in text and "ssm" in text  # a heading per tag
        assert "> Foundation models on selective state spaces." in text  # quoted abstract


async def test_export_asks_before_replacing_a_file(small_library, make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "mine.md"
    existing.write_text("keep me\n", encoding="utf-8")
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("space", "e")  # export the selection (one paper)
        field = app.screen.query_one("#export-path", Input)
        field.value = "mine.md"
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "n")
        assert existing.read_text(encoding="utf-8") == "keep me\n"
        await pilot.press("e")
        app.screen.query_one("#export-path", Input).value = "mine.md"
        await press(pilot, "enter", "y")
        text = existing.read_text(encoding="utf-8")
        assert "Mamba" in text and "Attention" not in text  # the selection only


async def test_export_never_writes_over_the_library_itself(small_library, make_app, db_path):
    library, ids = small_library
    before = db_path.read_bytes()
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("e")
        app.screen.query_one("#export-path", Input).value = str(db_path)
        await pilot.press("enter")
        if isinstance(app.screen, ConfirmModal):  # it exists: replacing it is asked first, then refused
            await pilot.press("y")
        await settle(pilot)
        assert db_path.read_bytes() == before
        assert any("part of the library" in text for text in notifications(app)), notifications(app)
    assert library.get(ids[MAMBA]) is not None


async def test_export_to_a_missing_directory_is_refused_in_the_dialog(small_library, make_app, tmp_path):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("e")
        app.screen.query_one("#export-path", Input).value = str(tmp_path / "nope" / "list.md")
        await pilot.press("enter")
        assert isinstance(app.screen, ExportModal)
        assert "no such directory" in str(app.screen.query_one("#export-error").render())


# -- undo, refresh, errors ------------------------------------------------------------------------------


async def test_u_undoes_the_last_change(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "r")
        assert library.get(ids[MAMBA]).read
        await press(pilot, "u")
        assert not library.get(ids[MAMBA]).read
        assert "●" in list_rows(app)[0]
        assert any(text.startswith("Undone: mark 1 paper read") for text in notifications(app))


async def test_shift_u_redoes_what_u_undid_until_the_next_change(small_library, make_app):
    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "U")  # nothing undone yet: nothing to redo, nothing changes
        assert not library.get(ids[MAMBA]).read
        await press(pilot, "r", "u")
        assert not library.get(ids[MAMBA]).read
        await press(pilot, "U")
        assert library.get(ids[MAMBA]).read
        assert "●" not in list_rows(app)[0]
        assert any(text.startswith("Redone: mark 1 paper read") for text in notifications(app))
        await press(pilot, "u", "t")  # undo again, then a new change (a tag) ends what can be redone
        await press(pilot, *"later", "enter")
        assert "later" in library.get(ids[MAMBA]).tags
        await press(pilot, "U")
        assert not library.get(ids[MAMBA]).read


async def test_refresh_picks_up_changes_from_another_process(small_library, make_app, db_path):
    from reader.store import Library

    library, ids = small_library
    app = make_app(library)
    async with running(app) as pilot:
        other = Library.open(db_path)  # what the CLI would do
        other.tag([ids[GRAPHS]], ["from-cli"])
        other.set_read([ids[MAMBA]], True)
        await press(pilot, "f5")  # or ctrl+r
        assert _sidebar_counts(app)["#from-cli"] == 1
        assert "●" not in list_rows(app)[0]
        assert "#from-cli" in list_rows(app)[1]


async def test_changes_from_another_process_appear_by_themselves(small_library, make_app, db_path):
    from reader.importers import Candidate
    from reader.store import Library

    library, ids = small_library
    app = make_app(library, poll_interval=0.05)
    async with running(app) as pilot:
        other = Library.open(db_path)
        other.import_candidates([Candidate(title="A Brand New Paper", abstract="Fresh.", source="cli")])
        app._poll()  # what the poll timer (set up by poll_interval) runs; no waiting for its tick
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "A Brand New Paper" in list_rows(app)[0]
        assert status_text(app) == "5 papers"


async def test_a_failed_write_is_a_notification_and_the_app_keeps_running(small_library, make_app, monkeypatch):
    from reader.errors import LibraryError

    library, ids = small_library

    def disk_full(*args, **kwargs):
        raise LibraryError("change not saved: cannot write library.json.wal: No space left on device")

    monkeypatch.setattr(library, "set_read", disk_full)
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "r")
        assert app.is_running
        assert any("No space left on device" in text for text in notifications(app))
        assert "●" in list_rows(app)[0]  # nothing pretended to change


async def test_keys_can_be_remapped_from_the_config(small_library, make_app):
    from reader.config import Config

    library, ids = small_library
    app = make_app(library, config=Config(keys={"toggle_read": "x", "cursor_down": "ctrl+n", "bogus": "z"}))
    async with running(app) as pilot:
        await press(pilot, "r")
        assert not library.get(ids[MAMBA]).read  # r is no longer bound
        await press(pilot, "x")
        assert library.get(ids[MAMBA]).read
        await pilot.press("ctrl+n")
        assert app.main_screen.query_one(PaperList).current_id == ids[GRAPHS]
        assert any("unknown key id 'bogus'" in text for text in notifications(app))


async def test_hostile_titles_are_shown_literally(library, make_app):
    from reader.importers import Candidate

    titles = [
        "[bold]Not bold[/bold] and [link=https://evil.example]click[/link]",
        "Closing tag [/] alone and [red]colour",
        "Escape \x1b[31mred\x1b[0m and bell\x07 title",
    ]
    library.import_candidates([Candidate(title=t, abstract="[b]abstract[/b] \x1b]8;;x\x1b\\", source="x") for t in titles])
    app = make_app(library)
    async with running(app) as pilot:
        rows = "\n".join(list_rows(app))
        assert "[bold]Not bold[/bold] and [link=https://evil.example]click[/link]" in rows
        assert "Closing tag [/] alone and [red]colour" in rows
        assert "\x1b" not in rows and "␛[31mred␛[0m" in rows
        await press(pilot, "G")
        assert "[b]abstract[/b]" in detail_text(app)
        await press(pilot, "t", *"[bold]x", "enter")
        assert "#[bold]x" in "\n".join(list_rows(app))
        # The palette shows the tag's list literally too.
        await press(pilot, "ctrl+p", *"show list")
        palette_text = "\n".join(str(option.prompt) for option in app.screen.query("OptionList").first().options)
        assert "Show list: #[bold]x" in palette_text
        await pilot.press("escape")


async def test_a_key_remapped_onto_one_in_use_warns_and_keeps_the_action(small_library, make_app):
    from reader.config import Config

    library, ids = small_library
    app = make_app(library, config=Config(keys={"toggle_read": "j"}))
    async with running(app) as pilot:
        assert any("j already does next paper" in text and "toggle_read keeps r" in text for text in notifications(app))
        await pilot.press("j")  # still moves down
        assert app.main_screen.query_one(PaperList).current_id == ids[GRAPHS]
        await press(pilot, "r")  # and r still marks read
        assert library.get(ids[GRAPHS]).read


@pytest.mark.parametrize("in_tmux", [True, False], ids=["tmux", "no-tmux"])
async def test_copy_falls_back_to_the_terminal_and_mentions_tmux_only_inside_it(
    small_library, make_app, clipboard, monkeypatch, in_tmux
):
    if in_tmux:
        monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,1234,0")
    else:
        monkeypatch.delenv("TMUX", raising=False)
    library, ids = small_library
    clipboard.available = False
    app = make_app(library)
    async with running(app) as pilot:
        await press(pilot, "y", "t")
        assert app.clipboard == MAMBA  # what Textual sent with OSC 52
        [note] = [text for text in notifications(app) if "to the terminal clipboard (OSC 52)" in text]
        assert "no copy/paste mechanism" in note  # why the system clipboard was not used
        assert ("set -g set-clipboard on" in note) == in_tmux


async def test_a_backup_restored_by_another_process_is_explained(small_library, make_app, db_path):
    from reader.importers import Candidate

    library, ids = small_library
    other = type(library).open(db_path)  # what `reader backup ...` would do
    other.backup()
    app = make_app(library)
    async with running(app) as pilot:
        other.import_candidates([Candidate(title="A Brand New Paper", abstract="Fresh.", source="cli")])
        app.refresh_library()
        await settle(pilot)
        assert status_text(app) == "5 papers"
        other.restore_backup(1)
        app.refresh_library()  # what the poll timer runs
        await settle(pilot)
        assert status_text(app) == "4 papers"
        assert any(
            "put back to an earlier state by another process (reader backup restore)" in text
            and "4 papers now, 5 papers before" in text
            for text in notifications(app)
        ), notifications(app)


def test_the_markdown_link_uses_angle_brackets_only_when_the_url_needs_them():
    from reader.copying import render_copy
    from reader.papers import Link, Paper

    def copied(url: str) -> str:
        return render_copy(Paper(id="p", title="T", links=(Link(url, "project"),)), "markdown").text

    assert copied("https://example.org/page") == "[T](https://example.org/page)"
    # parentheses: CommonMark takes balanced ones bare, but not every renderer does
    assert copied("https://en.wikipedia.org/wiki/Mamba_(snake)") == "[T](<https://en.wikipedia.org/wiki/Mamba_(snake)>)"
    assert copied("https://example.org/a)b") == "[T](<https://example.org/a)b>)"  # would end the link early
    assert copied("https://example.org/a b") == "[T](https://example.org/a%20b)"  # encoded, then bare

