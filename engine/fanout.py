"""Sending many channel-layer messages at once: on the Redis pub/sub layer in one round trip."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import msgpack
import redis.asyncio as aioredis
from channels_redis.pubsub import RedisPubSubChannelLayer

from engine.redisclient import for_this_loop

CONCURRENT_SENDS = 16  # sends in flight at once on layers without a pipeline

RedisFor = Callable[[], aioredis.Redis] | None  # this loop's client of the layer's Redis


async def send_many(
    layer: Any, messages: Sequence[tuple[str, dict[str, Any]]], redis: RedisFor = None
) -> None:
    """Send each ``(channel, message)``; on the Redis pub/sub layer in one round trip.

    The pub/sub layer publishes every ``send`` on its own behind a lock, one round trip each,
    so a burst of a thousand messages takes a thousand round trips in a row. Its channels are
    Redis pub/sub channels of the same name carrying ``layer.serialize(message)``, so the same
    publishes can go out in one pipeline, on the client ``redis`` gives. Other layers get their
    sends CONCURRENT_SENDS at a time (channels-redis' core layer opens a connection per send).
    """
    if not messages:
        return
    if isinstance(layer, RedisPubSubChannelLayer) and redis is not None:
        client = redis()
        async with client.pipeline(transaction=False) as pipe:
            for channel, message in messages:
                pipe.publish(channel, layer.serialize(message))
            await pipe.execute()
        return
    for start in range(0, len(messages), CONCURRENT_SENDS):
        batch = messages[start : start + CONCURRENT_SENDS]
        await asyncio.gather(*(layer.send(channel, message) for channel, message in batch))


# PUBLISH every (channel, payload) pair of one msgpack array: a whole tick of snapshots in one
# command with one argument (redis-py packs arguments one by one, in Python)
_PUBLISH_ALL = """
local pairs = cmsgpack.unpack(ARGV[1])
local receivers = {}
for i = 1, #pairs, 2 do
  receivers[#receivers + 1] = redis.call('PUBLISH', pairs[i], pairs[i + 1])
end
return receivers
"""
_publish_all_scripts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
    weakref.WeakKeyDictionary()
)


async def group_send_many(
    layer: Any, messages: Sequence[tuple[str, dict[str, Any]]], redis: RedisFor = None
) -> list[int] | None:
    """Send each ``(group, message)``; on the Redis pub/sub layer in one command, which
    returns how many subscribers (web processes) each message reached; None on other layers.

    An engine worker publishes one snapshot per match per tick. The pub/sub layer's
    ``group_send`` is one PUBLISH per call behind a per-connection lock, so 125 matches cost 125
    round trips in a row every tick. Here they go as one Lua call, with one msgpack argument,
    that PUBLISHes each to the channel the layer names with ``_get_group_channel_name`` (what
    its own ``group_send`` publishes to); measured, that costs a fifth of the CPU of a
    125-command pipeline.
    """
    if not messages:
        return []
    if isinstance(layer, RedisPubSubChannelLayer) and redis is not None:
        client = redis
        script = for_this_loop(_publish_all_scripts, lambda: client().register_script(_PUBLISH_ALL))
        pairs: list[Any] = []
        for group, message in messages:
            pairs.append(layer._get_group_channel_name(group))
            pairs.append(layer.serialize(message))
        # raw strings (not bin): Redis' Lua msgpack reads them as byte strings, unchanged
        return list(await script(args=[msgpack.packb(pairs, use_bin_type=False)]))
    for start in range(0, len(messages), CONCURRENT_SENDS):
        batch = messages[start : start + CONCURRENT_SENDS]
        await asyncio.gather(*(layer.group_send(group, message) for group, message in batch))
    return None
