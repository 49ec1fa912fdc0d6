"""`reader`'s entry point: parse, run the command, and turn every error into one line and an exit status.

Exit status: 0 done; 1 an error (one line on stderr, nothing half-written);
2 a usage mistake (argparse's message); 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from reader.cli.context import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, take_warnings
from reader.cli.output import display
from reader.errors import ImportProblem, ReaderError


def _print_warnings() -> None:
    for warning in take_warnings():
        print(f"reader: warning: {display(warning)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    from reader.cli.parser import parse_args
    from reader.search.hook import install as keep_search_index_current

    keep_search_index_current()

    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command is None:
            from reader.cli.commands.tui import run_tui

            return run_tui(args)
        try:
            return args.func(args)
        finally:
            _print_warnings()
    except ImportProblem as exc:
        print(f"reader: cannot import: {display(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except ReaderError as exc:
        print(f"reader: error: {display(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("reader: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `reader list | head`: the reader of our output went away; that is fine.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
