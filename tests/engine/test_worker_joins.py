"""The engine worker's answers to JOIN: seats, returning players, and a match that is over."""

from __future__ import annotations

import msgpack
import pytest
from channels.layers import InMemoryChannelLayer

from engine import messages
from engine.protocol import CloseCode, MessageType
from engine.registry import MemoryEngineRegistry
from engine.rules import Rules
from engine.worker import EngineWorker

pytestmark = pytest.mark.timeout(10)

RULES = Rules(tick_rate=20, countdown=0.0, time_limit=0.2, ended_linger=5.0)


async def test_a_player_back_after_the_end_is_sent_the_results_with_the_refusal() -> None:
    layer = InMemoryChannelLayer()
    worker = EngineWorker(layer, MemoryEngineRegistry(), RULES)
    worker.handle_create("m", "duel", 2, seed=1)
    channels = {}
    for name in ("ada", "bo"):
        channels[name] = await layer.new_channel()
        join = {"type": messages.JOIN, "match_id": "m", "name": name, "player_key": name}
        await worker.handle({**join, "reply_to": channels[name]})
        assert (await layer.receive(channels[name]))["type"] == messages.JOINED
    await worker.handle({"type": messages.LEAVE, "match_id": "m", "channel": channels["ada"]})
    while worker.matches["m"].sim.result is None:
        await worker.tick()
    back = await layer.new_channel()
    join = {"type": messages.JOIN, "match_id": "m", "name": "ada", "player_key": "ada"}
    await worker.handle({**join, "reply_to": back})
    reply = await layer.receive(back)
    assert (reply["type"], reply["code"]) == (messages.REJECTED, CloseCode.MATCH_OVER)
    result = msgpack.unpackb(reply["result"], raw=False)
    assert result[0] == MessageType.RESULT
    assert sorted(row[1] for row in result[1]["standings"]) == ["ada", "bo"]


async def test_when_two_sockets_of_a_player_race_the_seat_stays_with_the_one_that_stays() -> None:
    """The older socket's JOIN arrives after the newer one's; then the older one closes."""
    layer = InMemoryChannelLayer()
    worker = EngineWorker(layer, MemoryEngineRegistry(), Rules(countdown=0.0, time_limit=30.0))
    worker.handle_create("m", "ffa", 4, seed=1)
    newer, older = await layer.new_channel(), await layer.new_channel()
    for channel in (newer, older):
        join = {"type": messages.JOIN, "match_id": "m", "name": "ada", "player_key": "ada"}
        await worker.handle({**join, "reply_to": channel})
        assert (await layer.receive(channel))["player_id"] == 0
    live = worker.matches["m"]
    assert live.seats == {older: 0}
    await worker.handle({"type": messages.LEAVE, "match_id": "m", "channel": older})
    assert live.seats == {newer: 0}, "the seat went back to the socket still open"
    assert not live.sim.players[0].away
    await worker.handle({"type": messages.LEAVE, "match_id": "m", "channel": newer})
    assert live.seats == {} and live.sim.players[0].away, "the last one gone: the ship waits"
