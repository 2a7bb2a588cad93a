"""The player's match socket: seat request, rate-limited inputs, snapshots to the client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from urllib.parse import parse_qs

from django.conf import settings

from engine import messages
from engine.protocol import (
    CloseCode,
    InputMessage,
    ResyncRequest,
    decode_client_frame,
    encode_pong,
    encode_throttled,
)
from game.inputs import InputBatcher, input_batcher
from game.models import Match
from game.relay import match_relay
from game.sockets import ArenaSocket
from game.stream import SnapshotStream
from game.wsprotocol import FRAME_SINK
from lobby.tickets import TicketRefused, read_ticket
from lobby.wiring import PRESENCE_TTL, lobby_store

logger = logging.getLogger(__name__)


class MatchConsumer(ArenaSocket):
    """One player's connection to one match."""

    player_id: int | None = None
    match_id: str = ""
    engine_channel: str | None = None
    join_timer: asyncio.Task[None] | None = None
    player_key: str | None = None
    stream: SnapshotStream | None = None
    relayed: bool = False
    batcher: InputBatcher

    # -- frames from the match relay -------------------------------------------------------

    def on_snapshot(self, message: messages.SnapshotMessage) -> None:
        """A snapshot of the match: the stream sends the newest one as DELTA or KEYFRAME."""
        if self.stream is not None and not self.closing:
            self.stream.offer(message)

    def on_result(self, frame: bytes) -> None:
        """The match's RESULT frame."""
        if self.stream is not None and not self.closing:
            self.stream.offer_reliable(frame)

    def on_closed(self, code: int, reason: str) -> None:
        """The match ended or its engine is shutting down."""
        self.close_soon(CloseCode(code), reason)

    def _on_stalled(self) -> None:
        logger.info("closing a match socket that stopped taking snapshots (%s)", self.match_id)
        self.close_soon(CloseCode.TOO_SLOW, "not reading snapshots fast enough")

    def _ask_for_keyframe(self) -> None:
        if self.engine_channel is None or self.closing:
            return
        wanted: messages.KeyframeWantedMessage = {
            "type": "engine.keyframe",
            "match_id": self.match_id,
        }
        self.spawn(self._send_quietly(self.engine_channel, dict(wanted)))

    async def _send_quietly(self, channel: str, message: dict[str, object]) -> None:
        try:
            await self.channel_layer.send(channel, message)
        except Exception:
            logger.warning("could not reach engine %s", channel, exc_info=True)

    async def _send_frame(self, frame: bytes) -> None:
        await self.base_send({"type": "websocket.send", "bytes": frame})

    async def on_throttled(self, dropped: int) -> None:
        """Tell the client its frames are being dropped, so it can slow down."""
        await self.send(bytes_data=encode_throttled(dropped, int(self.limiter.rate)))

    async def connect(self) -> None:
        """Accept, check the ticket and the player's presence, join the group, ask for a seat."""
        await self.accept()
        self.start_limits()
        self.batcher = input_batcher(self.channel_layer, settings.ARENA.input_flush_interval)
        take_frames = self.scope.get("extensions", {}).get(FRAME_SINK)
        if take_frames is not None:
            take_frames(self.frame_received)
        match = await self._find_match(self.scope["url_route"]["kwargs"]["match_id"])
        if match is None:
            await self.close_with(CloseCode.MATCH_NOT_FOUND, "no such match")
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            ticket = read_ticket(
                query.get("ticket", [""])[0], str(match.id), settings.ARENA.ticket_ttl
            )
        except TicketRefused as exc:
            await self.close_with(exc.code, str(exc))
            return
        if match.status == Match.Status.OVER:
            await self.close_with(CloseCode.MATCH_OVER, "match is over")
            return
        self.store = lobby_store()
        seated = await self.store.enter_match(
            ticket.player_key, str(match.id), self.channel_name, PRESENCE_TTL
        )
        if not seated:
            await self.close_with(
                CloseCode.ALREADY_CONNECTED, "already playing or searching (another tab?)"
            )
            return
        self.player_key = ticket.player_key
        self.keep_presence(ticket.player_key)
        self.match_id = str(match.id)
        self.engine_channel = match.engine_channel
        # watch the match before asking for a seat, so no frame or close after it is missed
        self.relayed = True
        await match_relay(self.channel_layer).attach(self.match_id, self)
        join: messages.JoinMessage = {
            "type": "engine.join",
            "match_id": self.match_id,
            "name": ticket.name,
            "player_key": ticket.player_key,
            "reply_to": self.channel_name,
        }
        await self.channel_layer.send(self.engine_channel, join)
        self.join_timer = asyncio.create_task(self._expire_join(settings.ARENA.join_timeout))

    async def _find_match(self, raw_id: str) -> Match | None:
        try:
            match_id = uuid.UUID(raw_id)
        except ValueError:
            return None
        return await Match.objects.filter(id=match_id).afirst()

    async def _expire_join(self, timeout: float) -> None:
        await asyncio.sleep(timeout)
        if self.player_id is None and not self.closing:
            logger.warning(
                "engine %s did not answer a join in %.1f s", self.engine_channel, timeout
            )
            await self.close_with(CloseCode.ENGINE_UNAVAILABLE, "the match's engine did not answer")

    async def match_joined(self, message: messages.JoinedMessage) -> None:
        """The engine granted a seat: greet the client; snapshots flow from now on."""
        self._cancel_join_timer()
        if self.closing:
            return
        await self.send(bytes_data=message["welcome"])
        self.player_id = message["player_id"]
        self.stream = SnapshotStream(
            self._send_frame,
            self._on_stalled,
            settings.ARENA.slow_client_timeout,
            on_keyframe_needed=self._ask_for_keyframe,
        )

    async def match_rejected(self, message: messages.RejectedMessage) -> None:
        """The engine refused the seat."""
        self._cancel_join_timer()
        await self.close_with(CloseCode(message["code"]), message["reason"])

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """A client frame through ASGI (servers without the frame sink, and the tests)."""
        if bytes_data is None:  # queued behind anything earlier frames started (a PONG)
            self.close_soon(CloseCode.BINARY_ONLY, "frames must be binary msgpack")
        else:
            self.frame_received(bytes_data)

    def frame_received(self, data: bytes) -> None:
        """Validate one binary client frame and act on it, without waiting for anything.

        Bad frames close the socket with a code. The web server calls this directly for every
        frame once ``connect`` registered it (``FRAME_SINK``), so 20 inputs a second per player
        cost no task switch and no trip through the ASGI queue.
        """
        frame = self.screen_frame(data, decode_client_frame)
        if frame is None or self.player_id is None:
            return
        if isinstance(frame, InputMessage):
            assert self.engine_channel is not None
            self.batcher.submit(
                self.engine_channel,
                self.match_id,
                self.player_id,
                frame.seq,
                frame.buttons,
                frame.aim,
            )
        elif isinstance(frame, ResyncRequest):
            if self.stream is not None:
                self.stream.resync()
        else:
            pong = encode_pong(frame.nonce, int(time.time() * 1000))
            self.spawn(self.send(bytes_data=pong))

    async def closing_handshake(self, code: CloseCode, reason: str) -> None:
        """Stop the snapshot stream, then close with ``code``."""
        if self.stream is not None:
            await self.stream.stop()
        await super().closing_handshake(code, reason)

    async def disconnect(self, code: int) -> None:
        """Leave the match group and give the seat back to the engine."""
        self.closing = True
        self._cancel_join_timer()
        self.stop_presence()
        if self.player_key is not None:
            with contextlib.suppress(Exception):
                await self.store.release(self.player_key, self.channel_name)
        if self.relayed:
            self.relayed = False
            await match_relay(self.channel_layer).detach(self.match_id, self)
        if self.stream is not None:
            await self.stream.stop()
        if self.engine_channel is not None:
            leave: messages.LeaveMessage = {
                "type": "engine.leave",
                "match_id": self.match_id,
                "channel": self.channel_name,
            }
            with contextlib.suppress(Exception):
                await self.channel_layer.send(self.engine_channel, leave)

    def _cancel_join_timer(self) -> None:
        if self.join_timer is not None and self.join_timer is not asyncio.current_task():
            self.join_timer.cancel()
        self.join_timer = None
