"""Showing untrusted paper text on a terminal.

Titles and abstracts come from the web. They are stored exactly as given, but
before they reach a terminal, control characters (including the ESC that
starts terminal escape sequences) become visible symbols and bidirectional
overrides are dropped, so text can neither drive the terminal nor reorder
what is shown around it. (Markup is the TUI's concern: it renders text as
plain `rich.text.Text`, never as markup.)
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_C0_C1 = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("[\t\n\r\u0085\u2028\u2029]+")


def _picture(match: re.Match) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␀ for NUL ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def printable(text: str, *, one_line: bool = True) -> str:
    """``text`` made safe to print: no control characters, no bidi overrides."""
    if one_line:
        text = _LINE_BREAKS.sub(" ", text)
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI_CONTROLS.sub("", text)
    if one_line:
        return _C0_C1.sub(_picture, text)
    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", _picture, text)
