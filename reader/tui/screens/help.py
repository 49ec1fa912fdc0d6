"""The help screen (`?`): every key, as currently bound, and its id for remapping."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.tui import keys


def key_names(app, spec: keys.KeySpec, keymap: Mapping[str, str]) -> str:
    names = []
    for key in keys.effective_keys(spec, keymap):
        names.append(app.get_key_display(Binding(key, "")))
    return " / ".join(dict.fromkeys(names))


def help_text(app, keymap: Mapping[str, str], config_hint: str) -> Text:
    text = Text()
    column = 18
    for section, specs in keys.sections().items():
        text.append(section + "\n", style="bold underline")
        numbered = [spec for spec in specs if spec.id.startswith("open_link_")]
        for spec in specs:
            if numbered and spec is numbered[0]:
                # Nine keys, one line: "1, 2, ... 9  Open link 1 ... 9"
                names = ",".join(key_names(app, one, keymap) for one in numbered)
                text.append("  " + names.ljust(column), style="bold")
                text.append("Open link 1 … 9 (as numbered in the detail pane)")
                text.append(f"  ({numbered[0].id} … {numbered[-1].id})\n", style="dim")
            elif spec not in numbered:
                text.append("  " + key_names(app, spec, keymap).ljust(column), style="bold")
                text.append(spec.description)
                text.append(f"  ({spec.id})\n", style="dim")
        text.append("\n")
    text.append("Everywhere\n", style="bold underline")
    text.append("  " + "^p".ljust(column), style="bold")
    text.append("Command palette: every action, and the themes\n")
    text.append("  " + "tab".ljust(column), style="bold")
    text.append("In the tag editor: complete the tag being typed\n\n")
    text.append("Remap a key in ", style="")
    text.append(config_hint, style="italic")
    text.append(" with the id in brackets, e.g.\n")
    text.append('  [keys]\n  toggle_read = "x"\n', style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help_close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="help_down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="help_up"),
    ]

    def __init__(self, keymap: Mapping[str, str], config_hint: str) -> None:
        super().__init__(classes="dialog")
        self.keymap = dict(keymap)
        self.config_hint = config_hint

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog-box"):
            yield Static(Text("reader: keys", style="bold"), classes="dialog-title")
            yield Static(help_text(self.app, self.keymap, self.config_hint), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_relative(y=lines, animate=False)
