"""Reading lists as Markdown that renders the same everywhere.

The output is CommonMark plus GitHub task lists, so it pastes into a GitHub
issue, a wiki or a notes app and reads as a checklist::

    # Reading list: diffusion

    3 papers: 1 read, 2 unread.

    - [ ] **A Paper Title** · [code](https://github.com/o/r) · [project](https://o.github.io/r) · `#video`
    - [x] **Another Title** · [arXiv](https://arxiv.org/abs/2401.01234)

Paper text is untrusted. Every title, tag and abstract is escaped so that it
renders as exactly its characters (a title with ``*``, ``_``, ``[``, a
backtick, ``<script>``, ``|`` or a leading ``#`` shows those characters), and
only http(s) URLs become links; anything else (``javascript:``, ``file:``,
``data:``) is shown as code, never as something to click. A link destination
is written in ``<...>`` form only when it must be (a URL with ``)`` or spaces),
so that it stays one link.

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


# Where GitHub's dialect (and linkify) would make a link of plain text: 'www.', an
# e-mail address, a scheme such as ftp:// or mailto:, a protocol-relative '//host'.
# A match only marks a word to look at closely (:func:`_autolink_bait`); bounded
# repetitions keep the search linear on a 10 MB line without spaces.
_BAIT = re.compile(r"www\.|@|//|:", re.IGNORECASE)
_WWW = re.compile(r"(?<![A-Za-z0-9_.-])www\.", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]@[\w-]+\.[\w-]")
# No look-behind: cmark-gfm finds a scheme by walking back from "://" over letters only, so
# '.ftp://', '1ftp://', '-ftp://' and '+ftp://' all link ftp://. A scheme is taken from the first
# letter the search reaches ('e.g.ftp' as a whole, 'xhttps'), which only errs towards code.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,31}):(?://|[^\s`]{0,256}@)")
_RELATIVE = re.compile(r"(?<![\w:/])//[\w-]")
_WORD_END = re.compile(r"[\s`]")


def _autolink_bait(word: str) -> bool:
    """Whether a GFM renderer or linkify would turn (part of) ``word`` into a link other than http(s)."""
    if _WWW.search(word) or _EMAIL.search(word) or _RELATIVE.search(word):
        return True
    return any(match.group(1).lower() not in ("http", "https") for match in _SCHEME.finditer(word))


def _bait_words(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word (a run without spaces or backticks) that is autolink bait."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        match = _BAIT.search(text, position)
        if match is None:
            return spans
        # Words end at spaces and backticks; ``position`` is always at a word's end (or 0).
        start = max(text.rfind(" ", position, match.start()), text.rfind("`", position, match.start()), position - 1) + 1
        end_match = _WORD_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        if start >= position and _autolink_bait(text[start:end]):
            spans.append((start, end))
        position = max(end, match.end())


def escape_text(text: str) -> str:
    """``text`` as Markdown that renders as exactly these characters, on one line.

    Runs of whitespace (line breaks included) become one space and control
    characters are dropped, so the result is always a single line. A word
    that GitHub's autolinks would make a link other than http(s) (``www.``,
    e-mail addresses, ``ftp://``, ``mailto:``) is written as inline code,
    which no renderer links.
    """
    text = " ".join(_CONTROL.sub(" ", _BIDI.sub("", text)).split())
    spans = _bait_words(text)
    if not spans:
        return _escape_plain(text)
    parts: list[str] = []
    position = 0
    for start, end in spans:
        if start > position:
            parts.append(_escape_plain(text[position:start]) if not parts else _escape_inner(text[position:start]))
        parts.append(code_span(text[start:end]))
        position = end
    if position < len(text):
        parts.append(_escape_inner(text[position:]))
    return "".join(parts)


def _escape_inner(text: str) -> str:
    """:func:`_escape_plain` for text that does not start a line."""
    text = _ESCAPE_ALWAYS.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return _HASH.sub(r"\\#", text)


def _escape_plain(text: str) -> str:
    """Escape one line of text (no autolink bait in it) so it renders as exactly its characters."""
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


# A link destination that needs no angle brackets: no spaces, controls, '<', '>',
# '\\' or parentheses (CommonMark allows balanced ones, but not every renderer does).
_BARE_DESTINATION = re.compile(r"[^\s<>()\\\x00-\x1f\x7f]+")


def link_destination(url: str) -> str | None:
    """A URL as a Markdown link destination, or None when it must not be clickable.

    Bare (``https://github.com/o/r``) when it can be, ``<...>`` only when the URL
    holds parentheses. Exported lists and copied links both use it.
    """
    url = url.strip()
    if not is_openable(url) or _CONTROL.search(url):
        return None
    # '<', '>', '\\' and spaces would end or change the destination (and many renderers
    # stumble on spaces even inside <...>), so they are percent-encoded.
    encoded = re.sub(r"[\\<>\s]", lambda m: quote(m.group(0), safe=""), url)
    return encoded if _BARE_DESTINATION.fullmatch(encoded) else "<" + encoded + ">"


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
    Outside code, a word GitHub would autolink to something other than http(s)
    becomes inline code; a note that still holds a link or HTML pointing
    anywhere but http(s) is written as plain escaped text, line by line.
    """
    if not note.strip():
        return []
    text = _NOTE_CONTROL.sub(" ", _BIDI.sub("", note.replace("\r\n", "\n").replace("\r", "\n")))
    body = _note_markdown(text.split("\n"))
    if _links_elsewhere("\n".join(body)):
        body = [escape_text(line) for line in text.split("\n")]
    lines = [f"  {NOTES_OPEN}", ""]
    for line in body:
        line = _CLOSE_DETAILS.sub(r"&lt;/\1", line.rstrip())
        lines.append(f"  {line}" if line.strip() else "")
    while lines[-1] == "":
        lines.pop()
    return lines + ["", "  </details>", ""]


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")


def _note_markdown(lines: list[str]) -> list[str]:
    """The note's lines with autolink bait outside code (fenced, indented, inline) made inline code."""
    out: list[str] = []
    fence: str | None = None
    previous_blank_or_code = True
    for line in lines:
        if fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            out.append(line)
            continue
        indented = line.startswith(("    ", "\t")) and bool(line.strip())
        if indented and previous_blank_or_code:
            out.append(line)  # an indented code block
            continue
        previous_blank_or_code = not line.strip()
        out.append(_unbait_line(line))
    return out


def _unbait_line(line: str) -> str:
    """One line of Markdown with bait words outside its code spans written as inline code."""
    parts: list[str] = []
    position = 0
    # Inline code added here uses a longer run of backticks than any in the line, so that it
    # cannot pair with a stray backtick of the note's own.
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(line)), default=0) + 1)
    while position < len(line):
        opening = _BACKTICKS.search(line, position)
        if opening is None:
            parts.append(_unbait(line[position:], fence))
            break
        closing = re.compile(rf"(?<!`){opening.group(0)}(?!`)").search(line, opening.end())
        if closing is None:  # an unmatched run of backticks is literal text
            parts.append(_unbait(line[position : opening.end()], fence))
            position = opening.end()
            continue
        parts.append(_unbait(line[position : opening.start()], fence))
        parts.append(line[opening.start() : closing.end()])
        position = closing.end()
    return "".join(parts)


