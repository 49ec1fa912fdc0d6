"""Every key the TUI binds, in one table: bindings, the help screen and remapping read it.

Each key has an id; a user remaps it in ``config.toml``::

    [keys]
    toggle_read = "x"
    cursor_down = "j,down,ctrl+n"

Textual applies the remapping (``App.set_keymap``) to every binding with that id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType

# Where a binding lives (which node's BINDINGS it is in).
APP = "app"
MAIN = "main"
LIST = "list"
SIDEBAR = "sidebar"
DETAIL = "detail"
WELCOME = "welcome"
TRIAGE = "triage"
NOTE = "note"
STATS = "stats"


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str
    keys: str  # Textual key names, comma separated
    action: str
    description: str
    section: str
    owners: tuple[str, ...]
    footer: bool = False  # shown in the footer
    footer_label: str = ""
    palette: bool = True  # offered in the command palette (run on the main screen)
    # Checked before the focused widget sees the key, so a key typed right after it goes
    # where it moved the focus (fast typing, pastes). Such actions say in check_action
    # when they do not apply, and then the key goes on as usual.
    priority: bool = False


def _spec(id, keys, action, description, section, owners, footer=False, footer_label="", palette=True, priority=False):
    return KeySpec(id, keys, action, description, section, tuple(owners), footer, footer_label, palette, priority)


KEYS: tuple[KeySpec, ...] = (
    # Moving around
    _spec("cursor_down", "j,down", "cursor_down", "Next paper (or item)", "Moving", [LIST, SIDEBAR, DETAIL], palette=False),
    _spec("cursor_up", "k,up", "cursor_up", "Previous paper (or item)", "Moving", [LIST, SIDEBAR, DETAIL], palette=False),
    _spec("cursor_first", "g,home", "cursor_first", "First paper", "Moving", [LIST], palette=False),
    _spec("cursor_last", "G,end", "cursor_last", "Last paper", "Moving", [LIST], palette=False),
    _spec("page_down", "pagedown", "page_down", "Page down", "Moving", [LIST], palette=False),
    _spec("page_up", "pageup", "page_up", "Page up", "Moving", [LIST], palette=False),
    _spec(
        "focus_search", "slash", "focus_search", "Search (same query language as `reader list`)", "Moving", [MAIN],
        True, "Search", priority=True,
    ),
    _spec(
        "search_done", "enter,down", "search_done", "In the search bar: go to the results", "Moving", [MAIN],
        palette=False, priority=True,
    ),
    _spec(
        "leave", "escape", "leave", "Leave the search / clear the selection / stop an online task", "Moving", [MAIN],
        palette=False, priority=True,
    ),
    _spec(
        "clear_search", "ctrl+l", "clear_search", "Clear the search (the list shows every paper again)", "Moving",
        [MAIN], priority=True,
    ),
    _spec("search_all", "A", "search_all", "Search every paper, not only the smart list (back to All)", "Moving", [MAIN]),
    _spec("focus_next", "tab", "app.focus_next", "Next pane", "Moving", [MAIN], palette=False),
    _spec("focus_previous", "shift+tab", "app.focus_previous", "Previous pane", "Moving", [MAIN], palette=False),
    _spec("show_detail", "enter", "show_detail", "Go to the detail pane (scroll the abstract)", "Moving", [LIST], palette=False),
    _spec("toggle_sidebar", "b", "toggle_sidebar", "Hide / show the smart lists (sidebar)", "Moving", [MAIN]),
    _spec("next_list", "right_square_bracket", "next_list", "Next smart list (sidebar)", "Moving", [MAIN]),
    _spec("previous_list", "left_square_bracket", "previous_list", "Previous smart list (sidebar)", "Moving", [MAIN]),
    # The list
    _spec(
        "sort", "S", "sort", "Sort the list by… (choosing the same order again reverses it)",
        "The list", [MAIN],
    ),
    _spec("toggle_dates", "D", "toggle_dates", "Show / hide the date column", "The list", [MAIN]),
    _spec("triage", "i", "triage", "Triage the list one paper at a time (keep, skip, later)", "The list", [MAIN]),
    _spec("stats", "percent_sign", "stats", "Reading statistics", "The list", [MAIN]),
    # Reading
    _spec("toggle_read", "r", "toggle_read", "Toggle read / unread (the selection, else this paper)", "Reading", [MAIN], True, "Read"),
    _spec("mark_results_read", "R", "mark_results_read", "Mark every paper in the list read (asks first)", "Reading", [MAIN]),
    _spec("next_unread", "n", "next_unread", "Next unread paper", "Reading", [MAIN]),
    _spec("previous_unread", "p", "previous_unread", "Previous unread paper", "Reading", [MAIN]),
    _spec("toggle_select", "space", "toggle_select", "Select / unselect this paper (then move down)", "Reading", [LIST], palette=False),
    # Tags
    _spec("tag", "t", "tag", "Edit tags of the selection, else this paper", "Tags", [MAIN], True, "Tag"),
    _spec("tag_results", "T", "tag_results", "Edit tags of every paper in the list", "Tags", [MAIN]),
    # Notes
    _spec("edit_note", "m", "edit_note", "Write this paper's note (Markdown)", "Notes", [MAIN]),
    _spec("edit_note_external", "M", "edit_note_external", "Edit this paper's note in $VISUAL / $EDITOR", "Notes", [MAIN]),
    _spec("note_save", "ctrl+s", "save", "In the note editor: save", "Notes", [NOTE], True, "Save", palette=False),
    _spec("note_cancel", "escape", "cancel", "In the note editor: close (asks when unsaved)", "Notes", [NOTE], True, "Close", palette=False),
    # Triage (its own screen)
    _spec("triage_keep", "k", "keep", "Triage: keep (tag it to-read, or [triage] keep_tag)", "Triage", [TRIAGE], True, "Keep", palette=False),
    _spec("triage_skip", "s", "skip", "Triage: skip (mark read)", "Triage", [TRIAGE], True, "Skip", palette=False),
    _spec("triage_later", "l", "later", "Triage: later (leave it as it is)", "Triage", [TRIAGE], True, "Later", palette=False),
    _spec("triage_undo", "u", "undo", "Triage: undo the last decision", "Triage", [TRIAGE], True, "Undo", palette=False),
    _spec("triage_open", "o", "open_code", "Triage: open the code link (else the first link)", "Triage", [TRIAGE], True, "Open", palette=False),
    *(
        _spec(f"triage_link_{n}", str(n), f"open_link({n})", f"Triage: open link {n}", "Triage", [TRIAGE], palette=False)
        for n in range(1, 10)
    ),
    _spec("triage_scroll_down", "down", "scroll_down", "Triage: scroll the abstract", "Triage", [TRIAGE], palette=False),
    _spec("triage_scroll_up", "up", "scroll_up", "Triage: scroll back", "Triage", [TRIAGE], palette=False),
    _spec("triage_leave", "escape", "leave", "Triage / statistics: back to the list", "Triage", [TRIAGE, STATS], True, "Back", palette=False),
    # Links
    _spec("open_code", "o", "open_code", "Open the code link (GitHub repository)", "Links", [MAIN], True, "Code"),
    _spec("open_project", "O", "open_project", "Open the project page", "Links", [MAIN]),
    _spec("open_arxiv", "a", "open_arxiv", "Open the arXiv page", "Links", [MAIN]),
    _spec("open_pdf", "P", "open_pdf", "Open the PDF (arXiv)", "Links", [MAIN]),
    _spec("open_hf", "H", "open_hf", "Open the Hugging Face paper page", "Links", [MAIN]),
    *(
        _spec(f"open_link_{n}", str(n), f"open_link({n})", f"Open link {n}", "Links", [MAIN], palette=False)
        for n in range(1, 10)
    ),
    # Copy and export
    _spec("copy", "y", "copy", "Copy: title, code link, Markdown link, abstract, BibTeX or citation", "Copy and export", [MAIN], True, "Copy"),
    _spec("export", "e", "export", "Export the list (or the selection) as Markdown", "Copy and export", [MAIN], True, "Export"),
    # Online
    _spec("fetch_today", "f", "fetch_today", "Fetch today's daily papers (Hugging Face)", "Online", [MAIN, WELCOME]),
    _spec("fetch_days", "F", "fetch_days", "Fetch daily papers for a date…", "Online", [MAIN, WELCOME]),
    _spec("enrich_list", "E", "enrich_list", "Enrich papers with GitHub metadata (the list)", "Online", [MAIN]),
    _spec(
        "resolve_list", "I", "resolve_list", "Resolve on Hugging Face: arXiv id, authors, links (selection, else the list)",
        "Online", [MAIN],
    ),
    _spec("check_links", "l", "check_links", "Check links (the selection, else this paper)", "Online", [MAIN]),
    _spec("check_list_links", "L", "check_list_links", "Check links of every paper in the list", "Online", [MAIN]),
    # Library
    _spec("undo", "u", "undo", "Undo the last change", "Library", [MAIN], True, "Undo"),
    _spec("redo", "U", "redo", "Redo what the last undo took back (until the next change)", "Library", [MAIN]),
    _spec("refresh", "ctrl+r,f5", "refresh", "Pick up changes made elsewhere (also automatic)", "Library", [MAIN, WELCOME]),
    _spec("load_samples", "s", "load_samples", "Load the sample papers (empty library)", "Library", [WELCOME], True, "Load samples"),
    _spec("help", "question_mark", "app.help", "Show this help", "App", [APP], True, "Help"),
    _spec("quit", "q", "app.quit", "Quit", "App", [APP], True, "Quit"),
)

KEYS_BY_ID: dict[str, KeySpec] = {spec.id: spec for spec in KEYS}

# What works while the library is being opened (the first rows come from the search index):
# moving around, searching (it runs once the library is in), opening the current paper's links,
# the date column, help and quit. The screens' other actions need the library.
_WHILE_OPENING_SECTIONS = ("Moving", "Links", "App")
NEEDS_LIBRARY: frozenset[str] = frozenset(
    spec.action.split("(")[0]
    for spec in KEYS
    if (MAIN in spec.owners or WELCOME in spec.owners)
    and spec.section not in _WHILE_OPENING_SECTIONS
    and spec.id != "toggle_dates"
)

PALETTE_KEY = "ctrl+p"


def bindings(owner: str) -> list[BindingType]:
    """The Textual bindings of one node (``APP``, ``MAIN``, ``LIST``...)."""
    result: list[BindingType] = []
    for spec in KEYS:
        if owner not in spec.owners:
            continue
        result.append(
            Binding(
                spec.keys,
                spec.action,
                spec.footer_label or spec.description,
                show=spec.footer,
                id=spec.id,
                priority=spec.priority,
            )
        )
    return result


# The nodes whose bindings are live at the same time: a screen, the app, and the one widget
# focused on that screen. A key may mean two things only in places never live together.
CONTEXTS: tuple[frozenset[str], ...] = (
    frozenset({APP, MAIN, LIST}),
    frozenset({APP, MAIN, SIDEBAR}),
    frozenset({APP, MAIN, DETAIL}),
    frozenset({APP, WELCOME}),
    frozenset({APP, TRIAGE}),
    frozenset({APP, NOTE}),
    frozenset({APP, STATS}),
)
# Keys Textual itself binds everywhere.
RESERVED = {"ctrl+p": "opens the command palette", "ctrl+q": "quits"}


def _live_together(one: KeySpec, other: KeySpec) -> bool:
    return any(context & set(one.owners) and context & set(other.owners) for context in CONTEXTS)


def check_keymap(keys: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """A user's ``[keys]`` table: (the usable part, problems to tell them about).

    A key another action already uses where this one is live (``toggle_read = "j"``,
    while j moves down the list) would silently take one of the two away: it is
    left out with a warning, and an action left with no key keeps its own.
    """
    problems: list[str] = []
    wanted: dict[str, list[str]] = {}
    for binding_id, value in keys.items():
        if binding_id not in KEYS_BY_ID:
            problems.append(f"unknown key id {binding_id!r}")
            continue
        names = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        if not names:
            problems.append(f"{binding_id}: no key given")
            continue
        wanted[binding_id] = names
    effective = {spec.id: wanted.get(spec.id) or _split(spec.keys) for spec in KEYS}
    usable: dict[str, str] = {}
    for binding_id, names in wanted.items():
        spec = KEYS_BY_ID[binding_id]
        own = _split(spec.keys)
        kept = []
        for name in names:
            clash = None if name in own else _clash(spec, name, effective)
            if clash is None:
                kept.append(name)
            else:
                problems.append(f"{binding_id} = {name!r} left out: {name} already {clash}")
        if kept:
            usable[binding_id] = ",".join(kept)
        else:
            effective[binding_id] = own
            problems[-1] += f"; {binding_id} keeps {', '.join(own)}"
    return usable, problems


def _split(keys: str) -> list[str]:
    return [key.strip() for key in keys.split(",") if key.strip()]


def _clash(spec: KeySpec, name: str, effective: Mapping[str, list[str]]) -> str | None:
    """What ``name`` already does where ``spec`` is live, or None."""
    if name in RESERVED:
        return RESERVED[name]
    for other in KEYS:
        if other.id != spec.id and name in effective[other.id] and _live_together(spec, other):
            return f"does {other.description[:1].lower() + other.description[1:]} ({other.id})"
    return None


def effective_keys(spec: KeySpec, keymap: Mapping[str, str]) -> list[str]:
    return [key.strip() for key in keymap.get(spec.id, spec.keys).split(",") if key.strip()]


def sections(specs: Iterable[KeySpec] = KEYS) -> dict[str, list[KeySpec]]:
    grouped: dict[str, list[KeySpec]] = {}
    for spec in specs:
        grouped.setdefault(spec.section, []).append(spec)
    return grouped
