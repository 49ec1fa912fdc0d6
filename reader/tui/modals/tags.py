"""The tag editor (t, T): parse "+tag -tag" edits, complete tag names, the dialog."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, Static

from reader.papers import normalise_tag
from reader.textsafe import printable

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
