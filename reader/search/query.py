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
    has:code        papers with a GitHub repository link; has:project: with a project page;
                    has:notes: with notes
    source:PAGE     papers imported from a page whose name contains PAGE
    author:NAME     papers with an author called NAME (typos and accents forgiven)
    added:WHEN      added today, 7d (the last 7 days), 2024, 2024-03, 2024-03-01,
                    >=2024-03-01 (also >, <, <=); published:WHEN likewise
    id:PREFIX       papers whose id starts with PREFIX (several: any of them)
                    (-is:, -has:, -source:, -author:, -added:, -published:, -id: negate)
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass, field

from reader.errors import ReaderError
from reader.papers import normalise_tag
from reader.search.text import fold, positional_tokens, word_parts, words


class QueryError(ReaderError):
    """A query that cannot be understood (the message says why)."""


FILTER_KEYS = ("tag", "is", "has", "source", "author", "added", "published", "id")
IS_VALUES = ("read", "unread")
HAS_VALUES = ("code", "project", "notes")
KNOWN_FILTERS = "tag: is: has: source: author: added: published: id:"

_KEY = re.compile(r"([A-Za-z]+):")
_OPENING_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»"}


@dataclass(frozen=True, slots=True)
class Term:
    """One free word of a query: its parts and joined forms (see :func:`reader.search.text.word_parts`)."""

    text: str
    parts: tuple[str, ...]
    joined: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DateRange:
    """Days from ``first`` to ``last`` (inclusive, as YYYYMMDD numbers; None: open-ended)."""

    first: int | None
    last: int | None


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
    authors: tuple[tuple[str, ...], ...] = ()  # each: the folded words of one author: item
    not_authors: tuple[tuple[str, ...], ...] = ()
    added: tuple[DateRange, ...] = ()
    not_added: tuple[DateRange, ...] = ()
    published: tuple[DateRange, ...] = ()
    not_published: tuple[DateRange, ...] = ()
    ids: tuple[str, ...] = ()  # id prefixes: any of them
    not_ids: tuple[str, ...] = ()
    contradiction: bool = field(default=False)  # e.g. is:read is:unread: nothing can match

    @property
    def has_text(self) -> bool:
        """True when the query has words or phrases to rank by (else: newest first)."""
        return bool(self.terms or self.phrases)

    @property
    def needs_text(self) -> bool:
        """True when the query looks at words (to rank by, or to leave papers out)."""
        return bool(self.terms or self.phrases or self.exclude_terms or self.exclude_phrases)


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


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
        if match:
            name = match.group(1).lower()
            rest = text[match.end() : match.end() + 2]
            if name in FILTER_KEYS:
                key = name
                index = match.end()
            elif rest[:1] and not rest[:1].isspace() and rest != "//":
                # A filter we do not have (date:, year:): searching its text would quietly find nothing useful.
                raise QueryError(f"unknown filter {name}: (filters: {KNOWN_FILTERS}; quote it to search text)")
        if index < end and text[index] in _OPENING_QUOTES:
            closing = _OPENING_QUOTES[text[index]]
            close = text.find(closing, index + 1)
            if close < 0 and closing != '"':
                close = text.find('"', index + 1)
            if close < 0:
                raise QueryError(f"unclosed quote in {_shorten(text[start:])!r}: add the closing quote")
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
    """A phrase's words, cut as the index cuts text for positions (GPT-4V -> gpt, 4v)."""
    return tuple(positional_tokens(value))


# -- dates -------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DAYS = re.compile(r"(\d+)d")


