"""Check that papers' links still answer: HEAD, falling back to GET.

Each URL gets at most ``max_redirects`` http(s) redirects, a per-request
timeout, and never more than ``per_host`` requests at a time to one host
(``concurrency`` overall). What a paper gets, under ``paper.extra["links"]``::

    {"https://github.com/o/r": {"ok": true, "status": 200, "error": null,
                                "checked": "2026-01-01T00:00:00Z"}, ...}

A link the server is rate limiting (429), answering with a server error
(5xx, usually passing) or answering too slowly is left as it was ("could not
check"), not marked dead. When not a single link got an answer (no network),
the check raises :class:`NetworkError` rather than marking everything dead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx

from reader.links import is_openable
from reader.online.http import (
    MAX_REDIRECTS,
    DeadlineExceeded,
    NetworkError,
    Now,
    Sleep,
    Stopped,
    batch_deadline_of,
    iso,
    parse_retry_after,
    request,
    utc_now,
)
from reader.online.pool import NetworkWatch, as_finished, start_batch
from reader.papers import Paper

DEFAULT_CONCURRENCY = 8
DEFAULT_PER_HOST = 2
DEFAULT_TIMEOUT = 10.0
MAX_RETRY_WAIT = 10.0  # seconds a 429's Retry-After may ask for before we give up on the link
UNREACHABLE_AFTER = 3  # links failing to connect, with no answer from any, that mean "offline"


@dataclass(slots=True)
class LinkStatus:
    url: str
    ok: bool | None  # None: not checked (rate limited, a server error, too slow, cancelled)
    status: int | None = None
    error: str | None = None
    checked: str = ""
    final_url: str | None = None
    responded: bool = False  # some server answered (the network works)
    cause: NetworkError | None = field(default=None, compare=False, repr=False)  # the failure, if any

    def to_doc(self) -> dict:
        return {"ok": self.ok, "status": self.status, "error": self.error, "checked": self.checked}


@dataclass(slots=True)
class LinkReport:
    papers: int = 0
    links: int = 0  # distinct URLs looked at
    ok: list[str] = field(default_factory=list)
    dead: list[LinkStatus] = field(default_factory=list)
    not_checked: list[LinkStatus] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "papers": self.papers,
            "links": self.links,
            "ok": len(self.ok),
            "dead": [{"url": s.url, **s.to_doc()} for s in self.dead],
            "not_checked": [{"url": s.url, "error": s.error} for s in self.not_checked],
            "updated": self.updated,
        }


def _reason(status: int) -> str:
    try:
        from http import HTTPStatus

        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


@dataclass(slots=True)
class _Probe:
    status: int | None = None
    final_url: str | None = None
    error: NetworkError | None = None
    retry_after: str | None = None

    @property
    def responded(self) -> bool:
        return self.status is not None


def _probe(client: httpx.Client, method: str, url: str, timeout: float, max_redirects: int) -> _Probe:
    try:
        reply = request(client, method, url, max_bytes=None, timeout=timeout, max_redirects=max_redirects)
    except NetworkError as exc:
        return _Probe(exc.status, None, exc)
    return _Probe(reply.status, reply.url, None, reply.header("retry-after"))


def _wants_get(head: _Probe) -> bool:
    """Whether a GET may succeed where HEAD did not.

    Many servers refuse or mishandle HEAD (405, 403, 404, a dropped
    connection) while their page answers a GET. A GET would only repeat no
    answer at all (timeout, unknown host, refused) or a redirect we refuse.
    """
    if head.error is not None:
        return not head.error.unreachable and head.error.status is None
    return head.status is not None and head.status >= 400 and head.status != 429


def check_url(
    client: httpx.Client,
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    sleep: Sleep = time.sleep,
    now: Now = utc_now,
) -> LinkStatus:
    """Whether ``url`` answers: HEAD first, GET when HEAD fails in a way GET may not."""
    if not is_openable(url):
        return LinkStatus(url, False, None, "not an http(s) link; not checked", iso(now()))
    retried = False
    while True:
        probe = _probe(client, "HEAD", url, timeout, max_redirects)
        if _wants_get(probe):
            probe = _probe(client, "GET", url, timeout, max_redirects)
        if probe.status == 429 and probe.error is None:
            moment = now()
            retry_at = parse_retry_after(probe.retry_after, moment)
            wait_for = (retry_at - moment).total_seconds() if retry_at else None
            if not retried and wait_for is not None and wait_for <= MAX_RETRY_WAIT:
                retried = True
                sleep(max(wait_for, 0.0))
                continue
            return LinkStatus(url, None, 429, "rate limited by the server; check again later", iso(moment),
                              probe.final_url, True)
        checked = iso(now())
        if isinstance(probe.error, Stopped):
            return LinkStatus(url, None, None, "cancelled", checked, None, False, probe.error)
        if isinstance(probe.error, DeadlineExceeded):  # slow is not gone
            return LinkStatus(url, None, probe.status, f"could not check: {probe.error}", checked, None,
                              probe.responded, probe.error)
        if probe.error is not None:
            return LinkStatus(url, False, probe.status, str(probe.error), checked, None, probe.responded, probe.error)
        status = probe.status or 0
        if status < 400:
            return LinkStatus(url, True, status, None, checked, probe.final_url, True)
        if status >= 500:  # the server's own trouble, usually passing: says nothing of the link
            return LinkStatus(url, None, status, f"could not check: {_reason(status)} (a server error; try later)",
                              checked, probe.final_url, True)
        message = _reason(status)
        if status in (401, 403):
            message += " (the site refused; it may block automated checks)"
        return LinkStatus(url, False, status, message, checked, probe.final_url, True)


def check_links(
    client: httpx.Client,
    urls: Iterable[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    per_host: int = DEFAULT_PER_HOST,
    timeout: float = DEFAULT_TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    sleep: Sleep = time.sleep,
    now: Now = utc_now,
    on_progress: Callable[[LinkStatus, int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> dict[str, LinkStatus]:
    """Check every distinct URL; ``{url: LinkStatus}``.

    Raises :class:`NetworkError` when URLs were tried and not one got an
    answer (offline), so that nothing gets marked dead for that.
    """
    stop = stop if stop is not None else threading.Event()
    urls = list(dict.fromkeys(urls))
    host_limits: dict[str, threading.Semaphore] = {}
    limits_lock = threading.Lock()

    def host_limit(url: str) -> threading.Semaphore:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        with limits_lock:
            if host not in host_limits:
                host_limits[host] = threading.Semaphore(max(1, per_host))
            return host_limits[host]

    batch = start_batch(batch_deadline_of(client), stop)
    # Many hosts: one that is gone is a dead link, not a sign of being offline, and one that is
    # slow says nothing of the others. Only when the first few links all fail to connect and
    # none answered is the network taken to be down.
    watch = NetworkWatch(stop, threshold=UNREACHABLE_AFTER, only_before_an_answer=True, slow_stops=False)

    def one(url: str) -> LinkStatus:
        with host_limit(url):
            if stop.is_set():
                return LinkStatus(url, None, None, watch.why_not("checked", batch), iso(now()))
            status = check_url(client, url, timeout=timeout, max_redirects=max_redirects, sleep=sleep, now=now)
        if status.responded:
            watch.answered()
        elif status.cause is not None and not isinstance(status.cause, Stopped):
            watch.failed(status.cause)
        return status

    results: dict[str, LinkStatus] = {}
    total = len(urls)
    for url, status in as_finished(urls, one, concurrency=concurrency, stop=stop, name="links", batch=batch):
        results[url] = status
        if on_progress is not None:
            on_progress(status, len(results), total)
    tried = [s for s in results.values() if s.ok is not None and is_openable(s.url)]
    if (watch.stopped or tried) and not any(s.responded for s in results.values()):
        why = watch.message or "first error: {}".format(next((s.error for s in tried if s.error), "no answer"))
        raise NetworkError(
            f"could not reach any of the {len(tried)} link(s) checked (offline?): {why}; nothing was marked"
        )
    return {url: results[url] for url in urls}


def paper_urls(papers: Iterable[Paper]) -> dict[str, list[str]]:
    """{paper id: its link URLs} for the papers to check."""
    return {paper.id: [link.url for link in paper.links] for paper in papers}


def summarise(papers: dict[str, list[str]], results: dict[str, LinkStatus]) -> LinkReport:
    report = LinkReport(papers=len(papers), links=len(results))
    for status in results.values():
        if status.ok is None:
            report.not_checked.append(status)
        elif status.ok:
            report.ok.append(status.url)
        else:
            report.dead.append(status)
    return report


def apply_link_results(library, results: dict[str, LinkStatus], ids: Iterable[str], *, label: str | None = None):
    """Store results under ``extra["links"]`` of the papers ``ids``, as one change.

    Only a paper's current links are kept there; a link not checked this time
    keeps its earlier result.
    """
    ids = [pid for pid in ids if library.get(pid) is not None]

    def update(paper: Paper) -> Paper:
        found = paper.extra.get("links")
        previous: dict = found if isinstance(found, dict) else {}
        merged: dict[str, dict] = {}
        for link in paper.links:
            status = results.get(link.url)
            if status is not None and status.ok is not None:
                merged[link.url] = status.to_doc()
            elif link.url in previous:
                merged[link.url] = previous[link.url]
        if merged == previous:
            return paper
        extra = dict(paper.extra)
        if merged:
            extra["links"] = merged
        else:
            extra.pop("links", None)
        return replace(paper, extra=extra)

    if not ids:
        return None
    return library.modify(ids, update, label or f"check links of {len(ids)} paper(s)")
