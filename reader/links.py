"""Find, normalise and classify the links buried in abstracts.

Page dumps carry links as people typed them: ``(https://github.com/a/b).``,
``https: //github.com/a/b``, ``github.com/a/b.``, ``https://x.github.io/y,``.
:func:`extract_links` turns them into the URL a person would click, and
:func:`classify_url` says what kind of page it is.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

from reader.papers import (
    ARXIV,
    CODE,
    GITHUB_USER,
    HF_DATASET,
    HF_MODEL,
    HF_ORG,
    HF_SPACE,
    OTHER,
    PROJECT,
    Link,
)

# A URL candidate: an explicit scheme (allowing the "https: //" typo), a
# protocol-relative "//host", or a bare well-known host such as github.com.
_URL = re.compile(
    r"""
    (?:
        \b(?P<scheme>https?):\s?//            # http:// or https://, maybe "https: //"
      | (?<![\w/:])//(?=[\w-]+\.[\w.-]+/)     # //github.com/...
      | (?<![\w/.@-])(?:www\.|github\.com/|huggingface\.co/|arxiv\.org/)(?=[\w])
    )
    (?P<rest>[^\s<>"'`]+)
    """,
    re.VERBOSE | re.IGNORECASE,
)

_WHITESPACE = re.compile(r"\s+")
# scheme://host/path with nothing urllib would need to take apart (no user, port, query...).
_SIMPLE_URL = re.compile(r"^(https?)://([A-Za-z0-9.-]+)(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$", re.IGNORECASE)
_SPACED_SCHEME = re.compile(r"^(https?):\s+//", re.IGNORECASE)
_HAS_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_MARKERS = ("//", "www.", "github.com/", "huggingface.co/", "arxiv.org/")
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}

# GitHub paths that are not users or repositories.
_GITHUB_RESERVED = {
    "about", "apps", "collections", "contact", "customer-stories", "enterprise", "explore",
    "features", "issues", "login", "marketplace", "new", "notifications", "orgs", "pricing",
    "pulls", "search", "settings", "sponsors", "topics", "trending",
}

# Hosts whose pages are not a paper's project page.
_NOT_PROJECT_HOSTS = (
    "aka.ms", "bit.ly", "t.co", "tinyurl.com", "goo.gl", "doi.org", "dx.doi.org", "openreview.net",
    "twitter.com", "x.com", "youtube.com", "youtu.be", "drive.google.com", "docs.google.com",
    "colab.research.google.com", "paperswithcode.com", "gitlab.com", "bitbucket.org",
    "zenodo.org", "kaggle.com", "medium.com", "aclanthology.org", "proceedings.neurips.cc",
    "openaccess.thecvf.com", "dl.acm.org", "ieeexplore.ieee.org", "link.springer.com",
    "pypi.org", "wikipedia.org", "huggingface.co", "github.com", "arxiv.org", "discord.gg", "wandb.ai",
)


def _strip_trailing(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url


def normalise_url(raw: str) -> str | None:
    """Make one link clickable; None when nothing usable is left.

    >>> normalise_url("github.com/facebookresearch/encodec.")
    'https://github.com/facebookresearch/encodec'
    """
    parts = _normalise(raw)
    return parts[0] if parts else None


def _normalise(raw: str) -> tuple[str, str, str] | None:
    """(url, lower-case host, path) of a link as a person would click it."""
    text = raw.strip().lstrip("(<[{\"'")
    if _URL_CONTROL.search(text):
        return None  # never openable (see is_openable): not a link
    text = _SPACED_SCHEME.sub(r"\1://", text)
    if text.startswith("//"):
        text = "https:" + text
    if not _HAS_SCHEME.match(text):
        text = "https://" + text
    text = _strip_trailing(text)
    simple = _SIMPLE_URL.match(text)
    if simple:  # the common case, without urllib's general parsing
        scheme, netloc, path = simple.group(1).lower(), simple.group(2).lower(), simple.group(3) or ""
        host, query, fragment = netloc, "", ""
    else:
        try:
            parts = urlsplit(text)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if _WHITESPACE.search(parts.netloc):
            return None  # "https://coming soon. stay tuned" is prose, not a link
        netloc = parts.netloc.lower() if parts.username is None else parts.netloc
        path = _WHITESPACE.sub(lambda m: quote(m.group(0)), parts.path)
        query, fragment = parts.query, parts.fragment
    if scheme not in ("http", "https") or "." not in host:
        return None
    if host in ("github.com", "www.github.com"):
        netloc = host = "github.com"
        segments = [s for s in path.split("/") if s]
        if len(segments) >= 2:
            if len(segments) == 2 and segments[1].lower().endswith(".git"):
                segments[1] = segments[1][:-4]
            path = "/" + "/".join(segments)
        elif segments:
            path = "/" + segments[0]
    if host.endswith("github.io") and path == "/":
        path = ""
    url = urlunsplit((scheme, netloc, path, query, fragment)) if not simple else f"{scheme}://{netloc}{path}"
    return url, host, path


def classify_url(url: str) -> str:
    """The kind of page ``url`` points at (one of :data:`reader.papers.LINK_KINDS`)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return OTHER
    return _classify(host, parts.path)


def _classify(host: str, path: str) -> str:
    if host.startswith("www."):
        host = host[4:]
    segments = [s for s in path.split("/") if s]
    if host == "github.com":
        if not segments or segments[0].lower() in _GITHUB_RESERVED:
            return OTHER
        return CODE if len(segments) >= 2 else GITHUB_USER
    if host == "huggingface.co":
        if not segments:
            return OTHER
        head = segments[0].lower()
        if head == "datasets":
            return HF_DATASET if len(segments) >= 2 else OTHER
        if head == "spaces":
            return HF_SPACE if len(segments) >= 2 else OTHER
        if head in ("papers", "docs", "blog", "models", "learn", "posts", "collections"):
            return OTHER
        return HF_MODEL if len(segments) >= 2 else HF_ORG
    if host in ("arxiv.org", "export.arxiv.org"):
        return ARXIV
    if host.endswith(".github.io") or host == "github.io":
        return PROJECT
    if host == "sites.google.com":
        return PROJECT
    if any(host == bad or host.endswith("." + bad) for bad in _NOT_PROJECT_HOSTS):
        return OTHER
    return PROJECT


def _link_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` that may hold a link, found with fast substring search.

    Running the URL pattern over every abstract in full is slow (about 150 us
    for 1.5 KB); almost all text has no link, and the rest has one or two.
    """
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for marker in _MARKERS:
        position = lowered.find(marker)
        while position >= 0:
            before = max(position - 8, 0)
            start = max(text.rfind(" ", 0, before), text.rfind("\n", 0, before)) + 1
            spans.append((start, min(len(text), position + 2048)))
            position = lowered.find(marker, position + len(marker))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def extract_links(text: str) -> list[Link]:
    """Every link in ``text``, normalised and classified, first occurrence first, no repeats."""
    links: list[Link] = []
    seen: set[str] = set()
    for start, end in _link_windows(text):
        for match in _URL.finditer(text, start, end):
            parts = _normalise(match.group(0))
            if not parts:
                continue
            url, host, path = parts
            key = url.rstrip("/").lower()
            if key in seen:
                continue
            seen.add(key)
            links.append(Link(url, _classify(host, path)))
    return links


# No URL holds these (RFC 3986); in one, they are an attempt to reach the terminal (ESC) or to
# split a line. Spaces are not here: a pasted link may hold one and is quoted when written.
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control_characters(url: str) -> bool:
    """Whether ``url`` holds a control character (an escape, a line break): no real URL does."""
    return _URL_CONTROL.search(url) is not None


def is_openable(url: str) -> bool:
    """Only http(s) links without control characters are ever opened or exported as clickable links."""
    if _URL_CONTROL.search(url.strip()):
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def link_label(url: str) -> str:
    """Short text for a link: 'owner/repo' for GitHub, the host (and path) otherwise."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.strip("/")
    if host == "github.com" and path:
        return "/".join(path.split("/")[:2])
    return f"{host}/{path}" if path else host


# -- arXiv ids and the links every paper with one gets ---------------------------------------

# An arXiv id as a link names it: arxiv.org/abs/ID, arxiv.org/pdf/ID(.pdf), huggingface.co/papers/ID
# (hf.co too), with an optional version. New-style ids only (YYMM.NNNNN) plus old-style archive/NNNNNNN.
_ARXIV_CORE = r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_LINK = re.compile(
    r"(?:https?:\s?//)?(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf)/|(?:huggingface\.co|hf\.co)/papers/)"
    + _ARXIV_CORE
    + r"(?![\w.]*\d)",
    re.IGNORECASE,
)
_ARXIV_TEXT = re.compile(r"\barxiv\s?:\s?" + _ARXIV_CORE + r"(?!\d)", re.IGNORECASE)


def _distinct_ids(pattern: re.Pattern, text: str) -> list[str]:
    from reader.papers import normalise_arxiv_id

    found: list[str] = []
    for match in pattern.finditer(text):
        normal = normalise_arxiv_id(match.group(1))
        if normal and normal not in found:
            found.append(normal)
    return found


def linked_arxiv_ids(text: str) -> list[str]:
    """arXiv ids that ``text`` links (arxiv.org/abs|pdf/ID, huggingface.co/papers/ID), first first, no repeats."""
    lowered = text.lower()
    if "arxiv.org/" not in lowered and "/papers/" not in lowered:
        return []  # the common case, without the pattern
    return _distinct_ids(_ARXIV_LINK, text)


def mentioned_arxiv_ids(text: str) -> list[str]:
    """arXiv ids that ``text`` names in prose ('arXiv:2401.01234'), first first, no repeats.

    Abstracts name *other* papers this way ("Recent research arXiv:2410.15027
    has explored ..." in the samples), so such an id is only a lead to check
    online (see :mod:`reader.online.resolve`), never taken as the paper's own.
    """
    if "arxiv" not in text.lower():
        return []
    return _distinct_ids(_ARXIV_TEXT, text)


def arxiv_id_from_links(text: str) -> str | None:
    """The arXiv id an abstract links, when it links exactly one (several: no way to tell which)."""
    ids = linked_arxiv_ids(text)
    return ids[0] if len(ids) == 1 else None


def arxiv_abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def arxiv_pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"


def hf_paper_url(arxiv_id: str) -> str:
    return f"https://huggingface.co/papers/{arxiv_id}"


# Kinds of the links derived from an arXiv id (not stored; every paper with an id has them).
ARXIV_PAGE = "arxiv"
ARXIV_PDF = "pdf"
HF_PAPER = "hf-paper"
DERIVED_LINK_LABELS = {ARXIV_PAGE: "arXiv", ARXIV_PDF: "PDF", HF_PAPER: "HF paper page"}


def arxiv_links(arxiv_id: str | None) -> list[Link]:
    """The arXiv abstract page, the PDF and the Hugging Face paper page of an arXiv id."""
    if not arxiv_id:
        return []
    return [
        Link(arxiv_abs_url(arxiv_id), ARXIV_PAGE),
        Link(arxiv_pdf_url(arxiv_id), ARXIV_PDF),
        Link(hf_paper_url(arxiv_id), HF_PAPER),
    ]


def paper_links(links: tuple[Link, ...] | list[Link], arxiv_id: str | None) -> list[Link]:
    """A paper's stored links, then the ones its arXiv id gives that are not among them.

    Stored links keep their numbers (1-9 open them in the TUI); the derived
    ones follow.
    """
    result = list(links)
    known = {link.url.rstrip("/").lower() for link in result}
    for link in arxiv_links(arxiv_id):
        if link.url.rstrip("/").lower() not in known:
            result.append(link)
    return result
