"""Reading lists as Markdown that renders the same everywhere.

The output is CommonMark plus GitHub task lists, so it pastes into a GitHub
issue, a wiki or a notes app and reads as a checklist::

    # Reading list: diffusion

    3 papers: 1 read, 2 unread.

    - [ ] **A Paper Title** · [code](<https://github.com/o/r>) · [project](<https://o.github.io/r>) · `#video`
    - [x] **Another Title** · [arXiv](<https://arxiv.org/abs/2401.01234>)

Paper text is untrusted. Every title, tag and abstract is escaped so that it
renders as exactly its characters (a title with ``*``, ``_``, ``[``, a
backtick, ``<script>``, ``|`` or a leading ``#`` shows those characters), and
only http(s) URLs become links; anything else (``javascript:``, ``file:``,
``data:``) is shown as code, never as something to click. Link destinations
are written in ``<...>`` form so a URL with ``)`` or spaces stays one link.

:mod:`reader.importers.markdown_list` reads this format back (the round trip).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from urllib.parse import quote

from reader.links import is_openable
from reader.papers import Paper, fold_text
from reader.sorting import SORTS, sort_papers

GROUP_BY = ("none", "tag", "read", "source")
ORDERS = SORTS  # the same names as `reader list --sort` (reader.sorting)
ABSTRACT_STYLES = ("none", "details", "quote")

SEPARATOR = " · "

# Characters that are escaped wherever they occur.
_ESCAPE_ALWAYS = re.compile(r"([\\`*_\[\]<|~$])")
# '&' only where it would start an entity ('&amp;', '&#35;'): 'R&D' stays as it is.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# '#' where it could open a heading or close one ('Title ##'): at the start or after a space.
_HASH = re.compile(r"#(?<!\S#)")
# What would start a block (quote, list, heading underline) at the start of a line.
_BLOCK_START = re.compile(r"^(?:([>+=-])|(\d{1,9})([.)]))")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u0085\u2028\u2029]")
_SPACES = re.compile(r"\s+")
# Bidirectional overrides and isolates: shown literally they still reorder the
# rest of the line in a browser, so an exported list drops them.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_text(text: str) -> str:
    """``text`` as Markdown that renders as exactly these characters, on one line.

    Runs of whitespace (line breaks included) become one space and control
    characters are dropped, so the result is always a single line.
    """
    text = " ".join(_CONTROL.sub(" ", _BIDI.sub("", text)).split())
    text = _ESCAPE_ALWAYS.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _HASH.sub(r"\\#", text)
    match = _BLOCK_START.match(text)
    if match:
        if match.group(1):
            text = "\\" + text
        else:
            text = match.group(2) + "\\" + text[len(match.group(2)) :]
    return text


def code_span(text: str) -> str:
    """``text`` as an inline code span (literal, never a link), whatever backticks it holds."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text))
    if "`" not in text:
        return f"`{text}`"
    longest = max(len(run) for run in re.findall(r"`+", text))
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def link_destination(url: str) -> str | None:
    """A URL as a Markdown link destination, or None when it must not be clickable."""
    url = url.strip()
    if not is_openable(url) or _CONTROL.search(url):
        return None
    # Inside <...> only '<', '>', '\\' and line breaks are special; spaces are
    # allowed but many renderers stumble on them, so they are percent-encoded.
    encoded = re.sub(r"[\\<>\s]", lambda m: quote(m.group(0), safe=""), url)
    return "<" + encoded + ">"


def markdown_link(text: str, url: str) -> str:
    """``[text](url)`` for an http(s) URL; otherwise the text and the URL as literal code."""
    dest = link_destination(url)
    if dest is None:
        return f"{escape_text(text)}: {code_span(url)}"
    return f"[{escape_text(text)}]({dest})"


def arxiv_url(paper: Paper) -> str | None:
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    link = next((link for link in paper.links if link.kind == "arxiv"), None)
    return link.url if link else None


def tag_markdown(tag: str) -> str:
    return code_span("#" + tag)


def paper_line(paper: Paper) -> str:
    """One task-list item: box, title in bold, code / project / arXiv links, tags."""
    box = "[x]" if paper.read else "[ ]"
    parts = [f"- {box} **{escape_text(paper.title)}**"]
    code = paper.code_link
    if code:
        parts.append(markdown_link("code", code.url))
    project = paper.project_link
    if project:
        parts.append(markdown_link("project", project.url))
    arxiv = arxiv_url(paper)
    if arxiv:
        parts.append(markdown_link("arXiv", arxiv))
    if paper.tags:
        parts.append(" ".join(tag_markdown(tag) for tag in paper.tags))
    return SEPARATOR.join(parts)


def abstract_lines(abstract: str, style: str) -> list[str]:
    """The lines that put ``abstract`` under its list item (indented into the item)."""
    text = escape_text(abstract)
    if not text or style == "none":
        return []
    if style == "quote":
        return [f"  > {text}"]
    # An HTML block ends at a blank line, so the abstract in between is Markdown
    # (escaped), and a blank line after </details> lets the next item start.
    return ["  <details><summary>Abstract</summary>", "", f"  {text}", "", "  </details>", ""]


