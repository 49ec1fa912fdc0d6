"""Fetch Hugging Face Daily Papers, one request (or a few pages) per day.

:func:`fetch_days` fetches several days with bounded concurrency and returns
the candidates of every day that worked plus a :class:`FetchReport` saying,
day by day, what happened. A failed day never loses the others; the caller
imports the candidates with :meth:`reader.store.Library.import_candidates`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

import httpx

from reader.errors import ImportProblem, ReaderError
from reader.importers import Candidate, ParsedSource, Skipped
from reader.importers.hf_api import daily_source_name, parse_daily_papers
from reader.online.http import NetworkError, Now, Sleep, Stopped, batch_deadline_of, get_json, utc_now
from reader.online.pool import NetworkWatch, as_finished, deadline_message, start_batch

MAX_DAYS = 366  # one request per day: a longer range is almost surely a typo
MAX_PAGES = 20  # per day; the API pages with Link: <...>; rel="next"
DEFAULT_CONCURRENCY = 4

_NEXT_LINK = re.compile(r'<([^>]+)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


@dataclass(slots=True)
class DayResult:
    day: str
    source: str
    entries: int = 0
    candidates: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        return {
            "day": self.day,
            "source": self.source,
            "ok": self.ok,
            "entries": self.entries,
            "papers": self.candidates,
            "skipped": [s.to_dict() for s in self.skipped],
            "error": self.error,
        }


@dataclass(slots=True)
class FetchReport:
    days: list[DayResult] = field(default_factory=list)
    # Why the batch stopped early, once (the network is unreachable, the deadline ran out); days
    # not fetched for it carry a short error of their own.
    stopped: str | None = None
    unreachable: bool = False

    @property
    def failed(self) -> list[DayResult]:
        return [d for d in self.days if not d.ok]

    @property
    def sources(self) -> list[str]:
        """Sources of the days that were fetched (and are being imported)."""
        return [d.source for d in self.days if d.ok]

    @property
    def skipped(self) -> list[Skipped]:
        return [s for d in self.days for s in d.skipped]

    def to_dict(self) -> dict:
        return {
            "days": [d.to_dict() for d in self.days],
            "failed": [d.day for d in self.failed],
            "stopped": self.stopped,
            "unreachable": self.unreachable,
        }


def parse_day(text: str) -> date:
    """'2024-03-11' -> date; raises :class:`ReaderError` with the expected form."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ReaderError(f"not a date: {text!r} (use YYYY-MM-DD, e.g. 2024-03-11)") from None


def date_range(since: date, until: date, *, today: date | None = None) -> list[date]:
    """The days from ``since`` to ``until``, both included, checked for sense."""
    if since > until:
        raise ReaderError(f"--since {since} is after --until {until}")
    if today is not None and since > today:
        raise ReaderError(f"{since} is in the future; there are no daily papers for it yet")
    if today is not None and until > today:
        until = today
    count = (until - since).days + 1
    if count > MAX_DAYS:
        raise ReaderError(f"{count} days asked for; fetch at most {MAX_DAYS} days at a time")
    return [since + timedelta(days=n) for n in range(count)]


def daily_papers_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/daily_papers"


def fetch_day(
    client: httpx.Client,
    day: date,
    *,
    base_url: str,
    sleep: Sleep = time.sleep,
    now: Now = utc_now,
) -> ParsedSource:
    """Every paper of one day. Raises :class:`NetworkError` or :class:`ImportProblem`."""
    source = daily_source_name(day)
    url = daily_papers_url(base_url)
    params: dict[str, str] | None = {"date": day.isoformat()}
    result = ParsedSource(source)
    origin = urlsplit(url)[:2]
    offset = 0
    for _page in range(MAX_PAGES):
        data, reply = get_json(client, url, what=f"daily papers of {day}", params=params, sleep=sleep, now=now)
        page = parse_daily_papers(data, source)
        for cand in page.candidates:
            cand.line += offset
        for skip in page.skipped:
            skip.line += offset
        result.candidates.extend(page.candidates)
        result.skipped.extend(page.skipped)
        offset += len(data) if isinstance(data, list) else 0
        match = _NEXT_LINK.search(reply.header("link") or "")
        if not match or not isinstance(data, list) or not data:
            break
        following = httpx.URL(reply.url).join(match.group(1))
        if (following.scheme, following.netloc.decode("ascii", "replace")) != origin:
            break  # never wander off to another host because a header said so
        url, params = str(following), None
    if offset and not result.candidates:
        first = result.skipped[0].reason if result.skipped else "no usable entries"
        # No day in front: the day's result already names it (the CLI printed "2024-03-11: 2024-03-11: ...").
        raise ImportProblem(f"none of the {offset} entries has the expected shape ({first})")
    return result


def fetch_days(
    client: httpx.Client,
    days: Iterable[date],
    *,
    base_url: str,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_day: Callable[[DayResult, int, int], None] | None = None,
    sleep: Sleep = time.sleep,
    now: Now = utc_now,
    stop: threading.Event | None = None,
) -> tuple[list[Candidate], FetchReport]:
    """Fetch ``days`` with at most ``concurrency`` requests in flight.

    Returns the candidates of the days that worked (in day order) and a report
    with one :class:`DayResult` per day. ``on_day(result, done, total)`` is
    called (from the calling thread) as each day finishes. Setting ``stop``
    abandons the days not started yet (they are reported as cancelled).
    """
    days = list(dict.fromkeys(days))
    stop = stop if stop is not None else threading.Event()
    results: dict[date, tuple[DayResult, list[Candidate]]] = {}
    total = len(days)
    batch = start_batch(batch_deadline_of(client), stop)
    watch = NetworkWatch(stop)

    def one(day: date) -> tuple[DayResult, list[Candidate]]:
        source = daily_source_name(day)
        if stop.is_set():
            return DayResult(day.isoformat(), source, error=watch.why_not("fetched", batch)), []
        try:
            parsed = fetch_day(client, day, base_url=base_url, sleep=sleep, now=now)
        except Stopped:
            return DayResult(day.isoformat(), source, error=watch.why_not("fetched", batch)), []
        except NetworkError as exc:
            watch.failed(exc)  # a day that was tried keeps its own error; the days after it are not tried
            return DayResult(day.isoformat(), source, error=str(exc)), []
        except ImportProblem as exc:
            return DayResult(day.isoformat(), source, error=str(exc)), []
        watch.answered()
        entries = len(parsed.candidates) + len(parsed.skipped)
        return (
            DayResult(day.isoformat(), source, entries, len(parsed.candidates), list(parsed.skipped)),
            parsed.candidates,
        )

    for day, result in as_finished(days, one, concurrency=concurrency, stop=stop, name="fetch", batch=batch):
        results[day] = result
        if on_day is not None:
            on_day(result[0], len(results), total)
    report = FetchReport([results[day][0] for day in days])
    if watch.message is not None:
        report.stopped, report.unreachable = watch.message, watch.unreachable
    elif batch.expired():
        report.stopped = deadline_message(batch)
    candidates = [cand for day in days for cand in results[day][1]]
    return candidates, report
