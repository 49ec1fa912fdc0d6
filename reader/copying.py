"""What "copy" puts on the clipboard: one function renders papers in each copy format.

Formats (:data:`COPY_FORMATS`):

``title``
    The title, on one line.
``code``
    The code link (papers without one are skipped).
``markdown``
    ``[Title](link)``, escaped so it renders literally; the link is the arXiv
    page, else the code, else the project page, in angle brackets only when it
    needs them. Several papers make a list.
``abstract``
    The abstract (papers without one are skipped).
``bibtex``
    A ``@misc`` entry, for papers with a title and a link or arXiv id: authors,
    year, ``eprint`` and ``archivePrefix = {arXiv}`` when known. Keys are
    ``surnameYYYYword``; :func:`bibtex_keys` makes them unique across a
    library (a suffix b, c, ... for later papers), so a key never changes
    when papers are added.
``citation``
    A plain-text reference: ``Authors (Year). Title. arXiv:ID. URL``.

:func:`render_copy` is used by ``reader copy`` and the TUI's copy menu alike;
:func:`copy_to_clipboard` tries pyperclip and says whether it worked, so the
caller can fall back (the TUI to OSC 52, the CLI to printing the text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from reader.errors import ReaderError
from reader.exporters.markdown import abstract_lookup, arxiv_url, escape_text, link_destination
from reader.links import is_openable
from reader.papers import Paper

COPY_FORMATS = ("title", "code", "markdown", "abstract", "bibtex", "citation")

COPY_FORMAT_LABELS = {
    "title": "title",
    "code": "code link",
    "markdown": "Markdown link",
    "abstract": "abstract",
    "bibtex": "BibTeX entry",
    "citation": "plain citation",
}


class CopyError(ReaderError):
    """Nothing to copy in the asked format (e.g. no paper has a code link)."""


class ClipboardUnavailable(Exception):
    """Raised by a clipboard method that cannot copy here (no clipboard tool, no display)."""


@dataclass(slots=True)
class CopyText:
    """The text to copy, how many papers it holds, and the papers left out (with why)."""

    text: str
    format: str
    count: int
    skipped: list[tuple[Paper, str]] = field(default_factory=list)


# -- the formats ----------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def best_link(paper: Paper) -> str | None:
    """The link a citation or Markdown link points at: arXiv, code, project page, any other."""
    candidates = [arxiv_url(paper)]
    candidates += [link.url for link in (paper.code_link, paper.project_link) if link]
    candidates += [link.url for link in paper.links]
    return next((url for url in candidates if url and is_openable(url)), None)


# The copied link and the exported list write destinations the same way (bare unless they must not be).
markdown_destination = link_destination


def markdown_line(paper: Paper) -> str:
    """``[Title](https://...)``; just the escaped title when the paper has no http(s) link."""
    url = best_link(paper)
    dest = markdown_destination(url) if url else None
    title = escape_text(paper.title)
    return f"[{title}]({dest})" if dest else title


_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_BIBTEX_SPECIAL_RE = re.compile("[" + re.escape("".join(_BIBTEX_SPECIAL)) + "]")


def bibtex_escape(text: str) -> str:
    """Text for a BibTeX field: LaTeX specials escaped, braces always balanced."""
    return _BIBTEX_SPECIAL_RE.sub(lambda m: _BIBTEX_SPECIAL[m.group(0)], _one_line(text))


def _bibtex_url(url: str) -> str:
    # BibTeX counts braces even after a backslash: keep them out of URLs.
    return re.sub(r"[{}\\\s]", lambda m: "%{:02X}".format(ord(m.group(0))), url.strip())


_NOT_KEY_CHARS = re.compile(r"[^A-Za-z0-9]")


def _ascii_word(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_KEY_CHARS.sub("", text).lower()


_STOP_WORDS = {"a", "an", "the", "on", "of", "for", "to", "in", "and", "with", "towards", "toward", "via"}


def paper_year(paper: Paper) -> str | None:
    if paper.published and re.match(r"^\d{4}", paper.published):
        return paper.published[:4]
    if paper.arxiv_id:
        new_style = re.match(r"^(\d{2})(\d{2})\.\d{4,5}$", paper.arxiv_id)
        if new_style:
            return f"20{new_style.group(1)}"
        old_style = re.search(r"/(\d{2})\d{5}$", paper.arxiv_id)
        if old_style:
            year = int(old_style.group(1))
            return f"{1900 + year if year >= 91 else 2000 + year}"
    return None


def bibtex_key(paper: Paper) -> str:
    """``surnameYYYYword`` (e.g. ``vaswani2017attention``), as far as the paper's data allows."""
    surname = _ascii_word(paper.authors[0].split()[-1]) if paper.authors and paper.authors[0].split() else ""
    word = fallback = ""
    for raw in paper.title.split():  # the first word that is not a stop word (most titles: the first)
        candidate = _ascii_word(raw)
        if candidate and candidate not in _STOP_WORDS:
            word = candidate
            break
        fallback = fallback or candidate
    key = f"{surname}{paper_year(paper) or ''}{word or fallback}"
    if not key or key.isdigit():
        key = "paper" + re.sub(r"[^A-Za-z0-9]", "", paper.short_id)
    return key


_SUFFIX_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def _suffix(number: int) -> str:
    """The suffix of the ``number``-th paper sharing a key (1: none, 2: b ... 25: z, then 2, 3, ...)."""
    if number <= 1:
        return ""
    if number - 2 < len(_SUFFIX_LETTERS):
        return _SUFFIX_LETTERS[number - 2]
    return str(number - len(_SUFFIX_LETTERS))


def _suffixed(key: str, taken: set[str], counters: dict[str, int]) -> str:
    """``key`` with the first suffix (none, b, c, ... z, 2, 3, ...) that makes it not ``taken``.

    ``counters`` remembers how far each key got, so that many papers sharing
    a key cost no more than a few.
    """
    number = counters.get(key, 1)
    while key + _suffix(number) in taken:
        number += 1
    counters[key] = number + 1
    return key + _suffix(number)


def bibtex_keys(papers: Iterable[Paper]) -> dict[str, str]:
    """``{paper id: key}``, unique among ``papers`` (give the whole library, in its order).

    The first paper with a key keeps it bare; later ones get a suffix, so the
    keys of papers already cited stay the same as papers are added.
    """
    keys: dict[str, str] = {}
    taken: set[str] = set()
    counters: dict[str, int] = {}
    for paper in papers:
        key = _suffixed(bibtex_key(paper), taken, counters)
        taken.add(key)
        keys[paper.id] = key
    return keys


def _citation_authors(authors: Sequence[str]) -> str:
    names = [" ".join(name.split()) for name in authors if name.strip()]
    if len(names) > 3:
        return ", ".join(names[:3]) + " et al."
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


def citation(paper: Paper) -> str:
    """A plain-text reference: 'A, B and C (2024). Title. arXiv:2401.01234. https://arxiv.org/abs/2401.01234'."""
    parts = []
    who = _citation_authors(paper.authors)
    year = paper_year(paper)
    if who or year:
        parts.append(" ".join(part for part in (who, f"({year})" if year else "") if part))
    parts.append(_one_line(paper.title).rstrip("."))
    if paper.arxiv_id:
        parts.append(f"arXiv:{paper.arxiv_id}")
    text = ". ".join(parts) + "."
    url = best_link(paper)
    return f"{text} {url}" if url else text


def bibtex_entry(paper: Paper, key: str | None = None) -> str | None:
    """A ``@misc`` entry, or None when the paper has no title, link or arXiv id to cite."""
    if not _one_line(paper.title):
        return None
    url = best_link(paper)
    if not url and not paper.arxiv_id:
        return None
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if paper.authors:
        names = [bibtex_escape(name).replace(" and ", " {and} ") for name in paper.authors if name.strip()]
        if names:
            fields.append(("author", " and ".join(names)))
    year = paper_year(paper)
    if year:
        fields.append(("year", year))
    if paper.arxiv_id:
        fields += [("eprint", bibtex_escape(paper.arxiv_id)), ("archivePrefix", "arXiv")]
    if url:
        fields.append(("url", _bibtex_url(url)))
    code = paper.code_link
    if code and is_openable(code.url) and code.url != url:
        fields.append(("note", "Code: \\url{" + _bibtex_url(code.url) + "}"))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name:<{width}} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key or bibtex_key(paper)},\n{body}\n}}"


