"""Lobby state for one process (the embedded deployment): plain dicts.

Every method is a coroutine that never awaits, so under asyncio each runs atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from lobby.store import (
    AlreadyActive,
    AlreadyInParty,
    NoSuchParty,
    Party,
    PartyFull,
    PartyMember,
    Pending,
    Presence,
    PresenceState,
    QueueEntry,
)


class MemoryLobbyStore:
    """The lobby store of a single process; see ``lobby.store.LobbyStore`` for the contract."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[str, QueueEntry] = {}
        self._presences: dict[str, Presence] = {}
        self._pending_of: dict[str, str] = {}
        self._pendings: dict[str, Pending] = {}
        self._lease: tuple[str, float] | None = None
        self._parties: dict[str, Party] = {}
        self._party_of: dict[str, str] = {}

    # -- helpers ---------------------------------------------------------------------------

    def _live(self, player_key: str, now: float) -> Presence | None:
        """The player's presence if it has not expired; an expired one is forgotten."""
        presence = self._presences.get(player_key)
        if presence is None:
            return None
        if presence.expires_at > now:
            return presence
        self._forget(player_key)
        return None

    def _set(self, player_key: str, presence: Presence, pending_id: str = "") -> None:
        """Replace the player's presence (and which ready check it belongs to)."""
        self._presences[player_key] = presence
        if pending_id:
            self._pending_of[player_key] = pending_id
        else:
            self._pending_of.pop(player_key, None)

    def _forget(self, player_key: str) -> None:
        """Drop the player's presence and queue entry."""
        self._presences.pop(player_key, None)
        self._pending_of.pop(player_key, None)
        self._entries.pop(player_key, None)

    def _queue(self, entry: QueueEntry, now: float, ttl: float) -> None:
        """Add a queue entry with a QUEUED presence owned by its channel."""
        self._entries[entry.player_key] = entry
        self._set(entry.player_key, Presence(PresenceState.QUEUED, entry.channel, now + ttl))

    def _move_pending_entry(self, player_key: str, channel: str) -> None:
        """Point the player's entry inside their ready check at a new channel."""
        pending = self._pendings.get(self._pending_of.get(player_key, ""))
        if pending is None:
            return
        entries = tuple(
            replace(entry, channel=channel) if entry.player_key == player_key else entry
            for entry in pending.entries
        )
        self._pendings[pending.pending_id] = replace(pending, entries=entries)

    def _unqueue_party(self, party_id: str) -> None:
        """Take every member still queued with party ``party_id`` out of the queue."""
        party = self._parties.get(party_id)
        if not party_id or party is None:
            return
        for member in party.player_keys():
            current = self._presences.get(member)
            entry = self._entries.get(member)
            queued = current is not None and current.state == PresenceState.QUEUED
            if queued and entry is not None and entry.party == party_id:
                self._forget(member)

    # -- queue -----------------------------------------------------------------------------

    async def enqueue(self, entry: QueueEntry, ttl: float) -> None:
        """Queue a player; raises AlreadyActive if the player has a live presence elsewhere."""
        now = self._clock()
        current = self._live(entry.player_key, now)
        if current is not None:
            raise AlreadyActive(current.state)
        self._queue(entry, now, ttl)

    async def dequeue(self, player_key: str) -> QueueEntry | None:
        """Remove a queued player and their presence; None if they were not queued."""
        current = self._live(player_key, self._clock())
        if current is None or current.state != PresenceState.QUEUED:
            return None
        entry = self._entries.get(player_key)
        self._forget(player_key)
        if entry is not None:
            self._unqueue_party(entry.party)
        return entry

    async def queued(self, mode: str, now: float) -> list[QueueEntry]:
        """The queued players of a mode whose presence is live, longest-waiting first."""
        found: list[QueueEntry] = []
        for player_key, entry in list(self._entries.items()):
            current = self._live(player_key, now)
            if current is None or current.state != PresenceState.QUEUED:
                self._entries.pop(player_key, None)
            elif entry.mode == mode:
                found.append(entry)
        whole = []
        for entry in found:
            if entry.party and not self._party_queued(entry.party):
                self._unqueue_party(entry.party)
            elif entry.player_key in self._entries:
                whole.append(entry)
        return sorted(whole, key=lambda entry: (entry.joined_at, entry.player_key))

    def _party_queued(self, party_id: str) -> bool:
        """True if every member of the party is queued with it."""
        party = self._parties.get(party_id)
        if party is None:
            return False
        for member in party.player_keys():
            entry = self._entries.get(member)
            if entry is None or entry.party != party_id:
                return False
        return True

    async def enqueue_party(self, entries: list[QueueEntry], ttl: float) -> None:
        """Queue a party's members as one: every entry or none (see LobbyStore)."""
        now = self._clock()
        for entry in entries:
            current = self._live(entry.player_key, now)
            if current is not None:
                raise AlreadyActive(current.state)
        for entry in entries:
            self._queue(entry, now, ttl)

    # -- parties ---------------------------------------------------------------------------

    async def create_party(self, party_id: str, mode: str, leader: PartyMember) -> Party:
        """A new party for ``mode`` led by ``leader``; raises AlreadyInParty if in one."""
        if leader.player_key in self._party_of:
            raise AlreadyInParty(self._party_of[leader.player_key])
        party = Party(party_id, mode, (leader,))
        self._parties[party_id] = party
        self._party_of[leader.player_key] = party_id
        return party

    async def join_party(self, party_id: str, member: PartyMember, limit: int) -> Party:
        """Add a member; raises NoSuchParty, PartyFull or AlreadyInParty (see LobbyStore)."""
        party = self._parties.get(party_id)
        if party is None:
            raise NoSuchParty(party_id)
        if member.player_key in party.player_keys():
            members = tuple(
                member if m.player_key == member.player_key else m for m in party.members
            )
            party = replace(party, members=members)
            self._parties[party_id] = party
            return party
        if member.player_key in self._party_of:
            raise AlreadyInParty(self._party_of[member.player_key])
        if len(party.members) >= limit:
            raise PartyFull(party_id)
        self._unqueue_party(party_id)
        party = replace(party, members=(*party.members, member))
        self._parties[party_id] = party
        self._party_of[member.player_key] = party_id
        return party

    async def leave_party(self, player_key: str) -> Party | None:
        """Take the player out of their party and the party out of the queue."""
        party_id = self._party_of.pop(player_key, None)
        if party_id is None:
            return None
        party = self._parties[party_id]
        self._unqueue_party(party_id)
        rest = tuple(m for m in party.members if m.player_key != player_key)
        if rest:
            self._parties[party_id] = replace(party, members=rest)
        else:
            del self._parties[party_id]
        return party

    async def party_of(self, player_key: str) -> Party | None:
        """The player's party, if any."""
        return self._parties.get(self._party_of.get(player_key, ""))

    async def party(self, party_id: str) -> Party | None:
        """The party ``party_id``, if it exists."""
        return self._parties.get(party_id)

    # -- presence --------------------------------------------------------------------------

    async def reattach(self, player_key: str, channel: str, ttl: float) -> Presence | None:
        """Move a detached queued or pending presence to a new socket; return the presence."""
        return self._move(player_key, "", channel, ttl)

    async def detach(self, player_key: str, channel: str, ttl: float) -> None:
        """Keep the place of a closed socket for ``ttl``, for a reconnect (see LobbyStore)."""
        self._move(player_key, channel, "", ttl)

    def _move(self, player_key: str, owner: str, channel: str, ttl: float) -> Presence | None:
        now = self._clock()
        current = self._live(player_key, now)
        if current is None or current.channel != owner:
            return current
        if current.state == PresenceState.MATCH and channel:  # only a match socket takes it
            return current
        updated = replace(current, channel=channel, expires_at=now + ttl)
        self._presences[player_key] = updated
        if current.state == PresenceState.QUEUED and player_key in self._entries:
            self._entries[player_key] = replace(self._entries[player_key], channel=channel)
        elif current.state == PresenceState.PENDING:
            self._move_pending_entry(player_key, channel)
        return updated

    async def touch(self, player_key: str, channel: str, ttl: float) -> bool:
        """Extend a presence owned by ``channel``; False if it is gone or owned by another."""
        now = self._clock()
        current = self._live(player_key, now)
        if current is None or current.channel != channel:
            return False
        self._presences[player_key] = replace(current, expires_at=now + ttl)
        return True

    async def touch_many(self, entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        """``touch`` for many ``(player_key, channel)`` pairs in one call."""
        return [await self.touch(player_key, channel, ttl) for player_key, channel in entries]

    async def presence(self, player_key: str, now: float) -> Presence | None:
        """The player's live presence, if any."""
        current = self._presences.get(player_key)
        if current is None or current.expires_at <= now:
            return None
        return current

    async def release(self, player_key: str, channel: str) -> None:
        """Clear the player's presence if ``channel`` owns it (and their queue entry)."""
        current = self._presences.get(player_key)
        if current is not None and current.channel == channel:
            entry = self._entries.get(player_key)
            self._forget(player_key)
            if entry is not None and current.state == PresenceState.QUEUED:
                self._unqueue_party(entry.party)

    # -- ready checks ----------------------------------------------------------------------

    def _claimable(self, pending: Pending, now: float) -> bool:
        """True if every entry of ``pending`` is queued, unchanged and live."""
        keys = pending.player_keys()
        if len(set(keys)) != len(keys) or pending.pending_id in self._pendings:
            return False
        for entry in pending.entries:
            current = self._live(entry.player_key, now)
            if current is None or current.state != PresenceState.QUEUED:
                return False
            if self._entries.get(entry.player_key) != entry:
                return False
        return True

    async def claim(self, pending: Pending, ttl: float) -> bool:
        """Move every player of ``pending`` from the queue to it, or change nothing."""
        now = self._clock()
        if not self._claimable(pending, now):
            return False
        for entry in pending.entries:
            channel = self._presences[entry.player_key].channel
            del self._entries[entry.player_key]
            presence = Presence(PresenceState.PENDING, channel, now + ttl)
            self._set(entry.player_key, presence, pending.pending_id)
        self._pendings[pending.pending_id] = pending
        return True

    async def pendings(self) -> list[Pending]:
        """Every ready check in progress."""
        return list(self._pendings.values())

    async def answer(self, pending_id: str, player_key: str, accept: bool) -> Pending | None:
        """Record a player's answer (the latest one counts); None if not in such a check."""
        pending = self._pendings.get(pending_id)
        if pending is None or player_key not in pending.player_keys():
            return None
        accepted = pending.accepted - {player_key}
        declined = pending.declined - {player_key}
        if accept:
            accepted |= {player_key}
        else:
            declined |= {player_key}
        updated = replace(pending, accepted=accepted, declined=declined)
        self._pendings[pending_id] = updated
        return updated

    async def take_pendings(self, pending_ids: list[str]) -> list[Pending]:
        """Remove ready checks and return those that existed; exactly one caller gets each."""
        taken = (self._pendings.pop(pending_id, None) for pending_id in pending_ids)
        return [pending for pending in taken if pending is not None]

    async def requeue(self, entries: list[QueueEntry], ttl: float) -> None:
        """Put players back in the queue with their original ``joined_at`` (the front).

        A player who meanwhile became active elsewhere (queued or in a match) is left alone.
        """
        now = self._clock()
        for entry in entries:
            current = self._live(entry.player_key, now)
            if current is None or current.state == PresenceState.PENDING:
                self._queue(entry, now, ttl)

    # -- matches ---------------------------------------------------------------------------

    async def reserve_matches(self, seats: list[tuple[str, str]], ttl: float) -> None:
        """Mark players as in matches they have not connected to yet: (player_key, match_id)."""
        expires_at = self._clock() + ttl
        for player_key, match_id in seats:
            self._entries.pop(player_key, None)
            self._set(player_key, Presence(PresenceState.MATCH, "", expires_at, match_id))

    async def enter_match(
        self, player_key: str, match_id: str, channel: str, ttl: float
    ) -> str | None:
        """Bind a match socket to the player; return the socket it took the match over from."""
        now = self._clock()
        current = self._live(player_key, now)
        replaced: str | None = None
        if current is not None:
            if not _in_match(current, match_id):
                raise AlreadyActive(current.state)
            if current.channel not in ("", channel):
                replaced = current.channel
        self._entries.pop(player_key, None)
        self._set(player_key, Presence(PresenceState.MATCH, channel, now + ttl, match_id))
        return replaced

    # -- matchmaker lease ------------------------------------------------------------------

    async def sweep(self) -> int:
        """Forget every expired presence and its queue entry; how many were forgotten."""
        now = self._clock()
        expired = [key for key, p in self._presences.items() if p.expires_at <= now]
        for key in expired:
            self._forget(key)
        return len(expired)

    async def try_lease(self, holder: str, ttl: float) -> bool:
        """Take or renew the matchmaker lease; False while another live holder has it."""
        now = self._clock()
        if self._lease is not None and self._lease[0] != holder and self._lease[1] > now:
            return False
        self._lease = (holder, now + ttl)
        return True

    async def release_lease(self, holder: str) -> None:
        """Give the lease up if ``holder`` has it."""
        if self._lease is not None and self._lease[0] == holder:
            self._lease = None


def _in_match(presence: Presence, match_id: str) -> bool:
    """True if ``presence`` is a seat in ``match_id``: reserved (no socket yet) or a socket's."""
    return presence.state == PresenceState.MATCH and presence.match_id == match_id
