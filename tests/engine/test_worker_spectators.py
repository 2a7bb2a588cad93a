"""The engine worker's side of spectators, driven message by message and tick by tick (the
delayed stream's for every registered game)."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
from channels.layers import InMemoryChannelLayer

from engine import messages
from engine.protocol import CloseCode, MessageType
from engine.registry import MemoryEngineRegistry
from engine.worker import EngineWorker
from tests.helpers import GAME_NAMES, duel_mode, game_with, with_timers

pytestmark = pytest.mark.timeout(10)

# every game at its own tick rate, its matches short: 0.1 s of countdown, 0.5 s of play and
# 0.2 s of linger
GAMES = {
    name: with_timers(game_with(name), countdown=0.1, time_limit=0.5, ended_linger=0.2)
    for name in GAME_NAMES
}


def decode(frame: bytes) -> Any:
    return msgpack.unpackb(frame, raw=False)


class Published:
    """What a worker hands its publisher: (group, message) pairs, in order."""

    def __init__(self, worker: EngineWorker) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        original = worker.publisher.publish

        def record(group_messages: Any, reliable: bool = False) -> None:
            self.items.extend(group_messages)
            original(group_messages, reliable)

        worker.publisher.publish = record  # type: ignore[method-assign]

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        items, self.items = self.items, []
        return items


async def make_worker(
    game: str = "shooter", **options: Any
) -> tuple[EngineWorker, InMemoryChannelLayer]:
    layer = InMemoryChannelLayer()
    worker = EngineWorker(layer, MemoryEngineRegistry(), GAMES, **options)
    worker.handle_create("m", game, duel_mode(GAMES[game]).name, 2, seed=1)
    return worker, layer


def delay_ticks(game: str, seconds: float) -> int:
    return max(1, round(seconds * GAMES[game].tick_rate))


def snapshot_ticks(items: list[tuple[str, dict[str, Any]]], group: str) -> list[int]:
    return [m["tick"] for g, m in items if g == group and m["type"] == messages.SNAPSHOT]


async def join(worker: EngineWorker, layer: InMemoryChannelLayer, name: str) -> str:
    channel = await layer.new_channel()
    await worker.handle(
        {
            "type": messages.JOIN,
            "match_id": "m",
            "name": name,
            "player_key": name,
            "reply_to": channel,
        }
    )
    assert (await layer.receive(channel))["type"] == messages.JOINED
    return channel


async def watch(
    worker: EngineWorker, layer: InMemoryChannelLayer, match_id: str = "m"
) -> tuple[str, dict[str, Any]]:
    channel = await layer.new_channel()
    await worker.handle({"type": messages.WATCH, "match_id": match_id, "reply_to": channel})
    return channel, await layer.receive(channel)


async def test_watching_counts_the_spectator_and_answers_spectating_and_a_keyframe() -> None:
    worker, layer = await make_worker(max_spectators=5)
    await join(worker, layer, "Ada")
    for _ in range(3):
        await worker.tick()
    channel, reply = await watch(worker, layer)
    assert reply["type"] == messages.WATCHING and reply["delayed"] is False
    spectating = decode(reply["spectating"])
    assert spectating[0] == MessageType.SPECTATING
    assert (spectating[1]["spectators"], spectating[1]["delay_ms"]) == (1, 0)
    snapshot = reply["snapshot"]
    assert snapshot["tick"] == worker.matches["m"].match.tick == 3
    assert decode(snapshot["keyframe"])[0] == MessageType.SNAPSHOT
    assert worker.matches["m"].spectators == {channel}
    await worker.handle({"type": messages.UNWATCH, "match_id": "m", "channel": channel})
    assert worker.matches["m"].spectators == set()


async def test_the_cap_and_the_refusals() -> None:
    worker, layer = await make_worker(max_spectators=2)
    first, _ = await watch(worker, layer)
    await watch(worker, layer)
    _, refused = await watch(worker, layer)
    assert (refused["type"], refused["code"]) == (messages.REJECTED, CloseCode.SPECTATORS_FULL)
    await worker.handle({"type": messages.WATCH, "match_id": "m", "reply_to": first})
    assert (await layer.receive(first))["type"] == messages.WATCHING, "asking again is no new one"
    assert len(worker.matches["m"].spectators) == 2
    _, unknown = await watch(worker, layer, "nope")
    assert unknown["code"] == CloseCode.MATCH_NOT_FOUND
    worker.matches["m"].match._end("abandoned")
    await worker.handle({"type": messages.UNWATCH, "match_id": "m", "channel": first})
    _, over = await watch(worker, layer)
    assert over["code"] == CloseCode.MATCH_OVER


@pytest.mark.parametrize("game", GAME_NAMES)
async def test_a_tick_costs_the_same_with_one_spectator_or_a_hundred(game: str) -> None:
    counts = []
    for spectators in (1, 100):
        worker, layer = await make_worker(game, spectator_delay=0.1)
        published = Published(worker)
        await join(worker, layer, "Ada")
        for _ in range(spectators):
            await watch(worker, layer)
        for _ in range(10):
            await worker.tick()
        items = published.take()
        live = snapshot_ticks(items, messages.match_group("m"))
        delayed = snapshot_ticks(items, messages.delayed_group("m"))
        assert live, "the match published"
        assert delayed == [t for t in live if t <= 10 - delay_ticks(game, 0.1)], "later, once"
        counts.append((len(live), len(delayed)))
    assert counts[0] == counts[1]
    if GAMES[game].snapshots == "every_tick":
        assert counts[0] == (10, 8), "10 live snapshots, 8 of them two ticks later"


async def test_spectators_alone_make_a_match_publish() -> None:
    worker, layer = await make_worker()
    published = Published(worker)
    await worker.tick()
    assert published.take() == []
    channel, _ = await watch(worker, layer)
    await worker.tick()
    assert [g for g, m in published.take() if m["type"] == messages.SNAPSHOT] == ["match.m"]
    await worker.handle({"type": messages.UNWATCH, "match_id": "m", "channel": channel})
    await worker.tick()
    assert [m for _, m in published.take() if m["type"] == messages.SNAPSHOT] == []


@pytest.mark.parametrize("game", GAME_NAMES)
async def test_without_spectators_nothing_is_published_to_the_delayed_group(game: str) -> None:
    worker, layer = await make_worker(game, spectator_delay=0.1)
    published = Published(worker)
    await join(worker, layer, "Ada")
    for _ in range(10):
        await worker.tick()
    items = published.take()
    assert {g for g, _ in items} == {messages.match_group("m")}
    _, reply = await watch(worker, layer)
    assert reply["delayed"] is True and decode(reply["spectating"])[1]["delay_ms"] == 100
    delayed_tick = max(
        t for t in snapshot_ticks(items, "match.m") if t <= 10 - delay_ticks(game, 0.1)
    )
    assert reply["snapshot"]["tick"] == delayed_tick, "a KEYFRAME of the delayed tick, at once"


@pytest.mark.parametrize("game", GAME_NAMES)
async def test_a_delayed_spectator_of_a_match_nobody_played_gets_a_keyframe_at_once(
    game: str,
) -> None:
    worker, layer = await make_worker(game, spectator_delay=0.5)
    for _ in range(30):
        await worker.tick()  # nobody there: nothing published
    _, reply = await watch(worker, layer)
    assert reply["snapshot"]["tick"] == 30 and decode(reply["snapshot"]["keyframe"])[-1] == []
    published = Published(worker)
    for _ in range(12):
        await worker.tick()
    items = published.take()
    delayed = [m for g, m in items if g == messages.delayed_group("m")]
    live = snapshot_ticks(items, messages.match_group("m"))
    assert live[0] == 31
    expected = [t for t in live if t <= 42 - delay_ticks(game, 0.5)]
    assert [m["tick"] for m in delayed] == expected, "the delayed stream goes on from there"
    assert delayed[0]["keyframe"] is not None


@pytest.mark.parametrize("game", GAME_NAMES)
async def test_delayed_spectators_get_the_end_after_the_players_in_order(game: str) -> None:
    worker, layer = await make_worker(game, spectator_delay=0.5)  # longer than ended_linger
    published = Published(worker)
    await join(worker, layer, "Ada")
    await join(worker, layer, "Bo")
    await watch(worker, layer)
    live: list[str] = []
    delayed: list[str] = []
    for _ in range(100):
        await worker.tick()
        for group, message in published.take():
            kind = message["type"]
            (delayed if group == messages.delayed_group("m") else live).append(kind)
        if messages.CLOSED in delayed:
            break
    assert live[-2:] == [messages.SNAPSHOT, messages.CLOSED] and messages.RESULT in live
    assert "m" not in worker.matches and not worker.draining
    assert delayed[-1] == messages.CLOSED and delayed.count(messages.RESULT) == 1
    after_result = delayed[delayed.index(messages.RESULT) + 1 : -1]
    assert after_result and set(after_result) == {messages.SNAPSHOT}, "the ended match lingers"
    assert delayed.count(messages.SNAPSHOT) == live.count(messages.SNAPSHOT)


async def test_the_live_summaries_name_the_matches_not_over() -> None:
    worker, layer = await make_worker(max_spectators=7)
    worker.handle_create("over", "shooter", "ffa", 8, seed=2)
    worker.matches["over"].match._end("abandoned")
    await join(worker, layer, "Ada")
    await watch(worker, layer)
    [summary] = worker.live_summaries()
    assert summary["created_ms"] > 0
    del summary["created_ms"]
    assert summary == {
        "id": "m",
        "game": "shooter",
        "mode": "duel",
        "phase": 0,
        "elapsed_ms": 0,
        "players": [{"id": 0, "name": "Ada", "score": 0, "deaths": 0}],
        "spectators": 1,
        "max_spectators": 7,
    }
