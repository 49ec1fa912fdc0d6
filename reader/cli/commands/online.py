"""`reader fetch`, `reader enrich`, `reader resolve`, `reader check-links`: the online commands.

Each one opens the library first (a broken library fails before any request),
runs its task (:mod:`reader.tasks`) with one client from
:func:`reader.cli.context.make_client`, which stores the results as one change,
and prints the task's outcome. Progress goes to stderr: a bar when stderr is a
terminal; otherwise `fetch` prints a plain line per day.

Exit status: 0 when everything asked for was done; 1 when something failed
(a day, a repository, a rate limit, no network), after saving what did work.
Dead links are a finding, not a failure: `check-links` exits 0 with them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta

from reader.cli import context
from reader.cli import options
from reader.cli.context import EXIT_ERROR, EXIT_OK, open_library
from reader.cli.output import Progress, print_json
from reader.cli.output import display as _display
from reader.cli.output import error as _error
from reader.cli.output import warning as _warning


def _selected(library, words: list[str]):
    """The papers the command works on: those the words name by id, else those the query matches."""
    from reader.cli.select import select_papers

    return select_papers(library, words)


def _run(label: str, total: int, task, *, lines: Callable[[str], bool] | None = None, **client_options):
    """``task(client, progress)``'s outcome, run with one client and a progress bar on stderr; the bar
    is cleared however the task ends. With ``lines``, each note it keeps is also a line that stays
    (plain lines when stderr is not a terminal)."""
    progress = Progress(label, total, plain_lines=lines is not None)

    def show(done: int, total: int, note: str) -> None:
        if lines is not None and lines(note):
            progress.line(note)
        progress.update(done, total, note)

    if lines is not None:
        progress.update(0)
    try:
        with context.make_client(**client_options) as client:
            return task(client, show)
    finally:
        progress.finish()


def _max_age(args) -> timedelta:
    from reader.errors import ReaderError

    if args.max_age < 0:
        raise ReaderError("--max-age must be 0 or more hours")
    return timedelta(hours=args.max_age)


# -- fetch ------------------------------------------------------------------------------


def cmd_fetch(args: argparse.Namespace) -> int:
    from reader.config import load_config
    from reader.tasks.base import grouped
    from reader.tasks.days import days_from_options, utc_today
    from reader.tasks.fetch import FAILED_NOTE, fetch_daily

    config = load_config()
    days = days_from_options(args.date, args.since, args.until, utc_today())
    library = open_library(args)
    outcome = _run(
        "fetching",
        len(days),
        lambda client, show: fetch_daily(
            library, client, days, base_url=config.hf_api_url, concurrency=args.jobs, progress=show
        ),
        lines=lambda note: not note.endswith(f": {FAILED_NOTE}"),  # failed days are said once, grouped by error, below
    )
    if args.json:
        print_json(outcome.to_dict())
    else:
        print(outcome.headline())
        if outcome.imported is not None:
            for skip in outcome.imported.report.skipped:
                print(f"  skipped {_display(str(skip))}")
            print(f"Library: {library.path} ({_papers(len(library))})")
    for line in grouped([(day.day, day.error or "") for day in outcome.report.failed]):
        _error(line)
    if problems := outcome.problems():
        _error("; ".join(problems))
    return EXIT_OK if outcome.ok else EXIT_ERROR


def _papers(count: int) -> str:
    from reader.wording import papers

    return papers(count)


# -- enrich ------------------------------------------------------------------------------


def cmd_enrich(args: argparse.Namespace) -> int:
    from reader.config import load_config
    from reader.tasks.enrich import enrich, github_token, with_repository

    max_age = _max_age(args)
    config = load_config()
    library = open_library(args)
    papers = with_repository(_selected(library, args.query))
    if not papers:
        if args.json:
            print_json({"papers": 0, "repos": 0, "updated": []})
        else:
            print("No selected paper links a GitHub repository; nothing to enrich.")
        return EXIT_OK
    token = github_token()
    outcome = _run(
        "GitHub",
        0,
        lambda client, show: enrich(
            library,
            client,
            papers,
            base_url=config.github_api_url,
            token=token,
            max_age=max_age,
            concurrency=args.jobs,
            progress=show,
        ),
    )
    for problem in outcome.problems:  # a cache that could not be read or saved: the run went on without it
        _warning(problem)
    if args.json:
        print_json(outcome.to_dict())
    else:
        print(outcome.headline())
        for repo in outcome.report.missing:
            print(f"  not found: {_display(repo)}")
    for line in outcome.failure_lines():
        _error(line)
    if reason := outcome.stop_reason():
        _error(reason)
    return EXIT_OK if outcome.ok else EXIT_ERROR


# -- resolve ------------------------------------------------------------------------------


def cmd_resolve(args: argparse.Namespace) -> int:
    from reader.config import load_config
    from reader.papers import short_id
    from reader.tasks.resolve import resolve, resolve_from_abstracts, unresolved
    from reader.wording import plural

    max_age = _max_age(args)
    config = load_config()
    library = open_library(args)
    papers = _selected(library, args.query)
    if args.offline:
        offline = resolve_from_abstracts(library, papers)
        if args.json:
            print_json(offline.to_dict())
        else:
            print(offline.summary() + (" `reader undo` reverts it." if offline.updated else ""))
        return EXIT_OK
    outcome = _run(
        "resolving",
        len(unresolved(papers)),
        lambda client, show: resolve(
            library, client, papers, base_url=config.hf_api_url, max_age=max_age, concurrency=args.jobs, progress=show
        ),
    )
    for problem in outcome.problems:  # a cache that could not be read or saved: the run went on without it
        _warning(problem)
    report = outcome.report
    if args.json:
        print_json(outcome.to_dict())
    else:
        titles = outcome.titles
        print(f"Resolved on Hugging Face: {outcome.counts()} ({plural(report.requests, 'request')}, {report.cached} from the cache).")
        for pid, arxiv, _how in report.matched:
            print(f"  matched    {short_id(pid):<10} {arxiv:<12} {_display(titles[pid])[:70]}")
        for pid, ids in report.ambiguous:
            print(f"  ambiguous  {short_id(pid):<10} {_display(titles[pid])[:50]}: {', '.join(ids)}")
        for pid, why in report.unmatched:
            print(f"  unmatched  {short_id(pid):<10} {_display(titles[pid])[:50]}: {_display(why)}")
        if outcome.from_abstracts:
            print(f"Took the arXiv id of {_papers(outcome.from_abstracts)} from links in their abstracts.")
        print(f"Updated {_papers(len(report.updated))}" + (" (reader undo reverts it)." if report.updated else "."))
    if reason := outcome.stop_reason():
        _error(reason)
        return EXIT_ERROR
    return EXIT_OK


# -- check-links ---------------------------------------------------------------------------


def cmd_check_links(args: argparse.Namespace) -> int:
    from reader.errors import ReaderError
    from reader.papers import short_id
    from reader.tasks.links import check_paper_links, distinct_urls, links_of

    if args.timeout <= 0:
        raise ReaderError("--timeout must be more than 0 seconds")
    library = open_library(args)
    papers = _selected(library, args.query)
    count = len(distinct_urls(links_of(papers)))
    if not count:
        if args.json:
            from reader.online.linkcheck import summarise

            print_json(summarise(links_of(papers), {}).to_dict())
        else:
            print("No links to check.")
        return EXIT_OK
    outcome = _run(
        "checking",
        count,
        lambda client, show: check_paper_links(
            library, client, papers, timeout=args.timeout, concurrency=args.jobs, progress=show
        ),
        max_connections=max(args.jobs, 1),
    )
    if args.json:
        print_json(outcome.to_dict())
        return EXIT_OK
    print(outcome.headline())
    for status in outcome.report.dead:
        print(f"  dead  {short_id(outcome.owners[status.url]):<10} {_display(status.url)}  {_display(status.error or '')}")
    for status in outcome.report.not_checked:  # a server error, a rate limit, too slow: kept as they were
        if status.error != "cancelled":
            print(f"  not checked  {short_id(outcome.owners[status.url]):<10} {_display(status.url)}  "
                  f"{_display(status.error or '')}")
    return EXIT_OK


# -- registration ------------------------------------------------------------------------


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
    options.jobs(p, 4, "days fetched")
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
    options.selection(p)
    options.max_age(p, "fetches everything again")
    options.jobs(p, 2)
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
    options.selection(p)
    p.add_argument("--offline", action="store_true", help="no requests: only arXiv ids linked in abstracts")
    options.max_age(p, "asks again")
    options.jobs(p, 3)
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser(
        "check-links",
        parents=[common, json_flag],
        help="check that papers' links still answer and mark dead ones",
        description="Check every link of the papers (matching QUERY, or all): HEAD, falling back to GET, "
        "following at most 5 redirects and only to http(s). Results are stored with the papers; "
        "a summary lists dead links.",
    )
    options.selection(p)
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per request (default 10)")
    options.jobs(p, 8)
    p.set_defaults(func=cmd_check_links)
