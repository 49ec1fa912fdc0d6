"""What must hold after a process changing the library was killed.

The library must load (with reader and with plain TinyDB), hold every change
whose call returned (acknowledged) and either hold the change in flight or
not, keep its undo history, and take further changes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from reader.store import Library

from tests.helpers.storemodel import (
    Model,
    constant_clock,
    describe_difference,
    library_state,
    run_op,
    tinydb_loads,
    tinydb_state,
)


@dataclass
class Progress:
    acked: int  # changes 0..acked-1 returned
    in_flight: bool  # change number ``acked`` had begun
    errors: list[str] = field(default_factory=list)


def progress_from_lines(lines: list[str], total: int) -> Progress:
    acks = [int(line.split()[1]) for line in lines if line.startswith("ack ")]
    begun = {int(line.split()[1]) for line in lines if line.startswith("begin ")}
    errors = [line for line in lines if line.startswith("error ")]
    assert acks == list(range(len(acks))), f"changes acknowledged out of order: {acks}"
    acked = len(acks)
    return Progress(acked, acked in begun and acked < total, errors)


def check_recovered(db: Path, allowed: list[Model], context: str, rng: random.Random) -> Model:
    """Check the library at ``db`` after a crash; returns the model it now follows.

    ``allowed``: the model without the change in flight, then (if there was
    one) with it. After the comparison this undoes the latest change and
    makes one more, checking both on disk, then compacts and compares what
    plain TinyDB reads.
    """
    try:
        tinydb_loads(db)
    except ValueError as exc:
        raise AssertionError(f"{context}\nplain TinyDB cannot load the library: {exc}") from None
    library = Library.open(db, clock=constant_clock)
    got = library_state(library)
    matches = [model for model in allowed if model.papers == got]
    assert matches, (
        f"{context}\nthe reopened library is neither the acknowledged state nor that plus the change in flight:\n"
        + "\n".join(f"-- against option {n}:\n{describe_difference(got, m.papers)}" for n, m in enumerate(allowed))
    )
    model = matches[-1].copy()
    if len(matches) > 1 and matches[0].undo_stack != matches[-1].undo_stack:
        model = None  # the change in flight changed nothing we can see; history is ambiguous

    if model is not None and model.undo_stack:
        run_op(library, {"op": "undo"})
        model.apply({"op": "undo"})
        after_undo = library_state(library)
        assert after_undo == model.papers, f"{context}\nundo after the crash reverted the wrong change:\n" + (
            describe_difference(after_undo, model.papers)
        )
        reopened = library_state(Library.open(db, clock=constant_clock))
        assert reopened == model.papers, f"{context}\nthe undo after the crash was not saved:\n" + describe_difference(
            reopened, model.papers
        )
    if model is None:
        model = Model(dict(got), [])

    ids = sorted(model.papers)
    if ids:
        further = {"op": "tag", "ids": [rng.choice(ids)], "tags": ["after-crash"]}
    else:
        further = {"op": "import", "source": "after-crash", "titles": ["A Paper Imported After The Crash"]}
    run_op(library, further)
    model.apply(further)
    reopened = library_state(Library.open(db, clock=constant_clock))
    assert reopened == model.papers, f"{context}\nthe first change after the crash was not saved:\n" + (
        describe_difference(reopened, model.papers)
    )

    library.compact()
    wanted = {pid: (title, tags, read) for pid, (title, tags, read, _, _) in model.papers.items()}
    assert tinydb_state(db) == wanted, f"{context}\nplain TinyDB reads something else after compaction"
    assert library.warnings == [], f"{context}\nwarnings after recovery: {library.warnings}"
    return model
