"""Redis clients of one process: a bounded pool per event loop (connections belong to a loop).

A ``redis+sentinel://`` URL names Redis Sentinels instead of one server: the pool asks them for
the current primary and follows a failover by itself (docs/failover.md).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.connection import parse_url

T = TypeVar("T")

REDIS_POOL_SIZE = 32  # connections per process and event loop; callers beyond it wait
REDIS_POOL_WAIT = 10.0  # seconds a caller waits for a free connection before failing
SENTINEL_SCHEME = "redis+sentinel"
DEFAULT_SENTINEL_PORT = 26379
# Sentinels answer at once or are down: a short read keeps one dead sentinel from stalling the
# search for the primary, which asks them one after the other.
SENTINEL_SOCKET_TIMEOUT = 2.0
SENTINEL_CONNECT_TIMEOUT = 1.0

# redis-py 8 defaults ``socket_timeout`` to 5 s, which tears down readers blocked for as long
# (channels_redis issue 422): reads may stay open 30 s, and TCP keepalive finds dead peers.
CONNECTION_OPTIONS: dict[str, Any] = {
    "socket_timeout": 30,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 15,
}

PerLoop = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T]


class SentinelURLError(ValueError):
    """A ``redis+sentinel://`` URL that does not name sentinels and a primary."""


@dataclass(frozen=True)
class SentinelAddress:
    """What a ``redis+sentinel://`` URL names: its sentinels and the primary they watch."""

    sentinels: tuple[tuple[str, int], ...]
    master: str  # the name the sentinels monitor the primary under
    db: int
    username: str | None  # of the Redis servers (sentinels are reached without credentials
    password: str | None  # unless ``sentinel_password`` is in the query)
    sentinel_password: str | None

    def server_options(self) -> dict[str, Any]:
        """Connection options of the primary's connections: database and credentials."""
        return {"db": self.db, "username": self.username, "password": self.password}

    def sentinel_options(self) -> dict[str, Any]:
        """Connection options of the sentinels' connections."""
        return {
            "socket_timeout": SENTINEL_SOCKET_TIMEOUT,
            "socket_connect_timeout": SENTINEL_CONNECT_TIMEOUT,
            "password": self.sentinel_password,
        }


def is_sentinel_url(url: str) -> bool:
    """True when ``url`` names sentinels (``redis+sentinel://``) rather than one server."""
    return url.strip().lower().startswith(SENTINEL_SCHEME + "://")


def parse_sentinel_url(url: str) -> SentinelAddress:
    """``redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db]``."""
    rest = url.strip()[len(SENTINEL_SCHEME) + 3 :]
    rest, _, query = rest.partition("?")
    location, _, path = rest.partition("/")
    userinfo, at, hosts = location.rpartition("@")
    if not at:
        userinfo, hosts = "", location
    username, _, password = userinfo.partition(":") if userinfo else ("", "", "")
    sentinels = tuple(_host_port(part, url) for part in hosts.split(",") if part.strip())
    if not sentinels:
        raise SentinelURLError(f"{url!r} names no sentinel (host:port before the first /)")
    parts = [p for p in path.split("/") if p]
    if not parts or len(parts) > 2:
        raise SentinelURLError(f"{url!r} must end in /<master name> or /<master name>/<db>")
    master = unquote(parts[0])
    db = 0
    if len(parts) == 2:
        if not parts[1].isdigit():
            raise SentinelURLError(f"{url!r}: the database {parts[1]!r} is not a number")
        db = int(parts[1])
    options = parse_qs(query)
    unknown = sorted(set(options) - {"sentinel_password"})
    if unknown:
        raise SentinelURLError(f"{url!r}: unknown option {', '.join(unknown)}")
    return SentinelAddress(
        sentinels=sentinels,
        master=master,
        db=db,
        username=unquote(username) or None,
        password=unquote(password) or None,
        sentinel_password=options.get("sentinel_password", [None])[-1],
    )


def _host_port(part: str, url: str) -> tuple[str, int]:
    host, colon, port = part.strip().rpartition(":")
    if not colon:
        host, port = part.strip(), str(DEFAULT_SENTINEL_PORT)
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SentinelURLError(f"{url!r}: {part!r} is not host:port")
    return host, int(port)


def redis_database(url: str) -> int:
    """The database number ``url`` selects (of a plain or a sentinel URL)."""
    if is_sentinel_url(url):
        return parse_sentinel_url(url).db
    return int(parse_url(url).get("db", 0))


class BlockingSentinelConnectionPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """The sentinels' pool of the current primary, bounded: callers beyond it wait."""


def redis_client(url: str) -> aioredis.Redis:
    """A Redis client for ``url``: a bounded pool whose callers queue rather than fail.

    redis-py 8 defaults ``socket_timeout`` to 5 s, which tears down readers blocked for as long
    (channels_redis issue 422): reads may stay open 30 s, and TCP keepalive finds dead peers.
    With a ``redis+sentinel://`` URL the pool connects to the primary the sentinels name, and
    again to the new one after a failover.
    """
    pool: aioredis.BlockingConnectionPool
    if is_sentinel_url(url):
        address = parse_sentinel_url(url)
        sentinel = Sentinel(list(address.sentinels), sentinel_kwargs=address.sentinel_options())
        pool = BlockingSentinelConnectionPool(
            address.master,
            sentinel,
            max_connections=REDIS_POOL_SIZE,
            timeout=REDIS_POOL_WAIT,
            **address.server_options(),
            **CONNECTION_OPTIONS,
        )
    else:
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=REDIS_POOL_SIZE, timeout=REDIS_POOL_WAIT, **CONNECTION_OPTIONS
        )
    return aioredis.Redis(connection_pool=pool)


def for_this_loop(cache: PerLoop[T], build: Callable[[], T]) -> T:
    """The object ``cache`` holds for the running event loop, built on first use.

    Redis connections belong to the loop that opened them, so each loop gets its own client.
    """
    loop = asyncio.get_running_loop()
    found = cache.get(loop)
    if found is None:
        found = cache[loop] = build()
    return found
