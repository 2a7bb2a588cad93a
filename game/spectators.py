"""The spectator's match socket: read-only, no ticket; the engine counts and caps spectators.

A spectator watches a match through the same per-process MatchRelay and the same kind of
SnapshotStream as its players (``game.matchsocket``). It asks the match's engine for a place
(``engine.watch``); the engine counts it against ARENA_MAX_SPECTATORS and answers with the
SPECTATING frame and a KEYFRAME of the tick the spectator's stream is at, so the first frames
go out at once. With ARENA_SPECTATOR_DELAY > 0 the spectator's stream is the match's delayed
group, produced once per match by the engine (``engine.delayed``). Spectators send only PING,
RESYNC and FOLLOW (docs/protocol.md section 7); anything else closes the socket with 4016.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from engine import messages
from engine.protocol import ChatReport, ChatSend, CloseCode, FollowRequest, decode_spectator_frame
from game.matchsocket import MatchSocket
from game.models import MatchRecord
from lobby.chat import topics
from lobby.chat.speakers import speaker_of_scope


class SpectatorConsumer(MatchSocket):
    """One spectator's connection to one match."""

    following: int | None = None  # the player the spectator's camera follows (FOLLOW)
    spectating = True
    decode_frame = staticmethod(decode_spectator_frame)

    async def connect(self) -> None:
        """Accept, find the match, watch its group, ask its engine for a spectator's place."""
        await self.open_socket()
        match = await self.find_match()
        if match is None:
            await self.close_with(CloseCode.MATCH_NOT_FOUND, "no such match")
            return
        if match.status == MatchRecord.Status.OVER:
            await self.close_with(CloseCode.MATCH_OVER, "match is over")
            return
        await self.open_chat(None, match.game, self.write_now)
        assert self.chat is not None
        self.chat.identify = lambda: speaker_of_scope(self.scope)  # on its first chat request
        # the engine says which stream it gives spectators; start on the one settings name
        self.delayed = settings.ARENA.spectator_delay > 0
        await self.watch_match(match)
        watch: messages.WatchMessage = {
            "type": "engine.watch",
            "match_id": self.match_id,
            "reply_to": self.channel_name,
        }
        await self.ask_engine(dict(watch))

    async def match_watching(self, message: messages.WatchingMessage) -> None:
        """The engine counted this spectator: SPECTATING, then a KEYFRAME at once, then the
        match's stream."""
        self._cancel_join_timer()
        if self.closing:
            return
        if message["delayed"] != self.delayed:  # this web process is configured differently
            await self.rewatch(message["delayed"])
        await self.send(bytes_data=message["spectating"])
        first = self.stream is None
        stream = self.start_stream()
        if message["snapshot"] is not None:
            stream.offer(message["snapshot"])
        if first:
            self.after_first_snapshot(self._join_chat)

    async def _join_chat(self) -> None:
        """The spectators' channel; or, with ARENA_CHAT_SPECTATORS=shared, the players' "all"."""
        assert self.chat is not None
        self.chat.ready()
        if settings.ARENA.chat_spectators == "shared":
            await self.chat.join("all", topics.match_all(self.match_id))
        else:
            await self.chat.join("spectators", topics.match_spectators(self.match_id))

    async def match_catchup(self, message: messages.CaughtUpMessage) -> None:
        """A KEYFRAME of the delayed stream's tick, asked for when the chain broke."""
        if self.stream is not None and not self.closing:
            self.stream.offer(message["snapshot"])

    def keyframe_request(self) -> dict[str, Any]:
        """A live spectator's stream gets a KEYFRAME as a player's does; a delayed one asks the
        engine for a KEYFRAME of the delayed stream's tick, sent to this socket alone."""
        if not self.delayed:
            return super().keyframe_request()
        catch_up: messages.CatchUpMessage = {
            "type": "engine.catchup",
            "match_id": self.match_id,
            "reply_to": self.channel_name,
        }
        return dict(catch_up)

    def handle_frame(self, frame: Any) -> None:
        """FOLLOW: validated when decoded; the camera is the client's, so nothing is sent.
        Chat: to the spectators' channel."""
        if isinstance(frame, FollowRequest):
            if self.stream is not None:
                self.following = frame.player_id
        elif isinstance(frame, ChatSend | ChatReport):
            self.take_chat(frame)

    def leave_message(self) -> dict[str, Any]:
        """Uncount the spectator."""
        unwatch: messages.UnwatchMessage = {
            "type": "engine.unwatch",
            "match_id": self.match_id,
            "channel": self.channel_name,
        }
        return dict(unwatch)
