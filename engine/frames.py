"""The server frames that describe a match to a socket: WELCOME, SPECTATING and RESULT.

WELCOME and SPECTATING tell a client everything it needs to play or watch any game: the
runtime's timers, the game's rules and its schema (``engine.schema``), from which the client
decodes every snapshot (docs/protocol.md 5.1). Pure.
"""

from __future__ import annotations

from typing import Any

from engine.match import Match, MatchResult
from engine.protocol import PROTOCOL_VERSION, MessageType, pack


def match_info(match: Match, match_id: str, reconnect_grace_ms: int) -> dict[str, Any]:
    """The keys WELCOME and SPECTATING share (and a replay's header, ``info``)."""
    game, mode, timing = match.game, match.mode, match.timing
    return {
        "protocol": PROTOCOL_VERSION,
        "match_id": match_id,
        "game": game.name,
        "mode": mode.name,
        "teams": mode.teams,
        "max_players": match.max_players,
        "min_players": mode.min_players,
        "tick_rate": game.tick_rate,
        "snapshots": game.snapshots,
        "countdown_ms": round(timing.countdown * 1000),
        "time_limit_ms": 0 if timing.time_limit is None else round(timing.time_limit * 1000),
        "reconnect_grace_ms": reconnect_grace_ms,
        "schema": game.wire_schema,
        "rules": game.rules(mode),
    }


def encode_welcome(
    match: Match, match_id: str, player_id: int, spectators: int, reconnect_grace_ms: int
) -> bytes:
    """WELCOME frame for ``player_id``, who was just seated in ``match``."""
    seat = match.seats[player_id]
    body = {
        **match_info(match, match_id, reconnect_grace_ms),
        "player_id": player_id,
        "team": seat.team,
        "ack": seat.last_seq,
        "spectators": spectators,
    }
    return pack([int(MessageType.WELCOME), body])


def encode_spectating(
    match: Match, match_id: str, delay_ms: int, spectators: int, reconnect_grace_ms: int
) -> bytes:
    """SPECTATING frame for a spectator who was just counted (``spectators`` includes it)."""
    body = {
        **match_info(match, match_id, reconnect_grace_ms),
        "delay_ms": delay_ms,
        "spectators": spectators,
    }
    return pack([int(MessageType.SPECTATING), body])


def encode_result(result: MatchResult) -> bytes:
    """RESULT frame of a finished match."""
    return encode_stored_result(result.to_wire())


def encode_stored_result(result: dict[str, Any]) -> bytes:
    """RESULT frame of a match recorded as over (``MatchResult.to_wire()`` as stored)."""
    return pack([int(MessageType.RESULT), result])
