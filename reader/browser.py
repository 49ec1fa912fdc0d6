"""Opening a link in a web browser, and knowing beforehand when none can be started.

Python's :mod:`webbrowser` finds a browser from ``BROWSER`` or from what is
installed and a display; over SSH or in a container it finds none, and
``webbrowser.open`` then quietly returns False. :func:`why_no_browser` says
so first (in words a person can act on), so the CLI and the TUI can offer to
copy the URL instead of claiming to open it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

# Browsers that run in the terminal: fine for the CLI, but they would fight the TUI for the screen.
CONSOLE_BROWSERS = frozenset({"www-browser", "links", "links2", "elinks", "lynx", "w3m"})


def _situation(environ: Mapping[str, str]) -> str:
    parts = []
    if not environ.get("BROWSER"):
        parts.append("BROWSER is unset")
    if sys.platform.startswith("linux") and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        parts.append("there is no display")
    if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"):
        parts.append("this is an SSH session")
    return " and ".join(parts)


def why_no_browser(*, console_ok: bool = True, environ: Mapping[str, str] | None = None) -> str | None:
    """None when a browser can be started; otherwise one line saying why not.

    ``console_ok=False`` (the TUI) also refuses browsers that run in the
    terminal, such as lynx or w3m.
    """
    import webbrowser

    environ = os.environ if environ is None else environ
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        situation = _situation(environ)
        return "no web browser can be started here" + (f" ({situation})" if situation else "")
    name = os.path.basename(str(getattr(browser, "name", "") or ""))
    if not console_ok and name in CONSOLE_BROWSERS:
        return f"the only browser here is {name}, which runs in the terminal"
    return None


def open_in_browser(url: str) -> bool:
    """Open ``url`` in the browser :mod:`webbrowser` picks; False when it could not start one."""
    import webbrowser

    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False


__all__ = ["CONSOLE_BROWSERS", "open_in_browser", "why_no_browser"]
