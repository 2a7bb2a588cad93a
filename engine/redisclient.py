"""Redis clients of one process: a bounded pool per event loop (connections belong to a loop)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

import redis.asyncio as aioredis

T = TypeVar("T")

REDIS_POOL_SIZE = 32  # connections per process and event loop; callers beyond it wait
REDIS_POOL_WAIT = 10.0  # seconds a caller waits for a free connection before failing

PerLoop = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T]


def for_this_loop(cache: PerLoop[T], build: Callable[[], T]) -> T:
    """The object ``cache`` holds for the running event loop, built on first use.

    Redis connections belong to the loop that opened them, so each loop gets its own client.
    """
    loop = asyncio.get_running_loop()
    found = cache.get(loop)
    if found is None:
        found = cache[loop] = build()
    return found


def redis_client(url: str) -> aioredis.Redis:
    """A Redis client for ``url``: a bounded pool whose callers queue rather than fail.

    redis-py 8 defaults ``socket_timeout`` to 5 s, which tears down readers blocked for as long
    (channels_redis issue 422): reads may stay open 30 s, and TCP keepalive finds dead peers.
    """
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_POOL_SIZE,
        timeout=REDIS_POOL_WAIT,
        socket_timeout=30,
        socket_connect_timeout=5,
        socket_keepalive=True,
        health_check_interval=15,
    )
    return aioredis.Redis(connection_pool=pool)
