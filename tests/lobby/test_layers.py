"""The bounded Redis pub/sub layer: a channel nobody reads keeps only its newest messages."""

from __future__ import annotations

import asyncio

import pytest

from lobby.layers import BoundedPubSubChannelLayer, DropOldestQueue

pytestmark = pytest.mark.timeout(10)


def test_drop_oldest_queue_keeps_the_newest() -> None:
    queue = DropOldestQueue(3)
    for item in range(7):
        queue.put_nowait(item)
    assert [queue.get_nowait() for _ in range(3)] == [4, 5, 6]
    assert queue.dropped == 4


@pytest.mark.redis
async def test_an_unread_channel_stays_bounded(redis_url: str, redis_prefix: str) -> None:
    hosts = [{"address": redis_url}]
    reader = BoundedPubSubChannelLayer(hosts=hosts, prefix=f"{redis_prefix}:", capacity=5)
    writer = BoundedPubSubChannelLayer(hosts=hosts, prefix=f"{redis_prefix}:")
    channel = await reader.new_channel("slow.")
    for index in range(50):
        await writer.send(channel, {"type": "t", "n": index})
    queue = reader._get_layer().channels[channel]
    async with asyncio.timeout(3):
        while queue.dropped < 45:
            await asyncio.sleep(0.01)
    assert [(await reader.receive(channel))["n"] for _ in range(5)] == [45, 46, 47, 48, 49]
    await reader.flush()
    await writer.flush()


@pytest.mark.redis
async def test_a_send_to_a_channel_of_this_process_stays_in_it_and_is_a_copy(
    redis_url: str, redis_prefix: str
) -> None:
    hosts = [{"address": redis_url}]
    here = BoundedPubSubChannelLayer(hosts=hosts, prefix=f"{redis_prefix}:")
    elsewhere = BoundedPubSubChannelLayer(hosts=hosts, prefix=f"{redis_prefix}:")
    local, remote = await here.new_channel(), await elsewhere.new_channel()
    message = {"type": "t", "items": [1, 2]}
    await here.send(local, message)
    await here.send(remote, {"type": "t", "n": 2})
    message["items"].append(3)  # the sender's later changes are not the receiver's
    async with asyncio.timeout(3):
        assert await here.receive(local) == {"type": "t", "items": [1, 2]}
        assert (await elsewhere.receive(remote))["n"] == 2, "other processes' through Redis"
    assert here.local_sends == 1
    await here.flush()
    await elsewhere.flush()
