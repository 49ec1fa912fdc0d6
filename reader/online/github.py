"""Enrich papers that link a GitHub repository: stars, description, archived, last push.

Uses the GitHub REST API (``GET /repos/{owner}/{repo}``), unauthenticated
unless a token is given (the CLI passes ``GITHUB_TOKEN``). Results are cached
in a JSON file with a time-to-live, so a repeated run costs no requests.
When GitHub says the rate limit is reached, no further requests are sent:
what was fetched is kept and the report says when to retry.

What a paper gets, under ``paper.extra["github"]``::

    {"repo": "owner/name", "url": "https://github.com/owner/name", "stars": 1234,
     "description": "...", "archived": false, "pushed_at": "2024-03-01T12:00:00Z",
     "checked": "2026-01-01T00:00:00Z"}

or, for a repository GitHub does not know (any more)::

    {"repo": "owner/name", "missing": true, "error": "not found (HTTP 404)", "checked": "..."}
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

from reader import safejson
from reader.errors import ImportProblem, ReaderError
from reader.importers import read_input_bytes
from reader.links import is_openable
from reader.online.http import (
    BadResponse,
    NetworkError,
    Now,
    RateLimited,
    Reply,
    Stopped,
    batch_deadline_of,
    iso,
    parse_retry_after,
    request,
    status_message,
    utc_now,
    when,
)
from reader.online.pool import NetworkWatch, as_finished, deadline_message, start_batch
from reader.papers import CODE, Paper

CACHE_VERSION = 1
DEFAULT_MAX_AGE = timedelta(hours=24)
DEFAULT_CONCURRENCY = 2  # GitHub asks clients not to hammer the API concurrently
MAX_REPO_BYTES = 2 * 1024 * 1024
MAX_DESCRIPTION = 1000
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a cache of 100,000 repositories is ~30 MB


class BadCredentials(NetworkError):
    """GitHub rejected the token: every further request would fail too."""


def repo_of(url: str) -> str | None:
    """'owner/name' of a GitHub repository URL; None for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host not in ("github.com", "www.github.com") or parts.scheme.lower() not in ("http", "https"):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1]
    if name.lower().endswith(".git"):
        name = name[:-4]
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    if not owner or not name or not set(owner) <= allowed or not set(name) <= allowed or name in (".", ".."):
        return None
    return f"{owner}/{name}"


def paper_repo(paper: Paper) -> str | None:
    """The repository of a paper's first code link that is on GitHub."""
    for link in paper.links:
        if link.kind == CODE:
            repo = repo_of(link.url)
            if repo:
                return repo
    return None


# -- cache ------------------------------------------------------------------------------


