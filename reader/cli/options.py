"""Options several commands share, defined once: the paper selection, --jobs, --max-age, --reverse."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--limit 0`` is a usage error, not an empty answer)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def selection(p: argparse.ArgumentParser) -> None:
    """The papers a command works on: a query, or paper ids (all papers without either)."""
    p.add_argument("query", nargs="*", metavar="QUERY|ID", help="only papers matching this query, or these paper ids")


def jobs(p: argparse.ArgumentParser, default: int, what: str = "requests") -> None:
    p.add_argument("--jobs", type=positive_int, default=default, metavar="N", help=f"{what} at once (default {default})")


def max_age(p: argparse.ArgumentParser, again: str) -> None:
    p.add_argument(
        "--max-age", type=float, default=24.0, metavar="HOURS",
        help=f"use cached answers younger than this (default 24; 0 {again})",
    )


def reverse(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reverse", action="store_true", help="the other way round (oldest first, Z to A, fewest first)")
