"""The player's match socket: ticket, seat request, rate-limited inputs, snapshots to the client."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings

from engine import messages
from engine.frames import encode_stored_result
from engine.protocol import (
    ChatDirect,
    ChatReport,
    ChatSend,
    CloseCode,
    InputMessage,
    LeaveRequest,
    decode_client_frame,
    unpack,
)
from engine.schema import Field, InputSchema
from game.engines import games, redis_for_layer
from game.inputpath import InputPath
from game.inputs import InputBatcher, input_batcher
from game.matchsocket import MatchSocket
from game.models import MatchRecord
from game.takeover import tell_replaced
from lobby.chat import topics
from lobby.chat.speakers import speaker_for
from lobby.store import AlreadyActive, PresenceState
from lobby.tickets import TicketRefused, read_ticket
from lobby.wiring import PRESENCE_TTL, lobby_store

logger = logging.getLogger(__name__)

MAX_INPUT_FIELDS = 16  # INPUT values a frame may carry before the socket knows its game

# what an INPUT may hold before the socket knows its match's game: integers of 32 bits
ANY_INPUT = InputSchema(
    tuple(Field(f"value{i}", -(2**31), 2**31 - 1, optional=True) for i in range(MAX_INPUT_FIELDS))
)

# closes after which the player has no seat to come back to: its lobby place is given up
SEAT_GONE = frozenset({CloseCode.MATCH_OVER, CloseCode.SEAT_RELEASED, CloseCode.GOING_AWAY})


class MatchConsumer(MatchSocket):
    """One player's connection to one match."""

    player_id: int | None = None
    player_key: str | None = None
    left: bool = False  # the player sent LEAVE
    restoring: bool = False  # a place the lobby store lost is being put back
    batcher: InputBatcher
    inputs: InputSchema | None = None  # the match's game's, once the socket found its match

    def decode_frame(self, data: bytes) -> Any:
        """Validate a client frame; INPUTs against the match's game's InputSchema. Before the
        socket has found its match (and so its game), an INPUT is only checked to be one of
        integers (``ANY_INPUT``); like every frame before WELCOME, it is then ignored."""
        return decode_client_frame(data, ANY_INPUT if self.inputs is None else self.inputs)

    async def connect(self) -> None:
        """Accept, check the ticket and the player's presence, join the group, ask for a seat."""
        await self.open_socket()
        layer = self.channel_layer
        self.batcher = input_batcher(
            layer, settings.ARENA.input_flush_interval, redis_for_layer(layer)
        )
        match = await self.find_match()
        game = None if match is None else games().get(match.game)
        if match is None or game is None:
            await self.close_with(CloseCode.MATCH_NOT_FOUND, "no such match")
            return
        self.inputs = game.inputs
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            ticket = read_ticket(
                query.get("ticket", [""])[0], str(match.id), settings.ARENA.ticket_ttl
            )
        except TicketRefused as exc:
            await self.close_with(exc.code, str(exc))
            return
        if match.status == MatchRecord.Status.OVER:
            if match.result:  # a player back too late: the results, then the close
                await self.send(bytes_data=encode_stored_result(match.result))
            await self.close_with(CloseCode.MATCH_OVER, "match is over")
            return
        speaker = await speaker_for(ticket.player_key, ticket.name)
        if not await self.open_chat(speaker, match.game, self.write_now):
            return  # banned: closed with 4021
        self.store = lobby_store()
        try:
            replaced = await self.store.enter_match(
                ticket.player_key, str(match.id), self.channel_name, self.presence_ttl
            )
        except AlreadyActive:
            await self.close_with(
                CloseCode.ALREADY_CONNECTED, "already searching or in another match (another tab?)"
            )
            return
        if replaced is not None:
            logger.info("a new socket of a player took match %s over from %s", match.id, replaced)
            await tell_replaced(self.channel_layer, replaced, str(match.id))
        self.player_key = ticket.player_key
        self.keep_presence(ticket.player_key, self.presence_ttl, on_gone=self._presence_gone)
        await self.watch_match(match)
        join: messages.JoinMessage = {
            "type": "engine.join",
            "match_id": self.match_id,
            "name": ticket.name,
            "player_key": ticket.player_key,
            "reply_to": self.channel_name,
        }
        if ticket.team is not None:
            join["team"] = ticket.team  # the lobby's team: a party plays on one
        await self.ask_engine(dict(join))

    def _presence_gone(self) -> Awaitable[None] | None:
        """The keeper found the player's place in the match gone from the store: put it back."""
        if self.closing or self.restoring or self.player_key is None:
            return None  # a closing socket gives its place up anyway
        self.restoring = True
        return self._restore_presence()

    async def _restore_presence(self) -> None:
        """Enter the match again in the store, unless another socket has the player's place."""
        assert self.player_key is not None
        try:
            now = time.time()
            presence = await self.store.presence(self.player_key, now)
            if self.closing:
                return
            if presence is not None and not (
                presence.state == PresenceState.MATCH
                and presence.match_id == self.match_id
                and presence.channel in ("", self.channel_name)
            ):
                logger.info("the place of %s moved on: not restored", self.player_key)
                return  # another match socket took it over (this one is told), or elsewhere
            await self.store.enter_match(
                self.player_key, self.match_id, self.channel_name, self.presence_ttl
            )
            logger.warning(
                "the lobby store lost the place of %s in match %s: restored",
                self.player_key,
                self.match_id,
            )
        except AlreadyActive as exc:
            logger.warning(
                "the lost place of %s in match %s is taken (%s): not restored",
                self.player_key,
                self.match_id,
                exc.state.value,
            )
        finally:
            self.restoring = False

    async def match_joined(self, message: messages.JoinedMessage) -> None:
        """The engine granted a seat: greet the client; snapshots flow from now on."""
        self._cancel_join_timer()
        if self.closing:
            return
        await self.send(bytes_data=message["welcome"])
        first_seat = self.player_id is None
        self.player_id = message["player_id"]
        stream = self.start_stream(after_tick=message["tick"])  # none from before its seat
        stream.view_as(self.player_id)  # its own view, when the game gives players views
        if first_seat and self.take_frames is not None:  # INPUTs bypass the consumer from now
            self.take_frames(
                InputPath(self, self.limiter, self.lag, self.game_inputs, self.batcher).take
            )
        if first_seat:  # (a WELCOME after a move keeps the channels)
            team = unpack(message["welcome"])[1].get("team")
            self.after_first_snapshot(lambda: self._join_chat(team))

    async def _join_chat(self, team: int | None) -> None:
        """The match's chat: every player's channel ("all"), the team's in team modes."""
        assert self.chat is not None
        self.chat.ready()
        await self.chat.join("all", topics.match_all(self.match_id))
        if team is not None:
            await self.chat.join("team", topics.match_team(self.match_id, team))

    async def match_replaced(self, message: messages.ReplacedMessage) -> None:
        """The player connected to this match again from another socket: close (4019)."""
        logger.info("closing a match socket replaced by a newer one (%s)", self.match_id)
        await self.close_with(CloseCode.REPLACED, "you connected to this match from another socket")

    @property
    def game_inputs(self) -> InputSchema:
        """The match's game's InputSchema (known from the match's lookup in ``connect`` on)."""
        assert self.inputs is not None, "the match was found before its seat was granted"
        return self.inputs

    @property
    def presence_ttl(self) -> float:
        """How long the player's place in the match holds without a refresh: as long as the
        engine holds its seat for a player whose connection dropped, at least."""
        return max(PRESENCE_TTL, settings.ARENA.reconnect_grace)

    def handle_frame(self, frame: Any) -> None:
        """An INPUT, batched to the engine with this process's other inputs; LEAVE; or chat."""
        if isinstance(frame, LeaveRequest):
            self.left = True
            self.close_soon(CloseCode.NORMAL, "left the match")
            self.spawn(self._give_up_seat())
        elif isinstance(frame, InputMessage):
            if self.stream is not None:
                assert self.engine_channel is not None and self.player_id is not None
                self.batcher.submit(
                    self.engine_channel, self.match_id, self.player_id, frame.seq, frame.values
                )
        elif isinstance(frame, ChatSend | ChatDirect | ChatReport):
            self.take_chat(frame)  # after the input path: inputs pay nothing for chat

    async def _give_up_seat(self) -> None:
        """LEAVE: the seat and the lobby place go at once, not when the socket has closed."""
        if self.player_key is not None:
            await self.store.release(self.player_key, self.channel_name)
        if self.engine_channel is not None:
            await self.channel_layer.send(self.engine_channel, self.leave_message())

    def leave_message(self) -> dict[str, Any]:
        """Give the seat back: for good after LEAVE, else for the reconnect grace period (the
        engine keeps the player's ship and score for its return)."""
        leave: messages.LeaveMessage = {
            "type": "engine.leave",
            "match_id": self.match_id,
            "channel": self.channel_name,
            "for_good": self.left,
        }
        return dict(leave)

    async def disconnect(self, code: int) -> None:
        """Leave the match and give the seat back. The player's place in the lobby store is
        given up when it has no seat to come back to (it left, the match is over, the seat
        was released); after a dropped connection it is kept, as a reserved seat, for as long
        as the engine keeps the seat, so that the player's next page finds its match."""
        self.closing = True
        self.stop_presence()
        if self.player_key is not None:
            seated = self.player_id is not None
            try:
                if seated and not self.left and self.closed_with not in SEAT_GONE:
                    grace = settings.ARENA.reconnect_grace
                    await self.store.detach(self.player_key, self.channel_name, grace)
                else:
                    await self.store.release(self.player_key, self.channel_name)
            except Exception:
                logger.warning(
                    "could not update the presence of %s", self.player_key, exc_info=True
                )
        await super().disconnect(code)
