"""The one HTTP client reader uses, and the careful ways it is used.

Everything online goes through :func:`make_client` (a ``User-Agent`` naming
reader and its version, bounded timeouts, no automatic redirects) and
:func:`request`, which

* follows at most a few redirects, and only to http(s) URLs (an
  ``Authorization`` header never follows a redirect to another origin);
* reads at most ``max_bytes`` of a body (after decompression), so an
  enormous or endless response costs bounded memory;
* turns every transport failure (timeout, refused connection, unknown host,
  TLS trouble, a server that hangs up) into a :class:`NetworkError` with a
  one-line message.

Tests pass ``make_client(transport=httpx.MockTransport(handler))``; nothing
here reaches for the network by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from reader import __version__, safejson
from reader.errors import ReaderError
from reader.online import deadline

USER_AGENT = f"reader/{__version__}"
DEFAULT_TIMEOUT = 15.0  # seconds, for each phase of a request (connect, read, write)
CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 5
MAX_JSON_BYTES = 16 * 1024 * 1024  # a day of daily papers is ~0.5 MB; a repo is ~10 KB
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
LOCATION_HEADER = "x-reader-location"

Sleep = Callable[[float], None]
Now = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """'2026-01-01T00:00:00Z' (UTC, whole seconds), the form the library uses."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- errors --------------------------------------------------------------------------


