"""The help screen (`?`): every key, as currently bound, and its id for remapping."""

from __future__ import annotations

from collections.abc import Mapping

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.tui import keys


def key_names(app: App[Any], spec: keys.KeySpec, keymap: Mapping[str, str]) -> str:
    names = []
    for key in keys.effective_keys(spec, keymap):
        names.append(app.get_key_display(Binding(key, "")))
    return " / ".join(dict.fromkeys(names))


def numbered_names(app: App[Any], specs: list[keys.KeySpec], keymap: Mapping[str, str]) -> str:
    """The keys of "open link 1 … 9": ``1 … 9`` when they are the digits, else each one."""
    names = [key_names(app, spec, keymap) for spec in specs]
    if names == [str(n) for n in range(1, len(names) + 1)]:
        return f"1 … {len(names)}"
    return ",".join(names)


def help_table(app: App[Any], keymap: Mapping[str, str]) -> Group:
    """Every key in three columns (keys, what they do, the id to remap them), a heading above each
    section; only the middle column wraps, so the help reads the same at 80 columns as at 200.
    Every section's table has the same column widths, so the columns line up down the page."""
    sections: list[tuple[str, list[tuple[Text, Text, Text]]]] = []
    for section, specs in keys.sections().items():
        rows = []
        numbered = [spec for spec in specs if spec.id.startswith(("open_link_", "triage_link_"))]
        for spec in specs:
            if numbered and spec is numbered[0]:
                first, last = numbered[0].id, numbered[-1].id
                rows.append((
                    Text(numbered_names(app, numbered, keymap)),
                    Text(spec.description.replace(" 1", " 1 … 9", 1) + " (as numbered on screen)"),
                    Text(f"{first[:-2]}_1…9" if last.endswith("_9") else f"{first}…{last}"),
                ))
            elif spec not in numbered:  # Text, not str: "[triage]" and "[" are not markup
                rows.append((Text(key_names(app, spec, keymap)), Text(spec.description), Text(spec.id)))
        sections.append((section, rows))
    sections.append(("Everywhere", [
        (Text("^p"), Text("Command palette: every action, and the themes"), Text("")),
        (Text("tab"), Text("In the tag editor: complete the tag being typed"), Text("")),
    ]))
    key_width = min(16, max(row[0].cell_len for _, rows in sections for row in rows))
    id_width = max(row[2].cell_len for _, rows in sections for row in rows)
    parts: list[Text | Table] = []
    for section, rows in sections:
        parts.append(Text(section, style="bold underline"))
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column("keys", style="bold", no_wrap=True, width=key_width)
        table.add_column("action", ratio=1)
        table.add_column("id", style="dim", no_wrap=True, width=id_width)
        for row in rows:
            table.add_row(*row)
        parts.extend([table, Text("")])
    return Group(*parts)


def remap_text(config_hint: str) -> Text:
    text = Text()
    text.append("Remap a key in ")
    text.append(config_hint, style="italic")
    text.append(" with its id (the right-hand column), e.g.\n")
    text.append('  [keys]\n  toggle_read = "x"\n', style="dim")
    text.append("A key another action already uses is refused with a warning; the action keeps its own keys.", style="dim")
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
            yield Static(help_table(self.app, self.keymap), id="help-text")
            yield Static(remap_text(self.config_hint), id="help-remap")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_relative(y=lines, animate=False)
