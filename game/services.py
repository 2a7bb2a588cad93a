"""Creating matches: the one code path used by the HTTP API and the lobby."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from channels.layers import get_channel_layer

from engine import messages
from engine.registry import least_loaded
from game.engines import engine_registry
from game.models import Match
from lobby.store import QueueEntry

logger = logging.getLogger(__name__)

MIN_SEATS = 2
MAX_SEATS = 8
DEFAULT_SEATS = {Match.Mode.DUEL: 2, Match.Mode.FFA: 8}


class InvalidMatchRequest(ValueError):
    """The requested mode or number of seats is not allowed."""


@dataclass(frozen=True)
class MatchRequest:
    """A validated request for a new match."""

    mode: str
    max_players: int


def validate_match_request(mode: object, max_players: object) -> MatchRequest:
    """Check a mode and seat count from a client; fills in the mode's default seats."""
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
    registry = engine_registry()
    worker = least_loaded(await registry.live_workers())
    await registry.reserve(worker.worker_id)
    seed = secrets.randbits(32)
    match = await Match.objects.acreate(
        seed=seed,
        ranked=ranked,
        mode=request.mode,
        max_players=request.max_players,
        engine_id=worker.worker_id,
        engine_channel=worker.channel,
    )
    create: messages.CreateMessage = {
        "type": "engine.create",
        "match_id": str(match.id),
        "mode": match.mode,
        "max_players": match.max_players,
        "seed": seed,
    }
    await get_channel_layer().send(worker.channel, create)
    logger.info("match %s (%s) assigned to %s", match.id, match.mode, worker.worker_id)
    return match


async def start_lobby_match(mode: str, entries: list[QueueEntry]) -> tuple[str, str]:
    """Create the ranked match of a ready check that everyone accepted; its id and socket path."""
    match = await create_match(MatchRequest(mode, max(len(entries), MIN_SEATS)), ranked=True)
    return str(match.id), match.ws_path
