"""Channel layers of the two deployments: embedded (in process) and Redis pub/sub, bounded."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, _wrap_close

logger = logging.getLogger(__name__)

EXPIRY_SWEEP_INTERVAL = 1.0
DEFAULT_PUBSUB_CAPACITY = 10_000  # messages per in-process channel: seconds of a busy process


class EmbeddedChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer with two costs removed.

    The parent sweeps every channel and group for expired messages on every ``receive``, so a
    snapshot costs time proportional to the number of connections; here the sweep runs at most
    once a second. The parent also leaves ``channel_capacity`` uncompiled, so per-channel
    capacities (the engine's inbox needs a deep one) would fail; here they are compiled.
    """

    def __init__(self, *args: Any, channel_capacity: dict[str, int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.channel_capacity = self.compile_capacities(channel_capacity or {})
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + EXPIRY_SWEEP_INTERVAL
        super()._clean_expired()

    async def receive_batch(self, channel: str, limit: int) -> list[dict[str, Any]]:
        """The next message of ``channel`` and those queued right behind it (up to ``limit``)."""
        batch = [await self.receive(channel)]
        queue = self.channels.get(channel)
        while queue is not None and not queue.empty() and len(batch) < limit:
            _, message = queue.get_nowait()
            batch.append(message)
        if queue is not None and queue.empty():
            self.channels.pop(channel, None)
        return batch


class DropOldestQueue(asyncio.Queue[Any]):
    """An asyncio queue that drops its oldest message instead of growing past ``maxsize``."""

    dropped = 0
    dropped_in_process = 0  # by every queue of this class in the process (game.metrics)

    def put_nowait(self, item: Any) -> None:
        """Queue ``item``; when full, the oldest queued message is discarded first."""
        if self.maxsize and self.qsize() >= self.maxsize:
            self.get_nowait()
            self.dropped += 1
            DropOldestQueue.dropped_in_process += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                logger.warning("a channel queue is full: %d messages dropped", self.dropped)
        super().put_nowait(item)


class BoundedPubSubLoopLayer(RedisPubSubLoopLayer):
    """channels-redis' pub/sub loop layer with a bounded queue per channel."""

    def __init__(self, *args: Any, capacity: int = DEFAULT_PUBSUB_CAPACITY, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = DropOldestQueue(self.capacity)
        await self._get_shard(channel).subscribe(channel)


class BoundedPubSubChannelLayer(RedisPubSubChannelLayer):
    """The Redis pub/sub channel layer, with every in-process channel queue bounded.

    The stock layer gives each channel an unbounded ``asyncio.Queue``: a process that falls
    behind grows without limit. Here a full queue drops its oldest message (logged). Snapshots
    tolerate that (the next one resyncs the chain); ``capacity`` (per channel, default
    DEFAULT_PUBSUB_CAPACITY) is sized so that only a process that is hopelessly overloaded
    ever reaches it.

    A message sent to a channel that this process reads (its engine worker's inbox in the
    hosted shape, a socket's own channel) goes straight into that channel's queue instead of
    out to Redis and back: serialized all the same, so the receiver gets a copy of its own.
    """

    local_sends = 0  # messages that never left the process

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        """Send ``message`` to ``channel``; without a Redis round trip when it is read here."""
        layer = self._get_layer()  # the stock layer proxies its API to this per-loop layer
        queue = layer.channels.get(channel)
        if queue is not None:
            self.local_sends += 1
            queue.put_nowait(self.serialize(message))
            return
        await layer.send(channel, message)

    async def receive_batch(self, channel: str, limit: int) -> list[dict[str, Any]]:
        """The next message of ``channel`` and those queued right behind it (up to ``limit``)."""
        batch = [await self.receive(channel)]
        queue = self._get_layer().channels.get(channel)
        while queue is not None and not queue.empty() and len(batch) < limit:
            batch.append(self.deserialize(queue.get_nowait()))
        return batch

    def _get_layer(self) -> BoundedPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = BoundedPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer


async def receive_batch(layer: Any, channel: str, limit: int) -> list[dict[str, Any]]:
    """What is waiting on ``channel``: all of it on Arena's layers, one message on others."""
    if isinstance(layer, EmbeddedChannelLayer | BoundedPubSubChannelLayer):
        return await layer.receive_batch(channel, limit)
    return [await layer.receive(channel)]
