"""A match as another engine worker needs it to take over: encoded, decoded, nothing else.

An engine worker saves one checkpoint per match every second and when it stops (``engine.leases``
keeps them in Redis). The worker that takes a match over restores the simulation from it and
steps on exactly as the original would have from that tick. This module imports nothing from
Django, asyncio or Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

from engine.rules import Rules
from engine.simulation import Match

CHECKPOINT_VERSION = 1


class CheckpointError(ValueError):
    """The bytes are not a checkpoint this version of the engine can restore."""


@dataclass(frozen=True)
class Checkpoint:
    """One match at one tick, with what the worker knows of it beyond the simulation."""

    match_id: str
    mode: str
    created_ms: int  # Unix time the match was created
    player_keys: dict[int, str]  # player id -> the player's key (who to credit the result to)
    state: dict[str, Any]  # Match.export_state()

    @property
    def tick(self) -> int:
        """The tick the match was at."""
        return int(self.state["tick"])

    def restore(self, rules: Rules) -> Match:
        """The simulation, ready to step on."""
        return Match.restore(rules, self.state)


def take_checkpoint(
    match_id: str, mode: str, created_ms: int, player_keys: dict[int, str], sim: Match
) -> Checkpoint:
    """The checkpoint of a running match."""
    return Checkpoint(match_id, mode, created_ms, dict(player_keys), sim.export_state())


def encode_checkpoint(checkpoint: Checkpoint) -> bytes:
    """Checkpoint -> msgpack bytes."""
    return msgpack.packb(
        [
            CHECKPOINT_VERSION,
            checkpoint.match_id,
            checkpoint.mode,
            checkpoint.created_ms,
            [[player_id, key] for player_id, key in checkpoint.player_keys.items()],
            checkpoint.state,
        ],
        use_bin_type=True,
    )


def decode_checkpoint(data: bytes) -> Checkpoint:
    """msgpack bytes -> Checkpoint; raises CheckpointError for anything else."""
    try:
        version, match_id, mode, created_ms, keys, state = msgpack.unpackb(data, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException) as exc:
        raise CheckpointError(f"not a checkpoint: {exc}") from exc
    if version != CHECKPOINT_VERSION:
        raise CheckpointError(f"checkpoint version {version!r}, expected {CHECKPOINT_VERSION}")
    return Checkpoint(match_id, mode, created_ms, {int(pid): key for pid, key in keys}, state)
