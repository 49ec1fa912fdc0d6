"""`reader open`: open a paper's arXiv page, PDF, HF page, code, project page or link N in a browser.

When no browser can be started (over SSH, in a container, ``BROWSER``
unset), the URL is printed instead and the message says so; ``--copy``
puts it on the clipboard, ``--print`` only prints it.
"""

from __future__ import annotations

import argparse
import sys

from reader.cli.context import EXIT_ERROR, EXIT_OK, open_library
from reader.cli.select import find_paper

TARGETS = ("arxiv", "pdf", "hf", "code", "project")


def link_to_open(paper, target: str | None, number: int | None):
    """The :class:`~reader.papers.Link` to open; :class:`ReaderError` saying what is missing."""
    from reader.details import numbered_links
    from reader.errors import ReaderError
    from reader.wording import plural
    from reader.links import ARXIV_PAGE, ARXIV_PDF, HF_PAPER, arxiv_links

    links = numbered_links(paper)
    if number is not None:
        if not 1 <= number <= len(links):
            have = plural(len(links), "link") if links else "no links"
            raise ReaderError(f"{paper.short_id} has {have}; there is no link {number} (see `reader show {paper.short_id}`)")
        return links[number - 1]
    derived = {link.kind: link for link in arxiv_links(paper.arxiv_id)}
    kinds = {"arxiv": ARXIV_PAGE, "pdf": ARXIV_PDF, "hf": HF_PAPER}
    if target in kinds:
        if not paper.arxiv_id:
            raise ReaderError(f"{paper.short_id} has no arXiv id, so no {target} link (`reader resolve` looks it up)")
        return derived[kinds[target]]
    if target == "code":
        if paper.code_link is None:
            raise ReaderError(f"{paper.short_id} has no code link")
        return paper.code_link
    if target == "project":
        if paper.project_link is None:
            raise ReaderError(f"{paper.short_id} has no project page")
        return paper.project_link
    # No choice: the arXiv page, else the code, else the project page, else the first link.
    best = derived.get(ARXIV_PAGE) or paper.code_link or paper.project_link or (links[0] if links else None)
    if best is None:
        raise ReaderError(f"{paper.short_id} has no links to open")
    return best


def cmd_open(args: argparse.Namespace) -> int:
    from reader.browser import open_in_browser, why_no_browser
    from reader.copying import copy_to_clipboard
    from reader.errors import ReaderError
    from reader.links import has_control_characters, is_openable
    from reader.textsafe import printable

    target = next((name for name in TARGETS if getattr(args, name)), None)
    if target is not None and args.number is not None:
        raise ReaderError(f"give either --{target} or a link number, not both")
    library = open_library(args)
    paper = find_paper(library, args.id)
    link = link_to_open(paper, target, args.number)
    url = link.url
    if has_control_characters(url):  # an escape sequence would reach the terminal (or the browser)
        raise ReaderError(f"not opening {printable(url)}: the URL holds control characters")
    if not is_openable(url):
        raise ReaderError(f"not opening {url!r}: only http(s) links are opened")
    shown = printable(url)  # the same as url for every openable URL; never raw bytes to the terminal
    if args.print_only:
        print(shown)
        return EXIT_OK
    if args.copy:
        method = copy_to_clipboard(url)
        if method:
            print(f"Copied {printable(url)} to the clipboard ({method}).", file=sys.stderr)
            return EXIT_OK
        print(shown)
        print("reader: no clipboard available (install xclip, xsel or wl-clipboard); the URL is printed above.",
              file=sys.stderr)
        return EXIT_ERROR
    problem = why_no_browser()
    if problem is None and open_in_browser(url):
        print(f"Opened {printable(url)}", file=sys.stderr)
        return EXIT_OK
    print(shown)
    why = problem or "the browser did not start"
    print(
        f"reader: {why}; the URL is printed above (`reader open {paper.short_id} --copy` copies it, "
        "or set BROWSER).",
        file=sys.stderr,
    )
    return EXIT_ERROR


def register(sub, *, common, json_flag) -> None:
    p = sub.add_parser(
        "open",
        parents=[common],
        help="open a paper's arXiv page, PDF, HF page, code or project page in a browser",
        description="Open a paper's link in the web browser (Python's webbrowser: BROWSER, or what is "
        "installed). Without a choice: the arXiv page, else the code, else the project page, else the first "
        "link. N opens link N as `reader show` numbers them. When no browser can be started (SSH, no "
        "display, BROWSER unset) the URL is printed instead (exit status 1).",
    )
    p.add_argument("id", help="paper id (a unique prefix, or its arXiv id)")
    p.add_argument("number", nargs="?", type=int, metavar="N", help="open link N (see `reader show`)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--arxiv", action="store_true", help="the arXiv abstract page")
    which.add_argument("--pdf", action="store_true", help="the PDF on arXiv")
    which.add_argument("--hf", action="store_true", help="the Hugging Face paper page")
    which.add_argument("--code", action="store_true", help="the code link (GitHub repository)")
    which.add_argument("--project", action="store_true", help="the project page")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--copy", action="store_true", help="copy the URL to the clipboard instead of opening it")
    how.add_argument("--print", dest="print_only", action="store_true", help="only print the URL")
    p.set_defaults(func=cmd_open)


__all__ = ["cmd_open", "link_to_open", "register"]
