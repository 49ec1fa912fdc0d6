"""The changes people make, as plans: each returns what to store, computed on the current papers.

A plan is called by :meth:`Library._commit` under the writer lock, after
catching up with other processes (which may replace ``state.papers``: plans
read it when they run, never before), and returns (papers to put by id,
abstracts to put, ids to delete). It reads the papers and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from reader.errors import ReaderError
from reader.papers import Paper, normalise_tag, short_id
from reader.safejson import MAX_DEPTH, depth_of
from reader.store.history import History
from reader.store.state import State

Plan = Callable[[], tuple[dict[str, Paper], dict[str, str], list[str]]]


def clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        normal = normalise_tag(tag)
        if not normal:
            raise ReaderError("empty tag: tags need at least one visible character")
        if normal not in cleaned:
            cleaned.append(normal)
    if not cleaned:
        raise ReaderError("no tags given")
    return cleaned


def each_paper(state: State, ids: list[str], update: Callable[[Paper], Paper]) -> Plan:
    """Apply ``update`` to each of ``ids`` still in the library; papers it returns unchanged are left out."""

    def plan():
        papers = state.papers  # read when the plan runs: catching up may have replaced it
        puts = {}
        for pid in ids:
            paper = papers.get(pid)
            if paper is None:
                continue
            new = update(paper)
            if new.id != pid:
                raise ValueError("modify() must not change a paper's id")
            if new != paper:
                puts[pid] = new
        return puts, {}, []

    return plan


def add_tags(state: State, ids: list[str], wanted: list[str]) -> Plan:
    def update(paper: Paper) -> Paper:
        new = tuple(paper.tags) + tuple(t for t in wanted if t not in paper.tags)
        return replace(paper, tags=new) if new != paper.tags else paper

    return each_paper(state, ids, update)


def remove_tags(state: State, ids: list[str], unwanted: set[str]) -> Plan:
    def update(paper: Paper) -> Paper:
        if not unwanted & set(paper.tags):
            return paper
        return replace(paper, tags=tuple(t for t in paper.tags if t not in unwanted))

    return each_paper(state, ids, update)


def mark_read(state: State, ids: list[str], read: bool, stamp: str) -> Plan:
    def update(paper: Paper) -> Paper:
        return replace(paper, read=read, read_at=stamp if read else None) if paper.read != read else paper

    return each_paper(state, ids, update)


def set_notes(state: State, pid: str, notes: str) -> Plan:
    return each_paper(state, [pid], lambda paper: replace(paper, notes=notes) if paper.notes != notes else paper)


def put_exactly(
    state: State,
    given: list[Paper],
    abstracts: dict[str, str],
    current_abstracts: Callable[[Iterable[str]], dict[str, str]],
) -> Plan:
    """Store ``given`` as they are (insert or replace by id) with ``abstracts``."""

    def plan():
        wanted = [replace(p, has_abstract=bool(abstracts[p.id])) if p.id in abstracts else p for p in given]
        puts = {p.id: p for p in wanted if state.papers.get(p.id) != p}
        current = current_abstracts(pid for pid in abstracts if pid not in puts)
        changed = {pid: text for pid, text in abstracts.items() if pid in puts or current.get(pid, "") != text}
        return puts, changed, []

    return plan


def revert(entry: dict) -> tuple[dict[str, Paper], dict[str, str], list[str]]:
    """What puts the papers back as they were before the history ``entry``'s change."""
    puts: dict[str, Paper] = {}
    deletes: list[str] = list(entry.get("created") or ())
    for pid, doc in entry["before"].items():
        if doc is None:  # older records listed created papers this way
            deletes.append(pid)
        else:
            puts[pid] = Paper.from_doc(doc)
    return puts, dict(entry["before_abstracts"]), deletes


def check_storable(papers: Iterable[Paper]) -> None:
    """Refuse papers whose free-form data nests deeper than any file reader reads may hold (a value
    just under the interpreter's limit would later break saving, undo and compaction for good)."""
    limit = MAX_DEPTH - 8  # the journal record and the history entry wrap a paper's data in more levels
    for paper in papers:
        if paper.extra and depth_of(paper.extra, limit) > limit:
            raise ReaderError(
                f"paper {short_id(paper.id)}: its data nests deeper than {limit} levels; nothing was changed"
            )


def revert_latest(history: History, kind: str, meta: dict) -> Plan:
    """Undo the newest change not undone, or (``kind`` "redo") redo the newest undo; fills ``meta``."""

    def plan():
        targets = history.undo_targets() if kind == "undo" else history.redo_targets()
        if not targets:
            raise ReaderError(f"nothing to {kind}")
        meta["undoes" if kind == "undo" else "redoes"] = targets[0]["seq"]
        label = targets[0]["label"]
        meta["label"] = f"{kind}: {label.removeprefix('undo: ') if kind == 'redo' else label}"
        return revert(targets[0])

    return plan
