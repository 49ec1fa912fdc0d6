"""Read a Markdown reading list back: the round trip of :mod:`reader.exporters.markdown`.

A list reader wrote, perhaps edited by a person since (boxes ticked, lines
removed or reordered, tags added as `` `#tag` `` or ``#tag``), comes back as
one :class:`ListItem` per task-list line::

    - [x] **Title** · [code](https://github.com/o/r) · `#tag`

The title is the bold text (or, on a line a person wrote, the first link's
text or the text before the first link). Inline Markdown is decoded with
markdown-it, so escapes and entities come back as the characters they stand
for. Every other line is either known furniture (headings, the summary line,
blank lines, the abstract blocks under an item) or reported as unrecognised
with its line number; nothing is dropped silently and nothing is fatal.

:func:`apply_reading_list` then makes the library agree with the list: each
listed paper's read state and tags become what the list says, and papers the
library does not know are added when the line has enough to identify them (a
title and a link, or an arXiv link). Applying the same list twice changes
nothing the second time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace

from reader.errors import ImportProblem
from reader.importers import Candidate, Skipped, decode_text, read_input_bytes, source_name
from reader.links import classify_url, extract_links, is_openable
from reader.papers import Link, normalise_arxiv_id, normalise_tag, normalise_title

# Lists with abstracts of 100,000 papers stay well under this.
MAX_LIST_BYTES = 256 * 1024 * 1024

_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d{1,9}[.)])[ \t]+\[(?P<box>[ xX])\](?:[ \t]+(?P<rest>.*?))?\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT_OR_BREAK = re.compile(r"^ {0,3}(?:=+|-+|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})\s*$")
_SUMMARY = re.compile(r"^\d+ papers?: \d+ read, \d+ unread\.$")
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_NOTES_OPEN = re.compile(r"^<details(?:\s+open)?>\s*<summary>Notes</summary>$", re.IGNORECASE)
_DETAILS_TAG = re.compile(r"^(?:</?details[^>]*>|<summary>.*</summary>)+$", re.IGNORECASE)
_PLAIN_TAG = re.compile(r"(?:(?<=\s)|^)#([^\s#`]+)")
_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:\.pdf)?/?$", re.IGNORECASE)
_BARE_URL = re.compile(r"(?:https?:\s?//|(?<![\w/.@-])(?:www\.|github\.com/|huggingface\.co/|arxiv\.org/))", re.IGNORECASE)
_TITLE_TRIM = " \t·•|:;,–—-"


@dataclass(slots=True)
class ListItem:
    """One task-list line: a paper as the list describes it."""

    line: int
    title: str
    read: bool
    tags: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    arxiv_id: str | None = None
    abstract: str = ""


@dataclass(slots=True)
class ParsedList:
    source: str
    items: list[ListItem] = field(default_factory=list)
    unrecognised: list[Skipped] = field(default_factory=list)


# -- inline Markdown ---------------------------------------------------------------------

_MD = None


def _markdown():
    """A CommonMark parser that leaves link destinations as written (no re-encoding)."""
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark")
        md.normalizeLink = lambda url: url  # type: ignore[method-assign]  # keep the URL as written
        _MD = md
    return _MD


def _inline_tokens(text: str) -> list:
    tokens = _markdown().parseInline(text)
    return list(tokens[0].children or []) if tokens else []


# Longer inline text than this is not handed to markdown-it (which builds a token per piece
# of markup: a 10 MB line of emphasis would take gigabytes). Titles are a few hundred
# characters; an abstract this long is decoded by :func:`_plain_inline`, which undoes
# what reader's exporter writes (backslash escapes and code spans).
MAX_MARKDOWN_CHARS = 64 * 1024
# A task-list line longer than this is reported, not parsed: no title is that long.
MAX_ITEM_CHARS = 64 * 1024

_PLAIN_PIECE = re.compile(r"\\[!-/:-@\[-`{-~]|`+|[^\\`]+|\\")


def _plain_inline(markdown: str) -> str:
    """:func:`inline_text` without a Markdown parser: code spans kept literally, escapes undone."""
    parts: list[str] = []
    position = 0
    end = len(markdown)
    while position < end:
        match = _PLAIN_PIECE.match(markdown, position)
        assert match is not None  # the pattern matches any character
        piece = match.group(0)
        position = match.end()
        if piece.startswith("`"):
            closing = re.compile(rf"(?<!`){piece}(?!`)").search(markdown, position)
            if closing is not None:
                content = markdown[position : closing.start()]
                if content.startswith(" ") and content.endswith(" ") and content.strip():
                    content = content[1:-1]
                parts.append(content)
                position = closing.end()
                continue
        elif piece.startswith("\\") and len(piece) == 2:
            piece = piece[1]
        parts.append(piece)
    return "".join(parts).strip()


def inline_text(markdown: str) -> str:
    """What a line of inline Markdown reads as: escapes and entities decoded, markup dropped."""
    if len(markdown) > MAX_MARKDOWN_CHARS:
        return _plain_inline(markdown)
    parts = []
    for token in _inline_tokens(markdown):
        if token.type in ("text", "text_special", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _arxiv_from_url(url: str) -> str | None:
    match = _ARXIV_URL.match(url)
    return normalise_arxiv_id(match.group(1)) if match else None


# The exact shape reader writes, with nothing in it that Markdown would turn into
# anything but its own characters: such lines are decoded without markdown-it,
# which takes ~150 us a line (tests check both ways give the same answer).
_FAST_TITLE = r"(?:\\[!-/:-@\[-`{-~]|&(?!#?[0-9A-Za-z]+;)|[^\\*_\[\]<|~$`&\x00-\x1f\x7f])+"
# A destination as the exporter writes it: bare, or in <...> when it holds parentheses.
_FAST_LINK = r"\[(?:code|project|arXiv)\]\((?:<[^<>\\\s&`]*>|[^<>()\\\s&`]+)\)"
_FAST_ITEM = re.compile(
    rf"^\*\*(?P<title>{_FAST_TITLE})\*\*(?P<links>(?: · {_FAST_LINK})*)(?P<tags>(?: · `#[^`\s]+`(?: `#[^`\s]+`)*)?)$"
)
_FAST_LINK_PARTS = re.compile(r"\[(code|project|arXiv)\]\((?:<([^<>]*)>|([^<>()\s]+))\)")
_FAST_TAG_PARTS = re.compile(r"`#([^`\s]+)`")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _parse_item_text_fast(rest: str) -> tuple[str, list[tuple[str, str]], list[str]] | None:
    match = _FAST_ITEM.match(rest)
    if match is None:
        return None
    title = _UNESCAPE.sub(r"\1", match.group("title"))
    if title != title.strip():
        return None  # '** x**' is not bold in Markdown; let the full parser decide
    links = [(text, bracketed or bare) for text, bracketed, bare in _FAST_LINK_PARTS.findall(match.group("links"))]
    tags = _FAST_TAG_PARTS.findall(match.group("tags"))
    return " ".join(title.split()), links, tags


def _parse_item_text(rest: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(title, [(link text, url)], tags) of the text after an item's box."""
    fast = _parse_item_text_fast(rest)
    return fast if fast is not None else _parse_item_text_markdown(rest)


