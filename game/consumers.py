"""The player's match socket: ticket, seat request, rate-limited inputs, snapshots to the client."""

from __future__ import annotations

import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings

from engine import messages
from engine.protocol import CloseCode, InputMessage, decode_client_frame
from engine.snapshot import encode_stored_result
from game.inputs import InputBatcher, input_batcher
from game.matchsocket import MatchSocket
from game.models import Match
from game.takeover import tell_replaced
from lobby.store import AlreadyActive
from lobby.tickets import TicketRefused, read_ticket
from lobby.wiring import PRESENCE_TTL, lobby_store

logger = logging.getLogger(__name__)


class MatchConsumer(MatchSocket):
    """One player's connection to one match."""

    player_id: int | None = None
    player_key: str | None = None
    batcher: InputBatcher
    decode_frame = staticmethod(decode_client_frame)

    async def connect(self) -> None:
        """Accept, check the ticket and the player's presence, join the group, ask for a seat."""
        await self.open_socket()
        self.batcher = input_batcher(self.channel_layer, settings.ARENA.input_flush_interval)
        match = await self.find_match()
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
            if match.result:  # a player back too late: the results, then the close
                await self.send(bytes_data=encode_stored_result(match.result))
            await self.close_with(CloseCode.MATCH_OVER, "match is over")
            return
        self.store = lobby_store()
        try:
            replaced = await self.store.enter_match(
                ticket.player_key, str(match.id), self.channel_name, PRESENCE_TTL
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
        self.keep_presence(ticket.player_key)
        await self.watch_match(match)
        join: messages.JoinMessage = {
            "type": "engine.join",
            "match_id": self.match_id,
            "name": ticket.name,
            "player_key": ticket.player_key,
            "reply_to": self.channel_name,
        }
        await self.ask_engine(dict(join))

    async def match_joined(self, message: messages.JoinedMessage) -> None:
        """The engine granted a seat: greet the client; snapshots flow from now on."""
        self._cancel_join_timer()
        if self.closing:
            return
        await self.send(bytes_data=message["welcome"])
        self.player_id = message["player_id"]
        self.start_stream(after_tick=message["tick"])  # not the snapshots from before its seat

    async def match_replaced(self, message: messages.ReplacedMessage) -> None:
        """The player connected to this match again from another socket: close (4019)."""
        logger.info("closing a match socket replaced by a newer one (%s)", self.match_id)
        await self.close_with(CloseCode.REPLACED, "you connected to this match from another socket")

    def handle_frame(self, frame: Any) -> None:
        """An INPUT: batched to the engine with this process's other inputs."""
        if isinstance(frame, InputMessage):
            assert self.engine_channel is not None and self.player_id is not None
            self.batcher.submit(
                self.engine_channel,
                self.match_id,
                self.player_id,
                frame.seq,
                frame.buttons,
                frame.aim,
            )

    def leave_message(self) -> dict[str, Any]:
        """Give the seat back (the engine keeps the player's score for a return)."""
        leave: messages.LeaveMessage = {
            "type": "engine.leave",
            "match_id": self.match_id,
            "channel": self.channel_name,
        }
        return dict(leave)

    async def disconnect(self, code: int) -> None:
        """Free the player's place in the lobby store, leave the match, give the seat back."""
        self.closing = True
        self.stop_presence()
        if self.player_key is not None:
            with contextlib.suppress(Exception):
                await self.store.release(self.player_key, self.channel_name)
        await super().disconnect(code)
