"""Creating matches of any registered game: the one code path of the HTTP API and the lobby."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from typing import Any

from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError

from engine import messages
from engine.fanout import send_many
from engine.registry import least_loaded
from game.engines import engine_registry, games, redis_for_layer
from game.models import MatchRecord

logger = logging.getLogger(__name__)

DEFAULT_GAME = "shooter"
DEFAULT_MODE = "ffa"


class InvalidMatchRequest(ValueError):
    """The requested game, mode or number of seats is not allowed."""


@dataclass(frozen=True)
class MatchRequest:
    """A validated request for a new match; ``seats`` are the player keys a lobby match is
    formed of (only they are given tickets), ``listed`` puts a private match on the open list."""

    game: str
    mode: str
    max_players: int
    seats: tuple[str, ...] = ()
    listed: bool = False


def validate_match_request(
    game: object = None, mode: object = None, max_players: object = None, listed: object = False
) -> MatchRequest:
    """Check a game, mode, seat count and listing from a client; fills in the defaults (the
    shooter, its first mode... the mode's most seats)."""
    offered = games()
    name = DEFAULT_GAME if game is None else game
    if type(name) is not str or name not in offered:
        raise InvalidMatchRequest(f"game must be one of {', '.join(offered)}")
    definition = offered[name]
    mode_names = [m.name for m in definition.modes]
    mode_name = (
        (DEFAULT_MODE if DEFAULT_MODE in mode_names else mode_names[0]) if mode is None else mode
    )
    if type(mode_name) is not str or mode_name not in mode_names:
        raise InvalidMatchRequest(f"{name} modes are {', '.join(mode_names)}")
    spec = definition.mode(mode_name)
    if type(listed) is not bool:
        raise InvalidMatchRequest("listed must be true or false")
    if max_players is None:
        max_players = spec.max_players
    low, high = spec.min_players, spec.max_players
    if type(max_players) is not int or not low <= max_players <= high:
        seats = f"exactly {low}" if low == high else f"an integer from {low} to {high}"
        raise InvalidMatchRequest(f"max_players of a {name} {mode_name} match must be {seats}")
    return MatchRequest(name, mode_name, max_players, listed=listed)


async def create_match(request: MatchRequest, ranked: bool = False) -> MatchRecord:
    """Record a new match and start it on the least-loaded live engine worker."""
    [match] = await create_matches([request], ranked)
    return match


async def create_matches(requests: list[MatchRequest], ranked: bool = False) -> list[MatchRecord]:
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
            MatchRecord(
                seed=secrets.randbits(32),
                ranked=ranked,
                game=request.game,
                mode=request.mode,
                max_players=request.max_players,
                seats=list(request.seats),
                listed=request.listed,
                engine_id=worker.worker_id,
                engine_channel=worker.channel,
                route=worker.route,
            )
        )
    for worker_id, count in placed.items():
        await registry.reserve(worker_id, count)
    await MatchRecord.objects.abulk_create(matches)
    creates: list[tuple[str, dict[str, Any]]] = []
    for match in matches:
        create: messages.CreateMessage = {
            "type": "engine.create",
            "match_id": str(match.id),
            "game": match.game,
            "mode": match.mode,
            "max_players": match.max_players,
            "seed": match.seed,
        }
        creates.append((match.engine_channel, dict(create)))
        logger.info(
            "match %s (%s %s) assigned to %s", match.id, match.game, match.mode, match.engine_id
        )
    layer = get_channel_layer()
    await send_many(layer, creates, redis_for_layer(layer))
    return matches


async def start_lobby_matches(groups: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """Create the ranked matches of accepted ready checks, given (queue, player keys) each,
    where a queue is ``"<game>/<mode>"``.

    Returns each match's id, socket path and socket URL (None: the page's own host), in order.
    """
    requests = []
    offered = games()
    for queue, keys in groups:
        game, mode = queue.split("/", 1)
        spec = offered[game].mode(mode)
        seats = min(max(len(keys), spec.min_players), spec.max_players)
        requests.append(MatchRequest(game, mode, seats, seats=tuple(keys)))
    return [(str(m.id), m.ws_path, m.ws_url) for m in await create_matches(requests, ranked=True)]


async def seated_match(match_id: str) -> MatchRecord | None:
    """The match a player holds a seat in, for the lobby (LOBBY_WELCOME): None when there is
    no such match or it is over."""
    try:
        return await MatchRecord.objects.filter(
            id=match_id, status=MatchRecord.Status.OPEN
        ).afirst()
    except (ValueError, ValidationError):  # not a match id
        return None
