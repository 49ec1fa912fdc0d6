"""Parse the Hugging Face Daily Papers API (``GET /api/daily_papers?date=YYYY-MM-DD``).

The answer is a JSON list; each entry wraps a ``paper`` object::

    [{"paper": {"id": "2403.05530", "title": "...", "summary": "...",
                "authors": [{"name": "...", ...}], "publishedAt": "2024-03-08T18:59:57.000Z",
                "upvotes": 42, "githubRepo": "https://github.com/o/r", "projectPage": "https://...",
                ...},
      "title": "...", "publishedAt": "...", "numComments": 3, ...}, ...]

(``githubRepo`` and ``projectPage`` appear only when set; an entry also
carries fields reader does not use.) ``paper.id`` is the arXiv id.

Pure parsing, no network: :mod:`reader.online.daily` does the fetching. An
answer that is not a list raises :class:`ImportProblem`; an entry of the
wrong shape (a missing title, a field of the wrong type) is skipped and
reported, and the other entries are kept.
"""

from __future__ import annotations

from datetime import date

from reader import safejson
from reader.errors import ImportProblem
from reader.importers import Candidate, ParsedSource, Skipped
from reader.links import classify_url, extract_links, is_openable, normalise_url
from reader.papers import ARXIV, Link, normalise_arxiv_id


class EntryShapeError(ValueError):
    """One entry is not shaped like a daily paper (the message says how)."""


def daily_source_name(day: date | str) -> str:
    """The source name a day of daily papers is remembered by: 'hf-daily-2024-03-11'."""
    return f"hf-daily-{day.isoformat() if isinstance(day, date) else day}"


def arxiv_abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _optional(obj: dict, key: str, kind: type | tuple[type, ...], label: str):
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise EntryShapeError(f"'{key}' should be {label}, got {type(value).__name__}")
    if not isinstance(value, kind):
        raise EntryShapeError(f"'{key}' should be {label}, got {type(value).__name__}")
    return value


def _link(url: str, kind: str | None = None) -> Link | None:
    normal = normalise_url(url)
    if not normal or not is_openable(normal):
        return None
    return Link(normal, kind or classify_url(normal))


def parse_entry(entry: object, source: str, position: int) -> Candidate:
    """One API entry as a :class:`Candidate`; raises :class:`EntryShapeError`."""
    if not isinstance(entry, dict):
        raise EntryShapeError(f"entry is {type(entry).__name__}, not an object")
    paper = entry.get("paper")
    if not isinstance(paper, dict):
        raise EntryShapeError("'paper' is missing or not an object")
    title = _optional(paper, "title", str, "text") or _optional(entry, "title", str, "text")
    if not title or not title.strip():
        raise EntryShapeError("'paper.title' is missing")
    raw_id = _optional(paper, "id", str, "text")
    summary = _optional(paper, "summary", str, "text") or _optional(entry, "summary", str, "text") or ""
    authors_raw = _optional(paper, "authors", list, "a list")
    authors: list[str] = []
    for author in authors_raw or ():
        if isinstance(author, dict):
            name = author.get("name")
            if name is None:
                continue
            if not isinstance(name, str):
                raise EntryShapeError(f"an author's 'name' should be text, got {type(name).__name__}")
        elif isinstance(author, str):
            name = author
        else:
            raise EntryShapeError(f"an author should be an object, got {type(author).__name__}")
        name = _one_line(name)
        if name and name not in authors:
            authors.append(name)
    published_raw = _optional(paper, "publishedAt", str, "a date") or _optional(entry, "publishedAt", str, "a date")
    published = None
    if published_raw:
        day = published_raw.strip()[:10]
        try:
            published = date.fromisoformat(day).isoformat()
        except ValueError:
            raise EntryShapeError(f"'publishedAt' is not a date: {published_raw[:40]!r}") from None
    upvotes = _optional(paper, "upvotes", int, "a number")
    if upvotes is not None and upvotes < 0:
        raise EntryShapeError(f"'upvotes' is negative ({upvotes})")
    github = _optional(paper, "githubRepo", str, "a URL")
    project = _optional(paper, "projectPage", str, "a URL")

    arxiv = normalise_arxiv_id(raw_id) if raw_id else None
    links: list[Link] = []
    if arxiv:
        links.append(Link(arxiv_abs_url(arxiv), ARXIV))
    if github and github.strip():
        link = _link(github.strip())
        if link:
            links.append(link)  # a repository URL classifies as "code"; anything else keeps its kind
    if project and project.strip():
        link = _link(project.strip())
        if link:
            links.append(link)
    summary = _one_line(summary)
    links.extend(extract_links(summary))
    unique: list[Link] = []
    seen: set[str] = set()
    for link in links:
        key = link.url.rstrip("/").lower()
        if key not in seen:
            seen.add(key)
            unique.append(link)
    return Candidate(
        title=_one_line(title),
        abstract=summary,
        source=source,
        line=position,
        links=tuple(unique),
        arxiv_id=arxiv,
        authors=tuple(authors),
        published=published,
        upvotes=upvotes,
    )


def parse_daily_papers(data: object, source: str) -> ParsedSource:
    """Every usable entry of one decoded API answer; raises :class:`ImportProblem` if it is not a list."""
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        raise ImportProblem(f"{source}: the API answered with an error: {data['error'][:200]}")
    if not isinstance(data, list):
        raise ImportProblem(f"{source}: expected a list of papers, got a JSON {type(data).__name__}")
    result = ParsedSource(source)
    for position, entry in enumerate(data, start=1):
        try:
            result.candidates.append(parse_entry(entry, source, position))
        except EntryShapeError as exc:
            hint = ""
            if isinstance(entry, dict) and isinstance(entry.get("paper"), dict):
                pid = entry["paper"].get("id")
                hint = str(pid) if isinstance(pid, str) else ""
            result.skipped.append(Skipped(source, position, f"entry of an unexpected shape: {exc}", hint))
    return result


def parse_daily_papers_bytes(body: bytes, source: str) -> ParsedSource:
    """Decode and parse an API answer saved or received as bytes."""
    try:
        data = safejson.loads(body)
    except ValueError as exc:
        raise ImportProblem(f"{source}: {safejson.describe(exc)}") from None
    return parse_daily_papers(data, source)
