"""Which days of Hugging Face Daily Papers to fetch: parsed once for the CLI's options and the TUI's dialog."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from reader.errors import ReaderError
from reader.online.daily import date_range, parse_day

_RANGE_SPLIT = re.compile(r"\s*(?:\.\.|\bto\b|–|—|\s)\s*")


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def _one_day(text: str, today: date) -> list[date]:
    day = parse_day(text)
    if day > today:
        raise ReaderError(f"{day} is in the future; there are no daily papers for it yet")
    return [day]


def parse_days(text: str, today: date) -> list[date]:
    """'2024-03-11' or '2024-03-11..2024-03-15' (also 'A to B', 'A B') -> the days.

    Raises :class:`ReaderError` with a one-line message.
    """
    text = text.strip()
    if not text:
        raise ReaderError("type a day (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)")
    parts = [part for part in _RANGE_SPLIT.split(text) if part]
    if len(parts) == 1:
        return _one_day(parts[0], today)
    if len(parts) != 2:
        raise ReaderError(f"not a day or a range: {text!r} (use YYYY-MM-DD..YYYY-MM-DD)")
    return date_range(parse_day(parts[0]), parse_day(parts[1]), today=today)


def days_from_options(
    day: str | None, since: str | None, until: str | None, today: date
) -> list[date]:
    """The days of ``--date`` or ``--since``/``--until`` (today when none is given)."""
    if day:
        if since or until:
            raise ReaderError("give either --date or --since/--until, not both")
        return _one_day(day, today)
    if until and not since:
        raise ReaderError("--until needs --since (the first day to fetch)")
    if since:
        return date_range(parse_day(since), parse_day(until) if until else today, today=today)
    return [today]


__all__ = ["days_from_options", "parse_days", "utc_today"]
