"""A backup restored a batch at a time gives exactly what restoring it whole gives (issue 14 item 13).

A big backup is read and stored a batch of papers at a time, so that it is
never in memory whole. Each batch is planned against the library as earlier
batches left it; the result must not depend on that: the same papers, tags,
abstracts and the same report as planning the whole backup at once, whatever
the batch size, including backups that hold the same paper twice (by title or
by arXiv id, across batches) and papers whose arXiv id a merge gave to a
library paper in an earlier batch.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.importers import Candidate
from reader.importers.backup import open_backup, parse_backup, restore_backup
from reader.store import Library

TITLES = ("Alpha Model", "Beta Model", "Gamma Model", "Delta Model")
ARXIV = (None, "2401.00001", "2401.00002", "2401.00003")

saved_papers = st.lists(
    st.tuples(
        st.sampled_from(TITLES),
        st.sampled_from(ARXIV),
        st.sampled_from(("", "An abstract.", "Another abstract.")),
        st.sampled_from(((), ("t1",), ("t2",))),
        st.booleans(),
    ),
    max_size=9,
)
library_papers = st.lists(st.tuples(st.sampled_from(TITLES), st.sampled_from(("", "Old abstract."))), max_size=3)


def _backup_text(saved: list[tuple]) -> str:
    papers = [
        {"id": arxiv if arxiv and number % 2 else f"saved-{number}", "title": title, "arxiv_id": arxiv,
         "abstract": abstract, "tags": list(tags), "read": read, "added": f"2026-01-0{1 + number % 9}T00:00:00Z",
         "sources": [f"s{number}"], "links": [{"url": f"https://github.com/o/r{number}", "kind": "code"}]}
        for number, (title, arxiv, abstract, tags, read) in enumerate(saved)
    ]
    unique: dict[str, dict] = {}
    for paper in papers:  # a backup never holds one id twice
        unique.setdefault(paper["id"], paper)
    return json.dumps({"format": "reader-backup", "version": 1, "papers": list(unique.values())})


def _library(directory: Path, existing: list[tuple]) -> Library:
    library = Library.open(directory / "library.json", clock=lambda: "2026-02-01T00:00:00Z", backup_interval=0)
    if existing:
        library.import_candidates([Candidate(title, abstract, "page") for title, abstract in existing], sources=["page"])
    return library


def _state(library: Library) -> list[tuple]:
    return [(p.to_stored_doc(), library.abstract(p.id)) for p in library.papers()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(existing=library_papers, saved=saved_papers, batch=st.integers(1, 3))
def test_a_backup_restored_in_batches_equals_it_restored_whole(existing, saved, batch):
    text = _backup_text(saved)
    with tempfile.TemporaryDirectory() as whole_dir, tempfile.TemporaryDirectory() as batches_dir:
        whole = _library(Path(whole_dir), existing)
        whole_report = restore_backup(whole, parse_backup(text, "b.json"))
        streamed = _library(Path(batches_dir), existing)
        with open_backup(text, "b.json") as opened:
            streamed_report = restore_backup(streamed, opened, batch_size=batch)
        assert streamed_report.to_dict() == whole_report.to_dict()
        assert _state(streamed) == _state(whole)
        assert _state(Library.open(Path(batches_dir) / "library.json")) == _state(whole)
        # One change, undone in one step, either way.
        if whole_report.changed:
            assert len(streamed.history(limit=0)) == len(whole.history(limit=0))
            streamed.undo()
            whole.undo()
            assert _state(streamed) == _state(whole)


def test_a_paper_whose_arxiv_id_a_merge_gave_away_in_an_earlier_batch_is_judged_as_whole(tmp_path):
    """Batch 1 merges a backup paper carrying arXiv id X into the library's "Alpha Model" (which had
    none); batch 2 holds another paper with X but another title. Planned whole, the library did not
    know X, so that paper is new; in batches it must be new too, not merged into "Alpha Model"."""
    saved = [("Alpha Model", "2401.00001", "", (), False), ("Beta Model", "2401.00001", "", (), False)]
    text = _backup_text(saved)
    whole = _library(tmp_path / "whole", [("Alpha Model", "")])
    restore_backup(whole, parse_backup(text, "b.json"))
    streamed = _library(tmp_path / "batches", [("Alpha Model", "")])
    with open_backup(text, "b.json") as opened:
        report = restore_backup(streamed, opened, batch_size=1)
    assert sorted(p.title for p in streamed.papers()) == ["Alpha Model", "Beta Model"]
    assert len(report.added) == 1 and len(report.merged) == 1
    assert _state(streamed) == _state(whole)
