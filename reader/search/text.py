"""Turning text into the terms search matches on.

The index and the query parser share these functions, so a word is cut the
same way on both sides. A *term* is a folded (lower-case, accent-free) run of
letters or digits. Besides its plain parts, a compound word also yields its
parts joined together, so every spelling of a name meets:

``MHS-VM``         -> mhs, vm, mhsvm
``LayerDiffusion`` -> layer, diffusion, layerdiffusion
``GPT-4`` / ``Llama2`` -> gpt, 4, gpt4 / llama, 2, llama2
``Poincaré``       -> poincare

The index keeps each field's words in order, cut at every run of
punctuation (:func:`positional_text`: what quoted phrases are matched
against), followed by the extra terms the text is also found by. Titles,
tags, links and authors get the full treatment (:func:`field_text`).
Abstracts are most of a library's text, so :func:`long_field_text` adds only
their hyphenated compounds joined.
"""

from __future__ import annotations

import re

from reader.papers import fold_text

# Bump when the way text is cut changes: persisted indexes made with another
# version are rebuilt.
TOKENIZER_VERSION = 2

# A word: letters/digits, possibly joined by inner punctuation (GPT-4, 50,176, U.S, don't).
_WORD = re.compile(r"[^\W_]+(?:[-'’.,/_][^\W_]+)*")
_JOINER = re.compile(r"[-'’.,/_]")
# The pieces of an ASCII chunk: acronym plurals (LLMs), acronyms, capitalised or
# lower-case words, numbers.
_ASCII_PIECE = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# The pieces of a folded non-ASCII chunk: runs of letters, runs of digits.
_PIECE = re.compile(r"[^\W\d_]+|\d+")

# Long texts are cut as UTF-8 bytes (several times faster than str methods):
# ASCII letters are lower-cased, other ASCII characters become spaces, bytes of
# non-ASCII characters are kept. _KEEP_HYPHEN keeps '-' too, to find compounds.
def _byte_table(keep: bytes) -> bytes:
    table = bytearray(256)
    for code in range(256):
        if 65 <= code <= 90:
            table[code] = code + 32
        elif 97 <= code <= 122 or 48 <= code <= 57 or code >= 128 or code in keep:
            table[code] = code
        else:
            table[code] = 32
    return bytes(table)


_BYTES_SPLIT = _byte_table(b"")
_BYTES_KEEP_HYPHEN = _byte_table(b"-")
# Unicode punctuation that would otherwise stick to words in non-ASCII text.
_UNICODE_SEPARATORS = str.maketrans(
    {
        ch: " "
        for ch in "\u00a0\u00ab\u00bb\u00b7\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019"
        "\u201a\u201c\u201d\u201e\u2022\u2026\u2032\u2033\u2212\u00d7\u3001\u3002\uff0c\uff08\uff09"
    }
)

# Host labels that say nothing about a paper.
_URL_NOISE = frozenset(
    {"http", "https", "www", "com", "org", "net", "io", "edu", "html", "htm", "index", "ai", "dev", "app"}
)


def fold(text: str) -> str:
    """Case- and accent-folded text (fast for ASCII, which is most text)."""
    return text.lower() if text.isascii() else fold_text(text)


def folded_bytes(text: str) -> bytes:
    """``text`` folded and encoded, its non-ASCII punctuation turned into spaces."""
    if text.isascii():
        return text.encode("ascii")
    return fold_text(text).translate(_UNICODE_SEPARATORS).encode("utf-8", "surrogatepass")


def _chunk_pieces(chunk: str) -> list[str]:
    if chunk.isascii():
        return [piece.lower() for piece in _ASCII_PIECE.findall(chunk)]
    return _PIECE.findall(fold_text(chunk))


def word_parts(word: str) -> tuple[list[str], list[str]]:
    """The parts of one word in order, and its joined forms (empty for a simple word)."""
    parts: list[str] = []
    joined: list[str] = []
    for chunk in _JOINER.split(word):
        pieces = _chunk_pieces(chunk)
        if len(pieces) > 1:
            joined.append("".join(pieces))
        parts.extend(pieces)
    if len(parts) > 1:
        whole = "".join(parts)
        if whole not in joined:
            joined.append(whole)
    return parts, joined


def words(text: str) -> list[str]:
    """The words of ``text`` (punctuation around them dropped, inner punctuation kept)."""
    return _WORD.findall(text)


# Words repeat across titles ("Self-Supervised", "Transformers"): remember how
# each was cut. Bounded; a plain dict is safe to share between threads.
_CUT_CACHE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_CUT_CACHE_LIMIT = 200_000


