"""The fan-out floor: the textbook Channels design, a consumer per socket fed by group_send.

Serve it with ``uvicorn loadtest.floor:app --lifespan on``. Django is configured here, standalone
(only the ``channels`` app and the in-memory channel layer), so the floor depends on nothing of
the project. Each socket's ``AsyncWebsocketConsumer`` joins the group of its seat (groups of
FANOUT_GROUP_SIZE, in connection order) and forwards every group message with ``self.send``;
a publisher task calls ``group_send`` once per group and tick. Any HTTP request answers the
publisher's tick stats.
"""

from __future__ import annotations

import logging
from typing import Any

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402

from loadtest.broadcast import (  # noqa: E402
    BroadcastSettings,
    GroupAssigner,
    TickStats,
    run_ticks,
    serve_lifespan,
    serve_stats,
)
from loadtest.frames import padded_frame  # noqa: E402

logger = logging.getLogger(__name__)

BROADCAST = BroadcastSettings.from_env()
assigner = GroupAssigner(BROADCAST.group_size)
stats = TickStats()


def group_name(group: int) -> str:
    """The channel-layer group of seat group ``group``."""
    return f"fanout-{group}"


class NaiveConsumer(AsyncWebsocketConsumer):
    """Joins its group on connect and sends every frame the group gets."""

    group: int | None = None

    async def connect(self) -> None:
        """Join the next seat group, then accept."""
        self.group = assigner.join()
        await self.channel_layer.group_add(group_name(self.group), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        """Leave the group."""
        if self.group is not None:
            await self.channel_layer.group_discard(group_name(self.group), self.channel_name)
            assigner.leave(self.group)

    async def fanout_frame(self, event: dict[str, Any]) -> None:
        """A frame for the group: send it to this socket."""
        await self.send(bytes_data=event["frame"])


async def publish(tick: int, server_ms: int) -> None:
    """One ``group_send`` per group with that group's frame of this tick."""
    layer = get_channel_layer()
    for group in assigner.groups():
        frame = padded_frame(tick, server_ms, BROADCAST.frame_bytes)
        await layer.group_send(group_name(group), {"type": "fanout.frame", "frame": frame})


async def publisher() -> None:
    """The publisher task."""
    await run_ticks(BROADCAST.tick_rate, publish, stats)


consumer = NaiveConsumer.as_asgi()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The ASGI application: lifespan runs the publisher, sockets get a consumer."""
    if scope["type"] == "lifespan":
        await serve_lifespan(receive, send, publisher)
    elif scope["type"] == "websocket":
        await consumer(scope, receive, send)
    else:
        await serve_stats(send, stats)
