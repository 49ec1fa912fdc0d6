"""JSON backups: everything in a library, in a documented, versioned format.

``reader export --format json -o backup.json`` writes one, and
``reader import backup.json`` restores it (:mod:`reader.importers.backup`).

Format, version 1
-----------------

A JSON object (written as ASCII, with ``\\u`` escapes, so that any text a
paper holds comes back exactly)::

    {
      "format": "reader-backup",          # identifies the file; required
      "version": 1,                       # format version; required (readers refuse newer ones)
      "generator": "reader 0.1.0",        # what wrote it (informational)
      "exported_at": "2026-01-01T00:00:00Z",
      "count": 2,                         # number of papers (informational)
      "papers": [ PAPER, ... ]            # in the library's order (oldest first)
    }

Each ``PAPER`` is an object (one per line, so backups diff well):

``id`` (string, required)
    The paper's id in the library: its arXiv id, or an id derived from its title.
``title`` (string, required)
``abstract`` (string)
``links`` (list of ``{"url": string, "kind": string}``)
    ``kind`` is one of ``code``, ``github-user``, ``project``, ``hf-model``,
    ``hf-dataset``, ``hf-space``, ``hf-org``, ``arxiv``, ``other``.
``tags`` (list of strings), ``read`` (boolean), ``read_at`` (string or null)
``added`` (string): when the paper was added, ISO 8601 UTC (``...Z``)
``sources`` (list of strings): the page dumps or lists the paper came from
``notes`` (string)
``arxiv_id``, ``published`` (string or null); ``authors`` (list of strings);
``upvotes`` (integer or null); ``extra`` (object, optional): data added by
other features, kept as is.

Fields not listed here are ignored by version 1 readers; a change that older
readers would misread bumps ``version``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping

from reader import __version__
from reader.papers import Paper, now_iso

BACKUP_FORMAT = "reader-backup"
BACKUP_VERSION = 1


def paper_record(paper: Paper, abstract: str) -> dict:
    """One paper as it appears in a backup."""
    record = paper.to_doc()
    record["abstract"] = abstract
    return record


def iter_backup(
    papers: Iterable[Paper],
    abstracts: Mapping[str, str] | Callable[[str], str],
    *,
    exported_at: str | None = None,
) -> Iterator[str]:
    """The backup as text chunks (one paper per chunk), for writing big libraries."""
    papers = list(papers)
    lookup = abstracts.get if isinstance(abstracts, Mapping) else abstracts
    header = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "generator": f"reader {__version__}",
        "exported_at": exported_at or now_iso(),
        "count": len(papers),
    }
    yield json.dumps(header, indent=2)[:-2] + ',\n  "papers": ['
    for number, paper in enumerate(papers):
        yield ("\n    " if number == 0 else ",\n    ") + json.dumps(
            paper_record(paper, lookup(paper.id) or ""), ensure_ascii=True
        )
    yield ("\n  ]\n}\n" if papers else "]\n}\n")


def render_backup(papers: Iterable[Paper], abstracts, *, exported_at: str | None = None) -> str:
    return "".join(iter_backup(papers, abstracts, exported_at=exported_at))


def backup_library(library, *, exported_at: str | None = None) -> Iterator[str]:
    """Every paper of ``library`` (with abstracts) as backup text chunks."""
    return iter_backup(library.papers(), library.abstracts(), exported_at=exported_at or library.clock())


__all__ = ["BACKUP_FORMAT", "BACKUP_VERSION", "backup_library", "iter_backup", "paper_record", "render_backup"]