class GitHubCache:
    """Repository results by lower-cased 'owner/name', each stamped with when it was fetched.

    The file is only a cache: one that does not load is ignored (``problem``
    says why) and replaced on the next save. Other online features subclass
    it with their own ``SECTION`` (the key their entries are saved under).
    """

    SECTION = "repos"

    def __init__(self, path: Path | None, entries: dict[str, dict] | None = None) -> None:
        self.path = path
        self.entries: dict[str, dict] = dict(entries or {})
        self.problem: str | None = None
        self.dirty = False
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> "GitHubCache":
        cache = cls(path)
        if not os.path.lexists(path):
            return cache
        try:
            # Refuses a FIFO or a device at the cache's path at once instead of blocking on it.
            data = safejson.loads(read_input_bytes(path, limit=MAX_CACHE_BYTES))
        except ImportProblem as exc:
            cache.problem = f"ignored a cache file that cannot be used: {exc}"
            return cache
        except ValueError as exc:
            cache.problem = f"{path}: ignored a cache file that does not load ({safejson.describe(exc)})"
            return cache
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or not isinstance(
            data.get(cls.SECTION), dict
        ):
            cache.problem = f"{path}: ignored a cache file of an unknown shape"
            return cache
        cache.entries = {k: v for k, v in data[cls.SECTION].items() if isinstance(v, dict)}
        return cache

    def get(self, repo: str, now: datetime, max_age: timedelta) -> dict | None:
        with self._lock:
            entry = self.entries.get(repo.lower())
        if not entry:
            return None
        try:
            checked = datetime.fromisoformat(str(entry.get("checked", "")).replace("Z", "+00:00"))
        except ValueError:
            return None
        if checked.tzinfo is None:
            checked = checked.replace(tzinfo=timezone.utc)
        if now - checked > max_age or checked - now > timedelta(minutes=5):
            return None
        return dict(entry)

    def put(self, repo: str, doc: dict) -> None:
        with self._lock:
            self.entries[repo.lower()] = dict(doc)
            self.dirty = True

    LABEL = "GitHub cache"

    def save_or_problem(self) -> str | None:
        """:meth:`save`; a failure is returned as one line (a cache not saved loses nothing stored)."""
        try:
            self.save()
        except ReaderError as exc:
            return f"could not save the {self.LABEL}: {exc}"
        return None

    def save(self) -> None:
        """Write the cache atomically (raises :class:`LibraryError` if it cannot)."""
        from reader.fileio import atomic_write

        if self.path is None or not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReaderError(f"cannot create {self.path.parent}: {exc.strerror or exc}") from None
        with self._lock:
            text = json.dumps({"version": CACHE_VERSION, self.SECTION: self.entries}, ensure_ascii=False, indent=0)
        atomic_write(self.path, [text, "\n"])
        self.dirty = False


def default_cache_path() -> Path:
    from reader.paths import data_dir

    return data_dir() / "github-cache.json"


# -- one repository --------------------------------------------------------------------------


def _headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _rate_limit_reset(reply: Reply, now: datetime) -> datetime | None:
    retry_at = parse_retry_after(reply.header("retry-after"), now)
    if retry_at is not None:
        return retry_at
    reset = reply.header("x-ratelimit-reset")
    if reset and reset.strip().isdigit():
        return max(datetime.fromtimestamp(int(reset.strip()), timezone.utc), now)
    return None


def _is_rate_limited(reply: Reply) -> bool:
    if reply.status == 429:
        return True
    if reply.status != 403:
        return False
    if reply.header("x-ratelimit-remaining") == "0" or reply.header("retry-after"):
        return True
    return b"rate limit" in reply.body[:2000].lower()


def _repo_doc(data: object, repo: str, checked: str) -> dict:
    if not isinstance(data, dict):
        raise BadResponse(f"GitHub answer for {repo} is not an object")

    def field_of(key: str, kinds: tuple[type, ...], label: str, required: bool = True):
        value = data.get(key)
        if value is None and not required:
            return None
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            got = "nothing" if value is None else type(value).__name__
            raise BadResponse(f"GitHub answer for {repo}: '{key}' should be {label}, got {got}")
        return value

    stars = field_of("stargazers_count", (int,), "a number")
    if stars < 0:
        raise BadResponse(f"GitHub answer for {repo}: 'stargazers_count' is negative")
    archived = field_of("archived", (bool,), "true or false")
    description = field_of("description", (str,), "text", required=False)
    pushed_at = field_of("pushed_at", (str,), "a date", required=False)
    full_name = field_of("full_name", (str,), "text", required=False) or repo
    html_url = field_of("html_url", (str,), "a URL", required=False)
    doc = {
        "repo": full_name,
        "url": html_url if html_url and is_openable(html_url) else f"https://github.com/{full_name}",
        "stars": stars,
        "description": (description or "").strip()[:MAX_DESCRIPTION],
        "archived": archived,
        "pushed_at": pushed_at,
        "checked": checked,
    }
    return doc


