"""The engine worker's outbox: what it publishes to match groups, in order, in batches.

A tick hands its snapshots over in chunks while it goes on; one task publishes everything
waiting in one round trip. Snapshots are worth nothing late: beyond a backlog of
MAX_UNPUBLISHED_CHUNKS they are skipped (and counted); reliable messages (RESULT, closes,
MOVED, SPECTATORS) always wait their turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from engine.failurelog import FailureLog

logger = logging.getLogger(__name__)

MAX_UNPUBLISHED_CHUNKS = 40  # beyond this backlog a tick's snapshots are skipped, not queued

GroupMessages = Sequence[tuple[str, dict[str, Any]]]
GroupSendMany = Callable[[GroupMessages], Awaitable[None]]


class Publisher:
    """Queues group messages and sends them, everything waiting in one call."""

    def __init__(self, send_many: GroupSendMany, failures: FailureLog) -> None:
        self._send_many = send_many
        self._failures = failures
        self._outbox: asyncio.Queue[GroupMessages] = asyncio.Queue()
        self.skipped = 0  # snapshots not published: the publisher lagged
        self.errors = 0  # batches the channel layer refused

    @property
    def backlog(self) -> int:
        """Chunks waiting to be published."""
        return self._outbox.qsize()

    def publish(self, group_messages: GroupMessages, reliable: bool = False) -> None:
        """Queue messages, in order; unreliable ones (snapshots) are skipped when it lags."""
        if not group_messages:
            return
        if not reliable and self._outbox.qsize() >= MAX_UNPUBLISHED_CHUNKS:
            self.skipped += len(group_messages)
            return
        self._outbox.put_nowait(group_messages)

    async def run(self) -> None:
        """Publish queued messages in order until cancelled."""
        while True:
            batch = list(await self._outbox.get())
            while not self._outbox.empty():
                batch.extend(self._outbox.get_nowait())
            try:
                await self._send_many(batch)
            except Exception as exc:
                self.errors += 1
                self._failures.failed(exc)
            else:
                self._failures.succeeded()

    async def flush(self) -> None:
        """Send what waits now (when stopping); a failure is logged, not raised."""
        pending: list[tuple[str, dict[str, Any]]] = []
        while not self._outbox.empty():
            pending.extend(self._outbox.get_nowait())
        if not pending:
            return
        try:
            await self._send_many(pending)
        except Exception:
            logger.exception("could not publish %d messages while stopping", len(pending))
