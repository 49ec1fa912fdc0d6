"""Writing the snapshot holds one column at a time (issue 14 item 13).

Saving a 100,000-paper import peaked while the snapshot was written: every
paper's free-form data was copied through JSON, and every marshalled column
was kept until the last was made (35 MB). Now data that JSON would give back
equal is not copied, and each column goes to a temporary file as it is made.
"""

from __future__ import annotations

import math
import os
import tracemalloc
from dataclasses import fields

from reader.papers import Paper
from reader.store.snapshot import read_snapshot, stored_columns, write_snapshot

_EXTRA = [f.name for f in fields(Paper)].index("extra")


def _papers(count: int) -> list[Paper]:
    return [
        Paper(f"p{n}", f"A Title Long Enough To Matter, Number {n} " * 3, tags=("a", "b"), authors=("Ann", "Bob"),
              notes=f"Notes about paper {n}. " * 5,
              extra={"github": {"repo": f"owner/repository-{n}", "stars": n, "description": "a repository " * 5}})
        for n in range(count)
    ]


def test_free_form_data_json_gives_back_equal_is_not_copied_and_other_data_is_converted():
    plain = Paper("a", "A", extra={"github": {"stars": 5, "topics": ["x"], "none": None, "ratio": 0.5}})
    tupled = Paper("b", "B", extra={"pair": (1, 2)})
    numbered = Paper("c", "C", extra={"n": {1: "one"}})
    odd = Paper("d", "D", extra={"nan": math.nan})
    extra = list(stored_columns([plain, tupled, numbered, odd]))[_EXTRA]
    assert extra[0] is plain.extra
    assert extra[1] == {"pair": [1, 2]} and extra[2] == {"n": {"1": "one"}}
    assert math.isnan(extra[3]["nan"])


def test_writing_a_snapshot_never_holds_it_whole_and_it_reads_back(tmp_path):
    papers = _papers(20000)
    path = tmp_path / "library.json.snapshot"
    tracemalloc.start()
    try:
        write_snapshot(path, (123, 456), schema=1, seq=7, papers=papers, history=[], others={}, spans_doc=None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert peak < size, (peak, size)  # it was three times the whole snapshot
    snapshot = read_snapshot(path, (123, 456), schema=1)
    assert snapshot is not None and list(snapshot.papers.values()) == papers and snapshot.seq == 7
    assert os.listdir(tmp_path) == ["library.json.snapshot"]  # the columns' temporary file has no name
