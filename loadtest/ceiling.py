"""The fan-out ceiling: a bare ASGI app whose one loop sends every socket its group's frame.

Serve it with ``uvicorn loadtest.ceiling:app --lifespan on``. Each tick (FANOUT_TICK_RATE a
second) it builds one frame per group of FANOUT_GROUP_SIZE sockets and sends it to each of them
in turn, with nothing between the loop and uvicorn's WebSocket protocol: no channel layer, no
consumer, no per-socket task. Any HTTP request answers the loop's tick stats.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from loadtest.broadcast import (
    BroadcastSettings,
    GroupAssigner,
    TickStats,
    run_ticks,
    serve_lifespan,
    serve_stats,
)
from loadtest.frames import padded_frame

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class Ceiling:
    """The ASGI application: sockets register their ``send``; the tick loop calls it."""

    def __init__(self, settings: BroadcastSettings) -> None:
        self.settings = settings
        self.assigner = GroupAssigner(settings.group_size)
        self.sockets: dict[int, list[Send]] = {}
        self.stats = TickStats()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        if scope["type"] == "lifespan":
            await serve_lifespan(receive, send, self.run)
        elif scope["type"] == "websocket":
            await self.websocket(receive, send)
        else:
            await serve_stats(send, self.stats)

    async def websocket(self, receive: Receive, send: Send) -> None:
        """Accept, join a group, then read (and ignore) until the client goes."""
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        group = self.assigner.join()
        self.sockets.setdefault(group, []).append(send)
        try:
            while (await receive())["type"] != "websocket.disconnect":
                pass
        finally:
            self.sockets[group].remove(send)
            self.assigner.leave(group)

    async def run(self) -> None:
        """The tick loop."""
        await run_ticks(self.settings.tick_rate, self.publish, self.stats)

    async def publish(self, tick: int, server_ms: int) -> None:
        """Send each group its own frame of this tick."""
        size = self.settings.frame_bytes
        for sends in list(self.sockets.values()):
            if not sends:
                continue
            message = {"type": "websocket.send", "bytes": padded_frame(tick, server_ms, size)}
            for send in list(sends):
                with contextlib.suppress(OSError):  # gone: its receive loop cleans up
                    await send(message)


app = Ceiling(BroadcastSettings.from_env())
