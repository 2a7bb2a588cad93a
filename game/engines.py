"""The project's engine wiring: the worker registry and engine workers built from settings."""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings

from engine.leases import MatchLeases, MemoryMatchLeases, RedisMatchLeases
from engine.registry import EngineRegistry, MemoryEngineRegistry, RedisEngineRegistry
from engine.rules import Rules
from engine.worker import EngineWorker
from game.reaper import MatchReaper
from game.store import DjangoMatchStore

T = TypeVar("T")
_memory_registry = MemoryEngineRegistry()
_redis_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisEngineRegistry] = (
    weakref.WeakKeyDictionary()
)


def for_this_loop(
    cache: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T], build: Callable[[], T]
) -> T:
    """The object ``cache`` holds for the running event loop, built on first use.

    Redis connections belong to the loop that opened them, so each loop gets its own client.
    """
    loop = asyncio.get_running_loop()
    found = cache.get(loop)
    if found is None:
        found = cache[loop] = build()
    return found


REDIS_POOL_SIZE = 32  # connections per process and event loop; callers beyond it wait
REDIS_POOL_WAIT = 10.0  # seconds a caller waits for a free connection before failing


def redis_client() -> aioredis.Redis:
    """A Redis client for REDIS_URL: a bounded pool whose callers queue rather than fail."""
    assert settings.ARENA.redis_url is not None
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.ARENA.redis_url,
        max_connections=REDIS_POOL_SIZE,
        timeout=REDIS_POOL_WAIT,
        socket_timeout=30,
        socket_connect_timeout=5,
        socket_keepalive=True,
        health_check_interval=15,
    )
    return aioredis.Redis(connection_pool=pool)


def engine_registry() -> EngineRegistry:
    """The registry of this deployment: Redis when REDIS_URL is set, else this process."""
    if settings.ARENA.redis_url is None:
        return _memory_registry
    return for_this_loop(
        _redis_registries,
        lambda: RedisEngineRegistry(redis_client(), settings.ARENA.redis_prefix),
    )


def match_leases() -> MatchLeases:
    """Match ownership: in Redis when REDIS_URL is set (workers take over each other's
    matches), else this process's own."""
    if settings.ARENA.redis_url is None:
        return MemoryMatchLeases()
    return RedisMatchLeases(redis_client(), settings.ARENA.redis_prefix)


_reapers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MatchReaper] = (
    weakref.WeakKeyDictionary()
)


def match_reaper() -> MatchReaper:
    """The lost-match reaper of this event loop (``game.reaper``)."""

    def build() -> MatchReaper:
        leases = match_leases() if settings.ARENA.redis_url is not None else None
        return MatchReaper(engine_registry(), leases)

    return for_this_loop(_reapers, build)


def game_rules() -> Rules:
    """The rules every new match runs with."""
    arena = settings.ARENA
    return Rules(
        tick_rate=arena.tick_rate,
        time_limit=arena.time_limit,
        score_limit=arena.score_limit,
        countdown=arena.countdown,
        reconnect_grace=arena.reconnect_grace,
    )


def spectator_options() -> dict[str, Any]:
    """The spectator settings of an engine worker (keyword arguments of EngineWorker)."""
    arena = settings.ARENA
    return {"spectator_delay": arena.spectator_delay, "max_spectators": arena.max_spectators}


def build_worker(worker_id: str | None = None) -> EngineWorker:
    """An engine worker on the default channel layer, recording results in the database."""
    from game.fanout import group_send_many

    layer = get_channel_layer()
    return EngineWorker(
        layer,
        engine_registry(),
        game_rules(),
        store=DjangoMatchStore(),
        worker_id=worker_id,
        group_send_many=functools.partial(group_send_many, layer),
        leases=match_leases(),
        **spectator_options(),
    )
