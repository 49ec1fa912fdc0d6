"""The index's schema and documents: what the search index holds for each paper, and its record.

The index directory (``library.json.index``) holds one tantivy document per
paper plus one *meta* document, committed atomically with them, that records
the index format, the library it belongs to and the journal position it
reflects. :class:`IndexUnusable` says why a directory cannot be used as it is.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import re
from pathlib import Path

import tantivy

from reader.papers import CODE, PROJECT, Paper
from reader.search.text import SEPARATOR, TOKENIZER_VERSION, field_text, fold, links_text, long_field_text

# Bump when the schema or the way documents are made changes: older indexes are rebuilt.
FORMAT = 1 * 1000 + TOKENIZER_VERSION
INDEX_SUFFIX = ".index"
META_ID = "\x00meta"

# How much finding a word in each field weighs (times its BM25 score).
FIELD_WEIGHTS = {
    "title": 3.0,
    "tags": 2.2,
    "links": 2.0,
    "authors": 1.4,
    "notes": 1.2,
    "abstract": 1.0,
}
TEXT_FIELDS = tuple(FIELD_WEIGHTS)


def index_dir(library_path: str | os.PathLike) -> Path:
    path = Path(library_path)
    return path.with_name(path.name + INDEX_SUFFIX)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace")
    builder.add_text_field("tag", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("flag", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("added", indexed=True, fast=True)
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_integer_field("order", fast=True)  # recency: added, then arrival
    builder.add_integer_field("arrival", fast=True)
    builder.add_integer_field("key", fast=True)  # paper_key(id): ids of many hits without reading documents
    builder.add_bytes_field("doc", stored=True)
    builder.add_bytes_field("meta", stored=True)
    return builder.build()


SCHEMA = _schema()


class IndexUnusable(Exception):
    """The index directory cannot be used as it is (the message says why)."""


class DamagedVocabulary(IndexUnusable):
    """The index's vocabulary files are missing or do not read."""

_DIGITS = re.compile(r"\d+")


@functools.lru_cache(maxsize=4096)
def _day(stamp: str | None) -> int | None:
    """YYYYMMDD of an ISO date or timestamp (None when there is none)."""
    if not stamp:
        return None
    numbers = _DIGITS.findall(stamp[:10])
    if len(numbers) < 1 or len(numbers[0]) != 4:
        return None
    try:
        year = int(numbers[0])
        month = int(numbers[1]) if len(numbers) > 1 else 1
        day = int(numbers[2]) if len(numbers) > 2 else 1
        _dt.date(year, month, day)
    except ValueError:
        return None
    return year * 10000 + month * 100 + day


@functools.lru_cache(maxsize=4096)
def _seconds(stamp: str) -> int:
    """Seconds since 1970 of an ISO timestamp (0 when it does not read as one)."""
    try:
        moment = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return max(int(moment.timestamp()), 0)


def _order(paper: Paper, arrival: int) -> int:
    return (min(_seconds(paper.added), (1 << 31) - 1) << 32) | (arrival & 0xFFFFFFFF)


def paper_fields(paper: Paper, abstract: str, arrival: int) -> dict:
    """The index document of ``paper``, field by field (see :func:`paper_document`)."""
    fields: dict = {"kind": "paper", "id": paper.id}
    title = field_text(paper.title)
    if title:
        fields["title"] = title
    if paper.tags:
        fields["tags"] = f" {SEPARATOR} ".join(field_text(tag) for tag in paper.tags)
        fields["tag"] = list(paper.tags)
    if paper.links:
        fields["links"] = links_text([link.url for link in paper.links])
    if paper.authors:
        fields["authors"] = f" {SEPARATOR} ".join(field_text(name) for name in paper.authors)
    if paper.notes.strip():
        fields["notes"] = field_text(paper.notes)
    if abstract:
        fields["abstract"] = long_field_text(abstract)
    kinds = {link.kind for link in paper.links}
    flags = [flag for flag, present in (("read", paper.read), ("code", CODE in kinds),
                                        ("project", PROJECT in kinds), ("notes", bool(paper.notes.strip())))
             if present]
    if flags:
        fields["flag"] = flags
    if paper.sources:
        fields["source"] = [fold(source) for source in paper.sources]
    added = _day(paper.added)
    if added is not None:
        fields["added"] = added
    published = _day(paper.published)
    if published is not None:
        fields["published"] = published
    fields["order"] = _order(paper, arrival)
    fields["arrival"] = arrival
    fields["key"] = paper_key(paper.id)
    fields["doc"] = json.dumps(paper.to_stored_doc(), ensure_ascii=False).encode("utf-8", "replace")
    return fields


