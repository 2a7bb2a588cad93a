"""Player inputs batched per engine worker: one channel-layer message per worker per flush.

Forwarding each INPUT as its own layer message would make 1,000 players at 20 inputs/s cost
20,000 messages (and, on the Redis pub/sub layer, 20,000 round trips in a row) per second.
Games keep each player's newest input, so this process keeps only each player's newest input and
sends every worker its batch every ``interval`` seconds (half a tick by default), all workers'
batches in one round trip. Inputs for this process's own engine worker (the hosted shape) are
applied at once instead (``local``).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping
from typing import Any, Protocol

from engine import messages
from engine.failurelog import FailureLog
from engine.fanout import RedisFor, send_many
from engine.match import Match

logger = logging.getLogger(__name__)


class LocalMatch(Protocol):
    """A match this process's engine worker runs, as the batcher sees it."""

    @property
    def match(self) -> Match:
        """The match itself."""


class LocalEngine(Protocol):
    """This process's engine worker, as the batcher sees it."""

    channel: str | None

    @property
    def matches(self) -> Mapping[str, LocalMatch]:
        """The matches it runs, by id."""


InputEntry = list[Any]  # [match_id, player_id, seq, *values]


class InputBatcher:
    """Collects this process's inputs and flushes them to their engine workers periodically."""

    def __init__(self, layer: Any, interval: float, redis: RedisFor = None) -> None:
        """``redis`` gives this loop's client of the layer's Redis (``engine.fanout``)."""
        self.layer = layer
        self.redis = redis
        self.interval = interval
        self.local: LocalEngine | None = None  # this process's engine worker (hosted shape)
        self.applied_locally = 0
        self._pending: dict[str, dict[tuple[str, int], InputEntry]] = {}
        self._task: asyncio.Task[None] | None = None
        self._flush_scheduled = False
        self.forwarded = 0
        self.superseded = 0
        self.batches = 0
        self._failures = FailureLog(logger, "forwarding inputs to the engines")

    def submit(
        self, engine_channel: str, match_id: str, player_id: int, seq: int, values: tuple[int, ...]
    ) -> None:
        """Queue one validated input; a newer one from the same player replaces it. An input
        for this process's own engine worker is applied at once."""
        local = self.local
        if local is not None and engine_channel == local.channel:
            self.applied_locally += 1
            hosted = local.matches.get(match_id)  # (a compiled call, not the worker's method)
            if hosted is not None:
                hosted.match.apply_input(player_id, seq, values)
            return
        batch = self._pending.setdefault(engine_channel, {})
        key = (match_id, player_id)
        queued = batch.get(key)
        if queued is not None:
            if seq <= queued[2]:
                return
            self.superseded += 1
        batch[key] = [match_id, player_id, seq, *values]
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._task = asyncio.create_task(self._flush_soon(), name="input-batcher")

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.interval)
        await self.flush()

    async def flush(self) -> None:
        """Send every pending batch now."""
        self._flush_scheduled = False  # inputs from here on wait for the next flush
        pending, self._pending = self._pending, {}
        if not pending:
            return
        batches = []
        for channel, batch in pending.items():
            message: messages.InputBatchMessage = {
                "type": "engine.inputs",
                "inputs": list(batch.values()),
            }
            batches.append((channel, dict(message)))
            self.forwarded += len(batch)
        self.batches += len(batches)
        try:
            await send_many(self.layer, batches, self.redis)
        except Exception as exc:
            self._failures.failed(exc)  # Redis away: the inputs are lost, the next ones go on
        else:
            self._failures.succeeded()


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, InputBatcher] = (
    weakref.WeakKeyDictionary()
)


def input_batcher(layer: Any, interval: float, redis: RedisFor = None) -> InputBatcher:
    """This event loop's batcher on ``layer``."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None or batcher.layer is not layer:
        batcher = InputBatcher(layer, interval, redis)
        _batchers[loop] = batcher
    return batcher
