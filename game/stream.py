"""What one socket is sent of a match: the newest snapshot only, with its DELTA chain intact."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from engine.messages import SnapshotMessage
from game.eager import start_eagerly

logger = logging.getLogger(__name__)

MAX_RELIABLE_FRAMES = 8  # RESULT and the like: few per match, never dropped while below this
KEYFRAME_REQUEST_INTERVAL = 0.1  # seconds between two requests for a KEYFRAME from one stream


@dataclass
class StreamStats:
    """What a stream did: frames written, snapshots dropped as stale, KEYFRAMEs sent."""

    sent: int = 0
    dropped: int = 0
    keyframes: int = 0


class SnapshotStream:
    """Writes a match's frames to one socket without ever queueing stale snapshots.

    A frame is written at once when no earlier write is still waiting on the socket; the write
    runs eagerly (``game.eager``) and becomes a task only if the socket's buffer is full. While
    a write waits, at most one snapshot waits behind it: a newer one replaces it (counted as
    dropped). Each snapshot is sent as its DELTA when the client holds the DELTA's base tick,
    else as its KEYFRAME, so dropping never breaks the client's chain. Frames that must arrive
    (RESULT) queue apart and go out in order. A socket that stays behind for ``slow_after``
    seconds (a write waits, or newer snapshots keep replacing unsent ones) is reported once
    through ``on_stalled``.
    """

    def __init__(
        self,
        send: Callable[[bytes], Awaitable[None]],
        on_stalled: Callable[[], None],
        slow_after: float,
        clock: Callable[[], float] = time.monotonic,
        on_keyframe_needed: Callable[[], None] | None = None,
        write_now: Callable[[bytes], bool] | None = None,
    ) -> None:
        self._send = send
        self._write_now = write_now  # writes a frame at once if the socket takes it (or False)
        self._on_stalled = on_stalled
        self._on_keyframe_needed = on_keyframe_needed
        self._keyframe_asked_at = float("-inf")
        self._slow_after = slow_after
        self._clock = clock
        self._latest: SnapshotMessage | None = None
        self._reliable: deque[bytes] = deque()
        self._client_tick: int | None = None
        self._view_key: str | None = None  # the player whose own view it is sent, if any
        self._sent_tick = -1  # the newest tick written, kept across resync
        self._writing: asyncio.Task[Any] | None = None
        self._behind_since: float | None = None
        self._stalled = False
        self._stopped = False
        self.stats = StreamStats()

    @property
    def client_tick(self) -> int | None:
        """The tick of the last snapshot written to the socket (None: it needs a KEYFRAME)."""
        return self._client_tick

    async def stop(self) -> None:
        """Stop writing; pending frames are discarded and a waiting write is cancelled."""
        self._stopped = True
        self._latest = None
        self._reliable.clear()
        writing, self._writing = self._writing, None
        if writing is not None and writing is not asyncio.current_task():
            writing.cancel()
            with contextlib.suppress(BaseException):
                await writing

    def offer(self, message: SnapshotMessage) -> None:
        """A new snapshot of the match: written now, or replacing the one waiting to be."""
        if self._stopped or message["tick"] <= self._sent_tick:
            return  # never back in time, whatever order the layer delivered in
        if self._writing is None and not self._reliable:
            frame = self._frame_for(message)
            if frame is not None:
                self._write(frame)
            self._pump()
            return
        if self._latest is not None:
            self.stats.dropped += 1
        self._latest = message
        now = self._clock()
        if self._behind_since is None:
            self._behind_since = now
        elif now - self._behind_since >= self._slow_after and not self._stalled:
            self._stalled = True
            self._on_stalled()

    def offer_reliable(self, frame: bytes) -> None:
        """A frame every client must get, in order (RESULT)."""
        if self._stopped:
            return
        if len(self._reliable) >= MAX_RELIABLE_FRAMES:
            logger.warning("dropping a reliable frame: %d already wait", len(self._reliable))
            return
        if self._latest is not None:  # it came first, so it goes first
            message, self._latest = self._latest, None
            earlier = self._frame_for(message)
            if earlier is not None:
                self._reliable.append(earlier)
        self._reliable.append(frame)
        self._pump()

    def restart(self, after_tick: int = -1) -> None:
        """Start (again) from the snapshot after ``after_tick``: the next one goes out as a
        KEYFRAME, older ones are not sent. After a move the match may start over from an earlier
        tick than the socket was sent."""
        self._latest = None
        self._client_tick = None
        self._sent_tick = after_tick

    def resync(self) -> None:
        """The client lost its chain: the next snapshot goes out as a KEYFRAME."""
        self._client_tick = None

    def view_as(self, player_id: int) -> None:
        """Send this socket its player's own view when the match has per-player views."""
        self._view_key = str(player_id)

    def _frame_for(self, message: SnapshotMessage) -> bytes | None:
        """The DELTA if the client holds its base, else the KEYFRAME; None if neither will do.
        A player with a view of its own (``views``) is sent that view, never the whole state."""
        views = message.get("views")
        if views is not None and self._view_key is not None:
            own = views.get(self._view_key)
            if own is None:  # not in a view this tick (seated since): nothing to send
                self.stats.dropped += 1
                return None
            base_tick, delta, keyframe = own
        else:
            base_tick, delta, keyframe = message["base_tick"], message["delta"], message["keyframe"]
        if delta is not None and self._client_tick == base_tick:
            frame = delta
        elif keyframe is not None:
            frame = keyframe
            self.stats.keyframes += 1
        else:
            self.stats.dropped += 1
            self._ask_for_keyframe()
            return None
        self._client_tick = self._sent_tick = message["tick"]
        return frame

    def _ask_for_keyframe(self) -> None:
        now = self._clock()
        if self._on_keyframe_needed is not None and (
            now - self._keyframe_asked_at >= KEYFRAME_REQUEST_INTERVAL
        ):
            self._keyframe_asked_at = now
            self._on_keyframe_needed()

    def _pump(self) -> None:
        """Write whatever waits, for as long as writes complete at once."""
        while self._writing is None and not self._stopped:
            if self._reliable:
                self._write(self._reliable.popleft())
            elif self._latest is not None:
                message, self._latest = self._latest, None
                frame = self._frame_for(message)
                if frame is not None:
                    self._write(frame)
            else:
                self._behind_since = None
                return

    def _write(self, frame: bytes) -> None:
        write_now = self._write_now
        if write_now is not None and write_now(frame):
            self.stats.sent += 1
            return
        try:
            writing = start_eagerly(self._send(frame))  # type: ignore[arg-type]
        except Exception as exc:  # the socket is gone; the consumer's disconnect follows
            logger.debug("a snapshot write failed: %r", exc)
            self._stopped = True
            return
        if writing is None:
            self.stats.sent += 1
            return
        self._writing = writing
        writing.add_done_callback(self._written)

    def _written(self, writing: asyncio.Task[Any]) -> None:
        if writing is not self._writing:
            return
        self._writing = None
        if writing.cancelled() or writing.exception() is not None:
            self._stopped = True
            return
        self.stats.sent += 1
        self._pump()