def paper_document(paper: Paper, abstract: str, arrival: int) -> tuple[tantivy.Document, set[str]]:
    """The index document of ``paper`` and the terms it holds (for the vocabulary)."""
    fields = paper_fields(paper, abstract, arrival)
    terms: set[str] = set()
    for name in TEXT_FIELDS:
        text = fields.get(name)
        if text:
            terms.update(text.split())
    terms.discard(SEPARATOR)
    return tantivy.Document.from_dict(fields, SCHEMA), terms


def paper_key(pid: str) -> int:
    """A 63-bit number for a paper id (what the index keeps to list ids fast)."""
    return int.from_bytes(hashlib.blake2b(pid.encode("utf-8", "replace"), digest_size=8).digest(), "big") >> 1


def meta_document(meta: dict) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("kind", "meta")
    doc.add_text("id", META_ID)
    doc.add_bytes("meta", json.dumps(meta).encode())
    return doc


def library_key(library_path: Path) -> str:
    return str(Path(os.path.abspath(library_path)))


def read_meta(index: tantivy.Index, searcher: tantivy.Searcher | None = None) -> dict:
    """The meta document of ``index`` (as ``searcher`` sees it, when given); raises :class:`IndexUnusable`
    when it has none."""
    try:
        if searcher is None:
            searcher = index.searcher()
        result = searcher.search(tantivy.Query.term_query(SCHEMA, "id", META_ID), 2)
        if not result.hits:
            raise IndexUnusable("incomplete (no record of the library it belongs to)")
        raw = searcher.doc(result.hits[0][1]).get_first("meta")
        if raw is None:
            raise IndexUnusable("damaged (its record is empty)")
        meta = json.loads(bytes(raw))
    except (ValueError, TypeError) as exc:
        raise IndexUnusable(f"damaged ({exc})") from None
    if not isinstance(meta, dict):
        raise IndexUnusable("damaged (its record is not an object)")
    return meta


def is_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is tantivy's panic (pyo3's PanicException, a BaseException): it panics
    instead of failing on some damaged files (a segment file cut to a few bytes)."""
    return type(exc).__name__ == "PanicException"


def open_index(path: Path) -> tantivy.Index:
    try:
        index = tantivy.Index.open(str(path))
        schema_ok = _schema_matches(index)
    except (ValueError, OSError, RuntimeError) as exc:
        raise IndexUnusable(f"damaged ({str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__})") from None
    except BaseException as exc:
        if not is_panic(exc):
            raise
        raise IndexUnusable(f"damaged ({str(exc).splitlines()[0][:200]})") from None
    if not schema_ok:
        raise IndexUnusable("made by another version of reader")
    return index


def _schema_matches(index: tantivy.Index) -> bool:
    try:
        searcher = index.searcher()
        for name in ("kind", "id", "tag", "flag", "source", *TEXT_FIELDS):
            searcher.doc_freq(name, "x")
        return True
    except ValueError:
        return False


def new_meta(library_path: str | os.PathLike, seq: int, papers: int) -> dict:
    """The record of a new index of the library at ``library_path``, at journal position ``seq``."""
    return {"format": FORMAT, "library": library_key(Path(library_path)), "seq": seq, "papers": papers,
            "next_arrival": papers}


def check_meta(meta: dict, library_path: str | os.PathLike) -> None:
    """Raise :class:`IndexUnusable` unless ``meta`` is of this version's format and of that library."""
    if meta.get("format") != FORMAT:
        raise IndexUnusable("made by another version of reader")
    if meta.get("library") != library_key(Path(library_path)):
        raise IndexUnusable("made for another library")
