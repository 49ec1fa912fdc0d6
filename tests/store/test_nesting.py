"""Deeply nested data never reaches the library's files, and a nested file is one clear error (issue 14 item 9)."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from reader.errors import LibraryError, ReaderError
from reader.store import Library


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"x": value}
    return value


def test_data_nested_just_under_the_interpreters_limit_is_refused_and_the_library_keeps_working(sample_library):
    pid = sample_library.ids()[0]
    deep = _nested(sys.getrecursionlimit() - 40)
    with pytest.raises(ReaderError, match="nests deeper than"):
        sample_library.modify([pid], lambda p: dataclasses.replace(p, extra={"github": deep}), "deep")
    assert sample_library.get(pid).extra == {}
    # Everything a saved deep value used to break for good still works.
    sample_library.tag([pid], ["after"])
    assert [h.label for h in sample_library.history(limit=1)] == ["tag 1 paper(s) +after"]
    sample_library.undo()
    sample_library.delete([pid])
    sample_library.compact()
    assert pid not in Library.open(sample_library.path)


def test_a_papers_file_nested_100000_deep_is_one_clear_error(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(LibraryError, match="nests far too deeply|not valid JSON"):
        Library.open(db_path)
