"""Creating matches: the one code path used by the HTTP API and the lobby."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from typing import Any

from channels.layers import get_channel_layer

from engine import messages
from engine.registry import least_loaded
from game.engines import engine_registry
from game.fanout import send_many
from game.models import Match

logger = logging.getLogger(__name__)

MIN_SEATS = 2
MAX_SEATS = 8
DEFAULT_SEATS = {Match.Mode.DUEL: 2, Match.Mode.FFA: 8}


class InvalidMatchRequest(ValueError):
    """The requested mode or number of seats is not allowed."""


@dataclass(frozen=True)
class MatchRequest:
    """A validated request for a new match; ``seats`` are the player keys a lobby match is
    formed of (only they are given tickets), ``listed`` puts a private match on the open list."""

    mode: str
    max_players: int
    seats: tuple[str, ...] = ()
    listed: bool = False


def validate_match_request(
    mode: object, max_players: object, listed: object = False
) -> MatchRequest:
    """Check a mode, seat count and listing from a client; fills in the mode's default seats."""
    if type(listed) is not bool:
        raise InvalidMatchRequest("listed must be true or false")
    return replace(_seats(mode, max_players), listed=listed)


def _seats(mode: object, max_players: object) -> MatchRequest:
    if mode is None:
        mode = Match.Mode.FFA
    if mode not in Match.Mode.values:
        raise InvalidMatchRequest(f"mode must be one of {', '.join(Match.Mode.values)}")
    if mode == Match.Mode.DUEL:
        if max_players not in (None, 2):
            raise InvalidMatchRequest("a duel has exactly 2 players")
        return MatchRequest(Match.Mode.DUEL, 2)
    if max_players is None:
        return MatchRequest(str(mode), DEFAULT_SEATS[Match.Mode.FFA])
    if type(max_players) is not int or not MIN_SEATS <= max_players <= MAX_SEATS:
        raise InvalidMatchRequest(f"max_players must be an integer from {MIN_SEATS} to {MAX_SEATS}")
    return MatchRequest(str(mode), max_players)


async def create_match(request: MatchRequest, ranked: bool = False) -> Match:
    """Record a new match and start it on the least-loaded live engine worker."""
    [match] = await create_matches([request], ranked)
    return match


async def create_matches(requests: list[MatchRequest], ranked: bool = False) -> list[Match]:
    """Record new matches in one insert and start each on the least-loaded live worker.

    Placement counts the matches of this batch, so a burst spreads over the workers.
    """
    if not requests:
        return []
    registry = engine_registry()
    workers = {worker.worker_id: worker for worker in await registry.live_workers()}
    placed: dict[str, int] = {}
    matches = []
    for request in requests:
        worker = least_loaded(
            replace(w, load=w.load + placed.get(w.worker_id, 0)) for w in workers.values()
        )
        placed[worker.worker_id] = placed.get(worker.worker_id, 0) + 1
        matches.append(
            Match(
                seed=secrets.randbits(32),
                ranked=ranked,
                mode=request.mode,
                max_players=request.max_players,
                seats=list(request.seats),
                listed=request.listed,
                engine_id=worker.worker_id,
                engine_channel=worker.channel,
            )
        )
    for worker_id, count in placed.items():
        await registry.reserve(worker_id, count)
    await Match.objects.abulk_create(matches)
    creates: list[tuple[str, dict[str, Any]]] = []
    for match in matches:
        create: messages.CreateMessage = {
            "type": "engine.create",
            "match_id": str(match.id),
            "mode": match.mode,
            "max_players": match.max_players,
            "seed": match.seed,
        }
        creates.append((match.engine_channel, dict(create)))
        logger.info("match %s (%s) assigned to %s", match.id, match.mode, match.engine_id)
    await send_many(get_channel_layer(), creates)
    return matches


async def start_lobby_matches(groups: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """Create the ranked matches of accepted ready checks, given (mode, player keys) each.

    Returns each match's id and socket path, in order.
    """
    requests = [
        MatchRequest(mode, max(len(keys), MIN_SEATS), seats=tuple(keys)) for mode, keys in groups
    ]
    return [(str(m.id), m.ws_path) for m in await create_matches(requests, ranked=True)]
