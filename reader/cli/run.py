"""`reader`'s entry point: parse, run the command, and turn every error into one line and an exit status.

Exit status: 0 done; 1 an error (one line on stderr, nothing half-written);
2 a usage mistake; 130 interrupted. Output that cannot be written (a full
disk, ``> /dev/full``) is an error line too; a reader that went away
(``reader list | head -1``) ends the command quietly.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Sequence

from reader.cli.context import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    saved_a_change,
    take_warnings,
)
from reader.cli.output import display
from reader.errors import ImportProblem, ReaderError


def _print_warnings() -> None:
    for warning in take_warnings():
        print(f"reader: warning: {display(warning)}", file=sys.stderr)


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class _ClosedOutput(io.TextIOBase):
    """Standard output when it was closed at start (``reader list >&-``): writing fails like a bad descriptor."""

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, "standard output is closed")


def _run(args) -> int:
    if args.command is None:
        from reader.cli.commands.tui import run_tui

        return run_tui(args)
    try:
        status = args.func(args)
        sys.stdout.flush()  # here, where a failure can still be reported
        return status
    finally:
        _print_warnings()


def main(argv: Sequence[str] | None = None) -> int:
    from reader.cli.parser import parse_args

    args = parse_args(sys.argv[1:] if argv is None else argv)
    if sys.stdout is None:  # started with stdout closed: say so when something is written
        sys.stdout = _ClosedOutput()
    try:
        return _run(args)
    except UsageError as exc:
        print(f"reader: usage: {display(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
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
        _drop_stdout()
        return EXIT_OK
    except OSError as exc:
        # Writing the output failed (a full disk, /dev/full); files the store reads
        # and writes raise ReaderError with their path instead.
        _drop_stdout()
        where = f" {exc.filename}" if exc.filename else " the output"
        reason = exc.strerror or exc
        if saved_a_change():
            message = f"the change was saved; only writing{where} failed: {reason}"
        else:
            message = f"cannot write{where}: {reason}"
        print(f"reader: error: {message}", file=sys.stderr)
        return EXIT_ERROR
