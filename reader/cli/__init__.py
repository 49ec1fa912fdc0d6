"""The `reader` command line: parse the arguments, run one command, print its result.

* :mod:`reader.cli.parser`: the argument parser (each command module registers its own subcommands);
* :mod:`reader.cli.context`: exit codes, opening the library, the HTTP client, finding papers by id;
* :mod:`reader.cli.output`: the one JSON printer and the text printing (terminal-safe, wrapped on a terminal);
* :mod:`reader.cli.commands`: the commands, one module per area;
* :mod:`reader.cli.run`: :func:`main`, which turns errors into one line on stderr and an exit status.

A command imports what it needs when it runs, so `reader tag` does not load the exporters.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """The ``reader`` entry point (``reader = "reader.cli:main"``)."""
    from reader.cli.run import main as run

    return run(argv)


__all__ = ["main"]
