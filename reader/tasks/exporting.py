"""Export papers to a file: what `reader export` and the TUI's export dialog both do.

:func:`export_chunks` renders the papers (a Markdown reading list or a JSON
backup) lazily; :func:`write_export` writes them with
:func:`reader.exporters.write_output`, which never replaces one of the
library's own files (:func:`library_files`), not even when asked to replace
an existing file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import fields
from pathlib import Path

from reader.exporters import check_output_path, write_output
from reader.search.documents import index_dir
from reader.store.layout import Layout

FORMATS = ("markdown", "json")


def library_files(library_path: str | os.PathLike) -> tuple[Path, ...]:
    """Every file and folder that is part of the library at ``library_path``.

    Whatever :class:`reader.store.layout.Layout` names (the papers file, its
    abstracts, journal, lock, snapshot, backups folder, ...; a symlinked
    library's are beside the real file) and the search-index folder
    (:func:`reader.search.documents.index_dir`).
    """
    layout = Layout.for_library(library_path)
    named = [getattr(layout, field.name) for field in fields(layout)]
    named += [Path(library_path), index_dir(layout.path), index_dir(library_path)]
    return tuple(dict.fromkeys(path for path in named if isinstance(path, Path)))


def check_export_target(library, path: str | os.PathLike, *, replace: bool = False) -> Path:
    """The file an export of ``library`` would write, or :class:`reader.exporters.ExportError`."""
    return check_output_path(path, replace=replace, protected=library_files(library.path))


def export_chunks(
    library,
    papers: Iterable,
    *,
    fmt: str = "markdown",
    title: str = "Reading list",
    group_by: str = "none",
    order: str = "rank",
    reverse: bool = False,
    abstracts: str = "none",
) -> Iterator[str]:
    """The export of ``papers`` piece by piece: a Markdown reading list, or a JSON backup (library order)."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if fmt == "json":
        from reader.exporters.json_backup import iter_backup

        chosen = {paper.id for paper in papers}
        in_order = [paper for paper in library.papers() if paper.id in chosen]
        return iter_backup(in_order, library.abstracts(), exported_at=library.clock())
    from reader.exporters.markdown import iter_reading_list

    return iter_reading_list(
        papers,
        title=title,
        group_by=group_by,
        order=order,
        reverse=reverse,
        abstracts=abstracts,
        abstract_texts=library.abstract if abstracts != "none" else None,
    )


def write_export(library, path: str | os.PathLike, chunks: Iterable[str], *, replace: bool = False) -> Path:
    """Write ``chunks`` to ``path`` atomically; never over one of the library's own files."""
    return write_output(path, chunks, replace=replace, protected=library_files(library.path))


__all__ = ["FORMATS", "check_export_target", "export_chunks", "library_files", "write_export"]
