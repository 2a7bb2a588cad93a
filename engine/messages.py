"""Channel-layer messages between match consumers and engine workers, in one place.

These never reach a WebSocket; the wire protocol is ``engine.protocol``.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

# consumer or match service -> engine worker channel
CREATE = "engine.create"
JOIN = "engine.join"
INPUTS = "engine.inputs"
KEYFRAME_WANTED = "engine.keyframe"
LEAVE = "engine.leave"
WATCH = "engine.watch"
UNWATCH = "engine.unwatch"
CATCH_UP = "engine.catchup"
# engine worker -> engine worker
ADOPT = "engine.adopt"
# a player's new match consumer -> its older one (game.takeover)
REPLACED = "match.replaced"
# engine worker -> one consumer
JOINED = "match.joined"
REJECTED = "match.rejected"
WATCHING = "match.watching"
CAUGHT_UP = "match.catchup"
# engine worker -> match group (and the delayed group)
SNAPSHOT = "match.snapshot"
RESULT = "match.result"
CLOSED = "match.closed"
SPECTATORS = "match.spectators"
MOVED = "match.moved"


def match_group(match_id: str) -> str:
    """The channel-layer group of a match's players (and of its spectators when live)."""
    return f"match.{match_id}"


def delayed_group(match_id: str) -> str:
    """The group of a match's spectators when the server delays their stream.

    Messages sent to it carry ``delayed: True``, so that a web process that watches both groups
    of a match tells them apart.
    """
    return f"match.{match_id}.delayed"


class CreateMessage(TypedDict):
    """Ask a worker to start a match."""

    type: Literal["engine.create"]
    match_id: str
    game: str
    mode: str
    max_players: int
    seed: int


class JoinMessage(TypedDict):
    """Ask for a seat; the answer (JOINED or REJECTED) goes to ``reply_to``. ``team``, from
    the player's match ticket, is the team the lobby put it on (its party plays together): a
    new seat takes it when that team has room, else the smallest team; a returning player
    keeps its seat's team."""

    type: Literal["engine.join"]
    match_id: str
    name: str
    player_key: str
    reply_to: str
    team: NotRequired[int]


class WatchMessage(TypedDict):
    """Ask to watch a match; the answer (WATCHING or REJECTED) goes to ``reply_to``."""

    type: Literal["engine.watch"]
    match_id: str
    reply_to: str


class UnwatchMessage(TypedDict):
    """A spectator's connection closed; ``channel`` is the ``reply_to`` of its WATCH."""

    type: Literal["engine.unwatch"]
    match_id: str
    channel: str


class CatchUpMessage(TypedDict):
    """A spectator of a delayed stream lost its chain: send ``reply_to`` a CAUGHT_UP."""

    type: Literal["engine.catchup"]
    match_id: str
    reply_to: str


class InputBatchMessage(TypedDict):
    """Validated inputs from one web process: ``[match_id, player_id, seq, *values]`` each,
    the values of the match's game's InputSchema."""

    type: Literal["engine.inputs"]
    inputs: list[list[Any]]


class KeyframeWantedMessage(TypedDict):
    """A socket of ``match_id`` lost its chain: publish a KEYFRAME with the next tick."""

    type: Literal["engine.keyframe"]
    match_id: str


class LeaveMessage(TypedDict):
    """A connection closed; ``channel`` is the ``reply_to`` of its JOIN, answered or not. With
    ``for_good`` the player left (LEAVE): its seat is given up at once, without a grace period."""

    type: Literal["engine.leave"]
    match_id: str
    channel: str
    for_good: NotRequired[bool]


class JoinedMessage(TypedDict):
    """The seat is granted; ``welcome`` is the WELCOME frame to send to the socket. Snapshots
    up to ``tick`` were taken before the player was seated (the publisher may still hold some):
    the socket does not send them."""

    type: Literal["match.joined"]
    player_id: int
    welcome: bytes
    tick: int


class RejectedMessage(TypedDict):
    """The seat is refused; ``code`` is the close code for the socket."""

    type: Literal["match.rejected"]
    code: int
    reason: str
    result: NotRequired[bytes]  # the RESULT frame, sent before the close, when the match is over


class WatchingMessage(TypedDict):
    """The spectator is counted: ``spectating`` is its SPECTATING frame, ``snapshot`` (a KEYFRAME
    of the tick its stream is at, or None if there is none yet) goes out right after it, and
    ``delayed`` says which group carries its stream (``delayed_group`` or ``match_group``)."""

    type: Literal["match.watching"]
    spectating: bytes
    snapshot: SnapshotMessage | None
    delayed: bool


class CaughtUpMessage(TypedDict):
    """A KEYFRAME of the delayed stream's current tick, for one spectator (see CatchUpMessage)."""

    type: Literal["match.catchup"]
    snapshot: SnapshotMessage


class SnapshotMessage(TypedDict):
    """One tick of the match: a DELTA from ``base_tick`` and/or a KEYFRAME (see EncodedSnapshot)."""

    type: Literal["match.snapshot"]
    match_id: str
    tick: int
    base_tick: int | None
    delta: bytes | None
    keyframe: bytes | None
    delayed: NotRequired[bool]  # True on the copies sent to the delayed group
    epoch: NotRequired[int]  # the publisher's lease epoch (engine.leases); older ones are dropped
    # per-player views (engine.views): player id (as text) -> [base_tick, delta, keyframe] of
    # the view that player's socket is sent instead of the whole state
    views: NotRequired[dict[str, list[Any]]]


class ResultMessage(TypedDict):
    """The RESULT frame of the match, for every socket (never dropped)."""

    type: Literal["match.result"]
    match_id: str
    frame: bytes
    delayed: NotRequired[bool]
    epoch: NotRequired[int]


class SpectatorsMessage(TypedDict):
    """The SPECTATORS frame of the match: its spectator count changed (at most once a second)."""

    type: Literal["match.spectators"]
    match_id: str
    frame: bytes
    delayed: NotRequired[bool]
    epoch: NotRequired[int]


class ClosedMessage(TypedDict):
    """The match is gone: every socket closes with ``code``."""

    type: Literal["match.closed"]
    match_id: str
    code: int
    reason: str
    delayed: NotRequired[bool]
    epoch: NotRequired[int]


class MovedMessage(TypedDict):
    """Another engine worker took the match over: its sockets send their JOIN or WATCH again
    to ``engine`` (the new owner's channel) and start over from the WELCOME or SPECTATING."""

    type: Literal["match.moved"]
    match_id: str
    engine: str
    epoch: int
    delayed: NotRequired[bool]


class AdoptMessage(TypedDict):
    """A stopping worker handed these matches over: take them over now (engine.leases)."""

    type: Literal["engine.adopt"]
    match_ids: list[str]


class ReplacedMessage(TypedDict):
    """Another socket of the same player entered the match: close with REPLACED (4019)."""

    type: Literal["match.replaced"]
    match_id: str
