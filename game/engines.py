"""The project's engine wiring: the worker registry and engine workers built from settings."""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings

from engine.fanout import group_send_many
from engine.game import Game
from engine.games import configured_games
from engine.leases import MatchLeases, MemoryMatchLeases, RedisMatchLeases
from engine.redisclient import PerLoop, for_this_loop
from engine.redisclient import redis_client as new_redis_client
from engine.registry import EngineRegistry, MemoryEngineRegistry, RedisEngineRegistry
from engine.worker import EngineWorker
from game.inputs import input_batcher
from game.reaper import MatchReaper
from game.relay import match_relay
from game.replays import replay_recorder
from game.store import DjangoMatchStore

_memory_registry = MemoryEngineRegistry()
_redis_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisEngineRegistry] = (
    weakref.WeakKeyDictionary()
)


_redis_clients: PerLoop[aioredis.Redis] = weakref.WeakKeyDictionary()


def redis_client() -> aioredis.Redis:
    """This event loop's client of REDIS_URL (one bounded pool per loop)."""
    url = settings.ARENA.redis_url
    assert url is not None
    return for_this_loop(_redis_clients, lambda: new_redis_client(url))


def redis_for_layer(layer: Any) -> Callable[[], aioredis.Redis] | None:
    """How ``engine.fanout`` reaches the Redis of ``layer`` (None without Redis)."""
    return redis_client if settings.ARENA.redis_url is not None else None


def engine_registry() -> EngineRegistry:
    """The registry of this deployment: Redis when REDIS_URL is set, else this process."""
    if settings.ARENA.redis_url is None:
        return _memory_registry
    return for_this_loop(
        _redis_registries,
        lambda: RedisEngineRegistry(
            new_redis_client(settings.ARENA.redis_url), settings.ARENA.redis_prefix
        ),
    )


def match_leases() -> MatchLeases:
    """Match ownership: in Redis when REDIS_URL is set (workers take over each other's
    matches), else this process's own."""
    if settings.ARENA.redis_url is None:
        return MemoryMatchLeases()
    return RedisMatchLeases(new_redis_client(settings.ARENA.redis_url), settings.ARENA.redis_prefix)


_reapers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MatchReaper] = (
    weakref.WeakKeyDictionary()
)


def match_reaper() -> MatchReaper:
    """The lost-match reaper of this event loop (``game.reaper``)."""

    def build() -> MatchReaper:
        leases = match_leases() if settings.ARENA.redis_url is not None else None
        return MatchReaper(engine_registry(), leases)

    return for_this_loop(_reapers, build)


def games() -> dict[str, Game]:
    """The registered games with this deployment's options (``ARENA_<GAME>_<OPTION>``)."""
    return configured_games(settings.ARENA.game_options)


def worker_options() -> dict[str, Any]:
    """The runtime settings of an engine worker (keyword arguments of EngineWorker)."""
    arena = settings.ARENA
    return {
        "spectator_delay": arena.spectator_delay,
        "max_spectators": arena.max_spectators,
        "reconnect_grace": arena.reconnect_grace,
    }


def build_worker(worker_id: str | None = None) -> EngineWorker:
    """An engine worker on the default channel layer, recording results in the database and
    every match's replay (unless ``ARENA_REPLAYS=false``)."""
    layer = get_channel_layer()
    return EngineWorker(
        layer,
        engine_registry(),
        games(),
        store=DjangoMatchStore(),
        worker_id=worker_id,
        group_send_many=functools.partial(group_send_many, layer, redis=redis_for_layer(layer)),
        leases=match_leases(),
        recorder=replay_recorder(),
        **worker_options(),
    )


def build_hosting_worker() -> EngineWorker:
    """The engine worker of a web process in the hosted shape: it hands its matches' messages
    to this process's relay and takes this process's inputs for them directly, and its
    players are sent to this process (``ARENA_PUBLIC_URL``)."""
    layer = get_channel_layer()
    relay = match_relay(layer)
    worker = EngineWorker(
        layer,
        engine_registry(),
        games(),
        store=DjangoMatchStore(),
        group_send_many=functools.partial(group_send_many, layer, redis=redis_for_layer(layer)),
        leases=match_leases(),
        local=relay.deliver_local,
        route=settings.ARENA.public_url,
        on_released=relay.released,
        recorder=replay_recorder(),
        **worker_options(),
    )
    relay.local = worker
    batcher = input_batcher(layer, settings.ARENA.input_flush_interval, redis_for_layer(layer))
    batcher.local = worker
    return worker
