"""Reading lists as Markdown (CommonMark + GitHub task lists).

Every piece of paper text is escaped so it renders literally: a title with
``*``, ``_``, ``[``, ``<`` or a leading ``#`` shows those characters, and a URL
with ``)`` or spaces stays one working link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reader.links import is_openable
from reader.papers import Paper

_ESCAPE = re.compile(r"([\\`*_\[\]<>|~&])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]")


def escape_text(text: str) -> str:
    """Markdown-escape ``text`` so that it renders as exactly these characters, on one line."""
    text = _CONTROL.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return _ESCAPE.sub(r"\\\1", text)


def link_destination(url: str) -> str | None:
    """A URL as a Markdown link destination, or None when it must not be clickable."""
    if not is_openable(url) or _CONTROL.search(url):
        return None
    return "<" + url.replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"


def markdown_link(text: str, url: str) -> str:
    dest = link_destination(url)
    if dest is None:
        return f"{escape_text(text)} ({escape_text(url)})"
    return f"[{escape_text(text)}]({dest})"


def paper_line(paper: Paper) -> str:
    box = "[x]" if paper.read else "[ ]"
    parts = [f"- {box} **{escape_text(paper.title)}**"]
    code = paper.code_link
    if code:
        parts.append(markdown_link("code", code.url))
    project = paper.project_link
    if project:
        parts.append(markdown_link("project", project.url))
    if paper.tags:
        parts.append(" ".join(f"`#{tag}`" if "`" not in tag else escape_text("#" + tag) for tag in paper.tags))
    return " · ".join(parts)


def render_reading_list(papers: Iterable[Paper], *, title: str = "Reading list") -> str:
    papers = list(papers)
    read = sum(1 for p in papers if p.read)
    lines = [
        f"# {escape_text(title)}",
        "",
        f"{len(papers)} papers: {read} read, {len(papers) - read} unread.",
        "",
    ]
    lines.extend(paper_line(paper) for paper in papers)
    return "\n".join(lines) + "\n"
