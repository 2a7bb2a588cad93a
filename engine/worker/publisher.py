"""The engine worker's outbox: what it publishes to match groups, in order, in batches.

A tick hands its snapshots over in chunks while it goes on; one task publishes everything
waiting in one round trip. Snapshots are worth nothing late: beyond a backlog of
MAX_UNPUBLISHED_CHUNKS they are skipped (and counted); reliable messages (RESULT, closes,
MOVED, SPECTATORS) always wait their turn.

A worker that runs inside a web process (the hosted shape) hands every message to that
process's sockets at once (``local``), and publishes to the channel layer only what other
processes listen to: reliable messages always, a group's snapshots while the last publish
reached another process (``RemoteAudience``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from engine import messages
from engine.failurelog import FailureLog

logger = logging.getLogger(__name__)

MAX_UNPUBLISHED_CHUNKS = 40  # beyond this backlog a tick's snapshots are skipped, not queued
PROBE_INTERVAL = 1.0  # seconds between snapshots published to a group nobody else heard

GroupMessages = Sequence[tuple[str, dict[str, Any]]]
# sends group messages; returns how many processes each reached, when the layer can tell
GroupSendMany = Callable[[GroupMessages], Awaitable[list[int] | None]]
LocalDelivery = Callable[[GroupMessages], None]


class RemoteAudience:
    """Which groups other processes listen to, as the last publishes to them said.

    A group whose last publish reached nobody is quiet: its snapshots go out once per
    ``probe_interval`` only, until a publish reaches someone again or ``expect`` is called (a
    request from a socket came in: it may watch from another process).
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, probe_interval: float = PROBE_INTERVAL
    ) -> None:
        self._clock = clock
        self.probe_interval = probe_interval
        self._quiet: dict[str, float] = {}  # group -> when a snapshot last went out to it

    def wanted(self, group: str) -> bool:
        """Whether a snapshot of ``group`` is to be published now (and if so, counted sent)."""
        probed = self._quiet.get(group)
        if probed is None:
            return True
        now = self._clock()
        if now - probed < self.probe_interval:
            return False
        self._quiet[group] = now
        return True

    def heard(self, group: str, receivers: int) -> None:
        """A publish to ``group`` reached ``receivers`` processes."""
        if receivers > 0:
            self._quiet.pop(group, None)
        elif group not in self._quiet:
            self._quiet[group] = self._clock()

    def expect(self, group: str) -> None:
        """Someone may listen from another process now: publish ``group``'s next snapshot."""
        self._quiet.pop(group, None)

    def forget(self, group: str) -> None:
        """The group is gone."""
        self._quiet.pop(group, None)

    @property
    def quiet_groups(self) -> int:
        """Groups no other process listened to at their last publish."""
        return len(self._quiet)


class Publisher:
    """Queues group messages and sends them, everything waiting in one call."""

    def __init__(
        self,
        send_many: GroupSendMany,
        failures: FailureLog,
        local: LocalDelivery | None = None,
        audience: RemoteAudience | None = None,
        fresh: Callable[[], bool] | None = None,
    ) -> None:
        """``local`` (if any) gets every message at once, in order; with an ``audience``,
        snapshots are published only to groups someone else listens to. While ``fresh`` says
        False (the worker's leases may have passed to another worker: it was paused, or cut
        from Redis), what waits is dropped instead of sent."""
        self._send_many = send_many
        self._failures = failures
        self._local = local
        self.audience = audience
        self._fresh = fresh
        self.fenced = 0  # messages dropped unsent: the leases were stale when their turn came
        self._outbox: asyncio.Queue[GroupMessages] = asyncio.Queue()
        self.skipped = 0  # snapshots not published: the publisher lagged
        self.errors = 0  # batches the channel layer refused
        self.kept_local = 0  # snapshots no other process listened to: not published

    @property
    def backlog(self) -> int:
        """Chunks waiting to be published."""
        return self._outbox.qsize()

    def publish(self, group_messages: GroupMessages, reliable: bool = False) -> None:
        """Queue messages, in order; unreliable ones (snapshots) are skipped when it lags."""
        if not group_messages:
            return
        if self._local is not None:
            try:
                self._local(group_messages)
            except Exception:
                logger.exception("local delivery failed on %d messages", len(group_messages))
        audience = self.audience
        if audience is not None and not reliable:
            remote = [
                (group, message)
                for group, message in group_messages
                if message.get("type") != messages.SNAPSHOT or audience.wanted(group)
            ]
            self.kept_local += len(group_messages) - len(remote)
            if not remote:
                return
            group_messages = remote
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
            if self._stale(batch):
                continue
            try:
                receivers = await self._send_many(batch)
            except Exception as exc:
                self.errors += 1
                self._failures.failed(exc)
            else:
                self._failures.succeeded()
                self._count_receivers(batch, receivers)

    def _stale(self, batch: GroupMessages) -> bool:
        """Whether ``batch`` is to be dropped: queued while the leases were fresh, its turn
        came after (a worker resumed from a pause must not speak for matches it lost)."""
        if self._fresh is None or self._fresh():
            return False
        self.fenced += len(batch)
        logger.warning("dropped %d messages unsent: this worker's leases are stale", len(batch))
        return True

    def _count_receivers(self, batch: GroupMessages, receivers: list[int] | None) -> None:
        audience = self.audience
        if audience is None or receivers is None:
            return
        for (group, message), count in zip(batch, receivers, strict=False):
            if message.get("type") == messages.CLOSED:
                audience.forget(group)  # the match is over: nothing more goes to its group
            else:
                audience.heard(group, count)

    async def flush(self) -> None:
        """Send what waits now (when stopping); a failure is logged, not raised."""
        pending: list[tuple[str, dict[str, Any]]] = []
        while not self._outbox.empty():
            pending.extend(self._outbox.get_nowait())
        if not pending or self._stale(pending):
            return
        try:
            await self._send_many(pending)
        except Exception:
            logger.exception("could not publish %d messages while stopping", len(pending))
