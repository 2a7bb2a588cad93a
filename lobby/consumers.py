"""The lobby socket: queue for a mode of a game, see where you stand, answer ready checks.

What it needs of matches (the match a player holds a seat in) it is given by the project's
routing (``as_asgi(seated_match=...)``): the lobby does not depend on the match app.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings

from engine.protocol import (
    CancelRequest,
    ChatDirect,
    ChatErrorCode,
    ChatReport,
    ChatRoom,
    ChatSend,
    CloseCode,
    LobbyErrorCode,
    PartyCreate,
    PartyJoin,
    PartyLeave,
    PingMessage,
    QueueRequest,
    ReadyAnswer,
    decode_lobby_frame,
    encode_pong,
)
from lobby import frames, messages
from lobby.chat import topics
from lobby.chat.lines import Speaker
from lobby.chat.sockets import ChatSocket
from lobby.identity import player_key_for_scope
from lobby.models import PlayerProfile, Rating
from lobby.names import InvalidName, clean_display_name
from lobby.parties import largest_party
from lobby.rating import DEFAULT_RATING
from lobby.store import (
    AlreadyActive,
    AlreadyInParty,
    NoSuchParty,
    Party,
    PartyFull,
    PartyMember,
    Presence,
    PresenceState,
    QueueEntry,
    party_group,
    queue_name,
    ready_check_group,
)
from lobby.tickets import issue_ticket
from lobby.wiring import PRESENCE_TTL, game_list, lobby_store, mode_specs

# A match a player holds a seat in, by id: None when there is no such match or it is over.
SeatedMatchLookup = Callable[[str], Awaitable[frames.SeatedMatch | None]]

logger = logging.getLogger(__name__)

SERVER_RESTART = 1012  # the web server closes sockets with this code when it shuts down
# seconds between the keeper finding a searching player's place gone and the socket telling
# its client: an outcome on its way (READY_FAILED, a party's QUEUE_LEFT) comes first
PLACE_LOSS_GRACE = 1.0


@database_sync_to_async
def _members_ratings(player_keys: list[str], queue: str) -> dict[str, float]:
    """The ratings of several players in one queue (those who have one)."""
    game, mode = queue.split("/", 1)
    rows = Rating.objects.filter(player_key__in=player_keys, game=game, mode=mode)
    return {row.player_key: row.rating for row in rows}


@database_sync_to_async
def _ratings(player_key: str) -> dict[str, float]:
    """The player's ratings by queue (``"<game>/<mode>"``)."""
    return {
        queue_name(r.game, r.mode): r.rating for r in Rating.objects.filter(player_key=player_key)
    }


async def _no_seated_match(match_id: str) -> frames.SeatedMatch | None:
    return None


@database_sync_to_async
def _profile(player_key: str, name: str) -> PlayerProfile:
    profile, created = PlayerProfile.objects.get_or_create(key=player_key, defaults={"name": name})
    if not created and profile.name != name:
        profile.name = name
        profile.save(update_fields=["name", "updated_at"])
    return profile


