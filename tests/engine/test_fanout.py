"""Fan-out of many messages: one round trip on the Redis pub/sub layer (given a client of its
Redis), plain sends elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from engine.fanout import group_send_many, send_many
from engine.redisclient import redis_client

pytestmark = [pytest.mark.redis, pytest.mark.timeout(10)]


@pytest.fixture
async def pubsub_layer(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisPubSubChannelLayer]:
    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=f"{redis_prefix}:layer:")
    yield layer
    await layer.flush()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Callable[[], aioredis.Redis]]:
    """This loop's client of the layer's Redis, as ``send_many`` is given it."""
    client = redis_client(redis_url)
    yield lambda: client
    await client.aclose()


@pytest.mark.parametrize("count", [1, 50])
async def test_every_message_reaches_its_own_channel_on_redis(
    pubsub_layer: RedisPubSubChannelLayer, redis: Callable[[], aioredis.Redis], count: int
) -> None:
    channels = [await pubsub_layer.new_channel() for _ in range(count)]
    await send_many(
        pubsub_layer,
        [(c, {"type": "t.msg", "n": i, "b": bytes([i])}) for i, c in enumerate(channels)],
        redis,
    )
    async with asyncio.timeout(5):
        received = [await pubsub_layer.receive(channel) for channel in channels]
    assert received == [{"type": "t.msg", "n": i, "b": bytes([i])} for i in range(count)]


async def test_other_layers_get_plain_sends() -> None:
    layer = InMemoryChannelLayer()
    channels = [await layer.new_channel() for _ in range(3)]
    await send_many(layer, [(c, {"type": "t.msg", "n": i}) for i, c in enumerate(channels)])
    assert [(await layer.receive(c))["n"] for c in channels] == [0, 1, 2]


async def test_nothing_to_send_is_fine() -> None:
    await send_many(InMemoryChannelLayer(), [])


@pytest.mark.parametrize("count", [1, 125])
async def test_group_sends_reach_every_group_in_one_call_on_redis(
    pubsub_layer: RedisPubSubChannelLayer, redis: Callable[[], aioredis.Redis], count: int
) -> None:
    members = [await pubsub_layer.new_channel() for _ in range(count)]
    for index, channel in enumerate(members):
        await pubsub_layer.group_add(f"g{index}", channel)
    await group_send_many(
        pubsub_layer,
        [(f"g{i}", {"type": "t.msg", "n": i, "b": b"x" * i}) for i in range(count)],
        redis,
    )
    async with asyncio.timeout(5):
        received = [await pubsub_layer.receive(channel) for channel in members]
    assert received == [{"type": "t.msg", "n": i, "b": b"x" * i} for i in range(count)]


async def test_group_sends_on_redis_say_how_many_processes_each_reached(
    pubsub_layer: RedisPubSubChannelLayer, redis: Callable[[], aioredis.Redis]
) -> None:
    await pubsub_layer.group_add("watched", await pubsub_layer.new_channel())
    receivers = await group_send_many(
        pubsub_layer, [("watched", {"type": "t.msg"}), ("nobody", {"type": "t.msg"})], redis
    )
    assert receivers == [1, 0]


async def test_group_sends_on_other_layers() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await group_send_many(
        layer, [("g", {"type": "t.msg", "n": 1}), ("g", {"type": "t.msg", "n": 2})]
    )
    assert [(await layer.receive(channel))["n"] for _ in range(2)] == [1, 2]


async def test_without_a_client_of_its_redis_the_pubsub_layer_gets_plain_sends(
    pubsub_layer: RedisPubSubChannelLayer,
) -> None:
    channel = await pubsub_layer.new_channel()
    member = await pubsub_layer.new_channel()
    await pubsub_layer.group_add("g", member)
    await send_many(pubsub_layer, [(channel, {"type": "t.msg", "n": 1})])
    await group_send_many(pubsub_layer, [("g", {"type": "t.msg", "n": 2})])
    async with asyncio.timeout(5):
        assert (await pubsub_layer.receive(channel))["n"] == 1
        assert (await pubsub_layer.receive(member))["n"] == 2
