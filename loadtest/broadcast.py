"""What the baseline servers share: their settings, socket groups and the tick loop."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from loadtest.frames import now_ms

logger = logging.getLogger(__name__)

ENV_FRAME_BYTES = "FANOUT_FRAME_BYTES"
ENV_TICK_RATE = "FANOUT_TICK_RATE"
ENV_GROUP_SIZE = "FANOUT_GROUP_SIZE"


@dataclass(frozen=True)
class BroadcastSettings:
    """What a baseline server sends: frame size, ticks per second, sockets per group."""

    frame_bytes: int = 100
    tick_rate: int = 20
    group_size: int = 8

    @classmethod
    def from_env(cls) -> BroadcastSettings:
        """The settings the bench passed to this server process."""
        return cls(
            frame_bytes=int(os.environ.get(ENV_FRAME_BYTES, cls.frame_bytes)),
            tick_rate=int(os.environ.get(ENV_TICK_RATE, cls.tick_rate)),
            group_size=int(os.environ.get(ENV_GROUP_SIZE, cls.group_size)),
        )

    def env(self) -> dict[str, str]:
        """The environment that gives a server process these settings."""
        return {
            ENV_FRAME_BYTES: str(self.frame_bytes),
            ENV_TICK_RATE: str(self.tick_rate),
            ENV_GROUP_SIZE: str(self.group_size),
        }


@dataclass
class GroupAssigner:
    """Puts sockets in groups of ``size`` in the order they connect, like seats in matches."""

    size: int
    joined: int = 0
    members: dict[int, int] = field(default_factory=dict)

    def join(self) -> int:
        """The group of the next socket."""
        group = self.joined // self.size
        self.joined += 1
        self.members[group] = self.members.get(group, 0) + 1
        return group

    def leave(self, group: int) -> None:
        """A socket of ``group`` went away."""
        left = self.members.get(group, 0) - 1
        if left > 0:
            self.members[group] = left
        else:
            self.members.pop(group, None)

    def groups(self) -> list[int]:
        """The groups that have sockets."""
        return list(self.members)


@dataclass
class TickStats:
    """How the tick loop kept up: ticks published, ticks skipped, slowest publish."""

    ticks: int = 0
    skipped: int = 0
    max_publish_ms: float = 0.0
    total_publish_ms: float = 0.0

    def as_json(self) -> bytes:
        """The stats for the bench's GET /stats."""
        return json.dumps(asdict(self)).encode()


async def run_ticks(
    rate: int, publish: Callable[[int, int], Awaitable[None]], stats: TickStats
) -> None:
    """Call ``publish(tick, server_ms)`` ``rate`` times a second; late ticks are skipped."""
    period = 1.0 / rate
    start = time.monotonic()
    tick = 0
    while True:
        tick += 1
        due = start + tick * period
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif -delay >= period:
            missed = int(-delay / period)
            stats.skipped += missed
            tick += missed
        began = time.monotonic()
        await publish(tick, now_ms())
        spent = (time.monotonic() - began) * 1000
        stats.ticks += 1
        stats.total_publish_ms += spent
        stats.max_publish_ms = max(stats.max_publish_ms, spent)


async def serve_lifespan(
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
    loop_factory: Callable[[], Awaitable[None]],
) -> None:
    """Run ``loop_factory()`` as a task between ASGI lifespan startup and shutdown."""
    task: asyncio.Task[None] | None = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            task = asyncio.create_task(loop_factory())
            task.add_done_callback(_log_failure)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if task is not None:
                task.cancel()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the tick loop failed", exc_info=task.exception())


async def serve_stats(send: Callable[[dict[str, Any]], Awaitable[None]], stats: TickStats) -> None:
    """Answer any HTTP request with the tick stats as JSON."""
    body = stats.as_json()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
