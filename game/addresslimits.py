"""Per client address: new WebSockets a second, and WebSockets open at once (ASGI middleware).

The address is the ASGI scope's ``client``: the peer's, or behind a trusted proxy the client's
that the proxy named (``game.proxies`` runs first and rewrites it; a header from any other peer
is not believed). A WebSocket upgrade over either limit is refused before it is accepted, with
HTTP ``429 Too Many Requests`` and a ``Retry-After`` (docs/protocol.md section 13): a flood is
turned away for the price of one small response, and no consumer runs. Plain HTTP requests are
not counted here.

The web server's HTTP protocol (``game.handshake``) takes the new-connection token of a client
that reaches it directly, as soon as its upgrade request is parsed: a storm of upgrades from one
address is answered there with a prepared 429, without a WebSocket protocol, a task or a
middleware chain per attempt (an admitted socket's scope says so, ``RATE_CHECKED``, and the
middleware counts only its open sockets). Behind a trusted proxy the client is the one the
proxy names, which the middleware learns from ``game.proxies``: it counts both limits.

The new-connection limit is a token bucket per address (``rate`` a second, ``burst`` at once);
a bucket that has filled up again is forgotten, so the table holds only the addresses that
connected recently. The open-socket count of an address is dropped when its last socket
closes. Either table is bounded by the addresses active at once.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Application = Callable[[Scope, Receive, Send], Awaitable[None]]

TOO_MANY = 429
PRUNE_EVERY = 1024  # new connections between two sweeps of the buckets that filled up again
UNKNOWN = "unknown"  # a scope without a client (a Unix socket): one address for all
RATE_CHECKED = "arena.rate_checked"  # scope extension: the protocol counted this new socket
REFUSAL_LOG_INTERVAL = 10.0  # seconds: an address refused again is logged once per interval


@dataclass
class Bucket:
    """One address's tokens and when they were counted."""

    tokens: float
    at: float
    logged_at: float = float("-inf")  # when a refusal of this address was last logged


class AddressLimits:
    """The two limits' bookkeeping, for one process; ``clock`` is injectable for tests."""

    def __init__(
        self,
        rate: float,
        burst: int,
        max_open: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``rate`` new sockets a second per address (0: no limit) with bursts of ``burst``;
        ``max_open`` sockets open at once per address (0: no limit)."""
        self.rate = rate
        self.burst = burst
        self.max_open = max_open
        self.clock = clock
        self.buckets: dict[str, Bucket] = {}
        self.open: dict[str, int] = {}
        self.refused_rate = 0
        self.refused_open = 0
        self._since_prune = 0

    def admit(self, address: str, rate_checked: bool = False) -> str | None:
        """Count a new socket of ``address``; why it is refused (None: admitted, and open).
        ``rate_checked``: its new-connection token was taken already (``admit_new``)."""
        if self.max_open and self.open.get(address, 0) >= self.max_open:
            self.refused_open += 1
            return f"{self.max_open} sockets are open from this address"
        if not rate_checked:
            refused = self.admit_new(address)
            if refused is not None:
                return refused
        self.open[address] = self.open.get(address, 0) + 1
        return None

    def admit_new(self, address: str) -> str | None:
        """Take a new-connection token of ``address``; why it is refused (None: taken)."""
        if self.rate and not self._take(address):
            self.refused_rate += 1
            return f"more than {self.rate:g} new sockets a second from this address"
        return None

    def worth_logging(self, address: str) -> bool:
        """Whether a refusal of ``address`` should be logged: its first in an interval (a
        flood refused a thousand times a second is one line every ``REFUSAL_LOG_INTERVAL``)."""
        bucket = self.buckets.get(address)
        if bucket is None:
            return True
        now = self.clock()
        if now - bucket.logged_at < REFUSAL_LOG_INTERVAL:
            return False
        bucket.logged_at = now
        return True

    def closed(self, address: str) -> None:
        """A socket of ``address`` that ``admit`` let in is gone."""
        left = self.open.get(address, 0) - 1
        if left > 0:
            self.open[address] = left
        else:
            self.open.pop(address, None)

    def retry_after(self) -> int:
        """Whole seconds until a refused address may try again (at least 1)."""
        return max(1, math.ceil(1 / self.rate)) if self.rate else 1

    def _take(self, address: str) -> bool:
        now = self.clock()
        self._since_prune += 1
        if self._since_prune >= PRUNE_EVERY:
            self._prune(now)
        bucket = self.buckets.get(address)
        if bucket is None:
            bucket = self.buckets[address] = Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _prune(self, now: float) -> None:
        """Forget the buckets that have filled up again (they would admit a whole burst)."""
        self._since_prune = 0
        full = [
            address
            for address, bucket in self.buckets.items()
            if bucket.tokens + (now - bucket.at) * self.rate >= self.burst
        ]
        for address in full:
            del self.buckets[address]


def client_address(scope: Scope) -> str:
    """The client's address as the scope has it (after the trusted proxy's rewrite)."""
    client = scope.get("client")
    return str(client[0]) if client else UNKNOWN


class AddressLimitMiddleware:
    """Refuses a WebSocket upgrade over its address's limits with HTTP 429."""

    def __init__(self, application: Application, limits: AddressLimits) -> None:
        self.application = application
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count WebSocket scopes per address; pass everything else through."""
        if scope["type"] != "websocket":
            await self.application(scope, receive, send)
            return
        address = client_address(scope)
        checked = bool(scope.get("extensions", {}).get(RATE_CHECKED))
        refused = self.limits.admit(address, rate_checked=checked)
        if refused is not None:
            if self.limits.worth_logging(address):
                logger.info("refused a socket from %s: %s", address, refused)
            await self._refuse(scope, receive, send, refused)
            return
        try:
            await self.application(scope, receive, send)
        finally:
            self.limits.closed(address)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        message = await receive()  # websocket.connect
        if message["type"] != "websocket.connect":
            return
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1008})  # the server answers 403
            return
        headers, body = refusal(self.limits, reason)
        await send(
            {"type": "websocket.http.response.start", "status": TOO_MANY, "headers": headers}
        )
        await send({"type": "websocket.http.response.body", "body": body})


def refusal(limits: AddressLimits, reason: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of the 429 that refuses a socket for ``reason``."""
    body = f"{reason}: try again later\n".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(limits.retry_after()).encode()),
    ]
    return headers, body


_installed: AddressLimits | None = None  # this process's, once the application is built
# the transports whose upgrade the HTTP protocol is handing to the WebSocket protocol right now,
# having taken their token: the hand-over is synchronous (the WebSocket protocol parses the
# request and builds the scope within the call), so the set holds at most one transport
rate_checked_upgrades: set[Any] = set()


def installed_limits() -> AddressLimits | None:
    """The limits the application of this process counts with (None: no limit, or none yet)."""
    return _installed


def address_limits(application: Application, config: Any) -> Application:
    """``application`` behind the per-address limits of ``config`` (an ``ARENA`` Config);
    with both limits off it is returned as it is."""
    global _installed
    if not config.ip_connect_rate and not config.ip_max_sockets:
        return application
    limits = AddressLimits(config.ip_connect_rate, config.ip_connect_burst, config.ip_max_sockets)
    _installed = limits
    return AddressLimitMiddleware(application, limits)
