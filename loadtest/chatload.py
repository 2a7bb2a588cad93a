"""Lobby chat users as background load for another bench (the fan-out bench's ``--chat-users``).

The chat bench's users (loadtest/chatbench.py), run on an asyncio loop in a thread of their own:
``start`` connects them (guest cookies from the stack, then their lobby rooms), ``measure``
starts the window in which each sends a message every ``interval`` seconds at a random phase,
``result`` waits for the window (and its last deliveries) and returns the chat figures.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from typing import Any

from loadtest.chatbench import (
    DEFAULT_ROOMS,
    DELIVERY_TAIL_S,
    ChatUser,
    chat_figures,
    close_users,
    connect_users,
    converse,
    make_users,
)

logger = logging.getLogger(__name__)

STOP_SECONDS = 30.0  # for the thread to close its sockets when stopped early


def _resolve(window: asyncio.Future[float], seconds: float) -> None:
    if not window.done():
        window.set_result(seconds)


class ChatLoadError(RuntimeError):
    """The chat users could not connect or chat."""


class ChatLoad:
    """``count`` lobby chat users spread over the web processes ``bases``, in a thread."""

    def __init__(
        self,
        bases: list[str],
        count: int,
        interval: float,
        rooms: str = DEFAULT_ROOMS,
        seed: int = 1,
    ) -> None:
        self.users: list[ChatUser] = make_users(count, bases, rooms.split(","))
        self.interval = interval
        self.rng = random.Random(seed)
        self.report: dict[str, Any] | None = None
        self.error: str | None = None
        self._connected = threading.Event()
        self._done = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._window: asyncio.Future[float] | None = None
        self._thread = threading.Thread(target=self._run, name="chat-users", daemon=True)

    def start(self) -> None:
        """Start connecting the users (in the background)."""
        self._thread.start()

    def wait_connected(self, timeout: float) -> None:
        """Block until every user has joined its room; ChatLoadError if that failed."""
        if not self._connected.wait(timeout):
            raise ChatLoadError(f"the chat users did not connect within {timeout:.0f} s")
        if self.error is not None:
            raise ChatLoadError(self.error)

    def measure(self, seconds: float) -> None:
        """Start the users' window of ``seconds`` now."""
        loop, window = self._loop, self._window
        if loop is None or window is None:
            raise ChatLoadError("the chat users are not connected")
        loop.call_soon_threadsafe(_resolve, window, seconds)

    def result(self, timeout: float) -> dict[str, Any]:
        """Wait for the window to end; the chat figures (ChatLoadError if it failed)."""
        if not self._done.wait(timeout):
            self.stop()
            raise ChatLoadError(f"the chat users had not finished after {timeout:.0f} s")
        if self.report is None:
            raise ChatLoadError(self.error or "the chat users stopped")
        return self.report

    def stop(self) -> None:
        """Stop the users early (their sockets closed); a no-op once they are done."""
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not self._done.is_set():
            loop.call_soon_threadsafe(task.cancel)
        if self._thread.is_alive():
            self._thread.join(STOP_SECONDS)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported by wait_connected / result
            self.error = f"{type(exc).__name__}: {exc}"
            logger.warning("chat users: %s", self.error)
        finally:
            self._connected.set()
            self._done.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._window = self._loop.create_future()
        self._task = asyncio.current_task()
        try:
            started = time.monotonic()
            await connect_users(self.users)
            logger.info(
                "chat users: %d joined in %.1f s", len(self.users), time.monotonic() - started
            )
            self._connected.set()
            seconds = await self._window
            wall = await converse(self.users, self.interval, seconds, self.rng)
        finally:
            await close_users(self.users)
        self.report = {
            "clients": len(self.users),
            "connected": sum(1 for u in self.users if u.socket is not None),
            "interval_s": self.interval,
            "window_s": round(wall, 1),
            "delivery_tail_s": DELIVERY_TAIL_S,
            **chat_figures(self.users, seconds, wall),
        }