def day_number(day: _dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _span(key: str, value: str) -> tuple[_dt.date, _dt.date]:
    """The first and last day ``value`` (2024, 2024-03, 2024-03-01) names."""
    match = _DATE.fullmatch(value)
    if match is None:
        raise ValueError
    year = int(match.group(1))
    if match.group(2) is None:
        return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
    month = int(match.group(2))
    if match.group(3) is None:
        return _dt.date(year, month, 1), _dt.date(year, month, calendar.monthrange(year, month)[1])
    day = _dt.date(year, month, int(match.group(3)))
    return day, day


def _date_range(key: str, value: str, today: _dt.date) -> DateRange:
    text = value.strip().lower()
    try:
        if text == "today":
            number = day_number(today)
            return DateRange(number, number)
        if text == "yesterday":
            number = day_number(today - _dt.timedelta(days=1))
            return DateRange(number, number)
        days = _DAYS.fullmatch(text)
        if days:
            count = int(days.group(1))
            if count < 1:
                raise ValueError
            return DateRange(day_number(today - _dt.timedelta(days=count - 1)), day_number(today))
        for op in (">=", "<=", ">", "<"):
            if text.startswith(op):
                first, last = _span(key, text[len(op) :])
                if op == ">=":
                    return DateRange(day_number(first), None)
                if op == ">":
                    return DateRange(day_number(last + _dt.timedelta(days=1)), None)
                if op == "<=":
                    return DateRange(None, day_number(last))
                return DateRange(None, day_number(first - _dt.timedelta(days=1)))
        first, last = _span(key, text)
        return DateRange(day_number(first), day_number(last))
    except (ValueError, OverflowError):
        shown = f"{value!r}" if value else "nothing"
        raise QueryError(
            f"{key}: takes a date such as today, 7d, 2024, 2024-03, 2024-03-01 or >=2024-03-01, not {shown}"
        ) from None


# -- parsing ------------------------------------------------------------------------------


def parse_query(text: str, *, today: _dt.date | None = None) -> Query:
    """Parse a query; raises :class:`QueryError` when it is malformed.

    ``today`` is the day ``added:today`` and ``added:7d`` count from (default: the local date).
    """
    if not isinstance(text, str):
        raise QueryError("a query must be text")
    terms: list[Term] = []
    phrases: list[tuple[str, ...]] = []
    exclude_terms: list[str] = []
    exclude_phrases: list[tuple[str, ...]] = []
    lists: dict[str, list] = {
        name: []
        for name in (
            "tags", "not_tags", "has", "has_not", "sources", "not_sources", "authors", "not_authors",
            "added", "not_added", "published", "not_published", "ids", "not_ids",
        )
    }
    read_states: set[bool] = set()
    saw_or = False
    saw_filter = False

    for negated, key, value, quoted in _items(text):
        if key is None:
            if quoted:
                phrase = _phrase(value)
                if phrase:
                    (exclude_phrases if negated else phrases).append(phrase)
                continue
            if value == "OR" and not negated:
                saw_or = True
            for word in words(value):
                parts, joined = word_parts(word)
                if not parts:
                    continue
                if negated:
                    exclude_terms.extend(joined or parts)
                else:
                    terms.append(Term(word, tuple(parts), tuple(joined)))
            continue
        saw_filter = True
        value = value.strip()
        prefix = "not_" if negated else ""
        if key == "tag":
            tag = normalise_tag(value)
            if not tag:
                raise QueryError("tag: needs a tag name, e.g. tag:to-read (or -tag:to-read to leave it out)")
            lists[prefix + "tags"].append(tag)
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
                raise QueryError(f"has: takes code, project or notes (has:code, has:project, has:notes), not {shown}")
            lists["has_not" if negated else "has"].append(what)
        elif key == "source":
            page = fold(value)
            if not page:
                raise QueryError("source: needs a page name (or part of one), e.g. source:vision-mamba")
            lists[prefix + "sources"].append(page)
        elif key == "author":
            name = tuple(positional_tokens(value))
            if not name:
                raise QueryError('author: needs a name, e.g. author:hinton or author:"geoffrey hinton"')
            lists[prefix + "authors"].append(name)
        elif key in ("added", "published"):
            when = _date_range(key, value, today or _dt.date.today())
            lists[prefix + key].append(when)
        elif key == "id":
            start = value.lower()
            if not start:
                raise QueryError("id: needs the start of a paper id, e.g. id:2f3a")
            lists[prefix + "ids"].append(start)

    if saw_or and saw_filter:
        raise QueryError("OR is not supported: every item of a query must match (they combine with AND)")
    read = None
    if len(read_states) == 1:
        read = read_states.pop()
    unique = {name: tuple(dict.fromkeys(values)) for name, values in lists.items()}
    return Query(
        text=text,
        terms=tuple(terms),
        phrases=tuple(phrases),
        exclude_terms=tuple(dict.fromkeys(exclude_terms)),
        exclude_phrases=tuple(exclude_phrases),
        read=read,
        contradiction=len(read_states) > 1
        or bool(set(unique["tags"]) & set(unique["not_tags"]))
        or bool(set(unique["has"]) & set(unique["has_not"])),
        **unique,
    )


__all__ = [
    "QueryError", "Query", "Term", "DateRange", "parse_query", "day_number",
    "FILTER_KEYS", "IS_VALUES", "HAS_VALUES", "KNOWN_FILTERS",
]
