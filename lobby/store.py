"""The lobby's shared state: queues, pending ready checks, player presence and the matchmaker lease.

One interface, two implementations: ``lobby.memory_store`` (embedded, one process) and
``lobby.redis_store`` (every web process on one Redis). Times are Unix seconds (wall clock),
so that processes agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class PresenceState(StrEnum):
    """Where a player is: at most one of these at a time."""

    QUEUED = "queued"
    PENDING = "pending"
    MATCH = "match"


class AlreadyActive(Exception):
    """The player is already queued, in a ready check or in a match (another tab?)."""

    def __init__(self, state: PresenceState) -> None:
        super().__init__(f"already {state.value}")
        self.state = state


def queue_name(game: str, mode: str) -> str:
    """The lobby's queue of one mode of one game: ``"<game>/<mode>"``."""
    return f"{game}/{mode}"


def split_queue(queue: str) -> tuple[str, str]:
    """``(game, mode)`` of a queue name."""
    game, _, mode = queue.partition("/")
    return game, mode


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A player waiting for a match in one queue (``mode`` is the queue: ``"<game>/<mode>"``)."""

    player_key: str  # "guest:<session key>" or "user:<id>"
    name: str
    rating: float  # the player's rating in that queue's game and mode
    mode: str
    joined_at: float  # when the player first queued; kept when put back after a failed check
    channel: str  # the lobby consumer's channel, to reach the player
    party: str = ""  # the party it was queued with (``enqueue_party``), "" when queued alone


class NoSuchParty(Exception):
    """No party has that id (never made, or every member left it)."""


class PartyFull(Exception):
    """The party already has as many members as it may have."""


class AlreadyInParty(Exception):
    """The player is a member of another party; they leave it first."""


@dataclass(frozen=True, slots=True)
class PartyMember:
    """A member of a party and the lobby socket that reaches them."""

    player_key: str
    name: str
    channel: str


@dataclass(frozen=True, slots=True)
class Party:
    """Players who queue together for one queue (``mode``); ``members[0]`` leads."""

    party_id: str
    mode: str  # the queue: "<game>/<mode>"
    members: tuple[PartyMember, ...]  # in the order they joined

    @property
    def leader(self) -> str:
        """The player key of the member who queues the party."""
        return self.members[0].player_key

    def player_keys(self) -> list[str]:
        """The members' player keys."""
        return [member.player_key for member in self.members]


def party_group(party_id: str) -> str:
    """The channel-layer group of a party's members' lobby sockets."""
    return f"party.{party_id}"


def ready_check_group(pending_id: str) -> str:
    """The temporary channel-layer group of a ready check."""
    return f"pending.{pending_id}"


@dataclass(frozen=True, slots=True)
class Pending:
    """A formed group waiting for every player to accept; ``teams[i]`` is the team the
    matchmaker put ``entries[i]`` on (team modes; empty otherwise)."""

    pending_id: str
    mode: str
    entries: tuple[QueueEntry, ...]
    deadline: float
    accepted: frozenset[str] = field(default_factory=frozenset)
    declined: frozenset[str] = field(default_factory=frozenset)
    teams: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.teams and len(self.teams) != len(self.entries):
            raise ValueError(f"ready check {self.pending_id!r} has a team for each player or none")

    def team_of(self, player_key: str) -> int | None:
        """The team the matchmaker put a player of the check on (None outside team modes)."""
        if not self.teams:
            return None
        for entry, team in zip(self.entries, self.teams, strict=True):
            if entry.player_key == player_key:
                return team
        raise KeyError(player_key)

    @property
    def group(self) -> str:
        """The temporary channel-layer group of this ready check."""
        return ready_check_group(self.pending_id)

    @property
    def all_accepted(self) -> bool:
        """True when every player accepted."""
        return len(self.accepted) == len(self.entries)

    def player_keys(self) -> list[str]:
        """The players of the group, in queue order."""
        return [entry.player_key for entry in self.entries]


@dataclass(frozen=True, slots=True)
class Presence:
    """A player's current place and until when it holds without a refresh."""

    state: PresenceState
    channel: str  # the socket that owns this presence ("" for a reserved match seat)
    expires_at: float
    match_id: str = ""


