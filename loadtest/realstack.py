"""The project's own stack for the fan-out bench: uvicorn web processes, one engine, Redis.

Two shapes: ``external`` (one ``runengine`` worker; players alternate web processes) and
``hosted`` (no engine process: every web process runs an engine worker, and each match's
players connect to the web process that hosts it, as its ``ws_url`` says).

Matches are created from the bench process through Django (``game.services.create_matches``,
the lobby's code path), with the stack's environment, and every player gets a signed ticket
(``lobby.tickets``), so the load client connects exactly as browsers do. Spectators, if any,
all watch the first match (``/ws/spectate/<id>/``, no ticket), spread over the web processes as
the players are; that match's players are marked ``watched`` so they are reported apart too.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import redis

from loadtest.loadclient import SPECTATOR, SocketSpec
from loadtest.stack import QUIET_FLAGS, Stack, base_env

logger = logging.getLogger(__name__)

PLAYERS_PER_MATCH = 8
# Matches created per create_matches call, as the lobby's bursts are: one call sends a CREATE
# per match at once, and on the core channel layer a large burst runs out of Redis connections.
CREATE_BATCH = 16
BENCH_SECRET_KEY = "fanout-bench-" + "k" * 40
# Long matches that nobody wins during the bench, and tickets that outlive a slow ramp.
BENCH_LIMITS = {
    "ARENA_SHOOTER_TIME_LIMIT": "3600",
    "ARENA_SHOOTER_SCORE_LIMIT": "1000",
    "ARENA_TICKET_TTL": "3600",
}


@dataclass
class RealStack:
    """A started real stack: its web URLs and where each player connects."""

    webs: dict[str, str]  # process name -> base URL
    sockets: list[SocketSpec]  # the players', then the spectators'
    sockets_per_web: dict[str, int]  # players and spectators
    matches: int
    watched_match: str | None = None  # the match the spectators watch (the first)


def stack_env(workdir: Path, redis_url: str, tick_rate: int, channel_layer: str) -> dict[str, str]:
    """The environment of every process of the stack (and of the bench's own Django)."""
    prefix = f"fanout-{uuid.uuid4().hex[:10]}"
    return base_env(
        workdir,
        redis_url,
        prefix,
        ARENA_SECRET_KEY=BENCH_SECRET_KEY,
        ARENA_DEBUG="false",
        ARENA_ALLOWED_HOSTS="127.0.0.1,localhost",
        ARENA_LOG_LEVEL="WARNING",
        ARENA_TICK_RATE=str(tick_rate),
        ARENA_CHANNEL_LAYER=channel_layer,
        **BENCH_LIMITS,
    )


def setup_django(env: dict[str, str]) -> None:
    """Configure this process's Django like the stack's processes."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "game.settings"
    import django
    from django.conf import settings

    django.setup()
    if settings.ARENA.redis_prefix != env["ARENA_REDIS_PREFIX"]:
        raise RuntimeError("Django was already set up with another environment in this process")


def create_ffa_matches(count: int) -> list[tuple[str, str | None]]:
    """Create ``count`` 8-player ffa matches on the live engines, in batches; their ids and
    socket URLs (None: any web process)."""
    from game.services import create_matches, validate_match_request

    request = validate_match_request(mode="ffa", max_players=PLAYERS_PER_MATCH)

    async def create() -> list[tuple[str, str | None]]:
        created: list[tuple[str, str | None]] = []
        while len(created) < count:
            batch = min(CREATE_BATCH, count - len(created))
            created += [(str(m.id), m.ws_url) for m in await create_matches([request] * batch)]
        return created

    return asyncio.run(create())


def player_sockets(
    matches: list[tuple[str, str | None]], players: int, webs: list[str], run: str
) -> list[SocketSpec]:
    """One ticketed socket per player, filling matches in order: at the match's ``ws_url``
    when it has one, else alternating web processes."""
    from lobby.tickets import issue_ticket

    sockets = []
    for index in range(players):
        match_id, ws_url = matches[index // PLAYERS_PER_MATCH]
        ticket = issue_ticket(match_id, f"guest:{run}-{index}", f"bot{index}")
        base = webs[index % len(webs)]
        if ws_url is not None:
            base = "http://" + ws_url.removeprefix("ws://").split("/", 1)[0]
        url = f"{base.replace('http://', 'ws://')}/ws/match/{match_id}/?ticket={quote(ticket)}"
        watched = match_id == matches[0][0]
        sockets.append(SocketSpec(url, {"Origin": base}, watched=watched))
    return sockets


def spectator_sockets(match_id: str, spectators: int, webs: list[str]) -> list[SocketSpec]:
    """``spectators`` sockets watching one match, alternating web processes."""
    sockets = []
    for index in range(spectators):
        base = webs[index % len(webs)]
        url = f"{base.replace('http://', 'ws://')}/ws/spectate/{match_id}/"
        sockets.append(SocketSpec(url, {"Origin": base}, role=SPECTATOR))
    return sockets


def sockets_per_web(bases: dict[str, str], sockets: list[SocketSpec]) -> dict[str, int]:
    """How many of the players' and the spectators' sockets each web process holds."""
    hosts = {base.removeprefix("http://"): name for name, base in bases.items()}
    counts = dict.fromkeys(bases, 0)
    for spec in sockets:
        counts[hosts[spec.url.removeprefix("ws://").split("/", 1)[0]]] += 1
    return counts


def start_real_stack(
    stack: Stack, clients: int, webs: int, spectators: int = 0, engine: str = "external"
) -> RealStack:
    """Migrate, start the engine (``external``) and the web processes (each with an engine of
    its own: ``hosted``), create the matches, mint the tickets.

    ``spectators`` sockets watch the first match. ``stack`` carries the environment from
    ``stack_env``; the caller stops it.
    """
    env = stack.env
    stack.migrate()
    hosted = engine == "hosted"
    if not hosted:
        stack.start_engine("engine")
    bases = {
        f"web-{i + 1}": stack.start_web(f"web-{i + 1}", QUIET_FLAGS, hosted=hosted)
        for i in range(webs)
    }
    stack.wait_for_engines(next(iter(bases.values())), webs if hosted else 1)
    setup_django(env)
    matches = create_ffa_matches(math.ceil(clients / PLAYERS_PER_MATCH))
    base_list = list(bases.values())
    sockets = player_sockets(matches, clients, base_list, env["ARENA_REDIS_PREFIX"])
    sockets += spectator_sockets(matches[0][0], spectators, base_list)
    per_web = sockets_per_web(bases, sockets)
    logger.info(
        "real stack (%s engine): %d matches on %d web process(es), %d spectators of match %s",
        engine,
        len(matches),
        webs,
        spectators,
        matches[0][0],
    )
    return RealStack(bases, sockets, per_web, len(matches), matches[0][0])


def delete_keys(redis_url: str, prefix: str) -> None:
    """Remove the run's keys from Redis."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    except redis.RedisError as exc:
        logger.warning("could not delete the bench's Redis keys: %s", exc)
    finally:
        client.close()