def _no_abstracts(pid: str) -> str:
    return ""


def render_copy(
    papers: Paper | Iterable[Paper],
    fmt: str,
    *,
    abstracts: Mapping[str, str] | Callable[[str], str] | None = None,
    keys: Mapping[str, str] | None = None,
) -> CopyText:
    """Render one paper or several in ``fmt`` (one of :data:`COPY_FORMATS`).

    ``keys`` are BibTeX keys by paper id (:func:`bibtex_keys` of the whole
    library); without them keys are made unique among ``papers`` only.

    Papers with nothing to show in that format (no code link, no abstract,
    too little to cite) are left out and listed in ``skipped``; when that
    leaves nothing at all, :class:`CopyError` says why.
    """
    if fmt not in COPY_FORMATS:
        raise CopyError(f"unknown copy format {fmt!r}; use one of: {', '.join(COPY_FORMATS)}")
    papers = [papers] if isinstance(papers, Paper) else list(papers)
    if not papers:
        raise CopyError("no papers to copy")
    several = len(papers) > 1
    pieces: list[str] = []
    skipped: list[tuple[Paper, str]] = []
    used: set[str] = set()
    counters: dict[str, int] = {}
    lookup = (
        abstract_lookup(abstracts, "the abstract format needs abstracts= (a mapping or library.abstract)")
        if fmt == "abstract"
        else _no_abstracts
    )
    for paper in papers:
        if fmt == "title":
            pieces.append(_one_line(paper.title))
        elif fmt == "code":
            code = paper.code_link
            if code is None or not is_openable(code.url):
                skipped.append((paper, "no code link"))
            else:
                pieces.append(code.url)
        elif fmt == "markdown":
            pieces.append(("- " if several else "") + markdown_line(paper))
        elif fmt == "citation":
            pieces.append(citation(paper))
        elif fmt == "abstract":
            text = lookup(paper.id).strip()
            if not text:
                skipped.append((paper, "no abstract"))
            else:
                pieces.append(f"{_one_line(paper.title)}\n{text}" if several else text)
        else:  # bibtex
            key = keys.get(paper.id) if keys is not None else None
            if key is None:  # two papers, same key: vaswani2017attention, vaswani2017attentionb
                key = _suffixed(bibtex_key(paper), used, counters)
            used.add(key)
            entry = bibtex_entry(paper, key)
            if entry is None:
                skipped.append((paper, "no link or arXiv id to cite"))
            else:
                pieces.append(entry)
    if not pieces:
        if several:
            raise CopyError(f"none of the {len(papers)} papers has a {COPY_FORMAT_LABELS[fmt]} to copy")
        raise CopyError(f"{_one_line(papers[0].title)!r}: {skipped[0][1]}")
    joiner = "\n\n" if fmt in ("abstract", "bibtex") else "\n"
    return CopyText(joiner.join(pieces), fmt, len(pieces), skipped)


