"""Keeps the lobby-store presences of this process's sockets alive, all in one call per period.

A player's place in the lobby store lapses ``ttl`` seconds after its last refresh, so that a
process that dies frees its players. Each socket used to refresh its own place every few
seconds (one Redis round trip and one timer per socket); one keeper per event loop now
refreshes every place of the process together, at most ``CHUNK`` to a call.

A place the store no longer had when it was refreshed (lapsed in a long outage, lost in a
failover, or moved on: taken by a match socket, left) is reported to the handler its socket
registered with ``keep``; the keeper knows nothing of sockets, only of channels and handlers.
A socket may be kept while it holds no place (an idle lobby socket, whose place a party's leader
may queue): a gone place that its socket did not expect (``expected``) is neither counted,
logged nor reported.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from engine.redisclient import for_this_loop

logger = logging.getLogger(__name__)

CHUNK = 500  # presences refreshed by one store call

# refreshes (player_key, channel) pairs with a ttl: the lobby store's ``touch_many``
TouchMany = Callable[[list[tuple[str, str]], float], Awaitable[list[bool]]]

# told that the store no longer had its channel's presence; called in the refresh loop, so it
# returns at once: None (nothing to do) or an awaitable that the keeper runs in a task of its own
GoneHandler = Callable[[], Awaitable[None] | None]

# whether a socket expects the store to hold its place now (asked of a place found gone)
Expected = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class _Kept:
    """A place the keeper refreshes, and what its socket asked to hear of its loss."""

    player_key: str
    ttl: float
    on_gone: GoneHandler | None
    expected: Expected | None


class PresenceKeeper:
    """Refreshes every registered presence each ``period`` seconds through ``touch_many``."""

    def __init__(self, touch_many: TouchMany, period: float) -> None:
        self._touch_many = touch_many
        self.period = period
        self._kept: dict[str, _Kept] = {}  # by the channel that owns the place
        self._task: asyncio.Task[None] | None = None
        self._reports: set[asyncio.Task[None]] = set()  # handlers' work still running
        self.refreshes = 0  # store calls made
        self.lapsed = 0  # presences the store no longer had when they were refreshed

    def keep(
        self,
        channel: str,
        player_key: str,
        ttl: float,
        on_gone: GoneHandler | None = None,
        expected: Expected | None = None,
    ) -> None:
        """Refresh ``player_key``'s place, owned by ``channel``, until ``drop(channel)``; call
        ``on_gone`` after each refresh that found the place gone while ``expected()`` (always,
        without it) said the store should have it."""
        self._kept[channel] = _Kept(player_key, ttl, on_gone, expected)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="presence-keeper")

    def drop(self, channel: str) -> None:
        """Stop refreshing the place ``channel`` owns."""
        self._kept.pop(channel, None)

    def __len__(self) -> int:
        return len(self._kept)

    async def refresh_now(self) -> list[str]:
        """Refresh every kept presence once (grouped by ttl, ``CHUNK`` to a call); return the
        channels whose presence the store no longer had, after telling the handlers of those
        that expected one."""
        by_ttl: dict[float, list[tuple[str, str]]] = {}
        for channel, kept in self._kept.items():
            by_ttl.setdefault(kept.ttl, []).append((kept.player_key, channel))
        gone_channels: list[str] = []  # the store had no presence of theirs
        lost_channels: list[str] = []  # of those, the ones whose sockets expected one
        for ttl, entries in by_ttl.items():
            for start in range(0, len(entries), CHUNK):
                chunk = entries[start : start + CHUNK]
                try:
                    touched = await self._touch_many(chunk, ttl)
                except Exception:
                    logger.warning("could not refresh %d presences", len(chunk), exc_info=True)
                else:
                    gone = self._gone_of(chunk, touched)
                    gone_channels.extend(gone)
                    lost_channels.extend(self._lost_of(gone, len(chunk)))
                self.refreshes += 1
        self._report(lost_channels)
        return gone_channels

    def _gone_of(self, chunk: list[tuple[str, str]], touched: list[bool]) -> list[str]:
        """The channels of ``chunk`` whose presence was gone."""
        if len(touched) != len(chunk):
            logger.warning("%d presences refreshed, %d answers", len(chunk), len(touched))
            return []
        return [channel for (_, channel), ok in zip(chunk, touched, strict=True) if not ok]

    def _lost_of(self, gone: list[str], refreshed: int) -> list[str]:
        """The channels of ``gone`` whose sockets expected a presence, counted and logged."""
        lost = [channel for channel in gone if self._was_expected(channel)]
        if lost:  # lapsed, or taken over by another socket: the store forgot them
            self.lapsed += len(lost)
            logger.warning("%d of %d presences were gone", len(lost), refreshed)
        return lost

    def _was_expected(self, channel: str) -> bool:
        """Whether ``channel``'s socket expects a place in the store (yes if its test fails)."""
        kept = self._kept.get(channel)
        expected = kept.expected if kept is not None else None
        if expected is None:
            return True
        try:
            return expected()
        except Exception:
            logger.exception("the test of a kept presence (%s) failed", channel)
            return True

    def _report(self, channels: list[str]) -> None:
        """Tell the handlers of ``channels`` still kept; their work runs in tasks of its own."""
        for channel in channels:
            kept = self._kept.get(channel)
            handler = kept.on_gone if kept is not None else None
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