def _unbait(text: str, fence: str) -> str:
    spans = _bait_words(text)
    if not spans:
        return text
    parts: list[str] = []
    position = 0
    for start, end in spans:
        parts.append(text[position:start])
        parts.append(f"{fence}{text[start:end]}{fence}")  # a bait word holds no backtick
        position = end
    parts.append(text[position:])
    return "".join(parts)


_HTML_TARGET = re.compile(
    r"(?i)\b(?:href|src|srcset|action|formaction|poster|background|data|xlink:href)\s*=\s*[\"']?\s*(?!https?://)"
)
_NOTE_PARSER = None


def _links_elsewhere(markdown: str) -> bool:
    """Whether ``markdown`` (CommonMark) holds a link, image or HTML that points anywhere but http(s)."""
    global _NOTE_PARSER
    if _NOTE_PARSER is None:
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark")
        parser.validateLink = lambda url: True  # type: ignore[method-assign]  # see every link another renderer might
        _NOTE_PARSER = parser
    stack = list(_NOTE_PARSER.parse(markdown))
    while stack:
        token = stack.pop()
        if token.children:
            stack.extend(token.children)
        if token.type in ("link_open", "image"):
            target = str(token.attrGet("href") or token.attrGet("src") or "")
            if not is_openable(target.strip()):
                return True
        elif token.type in ("html_inline", "html_block") and _HTML_TARGET.search(token.content):
            return True
    return False


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


def abstract_lookup(
    abstract_texts, missing: str = "abstracts were asked for: pass abstract_texts (a mapping or library.abstract)"
) -> Callable[[str], str]:
    """A paper id -> its abstract ("" when none) from a mapping or a function such as ``library.abstract``;
    ValueError(``missing``) when there is neither."""
    if abstract_texts is None:
        raise ValueError(missing)
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
    lookup = abstract_lookup(abstract_texts) if abstracts != "none" else None
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
