"""Consumer dispatch without Channels' per-message database hop."""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer


class DatabaseFreeDispatch(AsyncWebsocketConsumer):
    """Dispatches every message but ``websocket.connect`` straight to its handler.

    Channels 4.2+ awaits ``aclose_old_connections()`` (a hop to the thread that runs database
    code) before every handler. A game socket gets tens of messages a second and its handlers
    never touch the database, so paying the hop per message caps a process at a few thousand
    messages per second and makes real database work queue behind it. Only ``connect`` (which
    reads the database) keeps it; other handlers that need the database must use
    ``database_sync_to_async``, which closes old connections itself.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler for ``message["type"]``."""
        if message["type"] == "websocket.connect":
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