def cached_doc_problem(doc: dict) -> str | None:
    """Why a cached repository document cannot be used (None when it can): a cache is only a cache."""
    if doc.get("missing") is True:
        kinds: dict[str, tuple[type, ...]] = {"repo": (str,), "error": (str,), "checked": (str,)}
    else:
        kinds = {"repo": (str,), "url": (str,), "stars": (int,), "description": (str,),
                 "archived": (bool,), "pushed_at": (str, type(None)), "checked": (str,)}
    for key, allowed in kinds.items():
        value = doc.get(key)
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            return f"{key!r} is not {' or '.join(kind.__name__ for kind in allowed)}"
    if not doc.get("missing") and (doc["stars"] < 0 or not is_openable(doc["url"])):
        return "'stars' or 'url' out of range"
    return None


def fetch_repo(
    client: httpx.Client,
    repo: str,
    *,
    base_url: str,
    token: str | None = None,
    now: Now = utc_now,
) -> tuple[dict, datetime | None]:
    """Metadata of one repository, and when the limit resets if this was the last request allowed.

    A repository GitHub does not know gives a ``missing`` document (a result,
    not an error). Raises :class:`RateLimited`, :class:`BadCredentials`,
    :class:`BadResponse` or :class:`NetworkError`.
    """
    owner, name = repo.split("/", 1)
    url = f"{base_url.rstrip('/')}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
    reply = request(client, "GET", url, headers=_headers(token), max_bytes=MAX_REPO_BYTES)
    moment = now()
    checked = iso(moment)
    if _is_rate_limited(reply):
        retry_at = _rate_limit_reset(reply, moment)
        later = f"retry after {when(retry_at, moment)}" if retry_at else "try again later"
        raise RateLimited(f"GitHub rate limit reached (HTTP {reply.status}); {later}", url=url,
                          status=reply.status, retry_at=retry_at)
    if reply.status == 401:
        raise BadCredentials(
            "GitHub rejected the token in GITHUB_TOKEN (HTTP 401); fix it or unset it", url=url, status=401
        )
    if reply.status in (404, 410, 451):
        why = {404: "not found", 410: "gone", 451: "unavailable for legal reasons"}[reply.status]
        return {"repo": repo, "missing": True, "error": f"{why} (HTTP {reply.status})", "checked": checked}, None
    if reply.status >= 400:
        raise NetworkError(status_message(reply, repo), url=url, status=reply.status)
    if reply.status != 200:
        raise BadResponse(f"GitHub answered HTTP {reply.status} for {repo}, not a result", url=url)
    try:
        data = safejson.loads(reply.body)
    except safejson.JSONLimitError as exc:
        raise BadResponse(f"GitHub sent unusable JSON for {repo} ({exc})", url=url) from None
    except ValueError as exc:
        raise BadResponse(f"GitHub sent invalid JSON for {repo} ({exc})", url=url) from None
    doc = _repo_doc(data, repo, checked)
    exhausted = None
    if reply.header("x-ratelimit-remaining") == "0":
        exhausted = _rate_limit_reset(reply, moment) or moment + timedelta(hours=1)
    return doc, exhausted


# -- a batch -----------------------------------------------------------------------------------


@dataclass(slots=True)
class EnrichReport:
    papers: int = 0  # papers with a GitHub code link among those selected
    repos: int = 0  # distinct repositories among them
    fetched: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_fetched: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the batch stopped early (rate limit, bad token, no network, deadline)
    unreachable: bool = False  # it stopped because the network is unreachable
    retry_at: str | None = None
    updated: list[str] = field(default_factory=list)  # paper ids changed in the library

    @property
    def complete(self) -> bool:
        return not self.failed and not self.not_fetched and self.stopped is None

    def to_dict(self) -> dict:
        return {
            "papers": self.papers,
            "repos": self.repos,
            "fetched": self.fetched,
            "cached": self.cached,
            "missing": self.missing,
            "failed": [{"repo": r, "error": e} for r, e in self.failed],
            "not_fetched": self.not_fetched,
            "stopped": self.stopped,
            "unreachable": self.unreachable,
            "retry_at": self.retry_at,
            "updated": self.updated,
        }