class LobbyConsumer(ChatSocket):
    """One player's lobby connection (and its chat: a game's room, direct messages)."""

    player_key: str | None = None
    player_id: int | None = None  # the player's profile (``/players/<id>/``), its chat id too
    pending_id: str | None = None
    party_id: str | None = None  # the party whose group and chat channel the socket is in
    chat_room: str | None = None  # the game whose lobby room the socket is in
    # where the client was last told its player is: QUEUED, PENDING or None (anywhere else)
    place: PresenceState | None = None
    lost_pending: str | None = None  # a check declined for a lost place: its outcome tells
    recovering = False  # a lost place is being looked into
    seated_match: SeatedMatchLookup = staticmethod(_no_seated_match)  # type: ignore[assignment]

    def __init__(
        self,
        *args: Any,
        seated_match: SeatedMatchLookup | None = None,
        frame_writer: str | None = None,
        **kwargs: Any,
    ):
        """``seated_match`` finds the match a player holds a seat in; ``frame_writer`` names the
        scope extension of the web server's direct writer, which chat frames go through (both
        given by the project's routing, ``as_asgi``)."""
        super().__init__(*args, **kwargs)
        if seated_match is not None:
            self.seated_match = seated_match
        self.frame_writer = frame_writer

    async def connect(self) -> None:
        """Accept, identify the player and resume a place kept across a server restart."""
        await self.accept()
        self.store = lobby_store()
        self.modes = mode_specs()
        self.start_limits()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            self.name = clean_display_name(query.get("name", [""])[0])
        except InvalidName as exc:
            await self.close_with(CloseCode.BAD_NAME, str(exc))
            return
        player_key = await player_key_for_scope(self.scope)
        if player_key is None:
            await self.close_with(CloseCode.NO_SESSION, "load the page or GET /api/session/ first")
            return
        player_id = (await _profile(player_key, self.name)).pk
        write_now = self.scope.get("extensions", {}).get(self.frame_writer or "")
        if not await self.open_chat(Speaker(player_key, player_id, self.name), None, write_now):
            return  # banned: closed with 4021
        self.player_key = player_key
        self.player_id = player_id
        self.ratings = await _ratings(player_key)
        presence = await self.store.reattach(self.player_key, self.channel_name, PRESENCE_TTL)
        await self.send(bytes_data=await self._welcome(presence))
        await self._resume(presence)
        await self._rejoin_party()
        self.keep_presence(player_key, on_gone=self._place_gone, expected=self._holds_place)
        assert self.chat is not None
        self.chat.ready()
        await self.chat.send_direct_history()

    async def _welcome(self, presence: Presence | None) -> bytes:
        """LOBBY_WELCOME, naming the match the player has a seat in (to go back to), if any."""
        assert self.player_key is not None
        seat: frames.HeldSeat | None = None
        if presence is not None and presence.state == PresenceState.MATCH:
            match = await self.seated_match(presence.match_id)
            if match is not None:
                ticket = issue_ticket(presence.match_id, self.player_key, self.name)
                seat = frames.HeldSeat(match, ticket, connected=presence.channel != "")
        accept_timeout = settings.ARENA.accept_timeout
        signed_in = getattr(self.scope.get("user"), "is_authenticated", False)
        return frames.lobby_welcome(
            self.name, self.ratings, game_list(), accept_timeout, seat, self.player_id, signed_in
        )

    async def _resume(self, presence: Presence | None) -> None:
        assert self.player_key is not None
        resumed = presence is not None and presence.channel == self.channel_name
        if resumed and presence.state == PresenceState.QUEUED:  # type: ignore[union-attr]
            self.place = PresenceState.QUEUED  # QUEUE_STATUS follows within a second
        if not resumed or presence.state != PresenceState.PENDING:  # type: ignore[union-attr]
            return
        for pending in await self.store.pendings():
            if self.player_key in pending.player_keys():
                await self.lobby_ready_check(
                    {
                        "frame": frames.ready_check(pending, time.time()),
                        "pending_id": pending.pending_id,
                    }
                )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Validate one client frame and act on it."""
        if self.player_key is None:
            return
        request = await self.take_frame(text_data, bytes_data, decode_lobby_frame)
        if isinstance(request, QueueRequest):
            await self._queue(queue_name(request.game, request.mode))
        elif isinstance(request, CancelRequest):
            await self._cancel()
        elif isinstance(request, ReadyAnswer):
            await self._answer(request.pending_id, request.accept)
        elif isinstance(request, PingMessage):
            await self.send(bytes_data=encode_pong(request.nonce, int(time.time() * 1000)))
        elif isinstance(request, PartyCreate):
            await self._party_create(queue_name(request.game, request.mode))
        elif isinstance(request, PartyJoin):
            await self._party_join(request.party_id)
        elif isinstance(request, PartyLeave):
            await self._party_leave()
        elif isinstance(request, ChatRoom):
            await self._enter_room(request.game)
        elif isinstance(request, ChatSend | ChatDirect | ChatReport):
            self.take_chat(request)

    async def _enter_room(self, game: str) -> None:
        """CHAT_ROOM: hear and speak in ``game``'s lobby room (and its announcements), after
        its last messages; the room of another game is left."""
        assert self.chat is not None
        if game not in game_list():
            self.chat.error(ChatErrorCode.UNKNOWN_ROOM, f"no game called {game!r}")
            return
        if self.chat_room is not None:
            await self.chat.unhear(topics.announce_game(self.chat_room))
        self.chat_room = game
        await self.chat.hear(topics.announce_game(game))
        await self.chat.join("lobby", topics.lobby_room(game))

    # -- parties ---------------------------------------------------------------------------

    def _member(self) -> PartyMember:
        assert self.player_key is not None
        return PartyMember(self.player_key, self.name, self.channel_name)

    def _limit(self, queue: str) -> int:
        """The most members a party of ``queue`` may have: a team's size in team modes."""
        spec = self.modes[queue]
        return largest_party(spec, spec.teams)

    async def _party_create(self, queue: str) -> None:
        """PARTY_CREATE: a new party this player leads; PARTY_STATE tells its invite."""
        if queue not in self.modes:
            await self._error(LobbyErrorCode.UNKNOWN_MODE, f"no game and mode called {queue!r}")
            return
        try:
            party = await self.store.create_party(uuid.uuid4().hex, queue, self._member())
        except AlreadyInParty:
            await self._error(LobbyErrorCode.IN_PARTY, "already in a party: leave it first")
            return
        await self._enter_party(party)

    async def _party_join(self, party_id: str) -> None:
        """PARTY_JOIN: become a member of a party (its invite link's id)."""
        party = await self.store.party(party_id)
        if party is None or party.mode not in self.modes:
            await self._error(LobbyErrorCode.NO_SUCH_PARTY, "that party does not exist any more")
            return
        limit = self._limit(party.mode)
        try:
            party = await self.store.join_party(party_id, self._member(), limit)
        except NoSuchParty:
            await self._error(LobbyErrorCode.NO_SUCH_PARTY, "that party does not exist any more")
            return
        except PartyFull:
            await self._error(LobbyErrorCode.PARTY_FULL, f"that party is full ({limit} players)")
            return
        except AlreadyInParty:
            await self._error(LobbyErrorCode.IN_PARTY, "already in a party: leave it first")
            return
        await self._enter_party(party)

    async def _enter_party(self, party: Party) -> None:
        """Join the party's group and chat channel; every member gets the new PARTY_STATE."""
        assert self.chat is not None
        self.party_id = party.party_id
        await self.channel_layer.group_add(party_group(party.party_id), self.channel_name)
        await self.chat.join("party", topics.party(party.party_id))
        await self._tell_party(party.party_id)

    async def _tell_party(self, party_id: str) -> None:
        """PARTY_STATE to every member of the party, on whichever web process."""
        party = await self.store.party(party_id)
        if party is None:
            return
        frame = frames.party_state(party, self._limit(party.mode))
        await self.channel_layer.group_send(
            party_group(party_id), {"type": messages.FRAME, "frame": frame}
        )

    async def _rejoin_party(self) -> None:
        """A player whose party outlived their socket (a server restart) takes it up again."""
        assert self.player_key is not None
        party = await self.store.party_of(self.player_key)
        if party is None or party.mode not in self.modes:
            return
        try:
            party = await self.store.join_party(party.party_id, self._member(), len(party.members))
        except (NoSuchParty, PartyFull, AlreadyInParty):
            logger.info("party %s changed while its member reconnected", party.party_id)
            return
        await self._enter_party(party)

    async def _party_leave(self) -> None:
        """PARTY_LEAVE: out of the party (and the party out of the queue)."""
        if self.party_id is None:
            await self._error(LobbyErrorCode.NOT_IN_PARTY, "not in a party")
            return
        await self._leave_party()
        await self.send(bytes_data=frames.party_state(None))

    async def _leave_party(self) -> None:
        """Leave the party: the others get its new state and, if it was searching, QUEUE_LEFT."""
        assert self.player_key is not None and self.party_id is not None
        party_id, self.party_id = self.party_id, None
        queued = await self._party_queued(party_id)
        await self.store.leave_party(self.player_key)
        if queued:
            await self._party_left_queue(party_id, "party_changed")
        await self.channel_layer.group_discard(party_group(party_id), self.channel_name)
        if self.chat is not None and not self.closing:
            await self.chat.leave("party")
        await self._tell_party(party_id)

    async def _party_queued(self, party_id: str) -> bool:
        """True if the party is searching (its leader is queued with it)."""
        party = await self.store.party(party_id)
        if party is None:
            return False
        return any(
            entry.party == party_id for entry in await self.store.queued(party.mode, time.time())
        )

    async def _party_left_queue(self, party_id: str, reason: str) -> None:
        """QUEUE_LEFT to every member of a party taken out of the queue (and to this socket)."""
        frame = frames.queue_left(reason)
        await self.channel_layer.group_send(
            party_group(party_id), {"type": messages.FRAME, "frame": frame}
        )

    async def _queue_party(self, queue: str) -> None:
        """QUEUE from a party member: the leader queues every member at once."""
        assert self.player_key is not None and self.party_id is not None
        party = await self.store.party(self.party_id)
        if party is None:
            self.party_id = None
            await self._error(LobbyErrorCode.NO_SUCH_PARTY, "your party is gone")
            return
        if party.leader != self.player_key:
            await self._error(LobbyErrorCode.NOT_LEADER, "only the party's leader can search")
            return
        if queue != party.mode:
            game, mode = party.mode.split("/", 1)
            await self._error(LobbyErrorCode.UNKNOWN_MODE, f"your party plays {game} {mode}")
            return
        ratings = await _members_ratings(party.player_keys(), queue)
        now = time.time()
        entries = [
            QueueEntry(
                m.player_key,
                m.name,
                ratings.get(m.player_key, DEFAULT_RATING),
                queue,
                now,
                m.channel,
                party.party_id,
            )
            for m in party.members
        ]
        try:
            await self.store.enqueue_party(entries, PRESENCE_TTL)
        except AlreadyActive:
            await self._error(
                LobbyErrorCode.ALREADY_ACTIVE,
                "a member of the party is already searching, in a ready check or in a match",
            )
        else:
            self.place = PresenceState.QUEUED  # the members learn it from QUEUE_STATUS

    # -- queue -----------------------------------------------------------------------------

    async def _queue(self, queue: str) -> None:
        assert self.player_key is not None
        if queue not in self.modes:
            await self._error(LobbyErrorCode.UNKNOWN_MODE, f"no game and mode called {queue!r}")
            return
        if self.party_id is not None:
            await self._queue_party(queue)
            return
        # read again for every QUEUE: a match may have ended since (one this socket saw through
        # its ready check, or one played while the page was away, whose ratings came later)
        self.ratings = await _ratings(self.player_key)
        rating = self.ratings.get(queue, DEFAULT_RATING)
        now = time.time()
        entry = QueueEntry(self.player_key, self.name, rating, queue, now, self.channel_name)
        try:
            try:
                await self.store.enqueue(entry, PRESENCE_TTL)
            except AlreadyActive as exc:
                if not await self._forget_finished_match(exc.state):
                    raise
                await self.store.enqueue(entry, PRESENCE_TTL)
            self.place = PresenceState.QUEUED
        except AlreadyActive as exc:
            where = {
                PresenceState.QUEUED: "already searching (maybe in another tab)",
                PresenceState.PENDING: "already in a ready check (maybe in another tab)",
                PresenceState.MATCH: "already in a match (maybe in another tab)",
            }[exc.state]
            await self._error(LobbyErrorCode.ALREADY_ACTIVE, where)

    async def _forget_finished_match(self, state: PresenceState) -> bool:
        """A seat kept for a match that is over (or gone) since: give it up; True if there
        was one."""
        assert self.player_key is not None
        if state != PresenceState.MATCH:
            return False
        presence = await self.store.presence(self.player_key, time.time())
        if presence is None or presence.state != PresenceState.MATCH:
            return presence is None
        over = await self.seated_match(presence.match_id) is None
        if over:
            await self.store.release(self.player_key, presence.channel)
        return over

    async def _cancel(self) -> None:
        assert self.player_key is not None
        self.place = None  # the client is idle from now on, whatever the store says
        presence = await self.store.presence(self.player_key, time.time())
        owned = presence is not None and presence.channel == self.channel_name
        if owned and presence.state == PresenceState.QUEUED:  # type: ignore[union-attr]
            entry = await self.store.dequeue(self.player_key)
            if entry is not None and entry.party:
                await self._party_left_queue(entry.party, "cancelled")
            else:
                await self.send(bytes_data=frames.queue_left("cancelled"))
        else:
            await self._error(LobbyErrorCode.NOT_QUEUED, "not searching")

    async def _answer(self, pending_id: str, accept: bool) -> None:
        assert self.player_key is not None
        if not accept:
            self.place = None  # declining leaves the queue
        pending = await self.store.answer(pending_id, self.player_key, accept)
        if pending is None:
            await self._error(LobbyErrorCode.NO_READY_CHECK, "that ready check is over")
            return
        if accept and not pending.all_accepted:  # the last accept is answered by MATCH_FOUND
            frame = frames.ready_update(pending_id, len(pending.accepted), len(pending.entries))
            await self.channel_layer.group_send(
                pending.group, {"type": messages.FRAME, "frame": frame}
            )

    async def _error(self, code: LobbyErrorCode, message: str) -> None:
        await self.send(bytes_data=frames.lobby_error(code, message))

    # -- from the matchmaker and the ready-check group -------------------------------------

    async def lobby_ready_check(self, message: dict[str, Any]) -> None:
        """A group formed: join its temporary group and show the ready check."""
        self.pending_id = message["pending_id"]
        self.place = PresenceState.PENDING
        await self.channel_layer.group_add(ready_check_group(self.pending_id), self.channel_name)
        await self.send(bytes_data=message["frame"])

    async def lobby_frame(self, message: dict[str, Any]) -> None:
        """A frame for the socket."""
        self.place = frames.place_told(message["frame"], self.place)
        await self.send(bytes_data=message["frame"])

    async def lobby_settled(self, message: dict[str, Any]) -> None:
        """The ready check is over: pass its outcome on and leave its group."""
        pending_id = message["pending_id"]
        await self.channel_layer.group_discard(ready_check_group(pending_id), self.channel_name)
        if self.pending_id == pending_id:
            self.pending_id = None
        if self.lost_pending == pending_id:
            self.lost_pending = None
            if self.place is not None and not message.get("matched"):
                await self._tell_place_lost()  # the check failed since its place was lost
                return
        self.place = frames.place_told(message["frame"], self.place)
        await self.send(bytes_data=message["frame"])

    # -- a place the lobby store lost -------------------------------------------------------

    def _holds_place(self) -> bool:
        """Whether the client believes it is searching or in a ready check (idle: no place)."""
        return self.place is not None

    def _place_gone(self) -> Awaitable[None] | None:
        """The presence keeper found no place of this socket's in the store: look into it if
        the client believes it is searching or in a ready check (an idle player has none)."""
        if self.place is None or self.closing or self.recovering:
            return None
        self.recovering = True
        return self._recover_place()

    async def _recover_place(self) -> None:
        """Tell the client its place is lost, unless the store has it (again) or moved it on."""
        assert self.player_key is not None
        try:
            await asyncio.sleep(PLACE_LOSS_GRACE)
            if self.place is None or self.closing:
                return  # an outcome came meanwhile
            presence = await self.store.presence(self.player_key, time.time())
            place = self.place
            if place is None or self.closing:
                return  # an outcome came while the store was asked
            if presence is not None and presence.channel == self.channel_name:
                return  # held: queued again since the refresh
            logger.warning(
                "the lobby store lost the place (%s) of %s", place.value, self.player_key
            )
            pending_id = self.pending_id
            if place == PresenceState.PENDING and pending_id is not None:
                # decline for the player: the check fails for the others at once, and its
                # READY_FAILED (after the matchmaker let go of the player) becomes the notice
                self.lost_pending = pending_id
                if await self.store.answer(pending_id, self.player_key, False) is not None:
                    return
            await self._tell_place_lost()
        finally:
            self.recovering = False

    async def _tell_place_lost(self) -> None:
        """QUEUE_LEFT ``place_lost``: the player is idle, free to queue again."""
        self.place = None
        self.lost_pending = None
        if self.pending_id is not None:
            group = ready_check_group(self.pending_id)
            self.pending_id = None
            await self.channel_layer.group_discard(group, self.channel_name)
        if not self.closing:
            await self.send(bytes_data=frames.queue_left(frames.PLACE_LOST))

    async def disconnect(self, code: int) -> None:
        """Leave the queue (or decline the check) at once, unless the server is restarting."""
        self.closing = True
        self.stop_presence()
        await self.close_chat()
        if self.pending_id is not None:
            group = ready_check_group(self.pending_id)
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.player_key is None:
            return
        if code == SERVER_RESTART:
            await self.store.detach(self.player_key, self.channel_name, PRESENCE_TTL)
            return
        if self.party_id is not None:
            await self._leave_party()  # takes the party out of the queue, tells the others
        presence = await self.store.presence(self.player_key, time.time())
        if presence is None or presence.channel != self.channel_name:
            return
        if presence.state == PresenceState.QUEUED:
            await self.store.release(self.player_key, self.channel_name)
        elif presence.state == PresenceState.PENDING and self.pending_id is not None:
            await self.store.answer(self.pending_id, self.player_key, False)
