"""Redis clients: ``redis+sentinel://`` URLs and the pool built for them."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from engine.redisclient import (
    CONNECTION_OPTIONS,
    REDIS_POOL_SIZE,
    BlockingSentinelConnectionPool,
    SentinelURLError,
    parse_sentinel_url,
    redis_client,
    redis_database,
)

pytestmark = pytest.mark.timeout(10)


def test_a_sentinel_url_names_sentinels_master_database_and_credentials() -> None:
    address = parse_sentinel_url(
        "redis+sentinel://user:p%40ss@10.0.0.1:26379,[::1]:26380,sentinel-c/arena/2"
        "?sentinel_password=s3"
    )
    assert address.sentinels == (("10.0.0.1", 26379), ("::1", 26380), ("sentinel-c", 26379))
    assert (address.master, address.db) == ("arena", 2)
    assert (address.username, address.password, address.sentinel_password) == ("user", "p@ss", "s3")
    assert redis_database("redis+sentinel://a:1/arena") == 0
    assert redis_database("redis://127.0.0.1:6379/7") == 7


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis+sentinel://a:1/arena?timeout=3", "unknown option timeout"),
        ("redis+sentinel://a:99999/arena", "is not host:port"),
        ("redis+sentinel://a:1/arena/0/extra", "must end in"),
    ],
)
def test_bad_sentinel_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(SentinelURLError, match=message):
        parse_sentinel_url(url)


async def test_the_sentinel_pool_is_bounded_with_the_usual_timeouts() -> None:
    client = redis_client("redis+sentinel://127.0.0.1:1/arena/4")
    pool = client.connection_pool
    assert isinstance(pool, BlockingSentinelConnectionPool)
    assert isinstance(pool, aioredis.BlockingConnectionPool), "callers queue rather than fail"
    assert pool.max_connections == REDIS_POOL_SIZE and pool.service_name == "arena"
    for name, value in CONNECTION_OPTIONS.items():
        assert pool.connection_kwargs[name] == value
    assert pool.connection_kwargs["db"] == 4
    await client.aclose()
