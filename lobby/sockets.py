"""What every Arena socket shares: binary frame intake, named close codes, presence upkeep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from django.conf import settings

from engine.protocol import CloseCode, ProtocolError
from lobby.census import CountedSocket
from lobby.dispatch import DatabaseFreeDispatch
from lobby.looplag import LoopLag, loop_lag
from lobby.presence import Expected, GoneHandler, presence_keeper
from lobby.ratelimit import FrameRateLimiter
from lobby.wiring import PRESENCE_REFRESH, PRESENCE_TTL, lobby_store

Message = TypeVar("Message")
logger = logging.getLogger(__name__)


async def _quietly(work: Coroutine[Any, Any, Any]) -> None:
    """Await ``work``; a client that is gone (OSError) is no error, anything else is logged."""
    try:
        await work
    except OSError:
        pass  # the client disconnected: there is nobody to send to
    except Exception:
        logger.exception("a socket's background work failed")


async def _touch_many(entries: list[tuple[str, str]], ttl: float) -> list[bool]:
    return await lobby_store().touch_many(entries, ttl)


class ArenaSocket(CountedSocket, DatabaseFreeDispatch):
    """A consumer speaking binary msgpack frames under the per-socket rate limit.

    Counted in ``/metrics`` by kind (``game.metrics.CountedSocket``: ``MatchConsumer`` is
    ``match``), with its limiter's and snapshot stream's counts.
    """

    closing: bool = False
    closed_with: CloseCode | None = None  # the code the server closed the socket with, if it did
    keeps_presence = False  # this socket's player place is refreshed by the presence keeper
    background: set[asyncio.Task[Any]] | None = None
    lag: LoopLag | None = None  # how late the event loop has been: not the client's fault

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` in the background, keeping a reference until it is done."""
        if self.background is None:
            self.background = set()
        task = asyncio.create_task(_quietly(work))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def start_limits(self) -> None:
        """Give this socket its frame rate limiter (call from connect)."""
        self.limiter = FrameRateLimiter(settings.ARENA.input_rate, settings.ARENA.input_burst)
        self.lag = loop_lag()

    async def take_frame(
        self, text_data: str | None, bytes_data: bytes | None, decode: Callable[[bytes], Message]
    ) -> Message | None:
        """Decode one client frame; None if it is dropped or the socket is closing for it."""
        if self.closing:
            return None
        if bytes_data is None:
            await self.close_with(CloseCode.BINARY_ONLY, "frames must be binary msgpack")
            return None
        return self.screen_frame(bytes_data, decode)

    def screen_frame(self, data: bytes, decode: Callable[[bytes], Message]) -> Message | None:
        """Rate-limit and decode one binary frame without waiting for anything.

        None if the frame is dropped or refused; a refusal starts closing the socket at once
        (``close_soon``), so nothing the client sends after it is taken.
        """
        if self.closing:
            return None
        now = time.monotonic()
        if not self.limiter.allow(now, self.lag.lag if self.lag is not None else 0.0):
            self.frame_limited(now)
            return None
        try:
            return decode(data)
        except ProtocolError as exc:
            self.frame_refused(exc.code, str(exc))
            return None

    def frame_limited(self, now: float) -> None:
        """A frame over the rate limit was dropped: an abusive client is closed (4008), any
        other is told how many of its frames were dropped, at most once a second."""
        if self.limiter.abusive:
            self.close_soon(CloseCode.RATE_LIMITED, "too many frames")
            return
        dropped = self.limiter.take_notice(now)
        if dropped:
            self.spawn(self.on_throttled(dropped))

    def frame_refused(self, code: CloseCode, reason: str) -> None:
        """An invalid frame: close with its code at once (nothing sent after it is taken)."""
        self.close_soon(code, reason)

    async def on_throttled(self, dropped: int) -> None:
        """``dropped`` frames were dropped by the rate limit since the last call (at most 1/s)."""

    def keep_presence(
        self,
        player_key: str,
        ttl: float = PRESENCE_TTL,
        on_gone: GoneHandler | None = None,
        expected: Expected | None = None,
    ) -> None:
        """Refresh the player's place in the lobby store while this socket lives; it lapses
        ``ttl`` seconds after the last refresh (this process's keeper refreshes them all).
        ``on_gone`` is called after each refresh that found the place gone from the store while
        ``expected()`` (always, without it) said the socket holds one."""
        keeper = presence_keeper(_touch_many, PRESENCE_REFRESH)
        keeper.keep(self.channel_name, player_key, ttl, on_gone, expected)
        self.keeps_presence = True

    def stop_presence(self) -> None:
        """Stop refreshing the player's place."""
        if self.keeps_presence:
            presence_keeper(_touch_many, PRESENCE_REFRESH).drop(self.channel_name)
            self.keeps_presence = False

    async def close_with(self, code: CloseCode, reason: str) -> None:
        """Close the socket once with a documented close code."""
        if self.closing:
            return
        self.closing = True
        self.closed_with = code
        await self.closing_handshake(code, reason)

    def close_soon(self, code: CloseCode, reason: str) -> None:
        """``close_with`` from code that cannot wait: the socket counts as closing at once."""
        if self.closing:
            return
        self.closing = True
        self.closed_with = code
        self.spawn(self.closing_handshake(code, reason))

    async def closing_handshake(self, code: CloseCode, reason: str) -> None:
        """Send the close frame (called once, by ``close_with`` or ``close_soon``)."""
        # the client may already be gone (ASGI servers raise an OSError then): nothing to close
        with contextlib.suppress(OSError):
            await self.close(code=int(code), reason=reason[:120])
