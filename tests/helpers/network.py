"""Stand-ins for the network in CLI tests: the CLI's HTTP client answered by a handler, or a machine offline."""

from __future__ import annotations

import httpx

from reader.online.http import make_client


def answer_with(monkeypatch, handler) -> None:
    """Every request of the CLI's client (``reader.cli.context.make_client``) is answered by ``handler``."""
    monkeypatch.setattr(
        "reader.cli.context.make_client", lambda **kw: make_client(transport=httpx.MockTransport(handler))
    )


def unreachable(message: str):
    """A handler that fails every request as a machine without network does (``message`` is the OS's)."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(message, request=request)

    return handler