# -- the clipboard ---------------------------------------------------------------------------


def _pyperclip_copy(text: str) -> None:
    import pyperclip  # ships no type hints: see the mypy override in pyproject.toml

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:
        raise ClipboardUnavailable(str(exc)) from None
    except OSError as exc:
        raise ClipboardUnavailable(str(exc)) from None


def copy_to_clipboard(
    text: str,
    *,
    methods: Sequence[tuple[str, Callable[[str], None]]] | None = None,
) -> str | None:
    """Copy ``text`` with the first method that works; returns its name, or None if none did.

    By default the only method is pyperclip (the system clipboard tools). A
    method signals "not here" by raising :class:`ClipboardUnavailable`; the
    TUI passes its own list to add a terminal (OSC 52) fallback.
    """
    if methods is None:
        methods = [("pyperclip", _pyperclip_copy)]
    for name, method in methods:
        try:
            method(text)
        except ClipboardUnavailable:
            continue
        return name
    return None


__all__ = [
    "COPY_FORMATS",
    "COPY_FORMAT_LABELS",
    "ClipboardUnavailable",
    "CopyError",
    "CopyText",
    "best_link",
    "bibtex_entry",
    "bibtex_escape",
    "bibtex_key",
    "bibtex_keys",
    "citation",
    "copy_to_clipboard",
    "markdown_line",
    "render_copy",
]
