"""The store's tuning thresholds, passed to :class:`reader.store.Library` (never patched in place).

Every threshold has a default sized for real libraries. Tests pass smaller
ones to the constructor (``Library(path, limits=StoreLimits(compact_records=3))``);
a process started by a test (the CLI under fault injection, say) takes them
from the environment variable ``READER_STORE_LIMITS``, a comma-separated list
of ``name=integer`` (``compact_records=3,snapshot_min_papers=1``). An unknown
name or a value that is not a positive integer is ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

ENV_VAR = "READER_STORE_LIMITS"


@dataclass(frozen=True, slots=True)
class StoreLimits:
    # Compact the journal once it holds this many records or bytes.
    compact_records: int = 2000
    compact_bytes: int = 8 * 1024 * 1024
    # A change touching more papers than this is written straight into the papers files
    # (one atomic rename) instead of the journal.
    direct_write_papers: int = 2000
    # The abstracts file is streamed in chunks of this many bytes.
    stream_chunk: int = 4 * 1024 * 1024
    # A document longer than this (while scanning) means a damaged file, not a long abstract.
    max_document: int = 64 * 1024 * 1024
    # Above this many papers, a change reads their old abstracts in one pass over the file.
    abstracts_scan_min: int = 200
    # How many past changes are kept (and can be undone or redone).
    history_keep: int = 100
    # Smaller libraries open fast enough from JSON; no snapshot is written for them.
    snapshot_min_papers: int = 5000
    # A batch of changes keeps at most this many bytes of new abstracts in memory; the rest wait
    # in a spill file until the batch is saved (reader.store.spill).
    batch_abstracts_bytes: int = 4 * 1024 * 1024

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> "StoreLimits":
        """The defaults, with any overrides given in ``READER_STORE_LIMITS``."""
        text = (os.environ if environ is None else environ).get(ENV_VAR, "")
        names = {f.name for f in fields(cls)}
        overrides: dict[str, int] = {}
        for item in text.split(","):
            name, _, value = item.partition("=")
            name = name.strip()
            if name in names and value.strip().isdigit() and int(value) > 0:
                overrides[name] = int(value)
        return replace(cls(), **overrides) if overrides else cls()

    def to_environment(self) -> str:
        """The value of ``READER_STORE_LIMITS`` that gives these limits in a child process."""
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))
