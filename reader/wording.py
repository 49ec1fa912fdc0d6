"""Counted nouns and change labels in words a reader would write: "1 paper", "3 papers", never "paper(s)".

Used by the CLI and the TUI alike. Change labels are stored in the journal as
written when the change was made (older ones say "2 paper(s)"); :func:`change_label`
words them properly when they are shown, whatever their age.
"""

from __future__ import annotations

import re

_IRREGULAR = {"entry": "entries", "repository": "repositories", "day": "days"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 paper``, ``2 papers``, ``1,204 entries``: the count and the noun that agrees with it."""
    if count == 1:
        word = noun
    else:
        word = many or _IRREGULAR.get(noun) or noun + "s"
    return f"{count:,} {word}"


def papers(count: int) -> str:
    return plural(count, "paper")


_COUNTED = re.compile(r"\b(\d[\d,]*) (\w+)\(s\)")


_ONE_PAPER = re.compile(r"\b1 paper(?:\(s\))?(?=\s|$)")


def change_label(label: str, title: str | None = None) -> str:
    """A stored change label as shown: ``tag 1 paper(s) +x`` -> ``tag 1 paper +x``, or, given the title
    of the one paper it changed, ``tag "Attention Is All…" +x``."""
    if title and _ONE_PAPER.search(label):
        return _ONE_PAPER.sub(lambda m: f'"{short_title(title)}"', label, count=1)

    def agree(match: re.Match) -> str:
        count = int(match.group(1).replace(",", ""))
        return plural(count, match.group(2))

    return _COUNTED.sub(agree, label)


def short_title(title: str, limit: int = 40) -> str:
    """A title on one line, cut to ``limit`` characters with an ellipsis."""
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


__all__ = ["change_label", "papers", "plural", "short_title"]