def _parse_item_text_markdown(rest: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """:func:`_parse_item_text` for any line, with a full Markdown parser."""
    tokens = _inline_tokens(rest)
    title_parts: list[str] | None = None  # text of a leading bold span
    first_link_text: list[str] | None = None
    leading: list[str] = []  # plain text before the first link or code span
    leading_open = True
    links: list[tuple[str, str]] = []
    tags: list[str] = []
    outside: list[str] = []  # text outside the title and links, where '#tag' words live
    strong_depth = 0
    in_title = False
    link_href: str | None = None
    link_text: list[str] = []
    seen_content = False
    for token in tokens:
        kind = token.type
        if kind == "strong_open":
            if not seen_content and title_parts is None:
                title_parts, in_title = [], True
            strong_depth += 1
            seen_content = True
            continue
        if kind == "strong_close":
            strong_depth -= 1
            if in_title and strong_depth == 0:
                in_title = False
            continue
        if kind == "link_open":
            link_href = token.attrGet("href") or ""
            link_text = []
            leading_open = False
            seen_content = True
            continue
        if kind == "link_close":
            text = "".join(link_text).strip()
            if link_href:
                links.append((text, link_href))
            if first_link_text is None and not "".join(leading).strip(_TITLE_TRIM) and title_parts is None:
                first_link_text = [text]
            link_href = None
            continue
        content = token.content if kind in ("text", "text_special", "code_inline") else " " if kind in (
            "softbreak",
            "hardbreak",
        ) else ""
        if not content:
            continue
        if content.strip():
            seen_content = True
        if link_href is not None:
            link_text.append(content)
        elif in_title and title_parts is not None:
            title_parts.append(content)
        elif kind == "code_inline":
            leading_open = False
            if content.strip().startswith("#"):
                tags.append(content.strip()[1:])
        else:
            if leading_open and title_parts is None:
                leading.append(content)
            else:
                outside.append(content)
    for text in outside:
        tags.extend(match.group(1) for match in _PLAIN_TAG.finditer(text))
    # Bare URLs a person typed ("- [ ] Some Paper https://github.com/o/r") are links too.
    links.extend(("", link.url) for link in extract_links(" ".join(leading + outside)))
    if title_parts is not None:
        title = "".join(title_parts)
    elif first_link_text is not None:
        title = first_link_text[0]
    else:
        text = "".join(leading)
        bare_url = _BARE_URL.search(text)
        if bare_url:
            text = text[: bare_url.start()]
        # Plain '#tag' words at the end of a hand-written title are tags, not title.
        while True:
            match = re.search(r"(?:^|\s)#([^\s#`]+)\s*$", text)
            if not match:
                break
            tags.insert(0, match.group(1))
            text = text[: match.start()]
        title = text
    title = " ".join(title.split()).strip(_TITLE_TRIM if title_parts is None else " ")
    return title, links, tags


# -- parsing ---------------------------------------------------------------------------------


def parse_reading_list_text(text: str, source: str) -> ParsedList:
    """Parse a reading list. Never raises for odd lines: it reports them."""
    result = ParsedList(source)
    current: ListItem | None = None
    abstract_parts: list[str] = []

    def finish() -> None:
        nonlocal current, abstract_parts
        if current is not None and abstract_parts:
            current.abstract = inline_text(" ".join(abstract_parts))
        current, abstract_parts = None, []

    def unrecognised(number: int, line: str, reason: str) -> None:
        result.unrecognised.append(Skipped(source, number, reason, line.strip()))

    in_notes = False  # inside a paper's notes block (reader.exporters.markdown.note_lines): not read back
    for number, line in enumerate(iter_lines(text), start=1):
        if not line.strip():
            continue
        if in_notes:
            in_notes = line.strip().lower() != "</details>"
            continue
        if current is not None and line[:1] in (" ", "\t") and _NOTES_OPEN.match(line.strip()):
            in_notes = True
            continue
        if len(line) > MAX_ITEM_CHARS and _LIST_ITEM.match(line):
            finish()
            unrecognised(number, line[:200], f"list item of {len(line):,} characters; too long to be a paper")
            continue
        item = _ITEM.match(line)
        if item:
            finish()
            rest = item.group("rest") or ""
            title, links, raw_tags = _parse_item_text(rest)
            if not normalise_title(title):
                unrecognised(number, line, "task-list item without a paper title")
                continue
            tags = tuple(dict.fromkeys(t for t in (normalise_tag(tag) for tag in raw_tags) if t))
            arxiv_id = None
            paper_links: list[Link] = []
            for _text, url in links:
                if not is_openable(url):
                    continue
                found = _arxiv_from_url(url)
                if found and arxiv_id is None:
                    arxiv_id = found
                    continue
                if all(link.url != url for link in paper_links):
                    paper_links.append(Link(url, classify_url(url)))
            current = ListItem(
                line=number,
                title=title,
                read=item.group("box") in "xX",
                tags=tags,
                links=tuple(paper_links),
                arxiv_id=arxiv_id,
            )
            result.items.append(current)
            continue
        if _HEADING.match(line) or _SETEXT_OR_BREAK.match(line) or _COMMENT.match(line):
            finish()
            continue
        if current is None and _SUMMARY.match(line.strip()):
            continue
        if current is not None and line[:1] in (" ", "\t"):
            stripped = line.strip()
            if _DETAILS_TAG.match(stripped):
                continue
            if stripped.startswith(">"):
                stripped = stripped[1:].strip()
            if stripped:
                abstract_parts.append(stripped)
            continue
        finish()
        if _LIST_ITEM.match(line):
            unrecognised(number, line, "list item without a [ ] or [x] box")
        else:
            unrecognised(number, line, "not a reading-list line")
    finish()
    return result


def looks_like_reading_list(text: str) -> bool:
    """Whether ``text`` holds task-list items (how `reader import` tells lists from page dumps)."""
    return any(_ITEM.match(line) for line in iter_lines(text) if len(line) <= MAX_ITEM_CHARS)


_LINE_BREAKS = re.compile("[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def iter_lines(text: str):
    """``text.splitlines()`` one line at a time, so a big list is not copied whole into a list."""
    position = 0
    end = len(text)
    while position < end:
        newline = text.find("\n", position)
        stop = end if newline < 0 else newline
        piece = text[position:stop]
        if _LINE_BREAKS.search(piece):
            yield from (piece + "\n").splitlines() if newline >= 0 else piece.splitlines()
        else:
            yield piece
        position = stop + 1


def parse_reading_list_file(path: str | os.PathLike) -> ParsedList:
    """Read and parse a list file ('-' for stdin); :class:`ImportProblem` when it is not a list."""
    where = "stdin" if str(path) == "-" else str(path)
    text = decode_text(read_input_bytes(path, limit=MAX_LIST_BYTES), where)
    return parse_reading_list(text, source_name(path), where=where)


def parse_reading_list(text: str, source: str, *, where: str | None = None) -> ParsedList:
    parsed = parse_reading_list_text(text, source)
    if not parsed.items:
        too_long = next((skip for skip in parsed.unrecognised if "too long" in skip.reason), None)
        if too_long is not None:
            raise ImportProblem(f"{where or source}: line {too_long.line}: {too_long.reason}; nothing was imported")
        raise ImportProblem(
            f"{where or source}: no task-list items ('- [ ] Title' or '- [x] Title'); is it a reader reading list?"
        )
    return parsed


# -- applying a list to the library ----------------------------------------------------------


@dataclass(slots=True)
class ListImportReport:
    source: str
    items: int = 0
    papers: int = 0
    added: list[str] = field(default_factory=list)
    marked_read: list[str] = field(default_factory=list)
    marked_unread: list[str] = field(default_factory=list)
    retagged: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    unchanged: int = 0
    not_added: list[Skipped] = field(default_factory=list)
    unrecognised: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.marked_read or self.marked_unread or self.retagged)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "items": self.items,
            "papers": self.papers,
            "added": self.added,
            "marked_read": self.marked_read,
            "marked_unread": self.marked_unread,
            "retagged": self.retagged,
            "unchanged": self.unchanged,
            "not_added": [s.to_dict() for s in self.not_added],
            "unrecognised": [s.to_dict() for s in self.unrecognised],
            "notes": self.notes,
        }


