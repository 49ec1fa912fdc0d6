"""The export dialog (e): file, title, grouping, order, abstracts, list or selection."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from reader.textsafe import printable
from reader.tui.modals.confirm import ConfirmModal
from reader.wording import plural


GROUPINGS: tuple[tuple[str, str], ...] = (
    ("No grouping", "none"),
    ("By tag", "tag"),
    ("Unread first", "read"),
    ("By source", "source"),
)
ORDERS: tuple[tuple[str, str], ...] = (
    ("As listed", "rank"),
    ("By title", "title"),
    ("Newest first", "added"),
)
ABSTRACTS: tuple[tuple[str, str], ...] = (
    ("No abstracts", "none"),
    ("Abstracts, collapsed (<details>)", "details"),
    ("Abstracts, quoted", "quote"),
)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: Path
    title: str
    group_by: str = "none"
    order: str = "rank"
    abstracts: str = "none"
    scope: str = "list"  # "list" or "selection"
    replace: bool = False  # the file exists and the user said to replace it


class ExportModal(ModalScreen[ExportRequest | None]):
    """File (its full path shown), title, options, scope. A file that exists asks Replace or Keep,
    Keep focused; Keep comes back here to pick another name. At 80x24 the dialog scrolls."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog_cancel")]

    def __init__(
        self,
        *,
        default_path: str,
        default_title: str,
        list_count: int,
        selection_count: int,
        base_dir: Path | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.default_path = default_path
        self.default_title = default_title
        self.list_count = list_count
        self.selection_count = selection_count
        self.base_dir = base_dir or Path.cwd()

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog-box", id="export-dialog"):
            yield Label("Export as Markdown", classes="dialog-title")
            with Horizontal(classes="field-row"):
                yield Label("File", classes="field-label")
                yield Input(self.default_path, id="export-path")
            yield Static(id="export-where", classes="dialog-hint")
            with Horizontal(classes="field-row"):
                yield Label("Title", classes="field-label")
                yield Input(self.default_title, id="export-title")
            with Horizontal(id="export-options"):
                yield Select(GROUPINGS, value="none", allow_blank=False, id="export-group")
                yield Select(ORDERS, value="rank", allow_blank=False, id="export-order")
                yield Select(ABSTRACTS, value="none", allow_blank=False, id="export-abstracts")
            if self.selection_count:
                with RadioSet(id="export-scope"):
                    yield RadioButton(
                        f"The selection ({plural(self.selection_count, 'paper')})", value=True, id="scope-selection"
                    )
                    yield RadioButton(f"The list ({plural(self.list_count, 'paper')})", id="scope-list")
            else:
                yield Static(Text(f"{plural(self.list_count, 'paper')}: the current list"), classes="dialog-hint")
            yield Static(id="export-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_where(self.default_path)
        self.query_one("#export-path", Input).focus()

    def _target(self, raw: str) -> Path:
        path = Path(raw).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def _show_where(self, raw: str) -> None:
        raw = raw.strip()
        where = f"Writes {self._target(raw)}" if raw else "Give a file name."
        self.query_one("#export-where", Static).update(Text(printable(where)))

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._show_where(event.value)
        self._error("")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._finish()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self._finish()
        elif event.button.id == "cancel":
            self.dismiss(None)

    def _error(self, message: str) -> None:
        self.query_one("#export-error", Static).update(Text(printable(message)))

    def _finish(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._error("Give a file name.")
            return
        path = self._target(raw)
        if path.is_dir():
            self._error(f"{path} is a directory; give a file name.")
            return
        if not path.parent.is_dir():
            self._error(f"{path.parent}: no such directory.")
            return
        title = self.query_one("#export-title", Input).value.strip() or "Reading list"
        scope = "list"
        if self.selection_count:
            scope = "selection" if self.query_one("#scope-selection", RadioButton).value else "list"
        request = ExportRequest(
            path,
            title,
            group_by=str(self.query_one("#export-group", Select).value),
            order=str(self.query_one("#export-order", Select).value),
            abstracts=str(self.query_one("#export-abstracts", Select).value),
            scope=scope,
        )
        if not path.exists():
            self.dismiss(request)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(replace(request, replace=True))
            else:  # Keep: back here, to pick another name
                field = self.query_one("#export-path", Input)
                field.focus()
                self._error(f"{path.name} exists; kept it. Give another name, or Export again to be asked.")

        question = f"{path} exists. Replace it?"
        self.app.push_screen(ConfirmModal(printable(question), yes="Replace", no="Keep", safe=True), answered)
