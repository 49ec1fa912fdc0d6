"""What `y` copies, and how it reaches a clipboard.

The text for each format is built here from papers (no Textual). Copying
tries the system clipboard (pyperclip) first; the app falls back to the
terminal's clipboard (OSC 52) when that raises :class:`ClipboardUnavailable`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reader.errors import ReaderError
from reader.exporters.markdown import escape_text, markdown_link
from reader.links import is_openable
from reader.papers import Paper


class ClipboardUnavailable(ReaderError):
    """The system clipboard cannot be used (no xclip/wl-copy, no display, over SSH...)."""


@dataclass(frozen=True, slots=True)
class CopyFormat:
    key: str  # the key that picks it in the copy menu
    id: str
    label: str
    needs_abstract: bool = False


COPY_FORMATS: tuple[CopyFormat, ...] = (
    CopyFormat("t", "title", "Title"),
    CopyFormat("c", "code", "Code link"),
    CopyFormat("m", "markdown", "Markdown link  [Title](link)"),
    CopyFormat("a", "abstract", "Abstract", needs_abstract=True),
)


def best_link(paper: Paper) -> str | None:
    """The link a Markdown line points at: code, else project page, else arXiv, else any."""
    for candidate in (paper.code_link, paper.project_link):
        if candidate is not None and is_openable(candidate.url):
            return candidate.url
    for link in paper.links:
        if link.kind == "arxiv" and is_openable(link.url):
            return link.url
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    for link in paper.links:
        if is_openable(link.url):
            return link.url
    return None


def render_copy(
    format_id: str, papers: Sequence[Paper], abstracts: Callable[[str], str] | None = None
) -> tuple[str, int]:
    """The text to copy and how many of ``papers`` contributed to it.

    Papers lacking what a format needs (a code link, an abstract) are left
    out; ``0`` means there is nothing to copy.
    """
    pieces: list[str] = []
    if format_id == "title":
        pieces = [paper.title for paper in papers]
    elif format_id == "code":
        pieces = [
            paper.code_link.url for paper in papers if paper.code_link is not None and is_openable(paper.code_link.url)
        ]
    elif format_id == "markdown":
        for paper in papers:
            url = best_link(paper)
            pieces.append(markdown_link(paper.title, url) if url else escape_text(paper.title))
    elif format_id == "abstract":
        if abstracts is None:
            raise ValueError("the abstract format needs a way to read abstracts")
        for paper in papers:
            text = abstracts(paper.id).strip()
            if text:
                pieces.append(text if len(papers) == 1 else f"{paper.title}\n\n{text}")
        return "\n\n".join(pieces), len(pieces)
    else:
        raise ValueError(f"unknown copy format {format_id!r}")
    return "\n".join(pieces), len(pieces)


def system_copy(text: str) -> None:
    """Copy with pyperclip; :class:`ClipboardUnavailable` when it cannot."""
    import pyperclip

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:
        raise ClipboardUnavailable(str(exc).splitlines()[0] if str(exc) else "no clipboard mechanism") from None
    except OSError as exc:
        raise ClipboardUnavailable(exc.strerror or str(exc)) from None