def enrich_papers(
    client: httpx.Client,
    papers: Iterable[Paper],
    *,
    base_url: str,
    token: str | None = None,
    cache: GitHubCache | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
    concurrency: int = DEFAULT_CONCURRENCY,
    now: Now = utc_now,
    on_progress: Callable[[str, int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> tuple[dict[str, dict], EnrichReport]:
    """GitHub metadata for each paper with a GitHub code link: ``({paper_id: doc}, report)``.

    Cached results younger than ``max_age`` cost no request. On a rate limit
    or a rejected token no new request is started; the papers whose
    repositories were fetched before that still get their documents.
    ``on_progress(repo, done, total)`` is called from the calling thread.
    """
    stop = stop if stop is not None else threading.Event()
    cache = cache if cache is not None else GitHubCache(None)
    report = EnrichReport()
    by_repo: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for paper in papers:
        repo = paper_repo(paper)
        if repo is None:
            continue
        report.papers += 1
        key = repo.lower()
        names.setdefault(key, repo)
        by_repo.setdefault(key, []).append(paper.id)
    report.repos = len(by_repo)
    docs: dict[str, dict] = {}
    to_fetch: list[str] = []
    moment = now()
    for key in by_repo:
        hit = cache.get(key, moment, max_age)
        if hit is not None and cached_doc_problem(hit) is None:
            docs[key] = hit
            report.cached.append(names[key])
        else:
            to_fetch.append(key)
    halt: dict[str, NetworkError] = {}
    halt_lock = threading.Lock()
    watch = NetworkWatch(stop)

    def one(key: str) -> tuple[str, dict | None, str | None]:
        if stop.is_set():
            return key, None, None
        try:
            doc, exhausted = fetch_repo(client, names[key], base_url=base_url, token=token, now=now)
        except (RateLimited, BadCredentials) as exc:
            with halt_lock:
                halt.setdefault("error", exc)
            stop.set()
            return key, None, None
        except Stopped:
            return key, None, None
        except NetworkError as exc:
            if watch.failed(exc):
                with halt_lock:
                    halt.setdefault("error", NetworkError(watch.message or str(exc)))
            return key, None, str(exc)
        watch.answered()
        if exhausted is not None:
            with halt_lock:
                halt.setdefault(
                    "error",
                    RateLimited(f"GitHub rate limit reached; retry after {when(exhausted, now())}",
                                retry_at=exhausted),
                )
            stop.set()
        return key, doc, None

    total = len(to_fetch)
    done_count = 0
    batch = start_batch(batch_deadline_of(client), stop)
    for _key, (key, doc, error) in as_finished(to_fetch, one, concurrency=concurrency, stop=stop, name="github",
                                               batch=batch):
        done_count += 1
        if doc is not None:
            docs[key] = doc
            cache.put(key, doc)
            report.fetched.append(names[key])
        elif error is not None:
            report.failed.append((names[key], error))
        else:
            report.not_fetched.append(names[key])
        if on_progress is not None:
            on_progress(names[key], done_count, total)
    halted = halt.get("error")
    if halted is not None:
        report.stopped = str(halted)
        report.unreachable = watch.unreachable
        retry_at = getattr(halted, "retry_at", None)
        report.retry_at = iso(retry_at) if retry_at else None
    elif batch.expired() and report.not_fetched:
        report.stopped = deadline_message(batch)
    updates: dict[str, dict] = {}
    for key, doc in docs.items():
        if doc.get("missing"):
            report.missing.append(names[key])
        for pid in by_repo[key]:
            updates[pid] = doc
    return updates, report


def apply_enrichment(library, updates: dict[str, dict], *, label: str | None = None):
    """Store ``updates`` ({paper_id: github doc}) under ``extra["github"]`` as one change."""
    ids = [pid for pid in updates if library.get(pid) is not None]

    def update(paper: Paper) -> Paper:
        doc = updates.get(paper.id)
        if doc is None or paper.extra.get("github") == doc:
            return paper
        return replace(paper, extra={**paper.extra, "github": dict(doc)})

    if not ids:
        return None
    return library.modify(ids, update, label or f"enrich {len(ids)} paper(s) from GitHub")
