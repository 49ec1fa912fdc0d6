"""Notes: one Markdown text per paper, saved without losing anyone's words.

A note is edited from a *base* (the text when editing started). Saving
compares the note in the library (read under the library's lock, after
catching up with other processes) with that base: if another process changed
it meanwhile, both texts are kept, theirs first, then ours below a line that
says what happened, and :class:`NoteSaved` says so. Every save is one normal,
undoable library change.

The external editor (``$VISUAL``, else ``$EDITOR``, else ``vi``) is run on a
temporary file by :func:`edit_in_editor`, for ``reader note ID --edit`` and
the TUI (which suspends itself around the call).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace

from reader.errors import ReaderError
from reader.papers import short_id

CONFLICT_LINE = "----- the note above was changed elsewhere while this one was edited; both are kept -----"
DEFAULT_EDITOR = "vi"


class EditorError(ReaderError):
    """The external editor could not be started, or failed."""


@dataclass(slots=True)
class NoteSaved:
    paper_id: str
    text: str  # the note as saved
    changed: bool  # False: the library already held this text
    conflict: bool  # another process had changed the note since the base: both texts kept
    seq: int = 0  # the library change (0 when nothing changed)


def merge_notes(theirs: str, ours: str) -> str:
    """Both texts of a conflict, theirs first (neither is lost)."""
    if not theirs:
        return ours
    if not ours:
        return theirs
    return f"{theirs.rstrip(chr(10))}\n\n{CONFLICT_LINE}\n\n{ours}"


def save_note(library, ref: str, text: str, base: str | None = None) -> NoteSaved:
    """Set the note of paper ``ref`` to ``text``.

    ``base`` is the note as it was when editing started (None: overwrite
    whatever is there, as ``reader note ID TEXT`` does). A note changed
    elsewhere since ``base`` is kept, with ``text`` after it.
    """
    if not isinstance(text, str):
        raise ReaderError("a note must be text")
    pid = library.resolve(ref).id
    outcome: dict = {}

    def compute():
        paper = library.get(pid)
        if paper is None:
            raise ReaderError(f"paper {short_id(pid)} was deleted meanwhile; the note was not saved")
        current = paper.notes
        conflict = False
        if base is None or current == base:
            wanted = text
        elif text in (base, current):  # we changed nothing, or made the same change: theirs stands
            wanted = current
        else:
            wanted, conflict = merge_notes(current, text), True
        outcome.update(text=wanted, conflict=conflict)
        if wanted == current:
            return [], {}, []
        return [replace(paper, notes=wanted)], {}, []

    label = f"edit notes of {short_id(pid)}" if text else f"clear notes of {short_id(pid)}"
    change = library.transact(label, compute)
    return NoteSaved(pid, outcome["text"], bool(change.ids), outcome["conflict"], change.seq if change.ids else 0)


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The editor to run, as argv: ``$VISUAL``, else ``$EDITOR``, else ``vi``."""
    if environ is None:
        environ = os.environ
    value = (environ.get("VISUAL") or "").strip() or (environ.get("EDITOR") or "").strip() or DEFAULT_EDITOR
    try:
        argv = shlex.split(value)
    except ValueError as exc:
        raise EditorError(f"cannot read the editor command {value!r}: {exc}") from None
    if not argv:
        raise EditorError("no editor: set $VISUAL or $EDITOR")
    return argv


def edit_in_editor(text: str, *, environ: dict | None = None, suffix: str = ".md") -> str:
    """Let the user edit ``text`` in their editor; returns the edited text.

    Raises :class:`EditorError` (one line) when the editor does not start or
    exits with a failure; the text is then unchanged. Bytes are kept exactly
    (no newline translation; text that is not UTF-8 is refused).
    """
    argv = editor_command(environ)
    try:
        handle, name = tempfile.mkstemp(prefix="reader-note-", suffix=suffix)
    except OSError as exc:
        raise EditorError(f"cannot write the note to a temporary file ({exc.strerror or exc})") from None
    try:
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(text.encode("utf-8", "surrogatepass"))
        except OSError as exc:
            raise EditorError(f"cannot write the note to a temporary file ({exc.strerror or exc})") from None
        try:
            result = subprocess.run([*argv, name], check=False)
        except OSError as exc:
            raise EditorError(
                f"could not start the editor {argv[0]!r} ({exc.strerror or exc}); set $VISUAL or $EDITOR"
            ) from None
        if result.returncode != 0:
            raise EditorError(
                f"the editor {argv[0]!r} exited with status {result.returncode}; the note was not changed"
            )
        try:
            with open(name, "rb") as back:
                data = back.read()
        except OSError as exc:
            raise EditorError(f"cannot read the edited note back ({exc.strerror or exc})") from None
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise EditorError("the edited note is not UTF-8 text; the note was not changed") from None
    finally:
        try:
            os.unlink(name)
        except OSError:
            pass


__all__ = ["CONFLICT_LINE", "EditorError", "NoteSaved", "edit_in_editor", "editor_command", "merge_notes", "save_note"]
