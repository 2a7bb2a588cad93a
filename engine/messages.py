"""Channel-layer messages between match consumers and engine workers, in one place.

These never reach a WebSocket; the wire protocol is ``engine.protocol``.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# consumer or match service -> engine worker channel
CREATE = "engine.create"
JOIN = "engine.join"
INPUTS = "engine.inputs"
KEYFRAME_WANTED = "engine.keyframe"
LEAVE = "engine.leave"
# engine worker -> one consumer
JOINED = "match.joined"
REJECTED = "match.rejected"
# engine worker -> match group
SNAPSHOT = "match.snapshot"
RESULT = "match.result"
CLOSED = "match.closed"


def match_group(match_id: str) -> str:
    """The channel-layer group every connection of a match belongs to."""
    return f"match.{match_id}"


class CreateMessage(TypedDict):
    """Ask a worker to start a match."""

    type: Literal["engine.create"]
    match_id: str
    mode: str
    max_players: int
    seed: int


class JoinMessage(TypedDict):
    """Ask for a seat; the answer (JOINED or REJECTED) goes to ``reply_to``."""

    type: Literal["engine.join"]
    match_id: str
    name: str
    player_key: str
    reply_to: str


class InputBatchMessage(TypedDict):
    """Validated inputs from one web process: ``[match_id, player_id, seq, buttons, aim]``."""

    type: Literal["engine.inputs"]
    inputs: list[list[Any]]


class KeyframeWantedMessage(TypedDict):
    """A socket of ``match_id`` lost its chain: publish a KEYFRAME with the next tick."""

    type: Literal["engine.keyframe"]
    match_id: str


class LeaveMessage(TypedDict):
    """A connection closed; ``channel`` is the ``reply_to`` of its JOIN, answered or not."""

    type: Literal["engine.leave"]
    match_id: str
    channel: str


class JoinedMessage(TypedDict):
    """The seat is granted; ``welcome`` is the WELCOME frame to send to the socket."""

    type: Literal["match.joined"]
    player_id: int
    welcome: bytes


class RejectedMessage(TypedDict):
    """The seat is refused; ``code`` is the close code for the socket."""

    type: Literal["match.rejected"]
    code: int
    reason: str


class SnapshotMessage(TypedDict):
    """One tick of the match: a DELTA from ``base_tick`` and/or a KEYFRAME (see EncodedSnapshot)."""

    type: Literal["match.snapshot"]
    match_id: str
    tick: int
    base_tick: int | None
    delta: bytes | None
    keyframe: bytes | None


class ResultMessage(TypedDict):
    """The RESULT frame of the match, for every socket (never dropped)."""

    type: Literal["match.result"]
    match_id: str
    frame: bytes


class ClosedMessage(TypedDict):
    """The match is gone: every socket closes with ``code``."""

    type: Literal["match.closed"]
    match_id: str
    code: int
    reason: str
