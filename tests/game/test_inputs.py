"""InputBatcher: one layer message per engine worker per flush, newest input per player."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer

from game.inputs import InputBatcher

pytestmark = pytest.mark.timeout(10)


async def test_one_message_per_engine_with_each_players_newest_input() -> None:
    layer = get_channel_layer()
    first = await layer.new_channel("arena.engine.")
    second = await layer.new_channel("arena.engine.")
    batcher = InputBatcher(layer, interval=0.01)
    batcher.submit(first, "m1", 0, 1, (8, 500))
    batcher.submit(first, "m1", 0, 3, (4, 1000))
    batcher.submit(first, "m1", 0, 2, (2, 3141))  # older than 3: ignored
    batcher.submit(first, "m1", 1, 1, (16, -1000))
    batcher.submit(second, "m2", 0, 5, (1, 0))
    async with asyncio.timeout(2):
        to_first = await layer.receive(first)
        to_second = await layer.receive(second)
    assert to_first == {
        "type": "engine.inputs",
        "inputs": [["m1", 0, 3, 4, 1000], ["m1", 1, 1, 16, -1000]],
    }
    assert to_second["inputs"] == [["m2", 0, 5, 1, 0]]
    assert (batcher.forwarded, batcher.superseded, batcher.batches) == (3, 1, 2)


async def test_nothing_is_sent_without_inputs_and_later_inputs_flush_again() -> None:
    layer = get_channel_layer()
    engine = await layer.new_channel("arena.engine.")
    batcher = InputBatcher(layer, interval=0.01)
    await batcher.flush()
    for seq in (1, 2):
        batcher.submit(engine, "m", 0, seq, (8, 0))
        async with asyncio.timeout(2):
            message = await layer.receive(engine)
        assert message["inputs"] == [["m", 0, seq, 8, 0]]
