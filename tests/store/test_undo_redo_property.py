"""Any sequence of changes, undos and redos ends in the state a model predicts (issue 14, proof).

The model is the promise, not the code: every change that changes something
can be undone, newest first; an undo can be redone until the next change;
undo and redo are changes like any other (a redo can be undone). Two stacks
of states say what undo and redo bring back.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.errors import ReaderError
from reader.importers import Candidate
from reader.store import Library

TAGS = ("a", "b", "c")

operations = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.integers(0, 5)),
        st.tuples(st.just("tag"), st.integers(0, 20), st.sampled_from(TAGS)),
        st.tuples(st.just("untag"), st.integers(0, 20), st.sampled_from(TAGS)),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("undo")),
        st.tuples(st.just("redo")),
        st.tuples(st.just("reopen")),
    ),
    max_size=30,
)


class Model:
    def __init__(self) -> None:
        self.state: dict[str, frozenset[str]] = {}  # title -> tags
        self.undo: list[dict] = []
        self.redo: list[dict] = []

    def change(self, new: dict) -> None:
        if new != self.state:
            self.undo.append(self.state)
            self.redo.clear()
            self.state = new

    def step(self, kind: str) -> bool:
        source, target = (self.undo, self.redo) if kind == "undo" else (self.redo, self.undo)
        if not source:
            return False
        target.append(self.state)
        self.state = source.pop()
        return True


def _observed(library: Library) -> dict[str, frozenset[str]]:
    return {p.title: frozenset(p.tags) for p in library.papers()}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_changes_undos_and_redos_end_where_the_model_says(ops):
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "library.json"
        library = Library.open(db, backup_interval=0)
        model = Model()
        for op in ops:
            kind = op[0]
            titles = sorted(model.state)
            if kind == "import":
                title = f"Paper {op[1]}"
                library.import_candidates([Candidate(title, f"About {op[1]}.", "s")], sources=["s"])
                model.change({**model.state, title: model.state.get(title, frozenset())})
            elif kind in ("tag", "untag", "delete") and titles:
                title = titles[op[1] % len(titles)]
                pid = library.find_existing(title).id
                if kind == "tag":
                    library.tag([pid], [op[2]])
                    model.change({**model.state, title: model.state[title] | {op[2]}})
                elif kind == "untag":
                    library.untag([pid], [op[2]])
                    model.change({**model.state, title: model.state[title] - {op[2]}})
                else:
                    library.delete([pid])
                    model.change({t: tags for t, tags in model.state.items() if t != title})
            elif kind in ("undo", "redo"):
                expected = model.step(kind)
                try:
                    library.undo() if kind == "undo" else library.redo()
                except ReaderError as exc:
                    assert not expected and f"nothing to {kind}" in str(exc)
                else:
                    assert expected, f"{kind} did something the model says it cannot"
            elif kind == "reopen":
                library = Library.open(db, backup_interval=0)
            assert _observed(library) == model.state, ops
        assert _observed(Library.open(db)) == model.state