class LobbyStore(Protocol):
    """Shared lobby state; every method is atomic with respect to the others."""

    async def enqueue(self, entry: QueueEntry, ttl: float) -> None:
        """Queue a player; raises AlreadyActive if the player has a live presence elsewhere."""

    async def dequeue(self, player_key: str) -> QueueEntry | None:
        """Remove a queued player and their presence (and their party's other queued members);
        None if they were not queued."""

    async def queued(self, mode: str, now: float) -> list[QueueEntry]:
        """The queued players of a mode whose presence is live, longest-waiting first; a
        party queued together is listed only while all its members are (else it leaves)."""

    async def reattach(self, player_key: str, channel: str, ttl: float) -> Presence | None:
        """Move a detached queued or pending presence to a new socket; return the presence.

        Only a presence whose socket the server closed (see ``detach``) moves: a live socket
        in another tab keeps its place. A match presence belongs to a match socket (it is
        returned, unchanged: the caller can offer the player its match).
        """

    async def detach(self, player_key: str, channel: str, ttl: float) -> None:
        """Keep the place of a closed socket for ``ttl``, for a reconnect: a queued or pending
        place (the server is closing the lobby socket), or a seat in a match (the match socket
        dropped), which becomes a reserved seat that the player's next match socket takes."""

    async def touch(self, player_key: str, channel: str, ttl: float) -> bool:
        """Extend a presence owned by ``channel``; False if it is gone or owned by another."""

    async def touch_many(self, entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        """``touch`` for many ``(player_key, channel)`` pairs in one call."""

    async def claim(self, pending: Pending, ttl: float) -> bool:
        """Move every player of ``pending`` from the queue to it, or change nothing."""

    async def pendings(self) -> list[Pending]:
        """Every ready check in progress."""

    async def answer(self, pending_id: str, player_key: str, accept: bool) -> Pending | None:
        """Record a player's answer; None if there is no such check or they are not in it."""

    async def take_pendings(self, pending_ids: list[str]) -> list[Pending]:
        """Remove ready checks and return those that existed; exactly one caller gets each."""

    async def requeue(self, entries: list[QueueEntry], ttl: float) -> None:
        """Put players back in the queue with their original ``joined_at`` (the front)."""

    async def reserve_matches(self, seats: list[tuple[str, str]], ttl: float) -> None:
        """Mark players as in matches they have not connected to yet: (player_key, match_id)."""

    async def enter_match(
        self, player_key: str, match_id: str, channel: str, ttl: float
    ) -> str | None:
        """Bind a match socket to the player; return the socket it took the match over from.

        A live presence in the same match moves to ``channel``: a reserved seat (None is
        returned), or another socket of the player (its channel is returned, for the caller to
        close). Raises AlreadyActive if the player is queued, in a ready check or in another
        match.
        """

    async def presence(self, player_key: str, now: float) -> Presence | None:
        """The player's live presence, if any."""

    async def release(self, player_key: str, channel: str) -> None:
        """Clear the player's presence if ``channel`` owns it (and their queue entry)."""

    async def sweep(self) -> int:
        """Forget every expired presence and its queue entry; how many were forgotten."""

    async def create_party(self, party_id: str, mode: str, leader: PartyMember) -> Party:
        """A new party for ``mode`` led by ``leader``; raises AlreadyInParty if they are in
        one."""

    async def join_party(self, party_id: str, member: PartyMember, limit: int) -> Party:
        """Add a member (a member joining again only updates their name and socket); raises
        NoSuchParty, PartyFull when it has ``limit`` members, AlreadyInParty for a member of
        another."""

    async def leave_party(self, player_key: str) -> Party | None:
        """Take the player out of their party (the next member leads; an empty party is
        gone) and the party out of the queue; the party as it was, None if in none."""

    async def party_of(self, player_key: str) -> Party | None:
        """The player's party, if any."""

    async def party(self, party_id: str) -> Party | None:
        """The party ``party_id``, if it exists."""

    async def enqueue_party(self, entries: list[QueueEntry], ttl: float) -> None:
        """Queue a party's members as one: every entry or none (AlreadyActive). Each entry
        names the party; when one of them leaves the queue (``dequeue``, ``release``,
        expiry) the others leave it too."""

    async def try_lease(self, holder: str, ttl: float) -> bool:
        """Take or renew the matchmaker lease; False while another live holder has it."""

    async def release_lease(self, holder: str) -> None:
        """Give the lease up if ``holder`` has it."""
