"""Turning text into the terms search matches on.

The index and the query parser share these functions, so a word is cut the
same way on both sides. A *term* is a folded (lower-case, accent-free) run of
letters or digits. Besides its plain parts, a compound word also yields its
parts joined together, so every spelling of a name meets:

``MHS-VM``         -> mhs, vm, mhsvm
``LayerDiffusion`` -> layer, diffusion, layerdiffusion
``GPT-4`` / ``Llama2`` -> gpt, 4, gpt4 / llama, 2, llama2
``Poincaré``       -> poincare

Titles, tags and links are short and get this full treatment
(:func:`text_terms`). Abstracts are most of a library's text, so
:func:`abstract_terms` uses a cheaper cut (plain words, hyphenated and
camel-case compounds) that is still consistent with the full one for
everything people type.
"""

from __future__ import annotations

import re

from reader.papers import fold_text

# Bump when the way text is cut changes: persisted indexes made with another
# version are rebuilt.
TOKENIZER_VERSION = 1

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


def forget_cut_words() -> None:
    """Empty the cache of cut words (after cutting a whole library's titles)."""
    _CUT_CACHE.clear()


def title_terms(text: str) -> tuple[list[str], set[str], str | None]:
    """Like :func:`text_terms`, plus the term of the first word, whole (BitNet -> bitnet)."""
    parts: list[str] = []
    terms: set[str] = set()
    first = None
    for word in _WORD.findall(text):
        word_part_list, joined = _cut(word)
        if first is None and word_part_list:
            first = joined[-1] if joined else word_part_list[0]
        parts.extend(word_part_list)
        if joined:
            terms.update(joined)
    terms.update(parts)
    return parts, terms, first


def text_terms(text: str) -> tuple[list[str], set[str]]:
    """The parts of ``text`` in order (for phrases) and every term it is found by."""
    parts: list[str] = []
    terms: set[str] = set()
    for word in _WORD.findall(text):
        word_part_list, joined = _cut(word)
        parts.extend(word_part_list)
        if joined:
            terms.update(joined)
    terms.update(parts)
    return parts, terms


def first_word_term(text: str) -> str | None:
    """The term for the first word of ``text``, whole (BitNet -> bitnet, MHS-VM -> mhsvm)."""
    match = _WORD.search(text)
    if match is None:
        return None
    parts, joined = _cut(match.group(0))
    if joined:
        return joined[-1]
    return parts[0] if parts else None


def abstract_terms(text: str) -> set[bytes]:
    """Every term of a long text as UTF-8 bytes, cut cheaply (see the module doc).

    Plain words, plus hyphenated compounds joined (Flow-Attention ->
    flowattention). Camel-case names are kept whole (LayerDiffusion ->
    layerdiffusion): splitting them costs too much over 100,000 abstracts.
    """
    return abstract_tokens_and_terms(text)[1]


def abstract_tokens(text: str) -> list[bytes]:
    """The words of a long text in order, as UTF-8 bytes: what a quoted phrase is matched against.

    The same cut as :func:`normalised_words` (``flow-matching,  and`` ->
    flow, matching, and); every token is also one of :func:`abstract_terms`.
    """
    return folded_bytes(text).translate(_BYTES_SPLIT).split()


def abstract_tokens_and_terms(text: str) -> tuple[list[bytes], set[bytes]]:
    """:func:`abstract_tokens` and :func:`abstract_terms` of ``text``, cutting it once."""
    data = folded_bytes(text)
    tokens = data.translate(_BYTES_SPLIT).split()
    terms = set(tokens)
    if b"-" in data:
        kept = data.translate(_BYTES_KEEP_HYPHEN)
        position = kept.find(b"-")
        while position >= 0:
            start = kept.rfind(b" ", 0, position) + 1
            end = kept.find(b" ", position)
            if end < 0:
                end = len(kept)
            compound = kept[start:end].strip(b"-")
            if b"-" in compound:
                terms.add(compound.replace(b"-", b""))
            position = kept.find(b"-", end)
    return tokens, terms


def normalised_words(text: str) -> bytes:
    """Folded text with punctuation and spacing reduced to single spaces, padded: b' a b c '."""
    return b" " + b" ".join(abstract_tokens(text)) + b" "


def link_parts(url: str) -> list[str]:
    """The meaningful words of a URL: host labels and path segments (github.com/thuml/Flowformer -> thuml, flowformer)."""
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.rpartition("@")[2].partition(":")[0]
    path = path.partition("?")[0].partition("#")[0]
    labels = [label for label in host.lower().split(".") if label and label not in _URL_NOISE]
    return labels + [segment for segment in path.split("/") if segment]


def link_terms(urls) -> tuple[list[str], set[str]]:
    """Parts and terms of a paper's links (see :func:`link_parts`)."""
    parts: list[str] = []
    terms: set[str] = set()
    for url in urls:
        for piece in link_parts(url):
            piece_parts, piece_terms = text_terms(piece)
            parts.extend(piece_parts)
            terms |= piece_terms
    terms -= _URL_NOISE
    return parts, terms


__all__ = [
    "TOKENIZER_VERSION",
    "fold",
    "word_parts",
    "words",
    "text_terms",
    "title_terms",
    "forget_cut_words",
    "abstract_terms",
    "abstract_tokens",
    "abstract_tokens_and_terms",
    "first_word_term",
    "normalised_words",
    "link_parts",
    "link_terms",
]
