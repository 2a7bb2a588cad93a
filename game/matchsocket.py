"""What a match's two kinds of socket share: the player's and the spectator's.

Both find the match, watch it through this process's MatchRelay, ask its engine for a place
(a seat or a spectator's place) and close if the engine does not answer in time, write the
match's frames through a SnapshotStream, answer PING and RESYNC, and give the place back when
they close. The player's socket adds tickets, presence and INPUTs (``game.consumers``), the
spectator's socket its read-only control set (``game.spectators``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from django.conf import settings

from engine import messages
from engine.frames import encode_stored_result
from engine.protocol import (
    CloseCode,
    PingMessage,
    ResyncRequest,
    encode_pong,
    encode_throttled,
)
from game.engines import match_reaper
from game.models import MatchRecord
from game.reaper import LOST_RESULT, engine_holds, mark_lost
from game.relay import match_relay
from game.stream import SnapshotStream
from game.wsprotocol import FRAME_SINK, FRAME_WRITER, FrameWriter
from lobby.chat.sockets import ChatSocket

logger = logging.getLogger(__name__)

RELEASE_LOOKUPS = 3  # join timeouts a socket waits for its lost match's new owner to show


class MatchSocket(ChatSocket):
    """A socket that watches one match: the base of MatchConsumer and SpectatorConsumer."""

    match_id: str = ""
    engine_channel: str | None = None
    join_timer: asyncio.Task[None] | None = None
    stream: SnapshotStream | None = None
    relayed: bool = False  # attached to the match relay
    delayed: bool = False  # ... for the match's delayed group (spectators with a delay)
    decode_frame: Callable[[bytes], Any]  # validates a client frame (raises ProtocolError)
    spectating: bool = False  # the relay serves players before spectators
    engine_request: dict[str, Any] | None = None  # the JOIN or WATCH, sent again after a move
    resuming: bool = False  # the match moved to another worker: waiting for its answer
    write_now: FrameWriter | None = None  # the web server's direct writer (FRAME_WRITER)
    take_frames: Callable[[Callable[[bytes], None]], None] | None = None  # sets the FRAME_SINK

    # -- frames from the match relay -------------------------------------------------------

    def on_snapshot(self, message: messages.SnapshotMessage) -> None:
        """A snapshot of the match: the stream sends the newest one as DELTA or KEYFRAME."""
        if self.stream is not None and not self.closing and not self.resuming:
            self.stream.offer(message)

    def after_first_snapshot(self, work: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Start ``work`` (joining the match's chat) once the stream has its first snapshot
        under way, so that the client gets WELCOME or SPECTATING, then a KEYFRAME, then chat.

        ``on_snapshot`` is wrapped on this socket only until then: later snapshots take the
        class's method directly, at no cost to the tick's path.
        """
        if self.stream is not None and self.stream.client_tick is not None:
            self.spawn(work())
            return

        def first_snapshot(message: messages.SnapshotMessage) -> None:
            MatchSocket.on_snapshot(self, message)
            if self.stream is not None and self.stream.client_tick is not None:
                del self.on_snapshot  # type: ignore[method-assign]
                self.spawn(work())

        self.on_snapshot = first_snapshot  # type: ignore[method-assign]

    def on_result(self, frame: bytes) -> None:
        """The match's RESULT frame."""
        if self.stream is not None and not self.closing:
            self.stream.offer_reliable(frame)

    def on_spectators(self, frame: bytes) -> None:
        """The match's SPECTATORS frame (its spectator count changed)."""
        if self.stream is not None and not self.closing:
            self.stream.offer_reliable(frame)

    def on_closed(self, code: int, reason: str) -> None:
        """The match ended or its engine is shutting down."""
        self.close_soon(CloseCode(code), reason)

    def on_moved(self, engine_channel: str) -> None:
        """Another worker took the match over: ask it for this socket's place again. Its answer
        starts the client over (WELCOME or SPECTATING, then a KEYFRAME)."""
        if self.closing or self.engine_request is None:
            return
        logger.info("match %s moved to %s", self.match_id, engine_channel)
        self.engine_channel = engine_channel
        self.resuming = self.stream is not None
        self._cancel_join_timer()
        self.spawn(self._ask_again())

    def on_released(self) -> None:
        """This process's engine worker lost the match. Its new owner's MOVED normally follows;
        if none came within the join timeout, the match's record names where it went."""
        if self.closing or self.engine_request is None or self.engine_channel is None:
            return
        self.spawn(self._follow_release(self.engine_channel))

    async def _follow_release(self, released: str) -> None:
        for _ in range(RELEASE_LOOKUPS):
            await asyncio.sleep(settings.ARENA.join_timeout)
            if self.closing or self.engine_channel != released:
                return  # a MOVED came, or the socket is going
            match = await MatchRecord.objects.filter(id=self.match_id).afirst()
            if match is None:
                break
            if match.status == MatchRecord.Status.OVER:  # it ended while this socket was cut
                if match.result and not self.closing:
                    await self.send(bytes_data=encode_stored_result(match.result))
                await self.close_with(CloseCode.MATCH_OVER, "match over")
                return
            if match.engine_channel != released:
                logger.info("match %s was taken over unheard: following it", self.match_id)
                self.on_moved(match.engine_channel)
                return
        if not self.closing and self.engine_channel == released:
            await self.close_with(CloseCode.ENGINE_UNAVAILABLE, "the match's engine moved away")

    async def _ask_again(self) -> None:
        assert self.engine_channel is not None and self.engine_request is not None
        await self._send_quietly(self.engine_channel, self.engine_request)
        self._start_join_timer()

    def _on_stalled(self) -> None:
        logger.info("closing a match socket that stopped taking snapshots (%s)", self.match_id)
        self.close_soon(CloseCode.TOO_SLOW, "not reading snapshots fast enough")

    def _ask_for_keyframe(self) -> None:
        if self.engine_channel is None or self.closing:
            return
        self.spawn(self._send_quietly(self.engine_channel, self.keyframe_request()))

    def keyframe_request(self) -> dict[str, Any]:
        """The engine message that gets this socket's stream a KEYFRAME."""
        wanted: messages.KeyframeWantedMessage = {
            "type": "engine.keyframe",
            "match_id": self.match_id,
        }
        return dict(wanted)

    async def _send_quietly(self, channel: str, message: dict[str, Any]) -> None:
        try:
            await self.channel_layer.send(channel, message)
        except Exception:
            logger.warning("could not reach engine %s", channel, exc_info=True)

    async def _send_frame(self, frame: bytes) -> None:
        await self.base_send({"type": "websocket.send", "bytes": frame})

    async def on_throttled(self, dropped: int) -> None:
        """Tell the client its frames are being dropped, so it can slow down."""
        await self.send(bytes_data=encode_throttled(dropped, int(self.limiter.rate)))

    # -- joining ---------------------------------------------------------------------------

    async def open_socket(self) -> None:
        """Accept the socket, give it its rate limit and take its frames from the web server."""
        await self.accept()
        self.start_limits()
        extensions = self.scope.get("extensions", {})
        self.take_frames = extensions.get(FRAME_SINK)
        if self.take_frames is not None:
            self.take_frames(self.frame_received)
        self.write_now = extensions.get(FRAME_WRITER)

    async def find_match(self) -> MatchRecord | None:
        """The match the socket's path names; None for an unknown or malformed id."""
        try:
            match_id = uuid.UUID(self.scope["url_route"]["kwargs"]["match_id"])
        except ValueError:
            return None
        return await MatchRecord.objects.filter(id=match_id).afirst()

    async def watch_match(self, match: MatchRecord) -> None:
        """Take the match's frames from the relay (before asking the engine for anything, so
        that no frame or close after its answer is missed)."""
        self.match_id = str(match.id)
        self.engine_channel = match.engine_channel
        self.relayed = True
        await match_relay(self.channel_layer).attach(self.match_id, self, self.delayed)

    async def rewatch(self, delayed: bool) -> None:
        """Move to the match's other group (live or delayed)."""
        relay = match_relay(self.channel_layer)
        await relay.detach(self.match_id, self, self.delayed)
        self.delayed = delayed
        await relay.attach(self.match_id, self, self.delayed)

    async def ask_engine(self, request: dict[str, Any]) -> None:
        """Send the engine a request whose answer opens the stream; close if none comes."""
        assert self.engine_channel is not None
        self.engine_request = request
        await self.channel_layer.send(self.engine_channel, request)
        self._start_join_timer()

    def _start_join_timer(self) -> None:
        if not self.closing:
            self.join_timer = asyncio.create_task(self._expire_join(settings.ARENA.join_timeout))

    async def _expire_join(self, timeout: float) -> None:
        await asyncio.sleep(timeout)
        if (self.stream is not None and not self.resuming) or self.closing:
            return
        match = await MatchRecord.objects.filter(id=self.match_id).afirst()
        if match is not None and match.engine_channel != self.engine_channel:
            # taken over by another worker before this socket watched the match's group
            self.join_timer = None
            self.on_moved(match.engine_channel)
            return
        if match is not None and not await engine_holds(match, match_reaper()):
            await mark_lost(str(match.id))  # no engine runs it or can take it over
            if not self.closing:
                await self.send(bytes_data=encode_stored_result(LOST_RESULT))
            await self.close_with(CloseCode.MATCH_OVER, "match lost: the server lost this match")
            return
        logger.warning("engine %s did not answer a join in %.1f s", self.engine_channel, timeout)
        await self.close_with(CloseCode.ENGINE_UNAVAILABLE, "the match's engine did not answer")

    def _cancel_join_timer(self) -> None:
        if self.join_timer is not None and self.join_timer is not asyncio.current_task():
            self.join_timer.cancel()
        self.join_timer = None

    def start_stream(self, after_tick: int = -1) -> SnapshotStream:
        """The socket's snapshot stream: frames of the ticks after ``after_tick`` flow from now
        on (after a move they start over: the next one goes out as a KEYFRAME)."""
        if self.stream is not None:
            self.resuming = False
            self.stream.restart(after_tick)
            return self.stream
        self.stream = SnapshotStream(
            self._send_frame,
            self._on_stalled,
            settings.ARENA.slow_client_timeout,
            on_keyframe_needed=self._ask_for_keyframe,
            write_now=self.write_now,
        )
        self.stream.restart(after_tick)
        return self.stream

    async def match_rejected(self, message: messages.RejectedMessage) -> None:
        """The engine refused (after the match's RESULT, when it is over)."""
        self._cancel_join_timer()
        result = message.get("result")
        if result is not None and not self.closing:
            await self.send(bytes_data=result)
        await self.close_with(CloseCode(message["code"]), message["reason"])

    # -- frames from the client ------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """A client frame through ASGI (servers without the frame sink, and the tests)."""
        if bytes_data is None:  # queued behind anything earlier frames started (a PONG)
            self.close_soon(CloseCode.BINARY_ONLY, "frames must be binary msgpack")
        else:
            self.frame_received(bytes_data)

    def frame_received(self, data: bytes) -> None:
        """Validate one binary client frame and act on it, without waiting for anything.

        Bad frames close the socket with a code. The web server calls this directly for every
        frame once ``open_socket`` registered it (``FRAME_SINK``), so 20 inputs a second per
        player cost no task switch and no trip through the ASGI queue. Frames that arrive
        before the engine answered are validated but otherwise ignored.
        """
        frame = self.screen_frame(data, self.decode_frame)
        if frame is not None:
            self.frame_decoded(frame)

    def frame_decoded(self, frame: Any) -> None:
        """A valid client frame: RESYNC and PING answered here, the rest by ``handle_frame``."""
        if isinstance(frame, ResyncRequest):
            if self.stream is not None:
                self.stream.resync()
        elif isinstance(frame, PingMessage):
            if self.stream is not None:
                pong = encode_pong(frame.nonce, int(time.time() * 1000))
                self.spawn(self.send(bytes_data=pong))
        else:
            self.handle_frame(frame)

    def handle_frame(self, frame: Any) -> None:
        """A valid client frame other than PING and RESYNC (before the engine answered too)."""

    # -- leaving ---------------------------------------------------------------------------

    async def closing_handshake(self, code: CloseCode, reason: str) -> None:
        """Stop the snapshot stream, then close with ``code``."""
        if self.stream is not None:
            await self.stream.stop()
        await super().closing_handshake(code, reason)

    def leave_message(self) -> dict[str, Any]:
        """The engine message that gives the socket's place back."""
        raise NotImplementedError

    async def disconnect(self, code: int) -> None:
        """Leave the match's group and its chat, and give the place back to the engine."""
        self.closing = True
        self._cancel_join_timer()
        await self.close_chat()
        if self.relayed:
            self.relayed = False
            await match_relay(self.channel_layer).detach(self.match_id, self, self.delayed)
        if self.stream is not None:
            await self.stream.stop()
        if self.engine_channel is not None:
            with contextlib.suppress(Exception):
                await self.channel_layer.send(self.engine_channel, self.leave_message())
