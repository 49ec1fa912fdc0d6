"""A plain model of what the library must hold after a sequence of changes.

Changes are JSON-able dicts (``{"op": "tag", "ids": [...], "tags": [...]}``)
so a child process can run the same list the test generates. The model is
written from the library's promises, not from its code: an import adds new
papers and adds the page to known ones, tags append, undo restores the state
before the latest change not yet undone, a change that changes nothing is not
a change (and cannot be undone).
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from reader.importers import Candidate
from reader.papers import paper_id

STAMP = "2026-01-01T00:00:00Z"

_ADJECTIVES = ["Sparse", "Dense", "Latent", "Causal", "Robust", "Linear", "Neural", "Implicit", "Unified"]
_NOUNS = ["Transformers", "Diffusion", "Retrieval", "Attention", "Agents", "Tokenizers", "Experts"]
TAG_POOL = ["todo", "ml", "vision", "nlp", "later", "fav", "re-read", "survey"]


def constant_clock() -> str:
    return STAMP


def title_for(number: int) -> str:
    adjective = _ADJECTIVES[number % len(_ADJECTIVES)]
    noun = _NOUNS[number // len(_ADJECTIVES) % len(_NOUNS)]
    return f"{adjective} {noun} for Task {number}"


def abstract_for(title: str) -> str:
    return (
        f"We study {title.lower()} in depth. "
        + "Our method improves accuracy on standard benchmarks while keeping the cost low. " * 4
        + "Experiments confirm every claim."
    )


def candidates_for(titles: list[str], source: str) -> list[Candidate]:
    return [Candidate(title=title, abstract=abstract_for(title), source=source) for title in titles]


# What one paper looks like for these tests: the fields changes touch.
PaperState = tuple  # (title, tags, read, sources, abstract)


def library_state(library) -> dict[str, PaperState]:
    abstracts = library.abstracts()
    return {
        paper.id: (paper.title, tuple(paper.tags), paper.read, tuple(paper.sources), abstracts.get(paper.id, ""))
        for paper in library.papers()
    }


def tinydb_state(path: Path) -> dict[str, tuple]:
    """(title, tags, read) by id, as plain TinyDB reads the papers file."""
    from tinydb import TinyDB

    with TinyDB(path, access_mode="r") as db:
        docs = db.table("papers").all()
    return {doc["id"]: (doc["title"], tuple(doc.get("tags") or ()), doc.get("read") is True) for doc in docs}


def tinydb_loads(path: Path) -> None:
    """Both TinyDB files load read-only with plain TinyDB (raises otherwise)."""
    from tinydb import TinyDB

    from reader.store import Library

    abstracts_path = Library(path).abstracts_path
    for file, table in ((path, "papers"), (abstracts_path, "abstracts")):
        if file.exists():
            with TinyDB(file, access_mode="r") as db:
                db.table(table).all()


def describe_difference(got: dict, wanted: dict) -> str:
    lines = []
    for pid in sorted(set(got) | set(wanted)):
        if got.get(pid) != wanted.get(pid):
            lines.append(f"  {pid}: on disk {got.get(pid)!r}\n  {' ' * len(pid)}  expected {wanted.get(pid)!r}")
    return "\n".join(lines[:6]) + (f"\n  ... {len(lines) - 6} more" if len(lines) > 6 else "")


@dataclass
class Model:
    papers: dict[str, PaperState] = field(default_factory=dict)
    undo_stack: list[dict[str, PaperState]] = field(default_factory=list)

    def copy(self) -> "Model":
        return Model(dict(self.papers), list(self.undo_stack))

    def apply(self, op: dict) -> None:
        """Apply one change as the library promises to; raises ValueError where it must refuse."""
        kind = op["op"]
        if kind in ("compact", "refresh"):
            return
        if kind == "undo":
            if not self.undo_stack:
                raise ValueError("nothing to undo")
            self.papers = dict(self.undo_stack.pop())  # snapshots are shared by copies: never mutate one
            return
        before = dict(self.papers)
        papers = self.papers
        if kind == "import":
            for title in op["titles"]:
                pid = paper_id(title)
                if pid in papers:
                    t, tags, read, sources, abstract = papers[pid]
                    if op["source"] not in sources:
                        papers[pid] = (t, tags, read, sources + (op["source"],), abstract)
                else:
                    papers[pid] = (title, (), False, (op["source"],), abstract_for(title))
        elif kind in ("tag", "untag", "read", "unread", "delete"):
            for pid in op["ids"]:
                if pid not in papers:
                    raise ValueError(f"unknown paper {pid}")
            for pid in op["ids"]:
                if kind == "delete":
                    del papers[pid]
                    continue
                t, tags, read, sources, abstract = papers[pid]
                if kind == "tag":
                    tags = tags + tuple(tag for tag in op["tags"] if tag not in tags)
                elif kind == "untag":
                    tags = tuple(tag for tag in tags if tag not in op["tags"])
                else:
                    read = kind == "read"
                papers[pid] = (t, tags, read, sources, abstract)
        else:
            raise ValueError(f"unknown op {kind!r}")
        if papers != before:
            self.undo_stack.append(before)


def run_op(library, op: dict) -> None:
    """Make one change through the library API."""
    kind = op["op"]
    if kind == "import":
        library.import_candidates(candidates_for(op["titles"], op["source"]), sources=[op["source"]])
    elif kind == "tag":
        library.tag(op["ids"], op["tags"])
    elif kind == "untag":
        library.untag(op["ids"], op["tags"])
    elif kind in ("read", "unread"):
        library.set_read(op["ids"], kind == "read")
    elif kind == "delete":
        library.delete(op["ids"])
    elif kind == "undo":
        library.undo()
    elif kind == "compact":
        library.compact()
    elif kind == "refresh":
        library.refresh()
    else:
        raise ValueError(f"unknown op {kind!r}")


@dataclass
class Plan:
    """A list of changes and the model after each prefix (``models[i]``: after ``ops[:i]``)."""

    ops: list[dict]
    models: list[Model]


class OpGenerator:
    """Seeded random changes that are valid against the model at each point."""

    def __init__(self, rng: random.Random, *, next_title: int = 0) -> None:
        self.rng = rng
        self.next_title = next_title
        self.pages = 0

    def new_titles(self, count: int) -> list[str]:
        titles = [title_for(self.next_title + k) for k in range(count)]
        self.next_title += count
        return titles

    def one(self, model: Model, *, big_import: int = 0) -> dict:
        rng = self.rng
        ids = sorted(model.papers)
        weights = {
            "tag": 30, "untag": 10, "read": 15, "unread": 5, "import": 10,
            "delete": 3, "undo": 6, "compact": 2,
        }
        if big_import:
            weights["import"] = 25
        if not ids:
            weights = {"import": 1}
        kind = rng.choices(list(weights), list(weights.values()))[0]
        if kind == "undo" and not model.undo_stack:
            kind = "tag"
        if kind == "import":
            self.pages += 1
            size = big_import if big_import and rng.random() < 0.5 else rng.randint(1, 4)
            known = rng.sample(ids, min(len(ids), rng.randint(0, 2)))
            titles = self.new_titles(size) + [model.papers[pid][0] for pid in known]
            rng.shuffle(titles)
            return {"op": "import", "source": f"page-{self.rng.randrange(10**6)}", "titles": titles}
        if kind in ("undo", "compact"):
            return {"op": kind}
        chosen = rng.sample(ids, min(len(ids), rng.choice([1, 1, 1, 2, 3])))
        if kind in ("tag", "untag"):
            pool = TAG_POOL
            if kind == "untag":
                present = sorted({tag for pid in chosen for tag in model.papers[pid][1]})
                pool = present or TAG_POOL
            return {"op": kind, "ids": chosen, "tags": rng.sample(pool, min(len(pool), rng.randint(1, 2)))}
        if kind == "delete":
            return {"op": "delete", "ids": chosen[:1]}
        return {"op": kind, "ids": chosen}

    def plan(self, model: Model, count: int, *, big_import: int = 0) -> Plan:
        models = [model.copy()]
        ops = []
        current = model.copy()
        for _ in range(count):
            op = self.one(current, big_import=big_import)
            current.apply(op)
            ops.append(op)
            models.append(current.copy())
        return Plan(ops, models)


def seed_library(db_path: Path, count: int = 12, *, source: str = "seed-page"):
    """A library holding ``count`` papers (one import), compacted; returns (library, model)."""
    from reader.store import Library

    library = Library.open(db_path, clock=constant_clock)
    op = {"op": "import", "source": source, "titles": [title_for(10_000 + k) for k in range(count)]}
    run_op(library, op)
    library.compact()
    model = Model()
    model.apply(op)
    return library, model


def copy_library_dir(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def dump_plan(path: Path, config: dict) -> Path:
    path.write_text(json.dumps(config), encoding="utf-8")
    return path
