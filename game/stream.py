"""What one socket is sent of a match: the newest snapshot only, with its DELTA chain intact."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from engine.messages import SnapshotMessage

logger = logging.getLogger(__name__)

MAX_RELIABLE_FRAMES = 8  # RESULT and the like: few per match, never dropped while below this


@dataclass
class StreamStats:
    """What a stream did: frames written, snapshots dropped as stale, KEYFRAMEs sent."""

    sent: int = 0
    dropped: int = 0
    keyframes: int = 0


class SnapshotStream:
    """Writes a match's frames to one socket without ever queueing stale snapshots.

    At most one snapshot waits: a newer one replaces it (counted as dropped). Each snapshot is
    sent as its DELTA when the client holds the DELTA's base tick, else as its KEYFRAME, so
    dropping never breaks the client's chain. Frames that must arrive (RESULT) queue apart
    and go out in order. A socket that stays behind for ``slow_after`` seconds (its sends
    wait, or newer snapshots keep replacing unsent ones) is reported through ``on_stalled``.
    """

    def __init__(
        self,
        send: Callable[[bytes], Awaitable[None]],
        on_stalled: Callable[[], None],
        slow_after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._on_stalled = on_stalled
        self._slow_after = slow_after
        self._clock = clock
        self._latest: SnapshotMessage | None = None
        self._reliable: deque[bytes] = deque()
        self._client_tick: int | None = None
        self._wake = asyncio.Event()
        self._busy = False
        self._behind_since: float | None = None
        self._stalled = False
        self._task: asyncio.Task[None] | None = None
        self.stats = StreamStats()

    @property
    def client_tick(self) -> int | None:
        """The tick of the last snapshot written to the socket (None: it needs a KEYFRAME)."""
        return self._client_tick

    def start(self) -> None:
        """Start writing (call once the client has been greeted)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="snapshot-stream")

    async def stop(self) -> None:
        """Stop writing; pending frames are discarded."""
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def offer(self, message: SnapshotMessage) -> None:
        """A new snapshot of the match: it replaces any snapshot not yet written."""
        if self._latest is not None:
            self.stats.dropped += 1
        if self._latest is not None or self._busy:
            now = self._clock()
            if self._behind_since is None:
                self._behind_since = now
            elif now - self._behind_since >= self._slow_after and not self._stalled:
                self._stalled = True
                self._on_stalled()
        self._latest = message
        self._wake.set()

    def offer_reliable(self, frame: bytes) -> None:
        """A frame every client must get, in order (RESULT)."""
        if len(self._reliable) >= MAX_RELIABLE_FRAMES:
            logger.warning("dropping a reliable frame: %d already wait", len(self._reliable))
            return
        self._reliable.append(frame)
        self._wake.set()

    def resync(self) -> None:
        """The client lost its chain: the next snapshot goes out as a KEYFRAME."""
        self._client_tick = None

    def _frame_for(self, message: SnapshotMessage) -> bytes:
        delta = message["delta"]
        if delta is not None and self._client_tick == message["base_tick"]:
            frame = delta
        else:
            frame = message["keyframe"]
            self.stats.keyframes += 1
        self._client_tick = message["tick"]
        return frame

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._latest is not None or self._reliable:
                message, self._latest = self._latest, None
                self._busy = True
                try:
                    if message is not None:
                        await self._send(self._frame_for(message))
                        self.stats.sent += 1
                    while self._reliable:
                        await self._send(self._reliable.popleft())
                        self.stats.sent += 1
                finally:
                    self._busy = False
            self._behind_since = None
