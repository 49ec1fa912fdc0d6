"""`reader fetch`, `reader enrich`, `reader check-links`: the online commands.

Each one opens the library first (a broken library fails before any request),
does its network work with one client from :func:`reader.online.http.make_client`,
then stores the results as one change. Progress goes to stderr: a bar when
stderr is a terminal; otherwise `fetch` prints a plain line per day.

Exit status: 0 when everything asked for was done; 1 when something failed
(a day, a repository, a rate limit, no network), after saving what did work.
Dead links are a finding, not a failure: `check-links` exits 0 with them.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timedelta, timezone

from reader.cli import context
from reader.cli.context import EXIT_ERROR, EXIT_OK, open_library
from reader.cli.output import Progress, print_json
from reader.cli.output import display as _display
from reader.cli.output import error as _error


def _today() -> datetime:
    return datetime.now(timezone.utc)


# -- fetch ------------------------------------------------------------------------------


def _days(args) -> list:
    from reader.errors import ReaderError
    from reader.online.daily import date_range, parse_day

    today = _today().date()
    if args.date:
        if args.since or args.until:
            raise ReaderError("give either --date or --since/--until, not both")
        day = parse_day(args.date)
        if day > today:
            raise ReaderError(f"{day} is in the future; there are no daily papers for it yet")
        return [day]
    if args.until and not args.since:
        raise ReaderError("--until needs --since (the first day to fetch)")
    if args.since:
        since = parse_day(args.since)
        until = parse_day(args.until) if args.until else today
        return date_range(since, until, today=today)
    return [today]


def cmd_fetch(args: argparse.Namespace) -> int:
    from reader.config import load_config
    from reader.online.daily import fetch_days

    config = load_config()
    days = _days(args)
    library = open_library(args)
    progress = Progress("fetching", len(days), plain_lines=True)

    def on_day(result, done, total):
        if result.ok:
            skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
            progress.line(f"{result.day}: {result.candidates} papers{skipped}")
        else:
            progress.line(f"{result.day}: failed (the reason follows at the end)")
        progress.update(done, note=result.day)

    progress.update(0)
    try:
        with context.make_client() as client:
            candidates, report = fetch_days(
                client, days, base_url=config.hf_api_url, concurrency=args.jobs, on_day=on_day
            )
    finally:
        progress.finish()
    imported = None
    if report.sources:
        imported = library.import_candidates(
            candidates, skipped=report.skipped, sources=report.sources, label="fetch"
        )
    if args.json:
        print_json({"fetch": report.to_dict(), "import": imported.to_dict() if imported else None})
    else:
        failed = len(report.failed)
        fetched = f"Fetched {len(days) - failed} of {len(days)} day(s)"
        if imported is not None:
            print(
                f"{fetched}: {imported.entries} entries: {len(imported.added)} new papers, "
                f"{len(imported.merged)} already in the library ({len(imported.updated)} of them updated), "
                f"{len(imported.skipped)} skipped."
            )
            for skip in imported.skipped:
                print(f"  skipped {_display(str(skip))}")
            print(f"Library: {library.path} ({len(library)} papers)")
        else:
            print(f"{fetched}; nothing imported.")
    for day in report.failed:
        _error(f"{day.day}: {day.error}")
    problems = []
    if report.failed:
        rest = "the other days were imported" if report.sources else "nothing was imported"
        problems.append(f"{len(report.failed)} of {len(days)} day(s) failed; {rest}")
    if report.skipped:
        problems.append(f"{len(report.skipped)} entries had an unexpected shape and were skipped")
    if problems:
        _error("; ".join(problems))
        return EXIT_ERROR
    return EXIT_OK


# -- enrich ------------------------------------------------------------------------------


def _selected(library, words: list[str]):
    from reader.search import search

    return [hit.paper for hit in search(library, " ".join(words))]


def cmd_enrich(args: argparse.Namespace) -> int:
    from reader.config import load_config
    from reader.errors import ReaderError
    from reader.online.github import GitHubCache, apply_enrichment, default_cache_path, enrich_papers, paper_repo

    if args.max_age < 0:
        raise ReaderError("--max-age must be 0 or more hours")
    config = load_config()
    library = open_library(args)
    papers = [p for p in _selected(library, args.query) if paper_repo(p)]
    if not papers:
        message = "No selected paper links a GitHub repository; nothing to enrich."
        if args.json:
            print_json({"papers": 0, "repos": 0, "updated": []})
        else:
            print(message)
        return EXIT_OK
    token = (os.environ.get("GITHUB_TOKEN") or "").strip() or None
    cache = GitHubCache.load(default_cache_path())
    if cache.problem:
        _error(cache.problem)
    progress = Progress("GitHub", 0)

    def on_progress(repo, done, total):
        progress.update(done, total, repo)

    try:
        with context.make_client() as client:
            updates, report = enrich_papers(
                client,
                papers,
                base_url=config.github_api_url,
                token=token,
                cache=cache,
                max_age=timedelta(hours=args.max_age),
                concurrency=args.jobs,
                on_progress=on_progress,
            )
    finally:
        progress.finish()
    if problem := cache.save_or_problem():
        _error(problem)
    change = apply_enrichment(library, updates)
    report.updated = list(change.ids) if change else []
    if args.json:
        print_json(report.to_dict())
    else:
        parts = [f"{len(report.fetched)} fetched", f"{len(report.cached)} from the cache"]
        if report.missing:
            parts.append(f"{len(report.missing)} not found")
        if report.failed:
            parts.append(f"{len(report.failed)} failed")
        if report.not_fetched:
            parts.append(f"{len(report.not_fetched)} not fetched")
        print(f"GitHub: {report.repos} repositories for {report.papers} papers: {', '.join(parts)}.")
        print(f"Updated {len(report.updated)} paper(s).")
        for repo in report.missing:
            print(f"  not found: {_display(repo)}")
    for repo, error in report.failed:
        _error(f"{repo}: {error}")
    if report.stopped:
        hint = "" if token else " (set GITHUB_TOKEN for a higher limit)"
        left = f"; {len(report.not_fetched)} repositories not fetched" if report.not_fetched else ""
        _error(f"{report.stopped}{left}{hint}; what was fetched is saved")
    return EXIT_OK if report.complete else EXIT_ERROR


# -- resolve ------------------------------------------------------------------------------


def cmd_resolve(args: argparse.Namespace) -> int:
    from reader.config import load_config
    from reader.errors import ReaderError
    from reader.online.resolve import (
        ResolveCache,
        apply_resolution,
        claimed_by,
        default_cache_path,
        needs_resolving,
        offline_fallback,
        resolve_offline,
        resolve_papers,
    )
    from reader.papers import short_id

    if args.max_age < 0:
        raise ReaderError("--max-age must be 0 or more hours")
    config = load_config()
    library = open_library(args)
    papers = _selected(library, args.query)
    claimed = claimed_by(library)
    offline = resolve_offline(papers, library.abstract, claimed)
    if args.offline:
        change = apply_resolution(library, {}, offline, label=f"arXiv ids of {len(offline)} paper(s) from abstracts")
        if args.json:
            print_json({"papers": len(papers), "found": [{"id": k, "arxiv_id": v} for k, v in offline.items()]})
        elif change:
            print(f"Took the arXiv id of {len(change.ids)} paper(s) from links in their abstracts (u undoes).")
        else:
            print(f"Of {len(papers)} paper(s), no abstract links an arXiv id that is not known yet.")
        return EXIT_OK
    todo = [paper for paper in papers if needs_resolving(paper)]
    cache = ResolveCache.load(default_cache_path())
    if cache.problem:
        _error(cache.problem)
    progress = Progress("resolving", len(todo))

    def on_progress(title, done, total):
        progress.update(done, note=title)

    try:
        with context.make_client() as client:
            resolutions, report = resolve_papers(
                client,
                papers,
                abstracts=library.abstract,
                base_url=config.hf_api_url,
                cache=cache,
                max_age=timedelta(hours=args.max_age),
                claimed=claimed,
                concurrency=args.jobs,
                on_progress=on_progress,
            )
    finally:
        progress.finish()
    if problem := cache.save_or_problem():
        _error(problem)
    # Without the network, the arXiv id an abstract links is still worth having.
    unasked = offline_fallback(report, offline)
    change = apply_resolution(library, resolutions, unasked)
    report.updated = list(change.ids) if change else []
    if args.json:
        print_json(report.to_dict())
    else:
        titles = {paper.id: paper.title for paper in papers}
        print(
            f"Resolved on Hugging Face: {len(report.matched)} matched, {len(report.ambiguous)} ambiguous, "
            f"{len(report.unmatched)} unmatched, {len(report.skipped)} already resolved"
            + (f", {len(report.not_tried)} not tried" if report.not_tried else "")
            + f" ({report.requests} requests, {report.cached} from the cache)."
        )
        for pid, arxiv, _how in report.matched:
            print(f"  matched    {short_id(pid):<10} {arxiv:<12} {_display(titles[pid])[:70]}")
        for pid, ids in report.ambiguous:
            print(f"  ambiguous  {short_id(pid):<10} {_display(titles[pid])[:50]}: {', '.join(ids)}")
        for pid, why in report.unmatched:
            print(f"  unmatched  {short_id(pid):<10} {_display(titles[pid])[:50]}: {_display(why)}")
        if unasked:
            print(f"Took the arXiv id of {len(unasked)} paper(s) from links in their abstracts.")
        print(f"Updated {len(report.updated)} paper(s)" + (" (reader undo reverts it)." if report.updated else "."))
    if report.stopped:
        kept = "what matched before is saved" if report.updated else "nothing was changed"
        _error(f"{report.stopped}; {len(report.not_tried)} paper(s) not tried; {kept}")
        return EXIT_ERROR
    return EXIT_OK


# -- check-links ---------------------------------------------------------------------------


def cmd_check_links(args: argparse.Namespace) -> int:
    from reader.errors import ReaderError
    from reader.online.linkcheck import apply_link_results, check_links, paper_urls, summarise
    from reader.papers import short_id

    if args.timeout <= 0:
        raise ReaderError("--timeout must be more than 0 seconds")
    library = open_library(args)
    papers = _selected(library, args.query)
    urls = paper_urls(papers)
    owners: dict[str, str] = {}
    for pid, links in urls.items():
        for url in links:
            owners.setdefault(url, pid)
    if not owners:
        if args.json:
            print_json(summarise(urls, {}).to_dict())
        else:
            print("No links to check.")
        return EXIT_OK
    progress = Progress("checking", len(owners))

    def on_progress(status, done, total):
        progress.update(done, note=status.url)

    try:
        with context.make_client(max_connections=max(args.jobs, 1)) as client:
            results = check_links(client, list(owners), concurrency=args.jobs, timeout=args.timeout,
                                  on_progress=on_progress)
    finally:
        progress.finish()
    change = apply_link_results(library, results, urls.keys())
    report = summarise(urls, results)
    report.updated = list(change.ids) if change else []
    if args.json:
        print_json(report.to_dict())
        return EXIT_OK
    extra = f", {len(report.not_checked)} not checked (rate limited; try later)" if report.not_checked else ""
    print(
        f"Checked {report.links} links of {report.papers} papers: {len(report.ok)} ok, "
        f"{len(report.dead)} dead{extra}."
    )
    for status in report.dead:
        print(f"  dead  {short_id(owners[status.url]):<10} {_display(status.url)}  {_display(status.error or '')}")
    return EXIT_OK


# -- registration ------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(sub, common, json_flag) -> None:
    p = sub.add_parser(
        "fetch",
        parents=[common, json_flag],
        help="fetch Hugging Face Daily Papers from the API and import them",
        description="Fetch the Hugging Face Daily Papers of a day (default: today, UTC) or a range of days, "
        "and import them like page dumps: known papers are matched (by arXiv id, then title) and gain "
        "their arXiv id, authors, date and upvotes; tags and read state are kept. A failed day is "
        "reported and the other days are still imported (exit status 1).",
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day to fetch")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="first day of a range")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="last day of a range (default: today)")
    p.add_argument("--jobs", type=_positive_int, default=4, metavar="N", help="days fetched at once (default 4)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser(
        "enrich",
        parents=[common, json_flag],
        help="add GitHub stars, description, archived flag and last push to papers with code",
        description="For papers (matching QUERY, or all) with a GitHub repository link, fetch the repository's "
        "stars, description, archived flag and last push from the GitHub API. Results are cached; "
        "GITHUB_TOKEN, if set, raises the rate limit. On a rate limit, what was fetched is saved and "
        "the message says when to retry.",
    )
    p.add_argument("query", nargs="*", help="only papers matching this query")
    p.add_argument("--max-age", type=float, default=24.0, metavar="HOURS",
                   help="use cached results younger than this (default 24; 0 fetches everything again)")
    p.add_argument("--jobs", type=_positive_int, default=2, metavar="N", help="requests at once (default 2)")
    p.set_defaults(func=cmd_enrich)

    p = sub.add_parser(
        "resolve",
        parents=[common, json_flag],
        help="find papers on Hugging Face: arXiv id, authors, dates, code and project links",
        description="For papers (matching QUERY, or all) without an arXiv id (or without authors), ask the "
        "Hugging Face papers API (the hf_api_url setting) and take only a confident match: the same title, "
        "or nearly the same with the abstract agreeing. Several papers that would do are reported as "
        "ambiguous and left alone. A match fills the arXiv id, authors, publication date, upvotes, the "
        "GitHub repository (when the paper has no code link), the project page and HF's keywords and "
        "summary; tags, read state and notes never change. All of it is one change (reader undo). "
        "--offline takes only arXiv ids that abstracts link, without the network.",
    )
    p.add_argument("query", nargs="*", help="only papers matching this query")
    p.add_argument("--offline", action="store_true", help="no requests: only arXiv ids linked in abstracts")
    p.add_argument("--max-age", type=float, default=24.0, metavar="HOURS",
                   help="use cached answers younger than this (default 24; 0 asks again)")
    p.add_argument("--jobs", type=_positive_int, default=3, metavar="N", help="requests at once (default 3)")
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser(
        "check-links",
        parents=[common, json_flag],
        help="check that papers' links still answer and mark dead ones",
        description="Check every link of the papers (matching QUERY, or all): HEAD, falling back to GET, "
        "following at most 5 redirects and only to http(s). Results are stored with the papers; "
        "a summary lists dead links.",
    )
    p.add_argument("query", nargs="*", help="only papers matching this query")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per request (default 10)")
    p.add_argument("--jobs", type=_positive_int, default=8, metavar="N", help="requests at once (default 8)")
    p.set_defaults(func=cmd_check_links)
