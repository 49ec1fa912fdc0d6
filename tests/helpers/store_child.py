"""A process that changes a library through the API and says so on stdout.

Run as ``python -m tests.helpers.store_child CONFIG.json``. CONFIG holds::

    {"db": PATH, "ops": [...], "faults": {...} or null,
     "compact_records": N or null, "direct_write": N or null,
     "fresh_each_op": false, "wait_for_go": false}

It prints ``ready``, then for each change ``begin I`` before it and ``ack I``
after it returned (``error I MESSAGE`` if the library refused it), each line
flushed, and ``done`` at the end. With ``wait_for_go`` it reads a line from
stdin after ``ready``, so several children can start changing at once. With ``faults`` it installs a
:class:`tests.helpers.faults.Injector` reporting on stdout, so ``fault-stop``
and ``fault-step`` lines come in order with the others.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    from reader.errors import ReaderError
    from reader.store import Library

    from tests.helpers.faults import Injector, set_store_limits
    from tests.helpers.storemodel import constant_clock, run_op

    set_store_limits(config.get("compact_records"), config.get("direct_write"))
    db = Path(config["db"])
    faults = config.get("faults")
    if faults:
        Injector(
            db.parent,
            mode="stop" if faults.get("stop") else "count",
            at=faults.get("stop", 0),
            torn=faults.get("torn", False),
            announce=faults.get("announce", False),
            report_fd=sys.stdout.fileno(),
        ).install()

    def say(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    fresh = config.get("fresh_each_op", False)
    library = None if fresh else Library.open(db, clock=constant_clock)
    say("ready")
    if config.get("wait_for_go"):
        sys.stdin.readline()  # start together with the other children
    for index, op in enumerate(config["ops"]):
        say(f"begin {index}")
        try:
            if fresh:
                library = Library.open(db, clock=constant_clock)
            run_op(library, op)
        except ReaderError as exc:
            say(f"error {index} {exc}")
            continue
        say(f"ack {index}")
        if library.warnings:
            for warning in library.warnings:
                say(f"warning {index} {warning}")
            library.warnings.clear()
    say("done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
