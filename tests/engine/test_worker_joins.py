"""The engine worker's answers to JOIN: seats, returning players, and a match that is over."""

from __future__ import annotations

import msgpack
import pytest
from channels.layers import InMemoryChannelLayer

from engine import messages
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.protocol import CloseCode, MessageType, Phase
from engine.registry import MemoryEngineRegistry
from engine.worker import EngineWorker

pytestmark = pytest.mark.timeout(10)

RULES = Rules(tick_rate=20, countdown=0.0, time_limit=0.2, ended_linger=5.0)
GAMES = {"shooter": ShooterGame(RULES)}


async def test_a_player_back_after_the_end_is_sent_the_results_with_the_refusal() -> None:
    layer = InMemoryChannelLayer()
    worker = EngineWorker(layer, MemoryEngineRegistry(), GAMES)
    worker.handle_create("m", "shooter", "duel", 2, seed=1)
    channels = {}
    for name in ("ada", "bo"):
        channels[name] = await layer.new_channel()
        join = {"type": messages.JOIN, "match_id": "m", "name": name, "player_key": name}
        await worker.handle({**join, "reply_to": channels[name]})
        joined = await layer.receive(channels[name])
        assert joined["type"] == messages.JOINED
        assert joined["tick"] == worker.matches["m"].match.tick, "snapshots up to it are older"
    while worker.matches["m"].match.phase != Phase.RUNNING:
        await worker.tick()
    await worker.handle({"type": messages.LEAVE, "match_id": "m", "channel": channels["ada"]})
    while worker.matches["m"].match.result is None:
        await worker.tick()
    back = await layer.new_channel()
    join = {"type": messages.JOIN, "match_id": "m", "name": "ada", "player_key": "ada"}
    await worker.handle({**join, "reply_to": back})
    reply = await layer.receive(back)
    assert (reply["type"], reply["code"]) == (messages.REJECTED, CloseCode.MATCH_OVER)
    result = msgpack.unpackb(reply["result"], raw=False)
    assert result[0] == MessageType.RESULT
    assert sorted(row[1] for row in result[1]["standings"]) == ["ada", "bo"]
