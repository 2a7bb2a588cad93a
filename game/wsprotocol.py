"""uvicorn's WebSocket protocol with bounded per-socket buffers, for game traffic.

Run uvicorn with ``--ws game.wsprotocol:ArenaWebSocketProtocol`` (the Makefile and Procfile do).

A snapshot is worth something for a fraction of a second, but by default a socket whose client
stops reading keeps accepting them for a long time: asyncio buffers up to 64 KiB in the process
before ``send`` waits, and Linux grows the kernel's send buffer up to megabytes. With 100-byte
snapshots that is minutes of stale game state, and the consumer cannot tell. This protocol
lowers the process's limit (``ARENA_WS_WRITE_BUFFER``, 4 KiB) so a client that does not keep up
makes ``send`` wait soon; the consumer then keeps only the newest snapshot and closes the socket
with 4015 when the client stays behind. The kernel's buffer can be fixed too
(``ARENA_WS_SEND_BUFFER``), but by default Linux's autotuning is kept: a fixed small buffer
made every write measurably dearer, and a client that stops reading stops the autotuning.

It also lets such a close through at once: a close frame normally waits for the buffer to drain
like any frame, which a client that stopped reading never does. Here the close frame is queued
immediately, and if the client has not taken it within ``ABORT_AFTER`` seconds the connection is
aborted.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from django.conf import settings
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

logger = logging.getLogger(__name__)

ABORT_AFTER = 5.0  # seconds a closing socket may take to drain before it is cut


class ArenaWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with small write buffers and prompt closes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Bound the process and kernel buffers of the new connection."""
        super().connection_made(transport)
        config = settings.ARENA
        high = config.ws_write_buffer
        self.transport.set_write_buffer_limits(high=high, low=high // 4)
        sock = transport.get_extra_info("socket")
        if config.ws_send_buffer and sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, config.ws_send_buffer)
            except OSError as exc:  # not a TCP socket (a Unix socket in tests, say)
                logger.debug("could not set SO_SNDBUF: %s", exc)

    async def send(self, message: Any) -> None:
        """Send an ASGI message; a close goes out even while the client is not reading."""
        if (
            message["type"] == "websocket.close"
            and self.handshake_complete
            and not self.close_sent
            and not self.writable.is_set()
        ):
            self.writable.set()  # the close frame joins the buffer instead of waiting
            try:
                await super().send(message)
            finally:
                if not self.disconnected:
                    self.writable.clear()
            self.loop.call_later(ABORT_AFTER, self._abort_if_open)
            return
        await super().send(message)

    def _abort_if_open(self) -> None:
        if not self.disconnected:
            self.transport.abort()
