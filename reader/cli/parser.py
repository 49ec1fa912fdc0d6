"""The argument parser of `reader`: the shared options, then each command module's subcommands.

Queries may start with '-' and mix with options (`reader list -tag:old --limit 3
pointer`), which argparse alone cannot parse: :func:`parse_args` protects such
words first and gives them back afterwards.
"""

from __future__ import annotations

import argparse
import importlib
import re
from collections.abc import Sequence

from reader import __version__
from reader.cli.commands import COMMAND_MODULES, COMMANDS


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; for a known ``command``, with only that command's module registered (cheaper)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="library file (default: $READER_DB, else library.json in the user data directory)",
    )
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print JSON for scripts")

    parser = argparse.ArgumentParser(
        prog="reader",
        description="A keyboard-driven reading list for research papers. Without a command, opens the TUI.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the TUI on a throwaway library of the sample papers")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES
    for module_name in modules:
        importlib.import_module(module_name).register(sub, common=common, json_flag=json_flag)
    return parser


QUERY_COMMANDS = ("list", "export", "enrich", "check-links", "resolve")
_NEGATED_TERM = re.compile(r'^-(?:[A-Za-z]+:|")')
_MINUS = "\ue000"  # stands in for a query term's leading '-' while argparse runs


def _protect_negated_terms(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Let queries start with '-' and mix with options.

    Terms such as ``-tag:x``, ``-has:code``, ``-"a phrase"`` (and, for `list`,
    which has no short options, any ``-word``) get a stand-in for their '-' so
    that argparse takes them as query words (:func:`parse_args` puts it back),
    and the query words are moved after the options, because argparse cannot
    collect a ``nargs="*"`` positional that options interrupt.
    """
    command_at = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if command_at is None or argv[command_at] not in QUERY_COMMANDS or "--" in argv:
        return argv
    command = argv[command_at]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    takes_value = {
        option: action.nargs != 0
        for action in subparsers.choices[command]._actions
        for option in action.option_strings
    }
    options: list[str] = []
    words: list[str] = []
    rest = argv[command_at + 1 :]
    index = 0
    while index < len(rest):
        arg = rest[index]
        name = arg.split("=", 1)[0]
        if name in takes_value:
            options.append(arg)
            if takes_value[name] and "=" not in arg and index + 1 < len(rest):
                index += 1
                options.append(rest[index])
        elif _NEGATED_TERM.match(arg) or (command == "list" and len(arg) > 1 and arg[0] == "-"):
            words.append(_MINUS + arg[1:])
        else:
            words.append(arg)
        index += 1
    return argv[: command_at + 1] + options + words


def _command_of(argv: list[str]) -> str | None:
    """The command word of ``argv`` (the first word that is not an option or the --db value)."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--db":
            index += 2
            continue
        if not arg.startswith("-"):
            return arg
        index += 1
    return None


TAG_COMMANDS = ("tag", "untag")


def _split_tags(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """`reader tag ID... -- TAG...`: (the arguments before ``--``, the tags after it), else (argv, None)."""
    command_at = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if command_at is None or argv[command_at] not in TAG_COMMANDS or "--" not in argv[command_at:]:
        return argv, None
    split = argv.index("--", command_at)
    return argv[:split], argv[split + 1 :]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line (argparse exits with status 2 and a usage line on a mistake)."""
    argv = list(argv)
    parser = build_parser(_command_of(argv))
    argv, tags_after = _split_tags(argv)
    args = parser.parse_args(_protect_negated_terms(parser, argv))
    if isinstance(getattr(args, "query", None), list):
        args.query = [word.replace(_MINUS, "-") for word in args.query]
    if tags_after is not None:
        if not tags_after:
            parser.error(f"{args.command}: give the tags after --")
        args.tag_list = [*(args.tag_list or []), *tags_after]
    return args
