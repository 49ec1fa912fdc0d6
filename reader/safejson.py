"""Decoding JSON that reader did not write itself in this process: with limits.

Every JSON text that comes from outside (an import file, a backup, an API
reply, a cache file, a library file) goes through :func:`loads`, which refuses,
with a one-line :class:`JSONLimitError`, before or instead of building it:

* a text nested deeper than ``max_depth`` levels (``[[[...]]]`` 100,000 deep
  would otherwise raise ``RecursionError``, and a value just under the
  interpreter's limit would break whatever later walks it: copying, saving,
  comparing);
* a text larger than ``max_bytes``;
* a text whose decoded form would cost far more memory than its size (100 MB
  of ``[],[],[]`` is 2.7 GB of Python lists): the cost is estimated from a
  few byte counts (done at C speed) before anything is decoded.

:class:`JSONLimitError` is a ``ValueError``, as ``json.JSONDecodeError`` is, so
a caller that reports malformed JSON reports these the same way. The module
has no dependency inside reader: any layer may use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

# Real documents are a few levels deep (a backup: file > papers > paper > extra > github > ...).
MAX_DEPTH = 64
# Memory the decoded value may take, by the estimate below: this much, plus COST_PER_BYTE
# times the text's size. A real backup of 100,000 papers (210 MB) is estimated at 2.4 bytes
# a byte (and measured at 2.2); 100 MB of '[],' at 35 bytes a byte, of '0,' at 16.
MAX_OVERHEAD = 256 * 1024 * 1024
COST_PER_BYTE = 3

# Estimated bytes of Python objects per structural character (CPython 3.11, 64-bit):
# an empty list is 56 bytes and a dict 64 or more, plus the slot pointing to it; a
# string costs 49 bytes + its text (two quotes each); a float 24 + a slot.
_PER_CONTAINER = 72
_PER_QUOTE = 32
_PER_SEPARATOR = 32


class JSONLimitError(ValueError):
    """The JSON text is over a limit (too deep, too large, too costly); the message says which."""


def estimated_cost(data: bytes | str) -> int:
    """Bytes of memory the decoded value may take beyond the text, estimated from character counts.

    An upper-bound-leaning estimate: brackets, quotes and separators inside
    strings are counted too (a few per abstract), which only errs towards caution.
    """
    if isinstance(data, str):
        opens = data.count("[") + data.count("{")
        quotes = data.count('"')
        separators = data.count(",") + data.count(":")
    else:
        opens = data.count(b"[") + data.count(b"{")
        quotes = data.count(b'"')
        separators = data.count(b",") + data.count(b":")
    return opens * _PER_CONTAINER + quotes * _PER_QUOTE + separators * _PER_SEPARATOR


def depth_of(value: object, limit: int = MAX_DEPTH) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), counted without recursion.

    Stops counting once past ``limit`` (returns ``limit + 1``).
    """
    depth = 0
    level: list = [value] if type(value) in (list, dict) else []
    while level:
        depth += 1
        if depth > limit:
            return depth
        following: list = []
        for container in level:
            items: Iterable = container.values() if type(container) is dict else container
            following.extend([item for item in items if type(item) is list or type(item) is dict])
        level = following
    return depth


def size_text(count: int) -> str:
    """'16 MB', '12 KB', '300 bytes' for a message."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


def check_text(
    data: bytes | str,
    *,
    max_bytes: int | None = None,
    max_overhead: int = MAX_OVERHEAD,
) -> None:
    """Raise :class:`JSONLimitError` if ``data`` is too large or too costly to decode."""
    size = len(data)
    if max_bytes is not None and size > max_bytes:
        raise JSONLimitError(f"JSON text is {size_text(size)}, more than the {size_text(max_bytes)} allowed")
    if size > 4096:  # small texts cannot cost much
        check_cost(estimated_cost(data), size, max_overhead=max_overhead)


def check_cost(cost: int, size: int, *, max_overhead: int = MAX_OVERHEAD) -> None:
    """Raise :class:`JSONLimitError` if a text of ``size`` bytes with :func:`estimated_cost` ``cost`` is absurd.

    (For a text read in pieces, the costs of the pieces add up.)
    """
    if cost > max_overhead + COST_PER_BYTE * size:
        raise JSONLimitError(
            f"JSON text of {size_text(size)} would take about {size_text(cost)} of memory to read "
            "(far too many small values for its size); not read"
        )


def loads(
    data: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_bytes: int | None = None,
    max_overhead: int = MAX_OVERHEAD,
) -> object:
    """``json.loads`` with limits; raises ``ValueError`` (:class:`JSONLimitError` for a limit)."""
    check_text(data, max_bytes=max_bytes, max_overhead=max_overhead)
    try:
        value = json.loads(data)
    except RecursionError:
        raise JSONLimitError(f"JSON text is nested deeper than {max_depth} levels") from None
    if depth_of(value, max_depth) > max_depth:
        raise JSONLimitError(f"JSON text is nested deeper than {max_depth} levels")
    return value


_DECODER = json.JSONDecoder()


def raw_decode(text: str, position: int, *, max_depth: int = MAX_DEPTH) -> tuple[object, int]:
    """One JSON value of ``text`` starting at ``position``: ``(value, end)``, with the depth limit.

    For reading a large document piece by piece (a backup paper by paper): the
    caller checks the whole text once with :func:`check_text`.
    """
    try:
        value, end = _DECODER.raw_decode(text, position)
    except RecursionError:
        raise JSONLimitError(f"JSON text is nested deeper than {max_depth} levels") from None
    # Fewer brackets than the limit cannot nest past it: most values need no walk.
    if text.count("[", position, end) + text.count("{", position, end) > max_depth and (
        depth_of(value, max_depth) > max_depth
    ):
        raise JSONLimitError(f"JSON text is nested deeper than {max_depth} levels")
    return value, end


def describe(exc: ValueError) -> str:
    """A one-line reason for a failed :func:`loads`, for messages that name the file."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, JSONLimitError):
        return str(exc)
    return f"not valid JSON ({exc})"


__all__ = ["MAX_DEPTH", "MAX_OVERHEAD", "JSONLimitError", "check_cost", "check_text", "depth_of", "describe", "estimated_cost", "loads", "raw_decode", "size_text"]
