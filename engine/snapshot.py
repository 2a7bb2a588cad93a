"""Encoders for the server frames that describe a match: WELCOME, SNAPSHOT and RESULT."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.protocol import (
    PROTOCOL_VERSION,
    MessageType,
    PlayerFlag,
    pack,
    quantize_aim,
    quantize_position,
)
from engine.simulation import Event, Match, MatchResult

_SNAPSHOT = int(MessageType.SNAPSHOT)
_ALIVE = int(PlayerFlag.ALIVE)
_PROTECTED = int(PlayerFlag.PROTECTED)


def encode_snapshot(
    match: Match, include_roster: bool, events: Sequence[Event] | None = None
) -> bytes:
    """SNAPSHOT frame of the match's current tick, with the roster when asked.

    ``events`` defaults to the last step's; a caller that stepped several times since the
    previous snapshot passes all of their events so none is lost.
    """
    tick = match.tick
    players: list[list[int]] = []
    for p in match.connected_players:
        flags = 0
        if p.alive:
            flags = _ALIVE | _PROTECTED if match.is_protected(p) else _ALIVE
        players.append(
            [
                p.id,
                quantize_position(p.x),
                quantize_position(p.y),
                quantize_aim(p.aim),
                p.health,
                flags,
            ]
        )
    bullets = [
        [b.id, quantize_position(b.x), quantize_position(b.y), b.owner] for b in match.bullets
    ]
    wire_events = [event.to_wire() for event in (match.last_events if events is None else events)]
    roster: list[list[Any]] | None = None
    if include_roster:
        roster = [[p.id, p.name, p.score, p.deaths, p.connected] for p in match.players.values()]
    return pack(
        [
            _SNAPSHOT,
            tick,
            int(match.phase),
            match.phase_ms_left(),
            players,
            bullets,
            wire_events,
            roster,
        ]
    )


def encode_welcome(match: Match, match_id: str, player_id: int, mode: str) -> bytes:
    """WELCOME frame for ``player_id`` who was just seated in ``match``."""
    rules = match.rules
    return pack(
        [
            int(MessageType.WELCOME),
            {
                "protocol": PROTOCOL_VERSION,
                "match_id": match_id,
                "player_id": player_id,
                "mode": mode,
                "max_players": match.max_players,
                "tick_rate": rules.tick_rate,
                "arena": rules.arena_to_wire(),
                "rules": rules.to_wire(),
            },
        ]
    )


def encode_result(result: MatchResult) -> bytes:
    """RESULT frame of a finished match."""
    return pack([int(MessageType.RESULT), result.to_wire()])
