"""Keeps the lobby-store presences of this process's sockets alive, all in one call per period.

A player's place in the lobby store lapses ``ttl`` seconds after its last refresh, so that a
process that dies frees its players. Each socket used to refresh its own place every few
seconds (one Redis round trip and one timer per socket); one keeper per event loop now
refreshes every place of the process together, at most ``CHUNK`` to a call.
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


class PresenceKeeper:
    """Refreshes every registered presence each ``period`` seconds through ``touch_many``."""

    def __init__(self, touch_many: TouchMany, period: float) -> None:
        self._touch_many = touch_many
        self.period = period
        self._kept: dict[str, tuple[str, float]] = {}  # channel -> (player key, ttl)
        self._task: asyncio.Task[None] | None = None
        self.refreshes = 0  # store calls made
        self.lapsed = 0  # presences the store no longer had when they were refreshed

    def keep(self, channel: str, player_key: str, ttl: float) -> None:
        """Refresh ``player_key``'s place, owned by ``channel``, until ``drop(channel)``."""
        self._kept[channel] = (player_key, ttl)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="presence-keeper")

    def drop(self, channel: str) -> None:
        """Stop refreshing the place ``channel`` owns."""
        self._kept.pop(channel, None)

    def __len__(self) -> int:
        return len(self._kept)

    async def refresh_now(self) -> None:
        """Refresh every kept presence once (grouped by ttl, ``CHUNK`` to a call)."""
        by_ttl: dict[float, list[tuple[str, str]]] = {}
        for channel, (player_key, ttl) in self._kept.items():
            by_ttl.setdefault(ttl, []).append((player_key, channel))
        for ttl, entries in by_ttl.items():
            for start in range(0, len(entries), CHUNK):
                chunk = entries[start : start + CHUNK]
                try:
                    touched = await self._touch_many(chunk, ttl)
                except Exception:
                    logger.warning("could not refresh %d presences", len(chunk), exc_info=True)
                else:
                    gone = len(touched) - sum(touched)
                    if gone:  # lapsed, or taken over by another socket: the store forgot them
                        self.lapsed += gone
                        logger.warning("%d of %d presences were gone", gone, len(chunk))
                self.refreshes += 1

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
