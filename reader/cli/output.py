"""Everything the CLI prints goes through here: one JSON printer, one text printer, progress on stderr.

Paper text comes from the web. On a terminal, control characters and bidi
overrides must neither drive the terminal nor reorder the line, so text is
made printable (:func:`display`) and JSON escapes such characters
(:func:`print_json`) whatever the command.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap

# Characters that may sit raw in JSON text but would act on a terminal (DEL, C1
# controls such as CSI) or reorder the text around them (bidi overrides).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_text(value) -> str:
    """JSON for scripts: readable UTF-8, with terminal-unsafe characters as \\uXXXX escapes."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    # Such characters can only occur inside JSON strings, where the escape means the same.
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def print_json(value) -> None:
    sys.stdout.write(json_text(value) + "\n")


def display(text: str) -> str:
    """Paper text for one terminal line: control characters and escapes made harmless."""
    from reader.textsafe import printable

    return printable(text)


def display_block(text: str) -> str:
    """Paper text of several lines (a note, an abstract): line breaks kept, the rest made harmless."""
    from reader.textsafe import printable

    return printable(text, one_line=False)


def error(message: str) -> None:
    print(f"reader: error: {display(message)}", file=sys.stderr)


def warning(message: str) -> None:
    """Something went wrong that the command worked around (it goes on)."""
    print(f"reader: warning: {display(message)}", file=sys.stderr)


def note(message: str) -> None:
    print(f"reader: note: {display(message)}", file=sys.stderr)


def terminal_width() -> int | None:
    """The width to wrap stdout to: the terminal's when stdout is one, None (never wrap) when piped."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return max(shutil.get_terminal_size((80, 24)).columns, 20)


def print_wrapped(text: str, width: int | None, *, indent: str = "") -> None:
    """``text`` as lines no wider than ``width`` (words kept whole, continuation lines indented);
    as is when ``width`` is None (stdout is not a terminal)."""
    if width is None:
        print(text)
        return
    for paragraph in text.split("\n"):
        lines = textwrap.wrap(
            paragraph, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
        )
        print("\n".join(lines) if lines else "")


def paper_json(paper, *, score: float | None = None, abstract: str | None = None) -> dict:
    doc = paper.to_doc()
    doc["short_id"] = paper.short_id
    if abstract is not None:
        doc["abstract"] = abstract
    if score is not None:
        doc["score"] = round(score, 4)
    return doc


def paper_row(paper) -> str:
    """One paper on one line: short id, read box, title, code mark, tags."""
    box = "[x]" if paper.read else "[ ]"
    code = " <code>" if paper.has_code else ""
    tags = "".join(f" #{tag}" for tag in paper.tags)
    return f"{paper.short_id:<10} {box} {display(paper.title)}{code}{display(tags)}"


ROW_INDENT = " " * 15  # under the title of a paper_row


def bar_printer(label: str):
    """``show(done, total)`` drawing a progress bar on stderr (a terminal); a line break at the end."""

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}{end}")
        sys.stderr.flush()

    return show


class Progress:
    """A one-line progress bar on a terminal; plain lines (or nothing) otherwise."""

    def __init__(self, label: str, total: int, stream=None, *, plain_lines: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.total = total
        self.plain_lines = plain_lines
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.drawn = False

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        if total is not None:
            self.total = total
        if not self.tty or self.total <= 0:
            return
        width = shutil.get_terminal_size((80, 24)).columns
        bar_width = 20
        filled = int(bar_width * done / self.total)
        head = f"{self.label} [{'#' * filled}{'.' * (bar_width - filled)}] {done}/{self.total} "
        tail = display(note)[: max(0, width - len(head) - 1)]
        self.stream.write("\r\x1b[K" + head + tail)
        self.stream.flush()
        self.drawn = True

    def line(self, text: str) -> None:
        """A line that stays: above the bar on a terminal, or as is (when plain lines are wanted)."""
        if self.tty:
            self.stream.write("\r\x1b[K" + display(text) + "\n")
            self.stream.flush()
        elif self.plain_lines:
            self.stream.write(display(text) + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
