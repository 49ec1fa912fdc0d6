"""Resolve papers against the Hugging Face papers API: arXiv id, authors, dates, links.

Page dumps give thin papers (a title and an abstract). For each paper without
an arXiv id (or with one but no authors), :func:`resolve_papers` asks

* ``GET {hf_api_url}/papers/{arxiv_id}`` for an id the paper already has, or
  one its abstract links or names (``arXiv:2401.01234``), and
* ``GET {hf_api_url}/papers/search?q=TITLE`` otherwise,

(``hf_api_url`` is ``https://huggingface.co/api`` unless set otherwise, the
same setting ``fetch`` uses) and accepts only a confident match
(:func:`judge`): the normalised title equal, or nearly equal with the
abstracts agreeing. A title that only looks like the paper's is refused, and
so is a search that finds several papers that would do (ambiguous). Answers
are cached with a time-to-live (:class:`ResolveCache`); a ``Retry-After`` of
up to half a minute is waited out, a longer one (or any server error, a bad
answer, no network) stops the batch: what matched before is kept, and the
report says why in one line.

The search answer is a list of entries shaped like the daily papers ones
(huggingface_hub's ``list_papers`` / ``PaperInfo``)::

    [{"paper": {"id": "2403.05530", "title": "...", "summary": "...",
                "authors": [{"name": "...", "hidden": false, ...}],
                "publishedAt": "2024-03-08T18:59:57.000Z", "upvotes": 42,
                "ai_summary": "...", "ai_keywords": ["..."],
                "githubRepo": "https://github.com/o/r", "projectPage": "https://..."},
      "title": "...", "publishedAt": "...", "numComments": 3, ...}, ...]

and ``/papers/{id}`` answers with the ``paper`` object itself.

Storing is :func:`apply_resolution`: one ``library.modify`` change (one undo
step) that fills the arXiv id, authors, publication date, upvotes, a code
link (the GitHub repository, when the paper has none), the project page and
``extra["hf"]`` (``ai_summary``, ``ai_keywords``, when it was resolved).
Tags, read state and notes are never touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import httpx
from rapidfuzz import fuzz

from reader.links import arxiv_id_from_links, classify_url, is_openable, mentioned_arxiv_ids, normalise_url
from reader.online.github import GitHubCache
from reader.online.http import BadResponse, NetworkError, Now, Sleep, Stopped, batch_deadline_of, get_json, iso, utc_now
from reader.online.pool import as_finished, deadline_message, start_batch
from reader.papers import CODE, PROJECT, Link, Paper, normalise_arxiv_id, normalise_title

DEFAULT_MAX_AGE = timedelta(hours=24)
DEFAULT_CONCURRENCY = 3
MAX_QUERY = 200  # characters of a title sent as the search query
MAX_LEADS = 2  # arXiv ids named in an abstract that are checked before searching
MAX_SUMMARY = 4000

NEAR_TITLE = 90  # rapidfuzz ratio of normalised titles: "nearly equal"
ABSTRACT_AGREES = 85  # ratio of the abstracts' common beginning: the same paper
ABSTRACT_DIFFERS = 50  # below this an equal title is another paper with the same title
ABSTRACT_COMPARED = 1500  # characters of each abstract compared


# -- what the API says about one paper -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HFPaper:
    arxiv_id: str
    title: str
    summary: str = ""
    authors: tuple[str, ...] = ()
    published: str | None = None  # YYYY-MM-DD
    upvotes: int | None = None
    github_repo: str | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()

    def to_doc(self) -> dict:
        return {
            "id": self.arxiv_id,
            "title": self.title,
            "summary": self.summary,
            "authors": [{"name": name} for name in self.authors],
            "publishedAt": self.published,
            "upvotes": self.upvotes,
            "githubRepo": self.github_repo,
            "projectPage": self.project_page,
            "ai_summary": self.ai_summary,
            "ai_keywords": list(self.ai_keywords),
        }


def _text(obj: dict, key: str, what: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(f"{what}: '{key}' should be text, got {type(value).__name__}")
    return " ".join(value.split()) or None


def parse_record(entry: object, what: str) -> HFPaper:
    """One paper of an answer: a search entry (``{"paper": {...}, ...}``) or a paper object.

    Raises :class:`BadResponse` naming the field that has the wrong shape.
    """
    if not isinstance(entry, dict):
        raise BadResponse(f"{what}: an entry is {type(entry).__name__}, not an object")
    paper = entry.get("paper", entry)
    if not isinstance(paper, dict):
        raise BadResponse(f"{what}: 'paper' is not an object")

    def first(key: str) -> str | None:
        return _text(paper, key, what) or (_text(entry, key, what) if paper is not entry else None)

    raw_id = first("id")
    arxiv = normalise_arxiv_id(raw_id) if raw_id else None
    if not arxiv:
        raise BadResponse(f"{what}: an entry has no arXiv id ('id' is {raw_id!r})")
    title = first("title")
    if not title:
        raise BadResponse(f"{what}: paper {arxiv} has no title")
    authors: list[str] = []
    raw_authors = paper.get("authors", entry.get("authors"))
    if raw_authors is not None and not isinstance(raw_authors, list):
        raise BadResponse(f"{what}: 'authors' of {arxiv} should be a list")
    for author in raw_authors or ():
        name = author.get("name") if isinstance(author, dict) else author
        if name is None:
            continue
        if not isinstance(name, str):
            raise BadResponse(f"{what}: an author of {arxiv} has a name of type {type(name).__name__}")
        name = " ".join(name.split())
        if name and name not in authors:
            authors.append(name)
    published = None
    stamp = _text(paper, "publishedAt", what)
    if stamp:
        try:
            published = date.fromisoformat(stamp[:10]).isoformat()
        except ValueError:
            raise BadResponse(f"{what}: 'publishedAt' of {arxiv} is not a date: {stamp[:40]!r}") from None
    upvotes = paper.get("upvotes")
    if upvotes is not None and (isinstance(upvotes, bool) or not isinstance(upvotes, int) or upvotes < 0):
        raise BadResponse(f"{what}: 'upvotes' of {arxiv} should be a count, got {upvotes!r}")
    keywords = paper.get("ai_keywords", entry.get("ai_keywords"))
    if keywords is not None and (not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords)):
        raise BadResponse(f"{what}: 'ai_keywords' of {arxiv} should be a list of words")
    return HFPaper(
        arxiv_id=arxiv,
        title=title,
        summary=(first("summary") or "")[:MAX_SUMMARY],
        authors=tuple(authors),
        published=published,
        upvotes=upvotes,
        github_repo=first("githubRepo"),
        project_page=first("projectPage"),
        ai_summary=first("ai_summary"),
        ai_keywords=tuple(dict.fromkeys(" ".join(k.split()) for k in keywords or () if k.strip())),
    )


def parse_search(data: object, what: str) -> list[HFPaper]:
    """Every paper of a search answer; raises :class:`BadResponse` unless it is a list of papers."""
    if not isinstance(data, list):
        raise BadResponse(f"{what}: expected a list of papers, got a JSON {type(data).__name__}")
    return [parse_record(entry, what) for entry in data]


def papers_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/papers"


def search_papers(
    client: httpx.Client, text: str, *, base_url: str, sleep: Sleep = time.sleep, now: Now = utc_now
) -> list[HFPaper]:
    """The papers the Hugging Face papers search finds for ``text``."""
    query = " ".join(text.split())[:MAX_QUERY]
    what = f"the papers search for {query[:60]!r}"
    data, _reply = get_json(
        client, papers_url(base_url) + "/search", what=what, params={"q": query}, sleep=sleep, now=now
    )
    return parse_search(data, what)


def fetch_paper(
    client: httpx.Client, arxiv_id: str, *, base_url: str, sleep: Sleep = time.sleep, now: Now = utc_now
) -> HFPaper | None:
    """One paper by arXiv id; None when Hugging Face does not know it (HTTP 404)."""
    what = f"paper {arxiv_id}"
    try:
        data, _reply = get_json(client, f"{papers_url(base_url)}/{arxiv_id}", what=what, sleep=sleep, now=now)
    except NetworkError as exc:
        if exc.status == 404 and not isinstance(exc, BadResponse):
            return None
        raise
    record = parse_record(data, what)
    if record.arxiv_id != arxiv_id:
        raise BadResponse(f"{what}: the answer is about paper {record.arxiv_id}")
    return record


# -- is it the same paper? -------------------------------------------------------------------------


def abstract_agreement(ours: str, theirs: str) -> float | None:
    """How alike two abstracts begin (0-100); None when either is missing.

    Only the common beginning is compared, so an abstract cut short in a page
    dump still agrees with the whole one.
    """
    a, b = normalise_title(ours or ""), normalise_title(theirs or "")
    if not a or not b:
        return None
    length = min(len(a), len(b), ABSTRACT_COMPARED)
    return fuzz.ratio(a[:length], b[:length])


@dataclass(slots=True)
class Verdict:
    kind: str  # "matched", "ambiguous", "unmatched"
    record: HFPaper | None = None
    candidates: list[HFPaper] = field(default_factory=list)  # ambiguous: the papers that would do
    reason: str = ""


def judge(title: str, abstract: str, records: Iterable[HFPaper]) -> Verdict:
    """Which of ``records`` is this paper, if exactly one confidently is.

    A record is this paper when its normalised title is equal (and the
    abstracts, if both are known, do not clearly differ: two papers can share
    a title) or nearly equal with the abstracts agreeing. Several such
    records: ambiguous. A nearly equal title alone is a look-alike, refused.
    """
    ours = normalise_title(title)
    accepted: dict[str, HFPaper] = {}
    lookalikes: list[HFPaper] = []
    for record in records:
        theirs = normalise_title(record.title)
        agreement = abstract_agreement(abstract, record.summary)
        if theirs == ours:
            if agreement is not None and agreement < ABSTRACT_DIFFERS:
                lookalikes.append(record)  # the same title, another paper
            else:
                accepted.setdefault(record.arxiv_id, record)
        elif fuzz.ratio(theirs, ours) >= NEAR_TITLE:
            if agreement is not None and agreement >= ABSTRACT_AGREES:
                accepted.setdefault(record.arxiv_id, record)
            else:
                lookalikes.append(record)
    if len(accepted) == 1:
        return Verdict("matched", next(iter(accepted.values())))
    if accepted:
        return Verdict("ambiguous", candidates=list(accepted.values()),
                       reason="several papers fit: " + ", ".join(accepted))
    if lookalikes:
        shown = "; ".join(f"{r.arxiv_id} {r.title[:60]!r}" for r in lookalikes[:2])
        return Verdict("unmatched", reason=f"only look-alikes of other papers ({shown})")
    return Verdict("unmatched", reason="no paper with this title")


# -- the cache -------------------------------------------------------------------------------------


class ResolveCache(GitHubCache):
    """Answers of the papers API by base URL and query (``q:...``) or id (``id:...``), with when they came."""

    SECTION = "papers"
    LABEL = "Hugging Face papers cache"


def default_cache_path() -> Path:
    from reader.paths import data_dir

    return data_dir() / "hf-papers-cache.json"


# -- a batch ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Resolution:
    paper_id: str
    record: HFPaper
    how: str  # "title", "id" (the paper's own id), "link" (the id the abstract links), "mention"


@dataclass(slots=True)
class ResolveReport:
    papers: int = 0  # papers looked at
    skipped: list[str] = field(default_factory=list)  # already resolved
    matched: list[tuple[str, str, str]] = field(default_factory=list)  # (paper id, arXiv id, how)
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (paper id, why)
    not_tried: list[str] = field(default_factory=list)  # no verdict: stopped before their turn, or no answer
    failed: list[str] = field(default_factory=list)  # of those, the ones asked that got no usable answer
    requests: int = 0
    cached: int = 0
    stopped: str | None = None  # why the batch stopped early (one line)
    unreachable: bool = False  # it stopped because no answer came at all (offline, a timeout)
    retry_at: str | None = None
    updated: list[str] = field(default_factory=list)  # paper ids changed in the library

    @property
    def complete(self) -> bool:
        return self.stopped is None and not self.not_tried

    def to_dict(self) -> dict:
        return {
            "papers": self.papers,
            "skipped": self.skipped,
            "matched": [{"id": pid, "arxiv_id": arxiv, "how": how} for pid, arxiv, how in self.matched],
            "ambiguous": [{"id": pid, "candidates": ids} for pid, ids in self.ambiguous],
            "unmatched": [{"id": pid, "reason": why} for pid, why in self.unmatched],
            "not_tried": self.not_tried,
            "failed": self.failed,
            "requests": self.requests,
            "cached": self.cached,
            "stopped": self.stopped,
            "unreachable": self.unreachable,
            "retry_at": self.retry_at,
            "updated": self.updated,
        }


def needs_resolving(paper: Paper) -> bool:
    """A paper without an arXiv id, or with one but nothing else the API would give."""
    return not paper.arxiv_id or not (paper.authors or paper.published)


class _Halt(Exception):
    pass


def resolve_papers(
    client: httpx.Client,
    papers: Iterable[Paper],
    *,
    abstracts: Callable[[str], str],
    base_url: str,
    cache: ResolveCache | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
    claimed: Callable[[str], str | None] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    now: Now = utc_now,
    sleep: Sleep = time.sleep,
    on_progress: Callable[[str, int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> tuple[dict[str, Resolution], ResolveReport]:
    """Find each paper on Hugging Face: ``({paper_id: Resolution}, report)``.

    ``abstracts(pid)`` gives a paper's abstract; ``claimed(arxiv_id)`` the id
    of the library's paper that already has that arXiv id (such an id is never
    given to another paper). ``on_progress(title, done, total)`` is called
    from the calling thread.
    """
    stop = stop if stop is not None else threading.Event()
    cache = cache if cache is not None else ResolveCache(None)
    claimed = claimed or (lambda arxiv: None)
    report = ResolveReport()
    todo: list[Paper] = []
    for paper in papers:
        report.papers += 1
        if needs_resolving(paper):
            todo.append(paper)
        else:
            report.skipped.append(paper.id)
    halt: list[NetworkError] = []
    lock = threading.Lock()

    origin = base_url.rstrip("/") + " "  # answers of a mirror or test server are kept apart

    def cached(key: str, fetch: Callable[[], object], encode, decode):
        key = origin + key
        moment = now()
        hit = cache.get(key, moment, max_age)
        if hit is not None and "value" in hit:
            try:
                value = decode(hit["value"])
            except NetworkError:
                value = None  # a cache entry of an old shape: ask again
            else:
                with lock:
                    report.cached += 1
                return value
        if stop.is_set():
            raise _Halt()
        with lock:
            report.requests += 1
        value = fetch()
        cache.put(key, {"checked": iso(now()), "value": encode(value)})
        return value

    def by_id(arxiv: str) -> HFPaper | None:
        return cached(
            "id:" + arxiv,
            lambda: fetch_paper(client, arxiv, base_url=base_url, sleep=sleep, now=now),
            lambda record: record.to_doc() if record else None,
            lambda doc: parse_record(doc, "cached paper") if doc else None,
        )

    def by_title(title: str) -> list[HFPaper]:
        return cached(
            "q:" + normalise_title(title)[:MAX_QUERY],
            lambda: search_papers(client, title, base_url=base_url, sleep=sleep, now=now),
            lambda records: [record.to_doc() for record in records],
            lambda docs: parse_search(docs, "cached search"),
        )

    def one(paper: Paper) -> tuple[str, Verdict | None, str]:
        """(paper id, verdict, how); verdict None: not tried (the batch stopped)."""
        try:
            abstract = abstracts(paper.id) or ""
            if paper.arxiv_id:
                record = by_id(paper.arxiv_id)
                if record is None:
                    return paper.id, Verdict("unmatched", reason=f"Hugging Face does not know {paper.arxiv_id}"), "id"
                verdict = judge(paper.title, abstract, [record])
                if verdict.kind != "matched":
                    verdict.reason = f"{paper.arxiv_id} on Hugging Face is another paper ({record.title[:60]!r})"
                return paper.id, verdict, "id"
            leads = [(arxiv_id_from_links(abstract), "link")]
            leads += [(arxiv, "mention") for arxiv in mentioned_arxiv_ids(abstract)[:MAX_LEADS]]
            for arxiv, how in leads:
                if not arxiv or claimed(arxiv) not in (None, paper.id):
                    continue
                record = by_id(arxiv)
                if record is not None:
                    verdict = judge(paper.title, abstract, [record])
                    if verdict.kind == "matched":
                        return paper.id, verdict, how
            return paper.id, judge(paper.title, abstract, by_title(paper.title)), "title"
        except (_Halt, Stopped):
            return paper.id, None, ""
        except NetworkError as exc:
            with lock:
                if not halt:
                    halt.append(exc)
            stop.set()
            return paper.id, None, "failed"

    results: dict[str, tuple[Verdict | None, str]] = {}
    total = len(todo)
    titles = {paper.id: paper.title for paper in todo}
    batch = start_batch(batch_deadline_of(client), stop)
    for _paper, (pid, verdict, how) in as_finished(todo, one, concurrency=concurrency, stop=stop, name="resolve",
                                                   batch=batch):
        results[pid] = (verdict, how)
        if on_progress is not None:
            on_progress(titles[pid], len(results), total)
    resolutions: dict[str, Resolution] = {}
    taken: dict[str, list[str]] = {}
    for paper in todo:  # in the order given, so the report reads like the list
        verdict, how = results.get(paper.id, (None, ""))
        if verdict is None:
            report.not_tried.append(paper.id)
            if how == "failed":
                report.failed.append(paper.id)
        elif verdict.kind == "matched" and verdict.record is not None:
            taken.setdefault(verdict.record.arxiv_id, []).append(paper.id)
            resolutions[paper.id] = Resolution(paper.id, verdict.record, how)
        elif verdict.kind == "ambiguous":
            report.ambiguous.append((paper.id, [r.arxiv_id for r in verdict.candidates]))
        else:
            report.unmatched.append((paper.id, verdict.reason))
    for arxiv, pids in taken.items():
        owner = claimed(arxiv)
        for pid in pids:
            if owner not in (None, pid):
                del resolutions[pid]
                report.unmatched.append((pid, f"{arxiv} is already another paper in the library ({owner})"))
            elif len(pids) > 1:
                del resolutions[pid]
                report.ambiguous.append((pid, [arxiv]))
    for pid, resolution in resolutions.items():
        report.matched.append((pid, resolution.record.arxiv_id, resolution.how))
    if halt:
        report.unreachable = halt[0].unreachable
        report.stopped = f"the network is unreachable ({halt[0]}); stopped" if report.unreachable else str(halt[0])
        retry_at = getattr(halt[0], "retry_at", None)
        report.retry_at = iso(retry_at) if retry_at else None
    elif batch.expired() and report.not_tried:
        report.stopped = deadline_message(batch)
    return resolutions, report


# -- storing ---------------------------------------------------------------------------------------


def _new_link(url: str | None, known: set[str]) -> Link | None:
    if not url:
        return None
    normal = normalise_url(url)
    if not normal or not is_openable(normal) or normal.rstrip("/").lower() in known:
        return None
    return Link(normal, classify_url(normal))


def resolved_paper(paper: Paper, resolution: Resolution, stamp: str) -> Paper:
    """``paper`` with what Hugging Face knows filled in; tags, read state and notes as they were."""
    record = resolution.record
    if paper.arxiv_id and paper.arxiv_id != record.arxiv_id:
        return paper  # it changed since: another source gave it another id
    known = {link.url.rstrip("/").lower() for link in paper.links}
    links = list(paper.links)
    code = _new_link(record.github_repo, known)
    if code is not None and code.kind == CODE and not paper.code_link:
        links.append(code)
        known.add(code.url.rstrip("/").lower())
    project = _new_link(record.project_page, known)
    if project is not None and not paper.project_link:
        links.append(Link(project.url, project.kind if project.kind != "other" else PROJECT))
    hf: dict[str, object] = {"resolved": stamp, "how": resolution.how}
    if record.ai_summary:
        hf["ai_summary"] = record.ai_summary
    if record.ai_keywords:
        hf["ai_keywords"] = list(record.ai_keywords)
    return replace(
        paper,
        arxiv_id=paper.arxiv_id or record.arxiv_id,
        authors=paper.authors or record.authors,
        published=paper.published or record.published,
        upvotes=record.upvotes if record.upvotes is not None else paper.upvotes,
        links=tuple(links),
        extra={**paper.extra, "hf": hf},
    )


def offline_fallback(report: ResolveReport, offline: dict[str, str]) -> dict[str, str]:
    """Of the arXiv ids abstracts link, those to store anyway: papers not asked because no answer came.

    A server error or a bad answer changes nothing; no network at all still
    leaves what the abstracts link.
    """
    if not report.unreachable:
        return {}
    not_tried = set(report.not_tried)
    return {pid: arxiv for pid, arxiv in offline.items() if pid in not_tried}


def resolve_offline(papers: Iterable[Paper], abstracts: Callable[[str], str],
                    claimed: Callable[[str], str | None] | None = None) -> dict[str, str]:
    """``{paper_id: arXiv id}`` for papers whose abstract links exactly one arXiv id no other paper has.

    No network: what ``reader import`` does for new papers, for papers imported before it did.
    """
    claimed = claimed or (lambda arxiv: None)
    found: dict[str, str] = {}
    seen: dict[str, int] = {}
    for paper in papers:
        if paper.arxiv_id:
            continue
        arxiv = arxiv_id_from_links(abstracts(paper.id) or "")
        if arxiv and claimed(arxiv) in (None, paper.id):
            found[paper.id] = arxiv
            seen[arxiv] = seen.get(arxiv, 0) + 1
    return {pid: arxiv for pid, arxiv in found.items() if seen[arxiv] == 1}


def apply_resolution(
    library,
    resolutions: dict[str, Resolution],
    offline: dict[str, str] | None = None,
    *,
    stamp: str | None = None,
    label: str | None = None,
):
    """Store ``resolutions`` (and arXiv ids found offline) as one change; None when nothing changes."""
    offline = {pid: arxiv for pid, arxiv in (offline or {}).items() if pid not in resolutions}
    ids = [pid for pid in [*resolutions, *offline] if library.get(pid) is not None]
    if not ids:
        return None
    stamp = stamp or iso(utc_now())

    def update(paper: Paper) -> Paper:
        resolution = resolutions.get(paper.id)
        if resolution is not None:
            return resolved_paper(paper, resolution, stamp)
        arxiv = offline.get(paper.id)
        return replace(paper, arxiv_id=arxiv) if arxiv and not paper.arxiv_id else paper

    return library.modify(ids, update, label or f"resolve {len(ids)} paper(s)")


def claimed_by(library) -> Callable[[str], str | None]:
    """``claimed(arxiv_id)``: the id of the library's paper with that arXiv id (as the library is now)."""
    owners: dict[str, str] = {}
    for paper in library.papers():
        if paper.arxiv_id:
            owners.setdefault(paper.arxiv_id, paper.id)
    return lambda arxiv: owners.get(arxiv) or (arxiv if library.get(arxiv) is not None else None)


__all__ = [
    "HFPaper",
    "ResolveCache",
    "ResolveReport",
    "Resolution",
    "Verdict",
    "abstract_agreement",
    "claimed_by",
    "apply_resolution",
    "default_cache_path",
    "fetch_paper",
    "judge",
    "needs_resolving",
    "parse_record",
    "parse_search",
    "offline_fallback",
    "resolve_offline",
    "resolve_papers",
    "resolved_paper",
    "search_papers",
]