def apply_reading_list(library, parsed: ParsedList) -> ListImportReport:
    """Make ``library`` agree with the list; returns what changed.

    A paper listed more than once (a list grouped by tag lists it under each
    of its tags) is read when any of its lines is ticked, and has the tags of
    all its lines. This is two library changes when papers are added (the
    additions, then the read state and tags), one otherwise.
    """
    report = ListImportReport(parsed.source, items=len(parsed.items), unrecognised=list(parsed.unrecognised))
    library.refresh()

    # Papers the library does not know yet: add those the list identifies well enough.
    candidates: list[Candidate] = []
    new_keys: set[str] = set()
    for item in parsed.items:
        if library.find_existing(item.title, item.arxiv_id) is not None:
            continue
        key = item.arxiv_id or normalise_title(item.title)
        if key in new_keys:
            continue
        if not item.links and not item.arxiv_id:
            report.not_added.append(
                Skipped(parsed.source, item.line, "not in the library and the line has no link to identify it", item.title)
            )
            continue
        new_keys.add(key)
        candidates.append(
            Candidate(
                title=item.title,
                abstract=item.abstract,
                source=parsed.source,
                line=item.line,
                links=item.links,
                arxiv_id=item.arxiv_id,
            )
        )
    if candidates:
        imported = library.import_candidates(candidates, sources=[parsed.source], label="import list")
        report.added = list(imported.added)

    # What the list says about each paper it names.
    wanted_read: dict[str, bool] = {}
    wanted_tags: dict[str, list[str]] = {}
    boxes: dict[str, set[bool]] = {}
    first_line: dict[str, ListItem] = {}
    for item in parsed.items:
        paper = library.find_existing(item.title, item.arxiv_id)
        if paper is None:
            continue
        pid = paper.id
        first_line.setdefault(pid, item)
        wanted_read[pid] = wanted_read.get(pid, False) or item.read
        boxes.setdefault(pid, set()).add(item.read)
        tags = wanted_tags.setdefault(pid, [])
        tags.extend(tag for tag in item.tags if tag not in tags)
    for pid, states in boxes.items():
        if len(states) > 1:
            item = first_line[pid]
            report.notes.append(
                f"line {item.line}: {item.title!r} is listed more than once, ticked on some lines only: marked read"
            )
    report.papers = len(wanted_read)
    if not wanted_read:
        return report

    stamp = library.clock()
    changes: dict[str, tuple[bool | None, list[str], list[str]]] = {}

    def update(paper):
        read = wanted_read[paper.id]
        tags = wanted_tags[paper.id]
        new_tags = tuple(t for t in paper.tags if t in tags) + tuple(t for t in tags if t not in paper.tags)
        changes_now: dict[str, object] = {}
        if paper.read != read:
            changes_now.update(read=read, read_at=stamp if read else None)
        if set(new_tags) != set(paper.tags):
            changes_now["tags"] = new_tags
        changes[paper.id] = (
            read if paper.read != read else None,
            [t for t in new_tags if t not in paper.tags],
            [t for t in paper.tags if t not in new_tags],
        )
        return replace(paper, **changes_now) if changes_now else paper

    def differs(pid: str) -> bool:
        paper = library.get(pid)
        return paper is None or paper.read != wanted_read[pid] or set(paper.tags) != set(wanted_tags[pid])

    # Only papers whose state differs go through modify() (which re-checks each under the lock).
    to_change = [pid for pid in wanted_read if differs(pid)]
    changed_ids: set[str] = set()
    if to_change:
        change = library.modify(to_change, update, label=f"import list {parsed.source}")
        changed_ids = set(change.ids)
    for pid in wanted_read:
        if pid not in changed_ids:
            continue
        read, added_tags, removed_tags = changes[pid]
        if read is True:
            report.marked_read.append(pid)
        elif read is False:
            report.marked_unread.append(pid)
        if added_tags or removed_tags:
            report.retagged[pid] = {"added": added_tags, "removed": removed_tags}
    report.unchanged = sum(1 for pid in wanted_read if pid not in changed_ids and pid not in report.added)
    return report


__all__ = [
    "ListItem",
    "ParsedList",
    "ListImportReport",
    "apply_reading_list",
    "inline_text",
    "looks_like_reading_list",
    "parse_reading_list",
    "parse_reading_list_file",
    "parse_reading_list_text",
]
