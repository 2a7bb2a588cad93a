"""The project's engine wiring: the worker registry and engine workers built from settings."""

from __future__ import annotations

import asyncio
import weakref

import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings

from engine.registry import EngineRegistry, MemoryEngineRegistry, RedisEngineRegistry
from engine.rules import Rules
from engine.worker import EngineWorker
from game.store import DjangoMatchStore

_memory_registry = MemoryEngineRegistry()
_redis_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisEngineRegistry] = (
    weakref.WeakKeyDictionary()
)


def redis_client() -> aioredis.Redis:
    """A Redis client for the configured REDIS_URL with the project's timeouts."""
    assert settings.ARENA.redis_url is not None
    return aioredis.Redis.from_url(
        settings.ARENA.redis_url,
        socket_timeout=30,
        socket_connect_timeout=5,
        socket_keepalive=True,
        health_check_interval=15,
    )


def engine_registry() -> EngineRegistry:
    """The registry of this deployment: Redis when REDIS_URL is set, else this process."""
    if settings.ARENA.redis_url is None:
        return _memory_registry
    loop = asyncio.get_running_loop()
    registry = _redis_registries.get(loop)
    if registry is None:
        registry = RedisEngineRegistry(redis_client(), settings.ARENA.redis_prefix)
        _redis_registries[loop] = registry
    return registry


def game_rules() -> Rules:
    """The rules every new match runs with."""
    arena = settings.ARENA
    return Rules(
        tick_rate=arena.tick_rate,
        time_limit=arena.time_limit,
        score_limit=arena.score_limit,
        countdown=arena.countdown,
    )


def build_worker(worker_id: str | None = None) -> EngineWorker:
    """An engine worker on the default channel layer, recording results in the database."""
    return EngineWorker(
        get_channel_layer(),
        engine_registry(),
        game_rules(),
        store=DjangoMatchStore(),
        worker_id=worker_id,
    )
