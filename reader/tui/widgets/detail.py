"""The detail pane: everything about the current paper, shown literally."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from reader.details import dead_reason, link_checks, link_label, meta_parts, more_fields, numbered_links
from reader.links import is_openable
from reader.papers import Paper
from reader.textsafe import printable
from reader.tui import keys


def _date(stamp: str | None) -> str:
    return (stamp or "")[:10]


# A long note is cut here in the pane (the note editor shows all of it).
NOTE_SHOWN = 20_000


def note_text(notes: str, hint: str = " (m edits)") -> Text:
    """A paper's note for the detail pane: literally (never markup), cut when very long."""
    shown = notes if len(notes) <= NOTE_SHOWN else notes[:NOTE_SHOWN]
    text = Text("Notes", style="bold")
    text.append(hint + "\n", style="italic")
    text.append(printable(shown.strip("\n"), one_line=False))
    if len(notes) > NOTE_SHOWN:
        text.append(f"\n… {len(notes) - NOTE_SHOWN:,} more characters (m shows the whole note).", style="italic")
    return text


def meta_line(paper: Paper) -> str:
    return printable(" · ".join(meta_parts(paper)))


def links_text(paper: Paper) -> Text:
    text = Text()
    links = numbered_links(paper)  # the stored links, then arXiv page, PDF, HF page
    if not links:
        text.append("No links.", style="italic")
        return text
    checks = link_checks(paper)
    width = max(len(link_label(link)) for link in links)
    dead = 0
    checked_dates: list[str] = []
    for number, link in enumerate(links, start=1):
        if number > 1:
            text.append("\n")
        text.append(f"{number:>2} " if number <= 9 else "   ", style="bold")
        text.append(printable(link_label(link)).ljust(width) + "  ")
        text.append(printable(link.url), style="" if is_openable(link.url) else "strike")
        check = checks.get(link.url)
        if check is None:
            continue
        checked = _date(check.get("checked") if isinstance(check.get("checked"), str) else None)
        if checked:
            checked_dates.append(checked)
        if check.get("ok") is False:
            dead += 1
            when = f", checked {checked}" if checked else ""
            text.append("  ✗ dead", style="bold reverse")
            text.append(printable(f" ({dead_reason(check)}{when})"), style="italic")
    if checked_dates:
        total = sum(1 for link in paper.links if link.url in checks)
        state = f"{dead} dead" if dead else "all answered"
        text.append(f"\nLinks checked {max(checked_dates)} ({total} of {len(paper.links)}: {state}).", style="italic")
    return text


class PaperDetail(VerticalScroll, can_focus=True):
    BINDINGS = keys.bindings(keys.DETAIL)

    shown_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Static(id="detail-tags")
        yield Static(id="detail-links")
        yield Static(id="detail-more")
        yield Static(id="detail-notes")
        yield Static(id="detail-abstract")

    def action_cursor_down(self) -> None:
        self.scroll_down(animate=False)

    def action_cursor_up(self) -> None:
        self.scroll_up(animate=False)

    def _set(self, widget_id: str, content: Text | str) -> None:
        widget = self.query_one(f"#{widget_id}", Static)
        widget.update(Text(content) if isinstance(content, str) else content)
        widget.display = bool(content.plain if isinstance(content, Text) else content)

    def show_paper(self, paper: Paper | None, abstract: str | None) -> None:
        """Show ``paper``; ``abstract`` None means it is still loading."""
        same = paper is not None and paper.id == self.shown_id
        self.shown_id = paper.id if paper is not None else None
        if paper is None:
            for widget_id in ("meta", "tags", "links", "more", "notes", "abstract"):
                self._set(f"detail-{widget_id}", "")
            self._set("detail-title", "Nothing selected.")
            return
        self._set("detail-title", printable(paper.title))
        self._set("detail-meta", meta_line(paper))
        if paper.tags:
            self._set("detail-tags", printable("Tags: " + " ".join("#" + tag for tag in paper.tags)))
        else:
            self._set("detail-tags", "No tags (t adds some).")
        self._set("detail-links", links_text(paper))
        more = [f"{label}: {text}" for label, text in more_fields(paper)]
        self._set("detail-more", printable("\n".join(more), one_line=False))
        self._set("detail-notes", note_text(paper.notes) if paper.notes.strip() else "")
        if abstract is None:
            self._set("detail-abstract", "")  # usually here within milliseconds; see show_loading()
        elif abstract.strip():
            self._set("detail-abstract", printable(abstract.strip(), one_line=False))
        else:
            self._set("detail-abstract", Text("No abstract.", style="italic"))
        if not same:
            self.scroll_home(animate=False)

    def show_loading(self, paper_id: str) -> None:
        """Still no abstract for ``paper_id`` (the first one at 100,000 papers takes a second or two)."""
        if self.shown_id == paper_id and not self.query_one("#detail-abstract", Static).display:
            self._set("detail-abstract", Text("Loading the abstract…", style="italic"))

    def update_abstract(self, abstract: str) -> None:
        if abstract.strip():
            self._set("detail-abstract", printable(abstract.strip(), one_line=False))
        else:
            self._set("detail-abstract", Text("No abstract.", style="italic"))
