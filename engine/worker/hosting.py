"""A match hosted by an engine worker: the runtime's match with what its worker keeps of it.

The worker's bookkeeping of one match: its channel-layer group, its snapshot encoder, which
consumer channel holds which seat, its spectators and their delayed stream, its lease epoch,
and the channel-layer messages it publishes (``engine.messages``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine import messages
from engine.codec import EncodedSnapshot, SnapshotEncoder
from engine.delayed import DelayedStream
from engine.frames import encode_result
from engine.match import Match, MatchResult
from engine.protocol import CloseCode
from engine.registry import MatchSummary
from engine.replay.recording import MatchRecording
from engine.views import ViewEncoders


class MatchStore(Protocol):
    """Where a worker records how a match ended."""

    async def match_ended(
        self, match_id: str, result: dict[str, Any], player_keys: dict[int, str]
    ) -> None:
        """Persist the result of a finished match; ``player_keys`` maps player ids to players."""

    async def match_moved(
        self, match_id: str, worker_id: str, channel: str, route: str = ""
    ) -> None:
        """Record that ``worker_id``, reading ``channel`` (in the web process at ``route``,
        if any), took the match over."""

    async def match_lost(self, match_id: str) -> None:
        """Record that no worker can run the match any more (its checkpoint is gone)."""


def now_ms() -> int:
    """The wall clock in Unix milliseconds (what snapshots carry as ``server_ms``)."""
    return int(time.time() * 1000)


@dataclass
class HostedMatch:
    """A match this worker owns, with what it has already published."""

    match_id: str
    match: Match
    encoder: SnapshotEncoder
    seats: dict[str, int] = field(default_factory=dict)  # consumer channel -> player id
    result_published: bool = False
    keyframe_wanted: bool = False  # a web process asked for a KEYFRAME with the next tick
    created_ms: int = 0  # Unix time the worker took the match
    spectators: set[str] = field(default_factory=set)  # spectator consumer channels
    delayed: DelayedStream | None = None  # the spectators' stream when they watch with a delay
    spectators_told: int = 0  # the count the last SPECTATORS frame carried
    spectators_told_at: float = float("-inf")  # when it was published (worker clock)
    spectators_due: bool = False  # a SPECTATORS frame is scheduled
    join_keyframe: messages.SnapshotMessage | None = None  # for spectators joining this tick
    epoch: int = 0  # this worker's lease epoch for the match: stamped on what it publishes
    recording: MatchRecording | None = None  # its replay, while it is recorded
    views: ViewEncoders | None = None  # the players' own views, once the game gave them any

    @property
    def group(self) -> str:
        """The group of the match's players (and of its live spectators)."""
        return messages.match_group(self.match_id)

    @property
    def delayed_group(self) -> str:
        """The group of the match's delayed stream."""
        return messages.delayed_group(self.match_id)

    @property
    def tick_rate(self) -> int:
        """Ticks per second of the match's game."""
        return self.match.game.tick_rate

    def player_keys(self) -> dict[int, str]:
        """Player id -> player key of every seat taken."""
        return {seat.id: seat.key for seat in self.match.seats.values()}

    def snapshot_message(self, encoded: EncodedSnapshot) -> messages.SnapshotMessage:
        """The group message of one encoded tick."""
        return {
            "type": "match.snapshot",
            "match_id": self.match_id,
            "tick": encoded.tick,
            "base_tick": encoded.base_tick,
            "delta": encoded.delta,
            "keyframe": encoded.keyframe,
            "epoch": self.epoch,
        }

    def with_views(
        self, message: messages.SnapshotMessage, frames: dict[int, EncodedSnapshot]
    ) -> messages.SnapshotMessage:
        """``message`` with each player's own view (``frames`` by player id): its socket is sent
        that view's frames instead of the whole state's (``game.stream``)."""
        views = {
            str(player_id): [encoded.base_tick, encoded.delta, encoded.keyframe]
            for player_id, encoded in frames.items()
        }
        return {**message, "views": views}

    def keyframe_message(self, tick: int, keyframe: bytes) -> messages.SnapshotMessage:
        """A snapshot message holding only a KEYFRAME."""
        return {
            "type": "match.snapshot",
            "match_id": self.match_id,
            "tick": tick,
            "base_tick": None,
            "delta": None,
            "keyframe": keyframe,
        }

    def result_message(self, result: MatchResult) -> dict[str, Any]:
        """The group message of the match's RESULT."""
        message: messages.ResultMessage = {
            "type": "match.result",
            "match_id": self.match_id,
            "frame": encode_result(result),
            "epoch": self.epoch,
        }
        return dict(message)

    def closed_message(self, code: CloseCode, reason: str) -> dict[str, Any]:
        """The group message that closes every socket of the match."""
        message: messages.ClosedMessage = {
            "type": "match.closed",
            "match_id": self.match_id,
            "code": int(code),
            "reason": reason,
            "epoch": self.epoch,
        }
        return dict(message)

    def summary(self, max_spectators: int) -> MatchSummary:
        """The match as the live list shows it (``/api/matches/live``)."""
        match = self.match
        columns = [f.name for f in match.game.state.roster]
        players = []
        for seat in match.seats.values():
            if not seat.connected:
                continue
            entry: dict[str, Any] = {"id": seat.id, "name": seat.name}
            if match.mode.teams:
                entry["team"] = seat.team
            entry.update(zip(columns, match.sim.roster_columns(seat), strict=True))
            players.append(entry)
        return {
            "id": self.match_id,
            "game": match.game.name,
            "mode": match.mode.name,
            "phase": match.phase_wire,
            "elapsed_ms": match.running_ms,
            "players": players,
            "spectators": len(self.spectators),
            "max_spectators": max_spectators,
            "created_ms": self.created_ms,
        }


def rejected(code: CloseCode, reason: str) -> dict[str, Any]:
    """The reply that refuses a seat or a spectator's place."""
    return {"type": messages.REJECTED, "code": int(code), "reason": reason}