NOTES_OPEN = "<details open><summary>Notes</summary>"
_CLOSE_DETAILS = re.compile(r"</(details)", re.IGNORECASE)
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u0085\u2028\u2029]")


def note_lines(note: str) -> list[str]:
    """The lines that put a paper's note (Markdown, the user's own) under its list item.

    The note stays Markdown, indented into the item inside an open ``<details>``
    block (which :mod:`reader.importers.markdown_list` skips on import); a
    ``</details`` in it is written ``&lt;/details`` so it cannot end the block.
    """
    if not note.strip():
        return []
    text = _NOTE_CONTROL.sub(" ", _BIDI.sub("", note.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [f"  {NOTES_OPEN}", ""]
    for line in text.split("\n"):
        line = _CLOSE_DETAILS.sub(r"&lt;/\1", line.rstrip())
        lines.append(f"  {line}" if line.strip() else "")
    while lines[-1] == "":
        lines.pop()
    return lines + ["", "  </details>", ""]


def _ordered(papers: list[Paper], order: str, reverse: bool = False) -> list[Paper]:
    return sort_papers(papers, order, reverse)


def _groups(papers: list[Paper], group_by: str) -> list[tuple[str, list[Paper]]]:
    if group_by == "read":
        unread = [p for p in papers if not p.read]
        read = [p for p in papers if p.read]
        return [(name, group) for name, group in (("Unread", unread), ("Read", read)) if group]
    if group_by in ("tag", "source"):
        named: dict[str, list[Paper]] = {}
        rest: list[Paper] = []
        for paper in papers:
            keys = paper.tags if group_by == "tag" else paper.sources
            if not keys:
                rest.append(paper)
            for key in dict.fromkeys(keys):
                named.setdefault(key, []).append(paper)
        groups = [(("#" if group_by == "tag" else "") + key, named[key]) for key in sorted(named, key=fold_text)]
        if rest:
            groups.append(("Untagged" if group_by == "tag" else "No source", rest))
        return groups
    return [("", papers)]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(papers: list[Paper]) -> str:
    read = sum(1 for p in papers if p.read)
    return f"{_plural(len(papers), 'paper')}: {read} read, {len(papers) - read} unread."


def _abstract_lookup(abstract_texts) -> Callable[[str], str]:
    if abstract_texts is None:
        raise ValueError("abstracts were asked for: pass abstract_texts (a mapping or library.abstract)")
    if isinstance(abstract_texts, Mapping):
        return lambda pid: abstract_texts.get(pid, "") or ""
    return lambda pid: abstract_texts(pid) or ""


def iter_reading_list(
    papers: Iterable[Paper],
    *,
    title: str = "Reading list",
    group_by: str | None = "none",
    order: str = "rank",
    abstracts: str | None = "none",
    abstract_texts: Mapping[str, str] | Callable[[str], str] | None = None,
    reverse: bool = False,
) -> Iterator[str]:
    """The reading list line by line (each ending in a newline): for writing big lists."""
    group_by = group_by or "none"
    abstracts = abstracts or "none"
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}, not {group_by!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    if abstracts not in ABSTRACT_STYLES:
        raise ValueError(f"abstracts must be one of {ABSTRACT_STYLES}, not {abstracts!r}")
    lookup = _abstract_lookup(abstract_texts) if abstracts != "none" else None
    papers = _ordered(list(papers), order, reverse)
    yield f"# {escape_text(title) or 'Reading list'}\n"
    yield "\n"
    yield summary_line(papers) + "\n"
    blank = False  # whether the last line written was blank
    for heading, group in _groups(papers, group_by):
        if not blank:
            yield "\n"
        if heading:
            yield f"## {escape_text(heading)} ({len(group)})\n"
            yield "\n"
        for paper in group:
            yield paper_line(paper) + "\n"
            blank = False
            if lookup is not None:
                for line in abstract_lines(lookup(paper.id), abstracts):
                    yield line + "\n"
                    blank = not line
            for line in note_lines(paper.notes):
                yield line + "\n"
                blank = not line


def render_reading_list(
    papers: Iterable[Paper],
    *,
    title: str = "Reading list",
    group_by: str | None = "none",
    order: str = "rank",
    abstracts: str | None = "none",
    abstract_texts: Mapping[str, str] | Callable[[str], str] | None = None,
) -> str:
    """The whole reading list as one string.

    ``group_by``: "none", "tag" (a paper with two tags is listed under both),
    "read" (unread first) or "source" (the page dumps it came from).
    ``order``: "rank" (as given, e.g. search rank), "title", or "added" (newest first).
    ``abstracts``: "none", "details" (a collapsed ``<details>`` block) or
    "quote" (a blockquote); needs ``abstract_texts``, a mapping from paper id
    to abstract or a function such as ``library.abstract``.
    """
    return "".join(
        iter_reading_list(
            papers,
            title=title,
            group_by=group_by,
            order=order,
            abstracts=abstracts,
            abstract_texts=abstract_texts,
        )
    )


__all__ = [
    "ABSTRACT_STYLES",
    "GROUP_BY",
    "ORDERS",
    "code_span",
    "escape_text",
    "iter_reading_list",
    "link_destination",
    "markdown_link",
    "note_lines",
    "paper_line",
    "render_reading_list",
]
