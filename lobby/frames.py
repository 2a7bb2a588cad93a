"""Encoders for the lobby socket's server frames (docs/protocol.md section 6).

The lobby queues players per game and mode; its queue of one mode of one game is called
``"<game>/<mode>"`` inside the server, and frames name the game and the mode apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from engine.protocol import LobbyErrorCode, MessageType, pack, unpack
from lobby.store import Party, Pending, PresenceState, split_queue

# QUEUE_LEFT's reason when the lobby store lost the player's place (a Redis failover, a lapse
# in a long outage) while the client was searching or in a ready check
PLACE_LOST = "place_lost"


class SeatedMatch(Protocol):
    """What LOBBY_WELCOME says of a match: its id, game, mode, socket path and URL."""

    id: Any
    game: str
    mode: str
    ws_path: str
    ws_url: str | None
    ranked: bool


@dataclass(frozen=True, slots=True)
class HeldSeat:
    """A seat the player holds in a match that is not over; ``connected`` when a socket of the
    player is in the match now (another tab), else the seat waits for the player's return."""

    match: SeatedMatch
    ticket: str
    connected: bool


def lobby_welcome(
    name: str,
    ratings: dict[str, float],
    games: dict[str, Any],
    accept_timeout: float,
    seat: HeldSeat | None = None,
    player_id: int | None = None,
    signed_in: bool = False,
) -> bytes:
    """LOBBY_WELCOME: who you are (your display name, your profile's id, whether you are signed
    in), your ratings, the games and modes you can queue for, and the match you have a seat in.
    ``games`` is the game list (``game -> {title, description, modes}``), ``ratings`` are by
    queue (``"<game>/<mode>"``)."""
    by_game: dict[str, dict[str, int]] = {}
    for queue, rating in ratings.items():
        game, mode = split_queue(queue)
        by_game.setdefault(game, {})[mode] = round(rating)
    body = {
        "name": name,
        "player_id": player_id,
        "signed_in": signed_in,
        "ratings": by_game,
        "games": games,
        "accept_timeout_ms": int(accept_timeout * 1000),
        "match": None,
    }
    if seat is not None:
        body["match"] = {
            "match_id": str(seat.match.id),
            "game": seat.match.game,
            "mode": seat.match.mode,
            "ws_path": seat.match.ws_path,
            "ws_url": seat.match.ws_url,
            "ticket": seat.ticket,
            "connected": seat.connected,
            "ranked": seat.match.ranked,
        }
    return pack([MessageType.LOBBY_WELCOME, body])


def queue_status(status: dict[str, Any]) -> bytes:
    """QUEUE_STATUS from a status message of the matchmaker."""
    return pack([MessageType.QUEUE_STATUS, status])


def ready_check(pending: Pending, now: float) -> bytes:
    """READY_CHECK for one pending group."""
    game, mode = split_queue(pending.mode)
    return pack(
        [
            MessageType.READY_CHECK,
            {
                "pending_id": pending.pending_id,
                "game": game,
                "mode": mode,
                "players": [[e.name, round(e.rating)] for e in pending.entries],
                "timeout_ms": max(0, int((pending.deadline - now) * 1000)),
                "accepted": len(pending.accepted),
            },
        ]
    )


def ready_update(pending_id: str, accepted: int, size: int) -> bytes:
    """READY_UPDATE: one more player accepted."""
    return pack(
        [MessageType.READY_UPDATE, {"pending_id": pending_id, "accepted": accepted, "size": size}]
    )


def match_found(
    match_id: str, queue: str, ws_path: str, ticket: str, ws_url: str | None = None
) -> bytes:
    """MATCH_FOUND with the player's own ticket; ``ws_url`` is where to connect when the match
    is hosted by one web process in particular (else ``ws_path`` on the page's own host)."""
    game, mode = split_queue(queue)
    body = {
        "match_id": match_id,
        "game": game,
        "mode": mode,
        "ws_path": ws_path,
        "ws_url": ws_url,
        "ticket": ticket,
    }
    return pack([MessageType.MATCH_FOUND, body])


def ready_failed(pending_id: str, reason: str, requeued: bool) -> bytes:
    """READY_FAILED: the check failed; are you still searching?"""
    body = {"pending_id": pending_id, "reason": reason, "requeued": requeued}
    return pack([MessageType.READY_FAILED, body])


def queue_left(reason: str) -> bytes:
    """QUEUE_LEFT: you are no longer queued."""
    return pack([MessageType.QUEUE_LEFT, {"reason": reason}])


def place_told(frame: bytes, place: PresenceState | None) -> PresenceState | None:
    """Where a client that believed its player at ``place`` believes it is after ``frame``."""
    kind, *fields = unpack(frame)
    if kind == MessageType.QUEUE_STATUS:
        return PresenceState.QUEUED
    if kind == MessageType.READY_CHECK:
        return PresenceState.PENDING
    if kind == MessageType.READY_FAILED:
        return PresenceState.QUEUED if fields[0].get("requeued") else None
    if kind in (MessageType.QUEUE_LEFT, MessageType.MATCH_FOUND):
        return None  # out of the lobby's places: idle, or the match socket's to keep
    return place


def lobby_error(code: LobbyErrorCode, message: str) -> bytes:
    """LOBBY_ERROR: a refused request."""
    return pack([MessageType.LOBBY_ERROR, int(code), message])


def party_state(party: Party | None, limit: int = 0) -> bytes:
    """PARTY_STATE: the player's party (its id for the invite link, its game and mode, its
    members' names leader first, the most members it may have), or nil when in none."""
    if party is None:
        return pack([MessageType.PARTY_STATE, None])
    game, mode = split_queue(party.mode)
    body = {
        "party_id": party.party_id,
        "invite": f"/?party={party.party_id}",
        "game": game,
        "mode": mode,
        "members": [member.name for member in party.members],
        "limit": limit,
    }
    return pack([MessageType.PARTY_STATE, body])
