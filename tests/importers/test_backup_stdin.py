"""A backup on stdin is copied into an unnamed temporary file as it comes (issue 14 item 13),
within the same size limit as a file, and a copy that cannot be made is one clear line."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
import types

import pytest

from reader.errors import ImportProblem
from reader.importers import backup as backups

TEXT = json.dumps({"format": "reader-backup", "version": 1,
                   "papers": [{"id": f"p{n}", "title": f"Paper {n}", "abstract": "x" * 100} for n in range(50)]})


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BufferedReader(io.BytesIO(data))))  # type: ignore[arg-type]


def test_a_backup_on_stdin_reads_as_the_same_file_would(monkeypatch, tmp_path):
    _stdin(monkeypatch, TEXT.encode())
    monkeypatch.setattr(backups, "_CHUNK", 64)  # copied and read in many pieces
    with backups.open_backup_file("-") as opened:
        papers = [paper for batch in opened.batches(7) for paper, _abstract in batch]
    path = tmp_path / "b.json"
    path.write_text(TEXT)
    with backups.open_backup_file(path) as opened:
        assert papers == [paper for batch in opened.batches(7) for paper, _abstract in batch]
    assert len(papers) == 50


def test_stdin_larger_than_any_backup_is_refused_in_one_line(monkeypatch):
    _stdin(monkeypatch, TEXT.encode())
    monkeypatch.setattr(backups, "MAX_BACKUP_BYTES", 1000)
    monkeypatch.setattr(backups, "_CHUNK", 100)
    with pytest.raises(ImportProblem, match="stdin: input is larger than 0 MB; not a reader backup"):
        backups.open_backup_stdin(b"{")


def test_stdin_that_cannot_be_copied_aside_is_one_clear_line(monkeypatch):
    class Full(io.BytesIO):
        def write(self, data):  # type: ignore[override]
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    _stdin(monkeypatch, TEXT.encode())
    monkeypatch.setattr(backups.tempfile, "TemporaryFile", lambda **kwargs: Full())
    with pytest.raises(ImportProblem, match="stdin: cannot keep the input in a temporary file: No space left"):
        backups.open_backup_stdin(b"")
