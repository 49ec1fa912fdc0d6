"""The paper record and the small value types around it.

Plain dataclasses, no I/O. A :class:`Paper` is what the library stores, minus
its abstract: abstracts are large and are kept (and loaded) separately by
:mod:`reader.store`, so that opening a 100,000-paper library stays fast.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import NamedTuple
from datetime import datetime, timezone

# Link kinds, as stored in the library and shown to people.
CODE = "code"  # a GitHub repository: the paper's code
GITHUB_USER = "github-user"  # a GitHub user or organisation page
PROJECT = "project"  # a project page (github.io, sites.google.com, own domain)
HF_MODEL = "hf-model"
HF_DATASET = "hf-dataset"
HF_SPACE = "hf-space"
HF_ORG = "hf-org"
ARXIV = "arxiv"
OTHER = "other"

LINK_KINDS = (CODE, GITHUB_USER, PROJECT, HF_MODEL, HF_DATASET, HF_SPACE, HF_ORG, ARXIV, OTHER)

LINK_KIND_LABELS = {
    CODE: "code",
    GITHUB_USER: "GitHub user/org",
    PROJECT: "project page",
    HF_MODEL: "HF model",
    HF_DATASET: "HF dataset",
    HF_SPACE: "HF space",
    HF_ORG: "HF org",
    ARXIV: "arXiv",
    OTHER: "link",
}

SHORT_ID_LENGTH = 7


class Link(NamedTuple):
    """A link of a paper: its URL and what kind of page it is (see LINK_KINDS)."""

    url: str
    kind: str

    def to_dict(self) -> dict:
        return {"url": self.url, "kind": self.kind}


@dataclass(slots=True)
class Paper:
    """One paper in the library (without its abstract; see module doc).

    Treat instances as values: change them with :func:`dataclasses.replace`.
    """

    id: str
    title: str
    links: tuple[Link, ...] = ()
    tags: tuple[str, ...] = ()
    read: bool = False
    added: str = ""
    read_at: str | None = None
    sources: tuple[str, ...] = ()
    notes: str = ""
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    upvotes: int | None = None
    extra: dict = field(default_factory=dict)
    # False when the library holds no abstract for this paper (abstracts are
    # stored apart; this lets an import fill a missing one without loading them all).
    has_abstract: bool = True

    # -- derived -----------------------------------------------------------
    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @property
    def code_link(self) -> Link | None:
        return next((link for link in self.links if link.kind == CODE), None)

    @property
    def project_link(self) -> Link | None:
        return next((link for link in self.links if link.kind == PROJECT), None)

    @property
    def has_code(self) -> bool:
        return any(link.kind == CODE for link in self.links)

    # -- (de)serialisation: the TinyDB document ------------------------------
    def to_doc(self) -> dict:
        doc = {
            "id": self.id,
            "title": self.title,
            "links": [link.to_dict() for link in self.links],
            "tags": list(self.tags),
            "read": self.read,
            "added": self.added,
            "read_at": self.read_at,
            "sources": list(self.sources),
            "notes": self.notes,
            "arxiv_id": self.arxiv_id,
            "authors": list(self.authors),
            "published": self.published,
            "upvotes": self.upvotes,
        }
        if self.extra:
            doc["extra"] = self.extra
        return doc

    def to_stored_doc(self) -> dict:
        """The document as the library stores it: fields at their default are left out.

        A 100,000-paper library opens noticeably faster with fewer JSON values
        to parse; :meth:`from_doc` fills the defaults back in.
        """
        doc: dict[str, object] = {"id": self.id, "title": self.title, "added": self.added}
        if self.links:
            doc["links"] = [{"url": link.url, "kind": link.kind} for link in self.links]
        if self.tags:
            doc["tags"] = list(self.tags)
        if self.read:
            doc["read"] = True
            doc["read_at"] = self.read_at
        if self.sources:
            doc["sources"] = list(self.sources)
        if self.notes:
            doc["notes"] = self.notes
        if self.arxiv_id:
            doc["arxiv_id"] = self.arxiv_id
        if self.authors:
            doc["authors"] = list(self.authors)
        if self.published:
            doc["published"] = self.published
        if self.upvotes is not None:
            doc["upvotes"] = self.upvotes
        if self.extra:
            doc["extra"] = self.extra
        if not self.has_abstract:
            doc["no_abstract"] = True
        return doc

    @classmethod
    def from_doc(cls, doc: dict) -> "Paper":
        """Build a paper from a stored document; raises ``ValueError`` on a bad shape.

        This runs for every paper when a library opens (100,000 times for a
        big one), so it checks types cheaply instead of converting values.
        """
        try:
            pid = doc["id"]
            title = doc["title"]
            get = doc.get
            links = get("links")
            tags = get("tags")
            sources = get("sources")
            authors = get("authors")
            extra = get("extra")
        except KeyError as exc:
            raise ValueError(f"a paper has no {exc.args[0]!r} field") from None
        except (TypeError, AttributeError):
            raise ValueError(f"a paper must be an object, not {_kind(doc)}") from None
        if type(pid) is not str or not pid or type(title) is not str:
            raise ValueError("a paper's 'id' and 'title' must be non-empty strings")
        try:
            if links:
                if type(links) is not list:
                    raise TypeError(f"'links' must be a list, not {_kind(links)}")
                links = tuple([_link_of(item) for item in links])
            if tags:
                tags = _strings(tags, "tags")
            if sources:
                sources = _strings(sources, "sources")
            if authors:
                authors = _strings(authors, "authors")
            if extra and type(extra) is not dict:
                raise TypeError("'extra' must be an object")
        except (KeyError, TypeError) as exc:
            raise ValueError(f"paper {pid!r}: {exc}") from None
        added = get("added") or ""
        notes = get("notes") or ""
        read_at = get("read_at")
        arxiv_id = get("arxiv_id")
        published = get("published")
        upvotes = get("upvotes")
        # Cheap type checks: a value of another type would crash listing, sorting or exporting later.
        if type(added) is not str or type(notes) is not str:
            name = "added" if type(added) is not str else "notes"
            raise ValueError(f"paper {pid!r}: {name!r} must be a string, not {_kind(get(name))}")
        for name, value in (("read_at", read_at), ("arxiv_id", arxiv_id), ("published", published)):
            if value is not None and type(value) is not str:
                raise ValueError(f"paper {pid!r}: {name!r} must be a string or null, not {_kind(value)}")
        if upvotes is not None and type(upvotes) is not int:
            raise ValueError(f"paper {pid!r}: 'upvotes' must be a whole number or null, not {_kind(upvotes)}")
        return cls(
            pid,
            title,
            links or (),
            tags or (),
            get("read") is True,
            added,
            read_at,
            sources or (),
            notes,
            arxiv_id,
            authors or (),
            published,
            upvotes,
            extra or {},
            get("no_abstract") is not True,
        )


_make_link = tuple.__new__


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages: 'null', 'a number', 'a list' ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _link_of(item: object) -> Link:
    if type(item) is not dict:
        raise TypeError(f"a link must be an object with 'url' and 'kind', not {_kind(item)}")
    url = item.get("url")
    kind = item.get("kind")
    if type(url) is not str or not url:
        raise TypeError(f"a link's 'url' must be a non-empty string, not {_kind(url)}")
    if type(kind) is not str:
        raise TypeError(f"a link's 'kind' must be a string, not {_kind(kind)}")
    return _make_link(Link, (url, kind))


def _strings(values, name: str) -> tuple[str, ...]:
    if type(values) is not list:
        raise TypeError(f"{name!r} must be a list of strings, not {_kind(values)}")
    try:
        "".join(values)  # raises TypeError unless every item is a str (at C speed)
    except TypeError:
        odd = next(value for value in values if type(value) is not str)
        raise TypeError(f"{name!r} must be a list of strings, but holds {_kind(odd)}") from None
    return tuple(values)


# -- text normalisation --------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold_text(text: str) -> str:
    """Case- and accent-fold ``text``: 'Poincaré' -> 'poincare'."""
    if text.isascii():
        return text.lower()  # the common case, and 50x faster
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def normalise_title(title: str) -> str:
    """The key two titles are compared by: folded, punctuation and spacing ignored."""
    return _NON_WORD.sub(" ", fold_text(title)).strip()


def title_id(title: str, *, key: str | None = None) -> str:
    """A stable id for a paper known only by its title (same on every machine).

    ``key`` is ``normalise_title(title)`` when the caller already has it.
    """
    key = normalise_title(title) if key is None else key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$|^([a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")


def normalise_arxiv_id(value: str) -> str | None:
    """'2401.01234v2' -> '2401.01234'; None when ``value`` is not an arXiv id."""
    value = value.strip()
    match = _ARXIV_ID.match(value)
    if not match:
        return None
    return match.group(1) or match.group(3)


def paper_id(title: str, arxiv_id: str | None = None, *, key: str | None = None) -> str:
    """The id of a new paper: its arXiv id when known, otherwise derived from its title."""
    if arxiv_id:
        normal = normalise_arxiv_id(arxiv_id)
        if normal:
            return normal
    return title_id(title, key=key)


def short_id(pid: str) -> str:
    if normalise_arxiv_id(pid):
        return pid
    return pid[:SHORT_ID_LENGTH]


# -- tags -----------------------------------------------------------------------

_TAG_SPACE = re.compile(r"\s+")


def normalise_tag(tag: str) -> str:
    """Tags are case-insensitive and trimmed; inner spaces become '-'. '' means invalid."""
    return _TAG_SPACE.sub("-", tag.strip()).casefold()


# -- values the types allow but reader cannot use ---------------------------------------

MAX_ID_LENGTH = 200  # reader's own ids are 16 hex digits or an arXiv id
MAX_UPVOTES = 10**9  # far above any real count; more is a damaged or a hostile file
# An id is typed, listed one per line and matched by prefix: no spaces, line breaks or escapes.
_ID_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]")
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def value_problem(paper: Paper) -> str | None:
    """What is wrong with a paper's values that its types allow, in a few words; None when nothing.

    For papers from outside (a backup): an id with a space, a line break or
    another control character (it would break ``reader list``'s one line per
    paper), a link URL with a control character, a number of upvotes below 0
    or above :data:`MAX_UPVOTES`, and dates that are not dates
    (``published: "2024-13-45"``).
    """
    pid = paper.id
    if len(pid) > MAX_ID_LENGTH:
        return f"its id is longer than {MAX_ID_LENGTH} characters"
    if _ID_FORBIDDEN.search(pid):
        return "its id holds a space, a line break or another control character"
    if any(_URL_CONTROL.search(link.url) for link in paper.links):
        return "a link's URL holds a control character (an escape or a line break)"
    upvotes = paper.upvotes
    if upvotes is not None and not 0 <= upvotes <= MAX_UPVOTES:
        shown = f"{upvotes:,}" if abs(upvotes) < 10**15 else f"a number of {len(str(abs(upvotes))):,} digits"
        return f"'upvotes' must be from 0 to {MAX_UPVOTES:,}, not {shown}"
    for name, value in (("added", paper.added), ("read_at", paper.read_at), ("published", paper.published)):
        if value and not _is_date(value):
            return f"{name!r} is not a date ({value[:40]!r})"
    return None


def _is_date(value: str) -> bool:
    """Whether ``value`` is an ISO date or date and time ('2024-03-11', '2026-01-01T12:00:00Z')."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


__all__ = [
    "Paper",
    "Link",
    "LINK_KINDS",
    "LINK_KIND_LABELS",
    "fold_text",
    "normalise_title",
    "normalise_tag",
    "paper_id",
    "title_id",
    "short_id",
    "normalise_arxiv_id",
    "now_iso",
    "replace",
    "value_problem",
]
