"""Parse Hugging Face "Daily Papers" pages saved as text.

Two layouts occur in real dumps:

* blocks separated by blank lines: title, blank, abstract, blank, ...
* a compact layout: title and abstract on alternating lines, no blank lines,
  with the first title glued to the page's "Subscribe" button text.

Both carry page chrome ("new", "Subscribe", "Daily Papers", "byAK and the
research community", date lines such as "Mar 11") which is dropped. Both
alternate title and abstract, so papers are paired by that layout: the line
after a title is its abstract, however short. The lines' shape is used only to
recover when the alternation breaks (a title whose abstract is missing, an
abstract without a title), which is reported and skipped without throwing the
pairing off.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right

from reader.errors import ImportProblem
from reader.importers import Candidate, ParsedSource, Skipped, decode_text, read_input_bytes, source_name
from reader.links import arxiv_id_from_links, extract_links

_CHROME = {
    "new",
    "subscribe",
    "daily papers",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "byak and the research community",
    "by ak and the research community",
}

_DATE_LINE = re.compile(
    r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?$",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"[\w)\]%][.!?]\s+[A-Z(\"']")
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u3000]+")

# Shape thresholds (seeds: titles are at most 176 characters, abstracts at least 444).
_ABSTRACT_MIN = 300
_SHORT_ABSTRACT_MIN = 200


def is_chrome(line: str) -> bool:
    if len(line) > 60:  # every chrome line is short
        return False
    folded = line.casefold()
    return folded in _CHROME or bool(_DATE_LINE.match(line))


def looks_like_abstract(line: str) -> bool:
    if len(line) >= _ABSTRACT_MIN:
        return True
    return len(line) >= _SHORT_ABSTRACT_MIN and len(_SENTENCE_BREAK.findall(line)) >= 2


# A line that ends a sentence with a full stop ("... results.", "... (Fig. 2).").
_ENDS_WITH_FULL_STOP = re.compile(r"[\w)\]%'\"”’]\.[\"'”’)\]]*$")


_SHORT_ABSTRACT_CHARS = 60
_SHORT_ABSTRACT_WORDS = 8


def _abstract_evidence(line: str) -> bool:
    """Can be an abstract where the layout puts one: prose, or one sentence of some length.

    Titles are not sentences: they do not end in a full stop, hold no sentence
    break and no URL. An abstract can be one sentence of 60-200 characters.
    """
    if looks_like_abstract(line):
        return True
    if len(line) < _SHORT_ABSTRACT_CHARS or len(line.split()) < _SHORT_ABSTRACT_WORDS:
        return False
    return bool(_ENDS_WITH_FULL_STOP.search(line) or _SENTENCE_BREAK.search(line) or "://" in line)


def _stray_abstract(line: str, following: str | None) -> bool:
    """An abstract where a title should be (its title is missing).

    A very long title followed by its abstract still is a title: only a line
    that reads as prose (long, with sentence breaks) and is not followed by
    an abstract of its own is taken for a stray abstract.
    """
    if not looks_like_abstract(line):
        return False
    if following is not None and looks_like_abstract(following) and (
        len(line) < _ABSTRACT_MIN or not _SENTENCE_BREAK.search(line)
    ):
        return False
    return True


_ODD_NON_ASCII_SPACES = re.compile("[\u00a0\u2007\u202f\u3000]")


def _clean(line: str) -> str:
    # A byte-order mark can survive at the start of a line (pages pasted together).
    if line.startswith("\ufeff"):
        line = line.lstrip("\ufeff")
    line = line.strip()
    # Substituting on every (long) line is slow; most lines need nothing.
    if "  " in line or "\t" in line or (not line.isascii() and _ODD_NON_ASCII_SPACES.search(line)):
        line = _SPACES.sub(" ", line).strip()
    return line


# A real page has a paper within its first few lines; a file with none in this
# many lines is not a page dump.
GIVE_UP_AFTER_LINES = 10_000
# A page holds a few hundred entries; past this many skipped ones, only count the rest.
MAX_SKIPPED_REPORTED = 200


_NON_BLANK_LINE = re.compile(r"[^\n]*?\S[^\n]*")


def _content_lines(text: str, dates: list[tuple[int, str]] | None = None):
    """(line number, cleaned line) for each line that is neither blank nor page chrome.

    Date lines ("Mar 11") are chrome too; with ``dates``, each is appended to it
    as (line number, text), so a paper can keep the date it was listed under.

    A generator, so that a file of millions of lines costs memory for one line
    at a time; blank lines are skipped by the regex engine, not one by one in
    Python. Only \n, \r\n and \r end lines: abstracts copied from the web may
    hold U+2028 and friends, which str.splitlines() would also split on.
    """
    seen_content = False
    newlines = 0  # "\n" characters before ``counted`` (matches hold none)
    counted = 0
    extra = 0  # line ends made by a lone "\r" (old Mac files) so far
    for match in _NON_BLANK_LINE.finditer(text):
        start = match.start()
        # The blank stretch since the last match: its \n and lone \r end lines too.
        newlines += text.count("\n", counted, start)
        extra += text.count("\r", counted, start) - text.count("\r\n", counted, start)
        counted = match.end()
        first_number = 1 + newlines + extra
        raw = match.group(0)
        if "\r" in raw:
            pieces = raw.split("\r")
            extra += raw.count("\r") - (1 if raw.endswith("\r") else 0)  # a final \r is half a CRLF
        else:
            pieces = [raw]
        for offset, piece in enumerate(pieces):
            line = _clean(piece)
            if not line:
                continue
            if dates is not None and len(line) <= 60 and _DATE_LINE.match(line):
                dates.append((first_number + offset, line))
            if not seen_content:
                if is_chrome(line):
                    continue
                # Compact layout: "SubscribeFirst Paper Title".
                if line.startswith("Subscribe") and len(line) > len("Subscribe"):
                    line = line[len("Subscribe"):].strip()
            elif is_chrome(line):
                continue
            seen_content = True
            yield first_number + offset, line


def parse_page_text(text: str, source: str, *, give_up_after: int | None = None) -> ParsedSource:
    """Parse the text of one page dump. Never raises for odd content; it reports it.

    With ``give_up_after``, parsing stops when that many lines held no paper
    (``ParsedSource.gave_up`` is then set), so a huge file of noise is
    rejected in a moment instead of being read to the end.
    """
    result = ParsedSource(source)
    dropped = 0

    def skip(line_number: int, reason: str, text: str) -> None:
        nonlocal dropped
        if len(result.skipped) < MAX_SKIPPED_REPORTED:
            result.skipped.append(Skipped(source, line_number, reason, text[:200]))
        else:
            dropped += 1

    dates: list[tuple[int, str]] = []
    lines = _content_lines(text, dates)
    # Both layouts alternate title and abstract, so a line's place says what it is: the
    # line after a title is its abstract, however short. Shape is only used to recover
    # when the alternation breaks: a title whose abstract is missing (the "abstract" is a
    # title and the line after it plainly an abstract), or an abstract with no title.
    window: list[tuple[int, str]] = []  # the current line and the one after it
    seen = 0

    def fill() -> None:
        while len(window) < 2:
            following = next(lines, None)
            if following is None:
                return
            window.append(following)

    fill()
    while window:
        seen += 1
        if give_up_after is not None and seen > give_up_after and not result.candidates:
            result.gave_up = True
            break
        number, line = window[0]
        second = window[1][1] if len(window) > 1 else None
        if _stray_abstract(line, second):
            skip(number, "text without a title before it", line)
            del window[0]
        elif second is None or not _abstract_evidence(second):
            # The line after it cannot be an abstract (it is the next title): this one has none.
            skip(number, "title without an abstract", line)
            del window[0]
        else:
            result.candidates.append(
                Candidate(
                    title=line,
                    abstract=second,
                    source=source,
                    line=number,
                    links=tuple(extract_links(second)),
                    linked_arxiv_id=arxiv_id_from_links(second),
                    listed=_listed(dates, number),
                )
            )
            del window[:2]
        fill()
    if dropped:
        result.skipped.append(Skipped(source, 0, f"{dropped} more entries skipped (not listed one by one)"))
    return result


def _listed(dates: list[tuple[int, str]], line_number: int) -> str | None:
    """The last date line above ``line_number`` (the page's "Mar 11"), kept as written: no year is guessed."""
    index = bisect_right(dates, (line_number, ""))
    return dates[index - 1][1] if index else None


def parse_page_file(path: str | os.PathLike) -> ParsedSource:
    """Read and parse one page dump; raises :class:`ImportProblem` for unusable input."""
    where = "stdin" if str(path) == "-" else str(path)
    text = decode_text(read_input_bytes(path), where)
    parsed = parse_page_text(text, source_name(path), give_up_after=GIVE_UP_AFTER_LINES)
    if parsed.gave_up:
        raise ImportProblem(
            f"{where}: no papers found in its first {GIVE_UP_AFTER_LINES:,} lines "
            "(expected a Hugging Face Daily Papers page saved as text)"
        )
    if not parsed.candidates:
        raise ImportProblem(f"{where}: no papers found (expected a Hugging Face Daily Papers page saved as text)")
    return parsed