def _cut(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    cut = _CUT_CACHE.get(word)
    if cut is None:
        if word.isascii() and word.isalpha() and (word.islower() or word.isupper() or word[1:].islower()):
            cut = ((word.lower(),), ())
        elif word.isascii() and word.isdigit():
            cut = ((word,), ())
        else:
            parts, joined = word_parts(word)
            cut = (tuple(parts), tuple(joined))
        if len(_CUT_CACHE) >= _CUT_CACHE_LIMIT:
            _CUT_CACHE.clear()
        _CUT_CACHE[word] = cut
    return cut


def positional_text(text: str) -> str:
    """``text`` folded, with every run of punctuation and spacing turned into one space.

    This is the cut the index keeps word positions for (quoted phrases are
    matched against it): ``GPT-4V achieved`` -> ``gpt 4v achieved``,
    ``PTB/WikiText-103`` -> ``ptb wikitext 103``. The query cuts a phrase the
    same way, so a phrase is found wherever its words stand in that order.
    """
    if text.isascii():
        data = text.encode("ascii")
    else:
        data = fold_text(text).translate(_UNICODE_SEPARATORS).encode("utf-8", "replace")
    return data.translate(_BYTES_SPLIT).decode("utf-8", "replace")


def positional_tokens(text: str) -> list[str]:
    """The words of :func:`positional_text`, in order."""
    return positional_text(text).split()


# Written between a field's words and its extra terms, and between the values of a
# field with several (tags, links): no cut makes this word, so no phrase spans it.
SEPARATOR = "|"


def field_text(text: str) -> str:
    """What the index holds for a short text (title, tag, author): its words in order, then the
    extra terms it is also found by (MHS-VM -> mhsvm, LayerDiffusion -> layer diffusion, GPT-4V -> gpt4v)."""
    tokens = positional_text(text)
    extra = text_terms(text)[1].difference(tokens.split())
    if not extra:
        return tokens
    return f"{tokens} {SEPARATOR} {' '.join(sorted(extra))}"


def long_field_text(text: str) -> str:
    """Like :func:`field_text` for a long text (an abstract), cut cheaply: the extra terms are
    its hyphenated compounds joined (Flow-Attention -> flowattention); camel-case names stay whole."""
    if "-" not in text:
        return positional_text(text)
    data = folded_bytes(text)
    tokens = data.translate(_BYTES_SPLIT)
    kept = data.translate(_BYTES_KEEP_HYPHEN)
    compounds: set[bytes] = set()
    position = kept.find(b"-")
    while position >= 0:
        start = kept.rfind(b" ", 0, position) + 1
        end = kept.find(b" ", position)
        if end < 0:
            end = len(kept)
        compound = kept[start:end].strip(b"-")
        if b"-" in compound:
            compounds.add(compound.replace(b"-", b""))
        position = kept.find(b"-", end)
    text_tokens = tokens.decode("utf-8", "replace")
    if not compounds:
        return text_tokens
    extra = b" ".join(sorted(compounds)).decode("utf-8", "replace")
    return f"{text_tokens} {SEPARATOR} {extra}"


def text_terms(text: str) -> tuple[list[str], set[str]]:
    """The parts of ``text`` in order and every term it is found by (parts and joined forms)."""
    parts: list[str] = []
    terms: set[str] = set()
    for word in _WORD.findall(text):
        word_part_list, joined = _cut(word)
        parts.extend(word_part_list)
        if joined:
            terms.update(joined)
    terms.update(parts)
    return parts, terms


def link_parts(url: str) -> list[str]:
    """The meaningful words of a URL: host labels and path segments (github.com/thuml/Flowformer -> thuml, flowformer)."""
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.rpartition("@")[2].partition(":")[0]
    path = path.partition("?")[0].partition("#")[0]
    labels = [label for label in host.lower().split(".") if label and label not in _URL_NOISE]
    return labels + [segment for segment in path.split("/") if segment]


def links_text(urls) -> str:
    """What the index holds for a paper's links: the words of each (see :func:`link_parts`)."""
    values = []
    for url in urls:
        pieces = [piece for piece in link_parts(url)]
        if pieces:
            values.append(field_text(" ".join(pieces)))
    return f" {SEPARATOR} ".join(values)


__all__ = [
    "TOKENIZER_VERSION",
    "SEPARATOR",
    "fold",
    "word_parts",
    "words",
    "text_terms",
    "positional_text",
    "positional_tokens",
    "field_text",
    "long_field_text",
    "link_parts",
    "links_text",
]
