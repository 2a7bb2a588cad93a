"""Consumer dispatch without Channels' per-message database hop and per-message task."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from engine.failurelog import FailureLog

logger = logging.getLogger(__name__)

Receive = Callable[[], Awaitable[dict[str, Any]]]
LAYER_RETRY_DELAY = 1.0  # seconds before a socket reads its channel again after a layer error
# every socket of the process reads the layer: while Redis is away, one line per outage
_layer_reads = FailureLog(logger, "reading sockets' channels from the channel layer")


class DatabaseFreeDispatch(AsyncWebsocketConsumer):
    """A WebSocket consumer tuned for many small messages.

    Channels 4.2+ awaits ``aclose_old_connections()`` (a hop to the thread that runs database
    code) before every handler. A game socket gets tens of messages a second and its handlers
    never touch the database, so paying the hop per message caps a process at a few thousand
    messages per second and makes real database work queue behind it. Only ``connect`` (which
    reads the database) keeps it; other handlers that need the database must use
    ``database_sync_to_async``, which closes old connections itself.

    Channels also reads the client and the channel layer through ``await_many_dispatch``, which
    waits on both with ``asyncio.wait`` and starts a new task for every message. Here each
    source has one long-lived reader, and a lock keeps Channels' guarantee that handlers run
    one at a time, in the order each source delivers.
    """

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Any) -> None:
        """Run the consumer for one connection."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources: list[Receive] = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = send
        self._handling = asyncio.Lock()
        readers = [
            asyncio.create_task(self._read(source, retry=source is not receive))
            for source in sources
        ]
        try:
            done, _ = await asyncio.wait(readers, return_when=asyncio.FIRST_COMPLETED)
            for reader in done:
                with contextlib.suppress(StopConsumer):
                    reader.result()
        finally:
            for reader in readers:
                reader.cancel()
            for reader in readers:
                with contextlib.suppress(asyncio.CancelledError, StopConsumer):
                    await reader

    async def _read(self, source: Receive, retry: bool) -> None:
        """Dispatch what ``source`` delivers; a channel-layer source (``retry``) that fails (Redis
        restarting) is read again a second later instead of ending the connection."""
        while True:
            try:
                message = await source()
            except Exception as exc:
                if not retry:
                    raise
                _layer_reads.failed(exc)
                await asyncio.sleep(LAYER_RETRY_DELAY)
                continue
            if retry:
                _layer_reads.succeeded()
            async with self._handling:
                await self.dispatch(message)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler for ``message["type"]``."""
        if message["type"] == "websocket.connect":
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
