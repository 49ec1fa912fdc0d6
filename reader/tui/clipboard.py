"""The copy menu (`y`): its choices, and the system clipboard behind it.

The text of each format comes from :func:`reader.copying.render_copy`, the
same as ``reader copy``. Copying tries the system clipboard (pyperclip)
first; the app falls back to the terminal's clipboard (OSC 52) when that
raises :class:`reader.copying.ClipboardUnavailable`, and says which it used.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.copying import COPY_FORMAT_LABELS, COPY_FORMATS, ClipboardUnavailable


@dataclass(frozen=True, slots=True)
class CopyFormat:
    key: str  # the key that picks it in the copy menu
    id: str  # a format of reader.copying
    label: str


_KEYS = {"title": "t", "code": "c", "markdown": "m", "abstract": "a", "bibtex": "b", "citation": "p"}
_MENU_LABELS = {"markdown": "Markdown link  [Title](link)", "citation": "Plain citation  Authors (Year). Title."}


def copy_formats() -> list[CopyFormat]:
    """The copy menu, in the order of :data:`reader.copying.COPY_FORMATS`."""
    formats = []
    for format_id in COPY_FORMATS:
        key = _KEYS.get(format_id) or format_id[0]
        label = _MENU_LABELS.get(format_id) or COPY_FORMAT_LABELS.get(format_id, format_id)
        label = label[:1].upper() + label[1:]
        formats.append(CopyFormat(key, format_id, label))
    return formats


def system_copy(text: str) -> None:
    """Copy with pyperclip; :class:`ClipboardUnavailable` (with pyperclip's reason) when it cannot."""
    import pyperclip

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:
        # pyperclip's message goes on with a web address; its first sentence says it all.
        reason = str(exc).strip().split(". ")[0].rstrip(".") or "no copy mechanism found"
        raise ClipboardUnavailable(reason) from None
    except OSError as exc:
        raise ClipboardUnavailable(exc.strerror or str(exc)) from None


__all__ = ["ClipboardUnavailable", "CopyFormat", "copy_formats", "system_copy"]