class NetworkError(ReaderError):
    """A request failed: no answer, an error status, or an answer we cannot use."""

    def __init__(
        self, message: str, *, url: str | None = None, status: int | None = None, cause: type | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.cause = cause  # the httpx exception class, for a transport failure

    @property
    def unreachable(self) -> bool:
        """No answer at all: a timeout, an unknown host, a refused connection."""
        return self.cause is not None and issubclass(self.cause, (httpx.TimeoutException, httpx.ConnectError))


class DeadlineExceeded(NetworkError):
    """A request or its batch ran out of time (the server answered too slowly, or not at all).

    ``too_slow`` is True when the request's own deadline ran out (the server is
    too slow, and the next request to it would most likely wait as long), False
    when the batch's did.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 too_slow: bool = True) -> None:
        super().__init__(message, url=url, status=status)
        self.too_slow = too_slow


@dataclass(frozen=True, slots=True)
class _Late:
    """Why a request that runs out of time stopped: its own deadline or its batch's."""

    reason: str
    too_slow: bool

    def error(self, host: str, tail: str, url: str, status: int | None = None) -> DeadlineExceeded:
        return DeadlineExceeded(f"{host} {self.reason}; {tail}", url=url, status=status, too_slow=self.too_slow)


class Stopped(NetworkError):
    """The batch was stopped (Esc, Ctrl+C, a rate limit) while this request was under way."""


class BadResponse(NetworkError):
    """An answer that is not what we expect: invalid JSON, a wrong shape, too large."""


class RateLimited(NetworkError):
    """The server asked us to slow down; ``retry_at`` says when to try again (if it said)."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 retry_at: datetime | None = None) -> None:
        super().__init__(message, url=url, status=status)
        self.retry_at = retry_at


def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


def describe_error(exc: Exception, url: str) -> str:
    """One line saying what went wrong with a request, without a traceback."""
    host = host_of(url)
    text = str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting to {host}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out waiting for {host}"
    if isinstance(exc, httpx.ConnectError):
        if any(sign in lowered for sign in (
            "name or service not known", "nodename nor servname", "getaddrinfo", "name resolution",
            "no address associated", "errno -2", "errno -3", "errno -5", "errno 8", "errno 11001",
        )):
            return f"cannot resolve host {host} (offline, or a wrong address?)"
        if "refused" in lowered:
            return f"connection refused by {host}"
        if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
            return f"TLS error talking to {host}: {text}"
        return f"cannot connect to {host}: {text}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"not an http(s) URL: {url}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} closed the connection or sent a broken response ({text})"
    if isinstance(exc, httpx.DecodingError):
        return f"{host} sent a body that cannot be decoded ({text})"
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error reaching {host}: {text}"
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL {url!r}: {text}"
    return f"request to {host} failed: {text}"


# -- the client ------------------------------------------------------------------------


class _ManualRedirects(httpx.BaseTransport):
    """Hands redirects to :func:`request` instead of httpx.

    httpx parses a ``Location`` header even when it does not follow it, and
    fails on targets such as ``javascript:...`` before we can judge them. This
    moves the header to ``X-Reader-Location``, so :func:`request` sees every
    target as text and decides itself.

    (Requests that go through a proxy taken from the environment use httpx's
    own proxy transport; :func:`request` then reads ``Location`` itself.)
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
            response.headers[LOCATION_HEADER] = response.headers["location"]
            del response.headers["location"]
        return response

    def close(self) -> None:
        self.inner.close()


class ReaderClient(httpx.Client):
    """An ``httpx.Client`` that also carries reader's overall deadlines (seconds)."""

    request_deadline: float = deadline.DEFAULT_REQUEST_DEADLINE
    batch_deadline: float = deadline.DEFAULT_BATCH_DEADLINE


def request_deadline_of(client: httpx.Client) -> float:
    return getattr(client, "request_deadline", deadline.DEFAULT_REQUEST_DEADLINE)


def batch_deadline_of(client: httpx.Client) -> float:
    return getattr(client, "batch_deadline", deadline.DEFAULT_BATCH_DEADLINE)


def make_client(
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_connections: int = 16,
    headers: Mapping[str, str] | None = None,
    request_deadline: float | None = None,
    batch_deadline: float | None = None,
) -> ReaderClient:
    """The HTTP client every online feature uses (CLI and TUI build it once).

    Redirects are not followed by httpx: :func:`request` follows them itself,
    so that it can refuse non-http(s) targets and drop credentials. The
    deadlines (seconds) default to the settings (:mod:`reader.online.deadline`);
    a setting that is not a positive number raises a one-line ``ReaderError``.
    """
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    base_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    base_headers.update(headers or {})
    if request_deadline is None or batch_deadline is None:
        configured = _configured_deadlines()
        request_deadline = request_deadline or deadline.request_deadline(configured=configured[0])
        batch_deadline = batch_deadline or deadline.batch_deadline(configured=configured[1])
    client = ReaderClient(
        transport=_ManualRedirects(transport or httpx.HTTPTransport(limits=limits)),
        timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
        headers=base_headers,
        follow_redirects=False,
        limits=limits,
    )
    client.request_deadline = request_deadline
    client.batch_deadline = batch_deadline
    return client


def _configured_deadlines() -> tuple[object, object]:
    """``[online] request_deadline`` and ``batch_deadline`` of config.toml (None where not set)."""
    from reader.config import load_config

    config = load_config()
    return config.request_deadline, config.batch_deadline


@dataclass(slots=True)
class Reply:
    """A finished response: where it ended up, its status, headers and (capped) body."""

    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes = b""
    redirects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = MAX_JSON_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    timeout: float | None = None,
) -> Reply:
    """Send one request, following up to ``max_redirects`` http(s) redirects by hand.

    ``max_bytes=None`` skips the body (a link check needs only the status).
    Raises :class:`NetworkError` for transport failures, bad redirects and
    oversized bodies; an HTTP error status is *returned*, for the caller to judge.

    The whole request, redirects and body included, has an overall deadline
    (the client's ``request_deadline``, cut short by the batch's, see
    :mod:`reader.online.deadline`): past it, or when the batch is stopped,
    :class:`DeadlineExceeded` or :class:`Stopped` is raised at once and the
    request is left to end by itself on its worker thread.
    """
    if not _is_http(url):
        raise NetworkError(f"not an http(s) URL: {url}", url=url)
    batch = deadline.current()
    seconds = request_deadline_of(client)
    ends = time.monotonic() + seconds
    late = _Late(f"did not finish answering within the {deadline.describe_seconds(seconds)} request deadline", True)
    if batch.ends is not None and batch.ends < ends:
        ends = batch.ends
        late = _Late("was still answering when the batch's deadline ran out", False)
    if batch.stopped():
        raise Stopped("stopped before this request was sent", url=url)
    outcome: dict[str, object] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["reply"] = _request(client, method, url, params, headers, max_bytes, max_redirects, timeout,
                                        ends, late)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc
        finally:
            finished.set()

    worker = threading.Thread(target=work, name=f"{threading.current_thread().name}:request", daemon=True)
    worker.start()
    stopped_at: float | None = None
    while not finished.wait(min(0.1, max(0.0, ends - time.monotonic()))):
        moment = time.monotonic()
        if stopped_at is None and batch.stopped():
            stopped_at = moment
        if stopped_at is not None and moment >= stopped_at + batch.grace:
            raise Stopped(f"stopped while waiting for {host_of(url)}", url=url)
        if moment >= ends:
            if batch.stopped():
                raise Stopped(f"stopped while waiting for {host_of(url)}", url=url)
            raise late.error(host_of(url), "stopped waiting", url)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    reply = outcome["reply"]
    assert isinstance(reply, Reply)
    return reply


