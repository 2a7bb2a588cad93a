"""A deadline on every request's headers: idle and slow handshakes (slowloris) are cut off.

Uvicorn bounds an idle keep-alive connection after a response (``--timeout-keep-alive``) but
not a new connection: one that sends nothing, or sends its request (a WebSocket upgrade
included) a byte at a time, holds a socket and a protocol object for as long as it likes. This
HTTP protocol (uvicorn's httptools one, given to uvicorn as ``--http
game.handshake:DeadlineHttpToolsProtocol``) gives every request ``ARENA_HANDSHAKE_TIMEOUT``
seconds (10) from the connection, or from the first byte of a keep-alive connection's next
request, to the end of its headers. A connection that misses it gets ``408 Request Timeout``
and is closed (docs/protocol.md section 13).

It also takes the new-connection token of a WebSocket upgrade from a client that reaches it
directly (``game.addresslimits``): one over its rate gets a prepared ``429`` and is closed
before any WebSocket protocol, ASGI connection or middleware exists for it, which is most of
what a flood of upgrades would cost. A client behind a trusted proxy is known only from the
proxy's headers, which the ASGI middleware reads: it is counted there.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from game.addresslimits import (
    UNKNOWN,
    AddressLimits,
    installed_limits,
    rate_checked_upgrades,
    refusal,
)
from game.proxies import is_trusted_proxy

logger = logging.getLogger(__name__)

TIMED_OUT_BODY = b"request headers took too long\n"
TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\n"
    b"connection: close\r\n"
    b"\r\n%s" % (len(TIMED_OUT_BODY), TIMED_OUT_BODY)
)


def handshake_timeout() -> float:
    """The configured deadline (``ARENA_HANDSHAKE_TIMEOUT``), in seconds."""
    from django.conf import settings

    return float(settings.ARENA.handshake_timeout)


def trusted_proxies() -> tuple[str, ...]:
    """The proxies whose forwarding headers are believed (``ARENA_TRUSTED_PROXIES``)."""
    from django.conf import settings

    return tuple(settings.ARENA.trusted_proxies)


@functools.cache
def too_many(limits: AddressLimits, reason: str) -> bytes:
    """The whole ``429`` response that refuses a socket for ``reason``, connection closing
    (made once per reason: the same few bytes answer a whole flood)."""
    headers, body = refusal(limits, reason)
    lines = [b"HTTP/1.1 429 Too Many Requests"]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"connection: close", b"", body]
    return b"\r\n".join(lines)


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol with a deadline on each request's headers."""

    timed_out = 0  # connections cut off in this process
    refused_early = 0  # upgrades refused over their address's new-socket rate, in this process
    _deadline: float | None = None  # the process's, read from the settings once
    _proxies: tuple[str, ...] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cls = DeadlineHttpToolsProtocol
        if cls._deadline is None:
            cls._deadline = handshake_timeout()
            cls._proxies = trusted_proxies()
        self.deadline = cls._deadline
        self._deadline_timer: asyncio.TimerHandle | None = None

    def handle_websocket_upgrade(self) -> None:
        """Take the upgrade's new-connection token if its client is the peer: refused, the
        prepared 429; admitted, the WebSocket protocol learns that it was counted."""
        limits = installed_limits()
        host = self.client[0] if self.client else None
        if limits is None or not limits.rate or is_trusted_proxy(host, self._proxies or ()):
            super().handle_websocket_upgrade()
            return
        address = host or UNKNOWN
        refused = limits.admit_new(address)
        if refused is not None:
            DeadlineHttpToolsProtocol.refused_early += 1
            if limits.worth_logging(address):
                logger.info("refused a socket from %s: %s", address, refused)
            self.transport.write(too_many(limits, refused))
            self.transport.close()
            return
        transport = self.transport
        rate_checked_upgrades.add(transport)
        try:
            super().handle_websocket_upgrade()
        finally:
            rate_checked_upgrades.discard(transport)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request."""
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        """A request begins (the first, or the next on a keep-alive connection)."""
        super().on_message_begin()
        if self._deadline_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        """The headers are in, in time: the clock stops."""
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        """Gone before its deadline: nothing to cut off."""
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline_timer = self.loop.call_later(self.deadline, self._expired)

    def _disarm(self) -> None:
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None

    def _expired(self) -> None:
        self._deadline_timer = None
        if self.transport.is_closing():
            return
        DeadlineHttpToolsProtocol.timed_out += 1
        logger.info("closed a connection from %s: no request headers in time", self.client)
        self.transport.write(TIMED_OUT)
        self.transport.close()
