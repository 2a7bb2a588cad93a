"""This process's sockets by kind, for ``/metrics``: each socket counts itself while it lives.

A socket's rate limiter and snapshot stream keep plain integer counts; the census holds the open
sockets weakly and the closed ones' totals, and ``game.metrics`` reads it when scraped.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass
class SocketCounts:
    """What sockets of one kind did: read from each socket's rate limiter and snapshot stream."""

    frames_in: int = 0
    frames_dropped: int = 0
    throttle_notices: int = 0
    frames_out: int = 0
    snapshots_skipped: int = 0
    keyframes: int = 0

    def add(self, socket: Any) -> None:
        """Add one socket's counts (its ``limiter`` and ``stream``, where it has them)."""
        limiter = getattr(socket, "limiter", None)
        if limiter is not None:
            self.frames_in += limiter.frames_total
            self.frames_dropped += limiter.dropped_total
            self.throttle_notices += limiter.notices_total
        stats = getattr(getattr(socket, "stream", None), "stats", None)
        if stats is not None:
            self.frames_out += stats.sent
            self.snapshots_skipped += stats.dropped
            self.keyframes += stats.keyframes

    def plus(self, other: SocketCounts) -> SocketCounts:
        """The sum of both."""
        return SocketCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


class SocketCensus:
    """The sockets of this process by kind: the open ones (weakly) and the closed ones' counts.

    A socket's counts live on the socket while it is open and are added to its kind's totals
    when it closes, so every total only grows. Everything runs on the event loop's thread.
    """

    def __init__(self) -> None:
        self._open: dict[str, weakref.WeakSet[Any]] = {}
        self._closed: dict[str, SocketCounts] = {}
        self._opened: dict[str, int] = {}

    def declare(self, kind: str) -> None:
        """Expose ``kind`` even before its first socket."""
        self._opened.setdefault(kind, 0)

    def opened(self, kind: str, socket: Any) -> None:
        """A socket of ``kind`` connected."""
        self._open.setdefault(kind, weakref.WeakSet()).add(socket)
        self._opened[kind] = self._opened.get(kind, 0) + 1

    def closed(self, kind: str, socket: Any) -> None:
        """A socket of ``kind`` is gone: its counts join the totals (once)."""
        sockets = self._open.get(kind)
        if sockets is None or socket not in sockets:
            return
        sockets.discard(socket)
        self._closed.setdefault(kind, SocketCounts()).add(socket)

    def kinds(self) -> list[str]:
        """Every kind seen so far."""
        return sorted(self._opened)

    def open_count(self, kind: str) -> int:
        """Sockets of ``kind`` open now."""
        return len(self._open.get(kind, ()))

    def opened_count(self, kind: str) -> int:
        """Sockets of ``kind`` ever opened."""
        return self._opened.get(kind, 0)

    def counts(self, kind: str) -> SocketCounts:
        """The totals of ``kind``: closed sockets' and the open ones' so far."""
        total = SocketCounts().plus(self._closed.get(kind, SocketCounts()))
        for socket in list(self._open.get(kind, ())):
            total.add(socket)
        return total


census = SocketCensus()


class CountedSocket:
    """Mixin for a Channels WebSocket consumer: counts it in ``census`` while it is connected.

    The kind (the ``kind`` label) is ``socket_kind``, or else the class name without
    "Consumer", lowercased: ``MatchConsumer`` counts as ``match``, ``SpectatorConsumer`` as
    ``spectator``. A socket with a ``limiter`` (``lobby.ratelimit.FrameRateLimiter``) adds its
    frame counts, one with a ``stream`` (``game.stream.SnapshotStream``) its snapshot counts.
    Every ``lobby.sockets.ArenaSocket`` is one.
    """

    socket_kind: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Consumer classes' kinds are exposed (as 0) from the start, not from their first use."""
        super().__init_subclass__(**kwargs)
        if "socket_kind" in cls.__dict__ or cls.__name__.endswith("Consumer"):
            census.declare(cls.metrics_kind())

    @classmethod
    def metrics_kind(cls) -> str:
        """This class's ``kind`` label."""
        return cls.socket_kind or cls.__name__.removesuffix("Consumer").lower()

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        """Counted from the connection request on."""
        census.opened(self.metrics_kind(), self)
        await super().websocket_connect(message)  # type: ignore[misc]

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Counted until the consumer has handled the disconnection."""
        try:
            await super().websocket_disconnect(message)  # type: ignore[misc]
        finally:
            census.closed(self.metrics_kind(), self)