def _request(
    client: httpx.Client,
    method: str,
    url: str,
    params: Mapping[str, str] | None,
    headers: Mapping[str, str] | None,
    max_bytes: int | None,
    max_redirects: int,
    timeout: float | None,
    ends: float,
    late: _Late,
) -> Reply:
    """:func:`request`'s work, on its worker thread: every wait is cut to the time left."""
    current = url
    seen: list[str] = []
    extra_headers = dict(headers or {})
    start_origin = _origin(url)
    method = method.upper()
    last_status: int | None = None
    for _hop in range(max_redirects + 1):
        if _origin(current) != start_origin:
            extra_headers = {k: v for k, v in extra_headers.items() if k.lower() != "authorization"}
        kwargs: dict = {"headers": extra_headers}
        if params is not None and not seen:
            kwargs["params"] = params
        left = ends - time.monotonic()
        if left <= 0:
            raise late.error(host_of(current), "stopped", url)
        phase = min(timeout if timeout is not None else DEFAULT_TIMEOUT, left)
        kwargs["timeout"] = httpx.Timeout(phase, connect=min(CONNECT_TIMEOUT, phase))
        try:
            with client.stream(method, current, **kwargs) as response:
                location = response.headers.get(LOCATION_HEADER) or response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    target = urljoin(str(response.url), location.strip())
                    if not _is_http(target):
                        raise NetworkError(
                            f"{host_of(current)} redirects to a non-http(s) URL ({_clip(target)}); not followed",
                            url=url,
                            status=response.status_code,
                        )
                    seen.append(str(response.url))
                    current = target
                    last_status = response.status_code
                    continue
                body = b""
                if max_bytes is not None:
                    body = _read_capped(response, max_bytes, current, ends, late)
                return Reply(
                    url=str(response.url),
                    status=response.status_code,
                    reason=response.reason_phrase or "",
                    headers=response.headers,
                    body=body,
                    redirects=seen,
                )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if time.monotonic() >= ends:
                raise late.error(host_of(current), "stopped", url) from None
            raise NetworkError(describe_error(exc, current), url=url, cause=type(exc)) from None
    raise NetworkError(
        f"{host_of(url)}: more than {max_redirects} redirects; not followed", url=url, status=last_status
    )


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_capped(response: httpx.Response, max_bytes: int, url: str, ends: float | None = None,
                 late: _Late = _Late("ran out of time", False)) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise BadResponse(
            f"{host_of(url)} sent {safejson.size_text(int(declared))}, more than the {safejson.size_text(max_bytes)} allowed; not read",
            url=url,
            status=response.status_code,
        )
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        if ends is not None and time.monotonic() >= ends:
            raise late.error(host_of(url), "stopped reading", url, response.status_code)
        total += len(chunk)
        if total > max_bytes:
            raise BadResponse(
                f"{host_of(url)} sent more than the {safejson.size_text(max_bytes)} allowed; stopped reading",
                url=url,
                status=response.status_code,
            )
        chunks.append(chunk)
    return b"".join(chunks)


