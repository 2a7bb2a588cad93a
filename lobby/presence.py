"""Keeps the lobby-store presences of this process's sockets alive, all in one call per period.

A player's place in the lobby store lapses ``ttl`` seconds after its last refresh, so that a
process that dies frees its players. Each socket used to refresh its own place every few
seconds (one Redis round trip and one timer per socket); one keeper per event loop now
refreshes every place of the process together, at most ``CHUNK`` to a call.

A place the store no longer had when it was refreshed (lapsed in a long outage, lost in a
failover, or moved on: taken by a match socket, left) is reported to the handler its socket
registered with ``keep``; the keeper knows nothing of sockets, only of channels and handlers.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable

from engine.redisclient import for_this_loop

logger = logging.getLogger(__name__)

CHUNK = 500  # presences refreshed by one store call

# refreshes (player_key, channel) pairs with a ttl: the lobby store's ``touch_many``
TouchMany = Callable[[list[tuple[str, str]], float], Awaitable[list[bool]]]

# told that the store no longer had its channel's presence; called in the refresh loop, so it
# returns at once: None (nothing to do) or an awaitable that the keeper runs in a task of its own
GoneHandler = Callable[[], Awaitable[None] | None]


class PresenceKeeper:
    """Refreshes every registered presence each ``period`` seconds through ``touch_many``."""

    def __init__(self, touch_many: TouchMany, period: float) -> None:
        self._touch_many = touch_many
        self.period = period
        self._kept: dict[str, tuple[str, float]] = {}  # channel -> (player key, ttl)
        self._on_gone: dict[str, GoneHandler] = {}  # channel -> its handler, if it gave one
        self._task: asyncio.Task[None] | None = None
        self._reports: set[asyncio.Task[None]] = set()  # handlers' work still running
        self.refreshes = 0  # store calls made
        self.lapsed = 0  # presences the store no longer had when they were refreshed

    def keep(
        self, channel: str, player_key: str, ttl: float, on_gone: GoneHandler | None = None
    ) -> None:
        """Refresh ``player_key``'s place, owned by ``channel``, until ``drop(channel)``; call
        ``on_gone`` after each refresh that found the place gone."""
        self._kept[channel] = (player_key, ttl)
        if on_gone is None:
            self._on_gone.pop(channel, None)
        else:
            self._on_gone[channel] = on_gone
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="presence-keeper")

    def drop(self, channel: str) -> None:
        """Stop refreshing the place ``channel`` owns."""
        self._kept.pop(channel, None)
        self._on_gone.pop(channel, None)

    def __len__(self) -> int:
        return len(self._kept)

    async def refresh_now(self) -> list[str]:
        """Refresh every kept presence once (grouped by ttl, ``CHUNK`` to a call); return the
        channels whose presence the store no longer had, after telling their handlers."""
        by_ttl: dict[float, list[tuple[str, str]]] = {}
        for channel, (player_key, ttl) in self._kept.items():
            by_ttl.setdefault(ttl, []).append((player_key, channel))
        gone_channels: list[str] = []
        for ttl, entries in by_ttl.items():
            for start in range(0, len(entries), CHUNK):
                chunk = entries[start : start + CHUNK]
                try:
                    touched = await self._touch_many(chunk, ttl)
                except Exception:
                    logger.warning("could not refresh %d presences", len(chunk), exc_info=True)
                else:
                    gone_channels.extend(self._gone_of(chunk, touched))
                self.refreshes += 1
        self._report(gone_channels)
        return gone_channels

    def _gone_of(self, chunk: list[tuple[str, str]], touched: list[bool]) -> list[str]:
        """The channels of ``chunk`` whose presence was gone, counted and logged."""
        if len(touched) != len(chunk):
            logger.warning("%d presences refreshed, %d answers", len(chunk), len(touched))
            return []
        gone = [channel for (_, channel), ok in zip(chunk, touched, strict=True) if not ok]
        if gone:  # lapsed, or taken over by another socket: the store forgot them
            self.lapsed += len(gone)
            logger.warning("%d of %d presences were gone", len(gone), len(chunk))
        return gone

    def _report(self, channels: list[str]) -> None:
        """Tell the handlers of ``channels`` still kept; their work runs in tasks of its own."""
        for channel in channels:
            handler = self._on_gone.get(channel)
            if handler is None:
                continue  # dropped meanwhile, or its socket asked for no report
            try:
                work = handler()
            except Exception:
                logger.exception("the handler of a gone presence (%s) failed", channel)
                continue
            if work is not None:
                task = asyncio.get_running_loop().create_task(self._settle(channel, work))
                self._reports.add(task)
                task.add_done_callback(self._reports.discard)

    async def _settle(self, channel: str, work: Awaitable[None]) -> None:
        """Await a handler's work; its failure is logged, never the keeper's."""
        try:
            await work
        except Exception:
            logger.exception("the handler of a gone presence (%s) failed", channel)

    async def _run(self) -> None:
        while self._kept:
            await asyncio.sleep(self.period)
            await self.refresh_now()


_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceKeeper] = (
    weakref.WeakKeyDictionary()
)


def presence_keeper(touch_many: TouchMany, period: float) -> PresenceKeeper:
    """This event loop's keeper (created with ``touch_many`` and ``period`` the first time)."""
    return for_this_loop(_keepers, lambda: PresenceKeeper(touch_many, period))
