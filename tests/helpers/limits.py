"""Passing the store smaller thresholds in tests (the store's limits are never patched in place)."""

from __future__ import annotations

from dataclasses import replace

from reader.store import StoreLimits
from reader.store.limits import ENV_VAR


def use_limits(monkeypatch, *libraries, **limits: int) -> StoreLimits:
    """Give ``libraries`` (already open) and every library opened later in this test ``limits``."""
    chosen = replace(StoreLimits(), **limits)
    monkeypatch.setenv(ENV_VAR, chosen.to_environment())
    for library in libraries:
        library.limits = chosen
    return chosen