# -- rate limits -------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """When a ``Retry-After`` header (seconds or an HTTP date) says to come back."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(moment, now)


def when(moment: datetime, now: datetime) -> str:
    """'14:05 UTC (in 37 min)' for a message saying when to retry."""
    seconds = max(0, int((moment - now).total_seconds()))
    if seconds < 90:
        delta = f"{seconds} s"
    elif seconds < 90 * 60:
        delta = f"{round(seconds / 60)} min"
    else:
        delta = f"{seconds / 3600:.1f} h"
    stamp = moment.astimezone(timezone.utc)
    day = "" if stamp.date() == now.astimezone(timezone.utc).date() else stamp.strftime("%Y-%m-%d ")
    return f"{day}{stamp:%H:%M} UTC (in {delta})"


def status_message(reply: Reply, what: str) -> str:
    """'huggingface.co answered 503 Service Unavailable for ...' with a hint."""
    hint = ""
    if reply.status >= 500:
        hint = " (a server problem; try again later)"
    elif reply.status == 404:
        hint = " (not found)"
    reason = f" {reply.reason}" if reply.reason else ""
    said = _server_says(reply.body)
    said = f": {said!r}" if said else ""
    return f"{host_of(reply.url)} answered HTTP {reply.status}{reason}{said} for {what}{hint}"


def _server_says(body: bytes) -> str | None:
    """The ``error`` or ``message`` of a small JSON error body, if there is one."""
    if not body or len(body) > 4096:
        return None
    try:
        data = safejson.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in ("error", "message"):
            if isinstance(data.get(key), str) and data[key].strip():
                return _clip(" ".join(data[key].split()), 120)
    return None


def get_json(
    client: httpx.Client,
    url: str,
    *,
    what: str,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = MAX_JSON_BYTES,
    sleep: Sleep = time.sleep,
    now: Now = utc_now,
    max_wait: float = 30.0,
    retries: int = 2,
) -> tuple[object, Reply]:
    """GET ``url`` and decode its JSON body.

    A 429 (or 503) with a ``Retry-After`` of at most ``max_wait`` seconds is
    waited out (with the injected ``sleep``) up to ``retries`` times; a longer
    one raises :class:`RateLimited` saying when to retry. Other error statuses
    raise :class:`NetworkError`; a body that is not JSON raises :class:`BadResponse`.
    """
    attempt = 0
    while True:
        reply = request(client, "GET", url, params=params, headers=headers, max_bytes=max_bytes)
        if reply.status in (429, 503):
            moment = now()
            retry_at = parse_retry_after(reply.header("retry-after"), moment)
            if reply.status == 429 or retry_at is not None:
                wait = (retry_at - moment).total_seconds() if retry_at else None
                if wait is not None and wait <= max_wait and attempt < retries:
                    attempt += 1
                    sleep(max(wait, 0.0))
                    continue
                later = f"; retry after {when(retry_at, moment)}" if retry_at else "; try again later"
                state = "is rate limiting requests" if reply.status == 429 else "is unavailable"
                raise RateLimited(
                    f"{host_of(reply.url)} {state} (HTTP {reply.status}) for {what}{later}",
                    url=url,
                    status=reply.status,
                    retry_at=retry_at,
                )
        if reply.status >= 400:
            raise NetworkError(status_message(reply, what), url=url, status=reply.status)
        if not 200 <= reply.status < 300:
            raise BadResponse(
                f"{host_of(reply.url)} answered HTTP {reply.status} for {what}, not a result", url=url,
                status=reply.status,
            )
        try:
            return safejson.loads(reply.body), reply
        except safejson.JSONLimitError as exc:
            raise BadResponse(f"{host_of(reply.url)} sent unusable JSON for {what}: {exc}", url=url,
                              status=reply.status) from None
        except ValueError as exc:
            preview = reply.body[:40].decode("utf-8", "replace").strip()
            raise BadResponse(
                f"{host_of(reply.url)} sent invalid JSON for {what} ({_clip(str(exc), 60)}; starts {preview!r})",
                url=url,
                status=reply.status,
            ) from None
