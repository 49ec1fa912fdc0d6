"""Online features: Hugging Face Daily Papers, GitHub metadata, link checks (httpx).

All of them take an ``httpx.Client`` built by :func:`make_client` (the CLI and
the TUI build one and pass it in; tests pass one over ``httpx.MockTransport``),
block the calling thread (run them in a thread worker from the TUI), never
print, and raise :class:`reader.errors.ReaderError` subclasses with one-line
messages. They return data; storing it is one call on the library:

* :func:`fetch_days` -> ``(candidates, FetchReport)``; store with
  ``library.import_candidates(candidates, skipped=report.skipped, sources=report.sources, label="fetch")``.
* :func:`enrich_papers` -> ``({paper_id: github doc}, EnrichReport)``; store with
  :func:`apply_enrichment` (one ``library.modify`` change, ``extra["github"]``).
* :func:`check_links` -> ``{url: LinkStatus}``; store with
  :func:`apply_link_results` (one change, ``extra["links"]``).

Every request and every batch has an overall deadline (:mod:`reader.online.deadline`,
set with ``READER_REQUEST_DEADLINE`` / ``READER_BATCH_DEADLINE`` or ``[online]`` in
config.toml), and a batch stops at the first sign that the network is unreachable
(:class:`reader.online.pool.NetworkWatch`): its report says so once (``stopped``,
``unreachable``) and the items not tried say why in a few words.
"""

from reader.online.daily import DayResult, FetchReport, date_range, fetch_day, fetch_days, parse_day
from reader.online.github import (
    EnrichReport,
    GitHubCache,
    apply_enrichment,
    default_cache_path,
    enrich_papers,
    fetch_repo,
    paper_repo,
    repo_of,
)
from reader.online.http import (
    USER_AGENT,
    BadResponse,
    NetworkError,
    RateLimited,
    get_json,
    make_client,
    request,
)
from reader.online.linkcheck import (
    LinkReport,
    LinkStatus,
    apply_link_results,
    check_links,
    check_url,
    paper_urls,
    summarise,
)

__all__ = [
    "USER_AGENT",
    "BadResponse",
    "DayResult",
    "EnrichReport",
    "FetchReport",
    "GitHubCache",
    "LinkReport",
    "LinkStatus",
    "NetworkError",
    "RateLimited",
    "apply_enrichment",
    "apply_link_results",
    "check_links",
    "check_url",
    "date_range",
    "default_cache_path",
    "enrich_papers",
    "fetch_day",
    "fetch_days",
    "fetch_repo",
    "get_json",
    "make_client",
    "paper_repo",
    "paper_urls",
    "parse_day",
    "repo_of",
    "request",
    "summarise",
]
