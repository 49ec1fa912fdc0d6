"""Small dialogs: confirm, tag editor, copy menu, export. Each returns its answer through ``dismiss``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Select, Static
from textual.widgets.option_list import Option

from reader.papers import normalise_tag
from reader.textsafe import printable
from reader.tui.clipboard import CopyFormat

# -- tag edits (pure) -------------------------------------------------------------------

_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class TagEdit:
    add: tuple[str, ...]
    remove: tuple[str, ...]

    def describe(self) -> str:
        return " ".join([*("+" + tag for tag in self.add), *("-" + tag for tag in self.remove)])


def parse_tag_edit(text: str) -> TagEdit:
    """'ml +vision -old' -> add ml, vision; remove old. ValueError with a reason otherwise."""
    add: list[str] = []
    remove: list[str] = []
    for token in _SPLIT.split(text.strip()):
        if not token:
            continue
        target = add
        if token[0] in "+-":
            target = remove if token[0] == "-" else add
            token = token[1:]
        tag = normalise_tag(token)
        if not tag:
            raise ValueError("a '+' or '-' needs a tag name after it")
        if tag in add or tag in remove:
            if (tag in add) != (target is add):
                raise ValueError(f"#{tag} is both added and removed")
            continue
        target.append(tag)
    if not add and not remove:
        raise ValueError("type a tag to add, or -tag to remove one")
    return TagEdit(tuple(add), tuple(remove))


def last_token(text: str) -> str:
    parts = _SPLIT.split(text)
    return parts[-1] if parts else ""


def complete_tag(text: str, known: Sequence[str]) -> str | None:
    """``text`` with its last word completed from ``known`` tags (most used first), or None."""
    token = last_token(text)
    sign = token[:1] if token[:1] in "+-" else ""
    stem = normalise_tag(token[len(sign) :])
    if not stem:
        return None
    for tag in known:
        if tag.startswith(stem) and tag != stem:
            return text[: len(text) - len(token)] + sign + tag
    return None


class TagSuggester(Suggester):
    def __init__(self, known: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.known = list(known)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_tag(value, self.known)


class TagInput(Input):
    """An input where Tab completes the tag being typed (instead of moving focus)."""

    BINDINGS = [Binding("tab", "complete", "Complete tag", show=False, id="complete_tag")]

    def __init__(self, known: Sequence[str], **kwargs) -> None:
        super().__init__(suggester=TagSuggester(known), **kwargs)
        self.known = list(known)

    def action_complete(self) -> None:
        completed = complete_tag(self.value, self.known)
        if completed is not None:
            self.value = completed + " "
            self.cursor_position = len(self.value)


# -- dialogs -------------------------------------------------------------------------------


class ConfirmModal(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Text(self.question), classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="primary")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class TagEditorModal(ModalScreen[TagEdit | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog_cancel")]

    def __init__(self, target: str, current: Counter, known: Sequence[str], counts: Counter) -> None:
        super().__init__(classes="dialog")
        self.target = target
        self.current = current
        self.known = list(known)
        self.counts = counts

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="tag-editor"):
            yield Label(Text(f"Tags for {self.target}"), classes="dialog-title")
            if self.current:
                on_now = " ".join(
                    f"#{tag} ({n})" if n > 1 else f"#{tag}" for tag, n in sorted(self.current.items())
                )
                yield Static(Text(printable("Now: " + on_now)), id="tag-current")
            else:
                yield Static(Text("Now: no tags"), id="tag-current")
            yield TagInput(self.known, placeholder="tag  -tag-to-remove", id="tag-input")
            yield Static(
                Text("Names add tags, -name removes one. Tab completes, Enter applies, Esc cancels."),
                classes="dialog-hint",
            )
            yield Static(id="tag-known", classes="dialog-hint")
            yield Static(id="tag-error", classes="dialog-error")

    def on_mount(self) -> None:
        self._show_known("")
        self.query_one(TagInput).focus()

    def _show_known(self, value: str) -> None:
        token = last_token(value).lstrip("+-")
        stem = normalise_tag(token)
        matching = [tag for tag in self.known if not stem or tag.startswith(stem)][:12]
        widget = self.query_one("#tag-known", Static)
        if matching:
            widget.update(Text(printable("Known: " + "  ".join(f"{tag} ({self.counts.get(tag, 0)})" for tag in matching))))
        else:
            widget.update(Text("New tag." if stem else ""))

    @on(Input.Changed, "#tag-input")
    def _changed(self, event: Input.Changed) -> None:
        self._show_known(event.value)
        self.query_one("#tag-error", Static).update("")

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            edit = parse_tag_edit(event.value)
        except ValueError as exc:
            self.query_one("#tag-error", Static).update(Text(str(exc)))
            return
        self.dismiss(edit)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LetterMenuModal(ModalScreen[str | None]):
    """A menu whose choices also have a letter each (``letters``: key -> option id); Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog_cancel")]

    letters: dict[str, str] = {}

    def on_key(self, event) -> None:
        choice = self.letters.get(event.key)
        if choice is not None:
            event.stop()
            self.dismiss(choice)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CopyModal(LetterMenuModal):
    """Pick what to copy; each choice also has its own key."""

    def __init__(self, formats: Sequence[CopyFormat], target: str) -> None:
        super().__init__(classes="dialog")
        self.formats = list(formats)
        self.target = target
        self.letters = {fmt.key: fmt.id for fmt in self.formats}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="copy-menu"):
            yield Label(Text(f"Copy {self.target}"), classes="dialog-title")
            yield OptionList(
                *(Option(Text(f"{fmt.key}  {fmt.label}"), id=fmt.id) for fmt in self.formats), id="copy-options"
            )
            yield Static(Text("Press a letter or Enter; Esc cancels."), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()


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


class ExportModal(ModalScreen[ExportRequest | None]):
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
        with Vertical(classes="dialog-box", id="export-dialog"):
            yield Label("Export as Markdown", classes="dialog-title")
            yield Label("File")
            yield Input(self.default_path, id="export-path")
            yield Label("Title")
            yield Input(self.default_title, id="export-title")
            with Horizontal(id="export-options"):
                yield Select(GROUPINGS, value="none", allow_blank=False, id="export-group")
                yield Select(ORDERS, value="rank", allow_blank=False, id="export-order")
                yield Select(ABSTRACTS, value="none", allow_blank=False, id="export-abstracts")
            if self.selection_count:
                with RadioSet(id="export-scope"):
                    yield RadioButton(f"The selection ({self.selection_count:,} papers)", value=True, id="scope-selection")
                    yield RadioButton(f"The list ({self.list_count:,} papers)", id="scope-list")
            else:
                yield Static(Text(f"{self.list_count:,} papers: the current list"), classes="dialog-hint")
            yield Static(id="export-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._finish()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self._finish()
        else:
            self.dismiss(None)

    def _error(self, message: str) -> None:
        self.query_one("#export-error", Static).update(Text(message))

    def _finish(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._error("Give a file name.")
            return
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
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
        self.dismiss(
            ExportRequest(
                path,
                title,
                group_by=str(self.query_one("#export-group", Select).value),
                order=str(self.query_one("#export-order", Select).value),
                abstracts=str(self.query_one("#export-abstracts", Select).value),
                scope=scope,
            )
        )
