"""A socket's chat frames, written in order without holding anything else up.

Nothing is written until the socket greeted its client (``release``), so that its first frame
stays the protocol's (LOBBY_WELCOME, WELCOME, SPECTATING).

A frame goes out at once when nothing waits before it and the web server's direct writer
takes it; otherwise it queues behind the others and one task sends them in order. A client
that does not read loses its oldest chat frames beyond ``limit`` (counted), not its socket.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

OUTBOX_LIMIT = 64  # chat frames waiting for one socket at most


class FrameOutbox:
    """Ordered writes of one socket's chat frames."""

    def __init__(
        self,
        send: Callable[[bytes], Awaitable[None]],
        write_now: Callable[[bytes], bool] | None = None,
        limit: int = OUTBOX_LIMIT,
    ) -> None:
        self._send = send
        self._write_now = write_now
        self._limit = limit
        self._waiting: deque[bytes] = deque()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._held = True  # until ``release``: the socket has not greeted its client yet
        self.sent = 0
        self.dropped = 0

    def put(self, frame: bytes) -> None:
        """Write ``frame`` after those before it."""
        if self._stopped:
            return
        if (
            self._task is None
            and not self._held
            and self._write_now is not None
            and self._write_now(frame)
        ):
            self.sent += 1
            return
        if len(self._waiting) >= self._limit:
            self._waiting.popleft()
            self.dropped += 1
        self._waiting.append(frame)
        self._start()

    def put_first(self, frame: bytes) -> None:
        """Write ``frame`` before those waiting."""
        if not self._stopped:
            self._waiting.appendleft(frame)
            self._start()

    def release(self) -> None:
        """Start writing (frames put before wait for this)."""
        self._held = False
        self._start()

    def _start(self) -> None:
        if self._task is None and not self._held and self._waiting:
            self._task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._waiting and not self._stopped:
                await self._send(self._waiting.popleft())
                self.sent += 1
        except OSError:
            self._stopped = True  # the client is gone
        except Exception:
            logger.exception("a chat frame could not be written")
            self._stopped = True
        finally:
            self._task = None

    def stop(self) -> None:
        """Write nothing more."""
        self._stopped = True
        self._waiting.clear()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
