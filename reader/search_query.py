"""The query language: free words, quoted phrases and filters.

``parse_query`` turns what a person typed into a :class:`Query`; it never
touches the library. Malformed input raises :class:`QueryError` with a one-line
message that says how to fix it.

Grammar (items are separated by spaces, any order, all combine with AND)::

    word            fuzzy: typos, accents, case, punctuation and word splits don't matter
    "some phrase"   these words, in this order, exactly (no typo tolerance)
    -word           leave out papers containing this exact word; -"phrase" likewise
    tag:NAME        papers tagged NAME (tag:"two words" works too); -tag:NAME: not tagged
    is:read         read papers; is:unread: unread papers
    has:code        papers with a GitHub repository link; has:project: with a project page
    source:PAGE     papers imported from a page whose name contains PAGE
                    (-is:, -has:, -source: negate)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reader.errors import ReaderError
from reader.papers import normalise_tag
from reader.search_text import fold, word_parts, words


class QueryError(ReaderError):
    """A query that cannot be understood (the message says why)."""


FILTER_KEYS = ("tag", "is", "has", "source")
IS_VALUES = ("read", "unread")
HAS_VALUES = ("code", "project")

_KEY = re.compile(r"([A-Za-z]+):")
_OPENING_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»"}


@dataclass(frozen=True, slots=True)
class Term:
    """One free word of a query: its parts and joined forms (see :func:`reader.search_text.word_parts`)."""

    text: str
    parts: tuple[str, ...]
    joined: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    text: str = ""
    terms: tuple[Term, ...] = ()  # fuzzy words; ranked
    phrases: tuple[tuple[str, ...], ...] = ()  # exact word sequences; required
    exclude_terms: tuple[str, ...] = ()
    exclude_phrases: tuple[tuple[str, ...], ...] = ()
    tags: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    read: bool | None = None  # True: is:read, False: is:unread
    has: tuple[str, ...] = ()
    has_not: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    not_sources: tuple[str, ...] = ()
    contradiction: bool = field(default=False)  # e.g. is:read is:unread: nothing can match

    @property
    def has_text(self) -> bool:
        """True when the query has words or phrases to rank by (else: newest first)."""
        return bool(self.terms or self.phrases)

    @property
    def needs_text(self) -> bool:
        """True when the query looks at words (to rank by, or to leave papers out)."""
        return bool(self.terms or self.phrases or self.exclude_terms or self.exclude_phrases)

    @property
    def is_empty(self) -> bool:
        return self == Query(text=self.text)


def _items(text: str):
    """Yield (negated, key, value, quoted) for each item of ``text``."""
    index, end = 0, len(text)
    while index < end:
        if text[index].isspace():
            index += 1
            continue
        start = index
        negated = False
        if text[index] == "-" and index + 1 < end and not text[index + 1].isspace():
            negated = True
            index += 1
        key = None
        match = _KEY.match(text, index)
        if match and match.group(1).lower() in FILTER_KEYS:
            key = match.group(1).lower()
            index = match.end()
        if index < end and text[index] in _OPENING_QUOTES:
            closing = _OPENING_QUOTES[text[index]]
            close = text.find(closing, index + 1)
            if close < 0 and closing != '"':
                close = text.find('"', index + 1)
            if close < 0:
                shown = text[start:]
                if len(shown) > 40:
                    shown = shown[:37] + "..."
                raise QueryError(f"unclosed quote in {shown!r}: add the closing quote")
            value = text[index + 1 : close]
            index = close + 1
            quoted = True
        else:
            stop = index
            while stop < end and not text[stop].isspace():
                stop += 1
            value = text[index:stop]
            index = stop
            quoted = False
        yield negated, key, value, quoted


def _phrase(value: str) -> tuple[str, ...]:
    parts: list[str] = []
    for word in words(value):
        parts.extend(word_parts(word)[0])
    return tuple(parts)


def parse_query(text: str) -> Query:
    """Parse a query; raises :class:`QueryError` when it is malformed."""
    if not isinstance(text, str):
        raise QueryError("a query must be text")
    terms: list[Term] = []
    phrases: list[tuple[str, ...]] = []
    exclude_terms: list[str] = []
    exclude_phrases: list[tuple[str, ...]] = []
    tags: list[str] = []
    not_tags: list[str] = []
    read_states: set[bool] = set()
    has: list[str] = []
    has_not: list[str] = []
    sources: list[str] = []
    not_sources: list[str] = []

    for negated, key, value, quoted in _items(text):
        if key is None:
            if quoted:
                phrase = _phrase(value)
                if phrase:
                    (exclude_phrases if negated else phrases).append(phrase)
                continue
            for word in words(value):
                parts, joined = word_parts(word)
                if not parts:
                    continue
                if negated:
                    exclude_terms.extend(joined or parts)
                else:
                    terms.append(Term(word, tuple(parts), tuple(joined)))
            continue
        value = value.strip()
        if key == "tag":
            tag = normalise_tag(value)
            if not tag:
                raise QueryError("tag: needs a tag name, e.g. tag:to-read (or -tag:to-read to leave it out)")
            (not_tags if negated else tags).append(tag)
        elif key == "is":
            state = value.lower()
            if state not in IS_VALUES:
                shown = f"{value!r}" if value else "nothing"
                raise QueryError(f"is: takes read or unread (is:read, is:unread), not {shown}")
            read_states.add((state == "read") != negated)
        elif key == "has":
            what = value.lower()
            if what not in HAS_VALUES:
                shown = f"{value!r}" if value else "nothing"
                raise QueryError(f"has: takes code or project (has:code, has:project), not {shown}")
            (has_not if negated else has).append(what)
        elif key == "source":
            page = fold(value)
            if not page:
                raise QueryError("source: needs a page name (or part of one), e.g. source:vision-mamba")
            (not_sources if negated else sources).append(page)

    read = None
    if len(read_states) == 1:
        read = read_states.pop()
    return Query(
        text=text,
        terms=tuple(terms),
        phrases=tuple(phrases),
        exclude_terms=tuple(dict.fromkeys(exclude_terms)),
        exclude_phrases=tuple(exclude_phrases),
        tags=tuple(dict.fromkeys(tags)),
        not_tags=tuple(dict.fromkeys(not_tags)),
        read=read,
        has=tuple(dict.fromkeys(has)),
        has_not=tuple(dict.fromkeys(has_not)),
        sources=tuple(dict.fromkeys(sources)),
        not_sources=tuple(dict.fromkeys(not_sources)),
        contradiction=len(read_states) > 1
        or bool(set(tags) & set(not_tags))
        or bool(set(has) & set(has_not)),
    )


__all__ = ["QueryError", "Query", "Term", "parse_query", "FILTER_KEYS", "IS_VALUES", "HAS_VALUES"]
