"""A match as another engine worker needs it to take over: encoded, decoded, nothing else.

An engine worker saves one checkpoint per match every second and when it stops (``engine.leases``
keeps them in Redis). The worker that takes a match over restores it from the checkpoint, and it
steps on exactly as the original would have from that tick, whatever its game. This module
imports nothing from Django, asyncio or Redis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgpack

from engine.game import Game
from engine.match import Match

CHECKPOINT_VERSION = 3
READABLE_VERSIONS = frozenset({2, CHECKPOINT_VERSION})  # 2: a match history's rows as lists


class CheckpointError(ValueError):
    """The bytes are not a checkpoint this version of the engine can restore."""


@dataclass(frozen=True)
class Checkpoint:
    """One match at one tick, with what the worker knows of it beyond the match itself."""

    match_id: str
    game: str
    mode: str
    created_ms: int  # Unix time the match was created
    state: dict[str, Any]  # Match.export_state()

    @property
    def tick(self) -> int:
        """The tick the match was at."""
        return int(self.state["tick"])

    def restore(self, games: Mapping[str, Game], reconnect_grace: float) -> Match:
        """The match, ready to step on; CheckpointError for a game or mode this server lacks."""
        game = games.get(self.game)
        if game is None:
            raise CheckpointError(f"no game called {self.game!r} on this server")
        try:
            mode = game.mode(self.mode)
        except KeyError:
            raise CheckpointError(f"{self.game} has no mode {self.mode!r}") from None
        return Match.restore(game, mode, self.state, reconnect_grace)


def take_checkpoint(match_id: str, created_ms: int, match: Match) -> Checkpoint:
    """The checkpoint of a running match."""
    return Checkpoint(match_id, match.game.name, match.mode.name, created_ms, match.export_state())


def encode_checkpoint(checkpoint: Checkpoint) -> bytes:
    """Checkpoint -> msgpack bytes."""
    return msgpack.packb(
        [
            CHECKPOINT_VERSION,
            checkpoint.match_id,
            checkpoint.game,
            checkpoint.mode,
            checkpoint.created_ms,
            checkpoint.state,
        ],
        use_bin_type=True,
    )


def decode_checkpoint(data: bytes) -> Checkpoint:
    """msgpack bytes -> Checkpoint; raises CheckpointError for anything else."""
    try:
        version, *fields = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except (ValueError, TypeError, msgpack.UnpackException) as exc:
        raise CheckpointError(f"not a checkpoint: {exc}") from exc
    if version not in READABLE_VERSIONS:
        raise CheckpointError(f"checkpoint version {version!r}, expected {CHECKPOINT_VERSION}")
    try:
        match_id, game, mode, created_ms, state = fields
    except ValueError as exc:
        raise CheckpointError(f"not a checkpoint: {exc}") from exc
    return Checkpoint(match_id, game, mode, created_ms, state)
