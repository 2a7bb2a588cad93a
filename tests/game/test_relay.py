"""MatchRelay: one group membership per match per process, messages handed to local sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from engine import messages
from game.relay import MatchRelay, newest_snapshots_only

pytestmark = pytest.mark.timeout(10)


class Member:
    """A socket stand-in that records what the relay hands it."""

    def __init__(self, spectating: bool = False, log: list[Any] | None = None) -> None:
        self.spectating = spectating
        self.log = log  # shared by several members: who was handed what, in order
        self.got: list[tuple[str, Any]] = []
        self.arrived = asyncio.Event()

    def on_snapshot(self, message: messages.SnapshotMessage) -> None:
        self._record("snapshot", message["tick"])

    def on_result(self, frame: bytes) -> None:
        self._record("result", frame)

    def on_spectators(self, frame: bytes) -> None:
        self._record("spectators", frame)

    def on_closed(self, code: int, reason: str) -> None:
        self._record("closed", code)

    def on_moved(self, engine_channel: str) -> None:
        self._record("moved", engine_channel)

    def on_released(self) -> None:
        self._record("released", None)

    def _record(self, kind: str, value: Any) -> None:
        self.got.append((kind, value))
        if self.log is not None:
            self.log.append((self, value))
        self.arrived.set()

    async def wait(self, count: int) -> list[tuple[str, Any]]:
        async with asyncio.timeout(3):
            while len(self.got) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.got


def snapshot(match_id: str, tick: int) -> dict[str, Any]:
    return {
        "type": messages.SNAPSHOT,
        "match_id": match_id,
        "tick": tick,
        "base_tick": None,
        "delta": None,
        "keyframe": b"K",
    }


async def test_members_get_their_match_only_and_the_group_has_one_channel() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    a1, a2, b1 = Member(), Member(), Member()
    await relay.attach("a", a1)
    await relay.attach("a", a2)
    await relay.attach("b", b1)
    assert list(layer.groups[messages.match_group("a")]) == [relay.channel]
    await layer.group_send(messages.match_group("a"), snapshot("a", 7))
    await layer.group_send(messages.match_group("b"), snapshot("b", 9))
    assert await a1.wait(1) == [("snapshot", 7)]
    assert await a2.wait(1) == [("snapshot", 7)]
    assert await b1.wait(1) == [("snapshot", 9)]


async def test_result_and_close_reach_every_member() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    member = Member()
    await relay.attach("a", member)
    group = messages.match_group("a")
    await layer.group_send(group, {"type": messages.RESULT, "match_id": "a", "frame": b"R"})
    closed = {"type": messages.CLOSED, "match_id": "a", "code": 4006, "reason": "match over"}
    await layer.group_send(group, closed)
    assert await member.wait(2) == [("result", b"R"), ("closed", 4006)]


async def test_the_live_and_the_delayed_group_of_a_match_have_their_own_members() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    player, spectator = Member(), Member()
    await relay.attach("a", player)
    await relay.attach("a", spectator, delayed=True)
    assert list(layer.groups[messages.delayed_group("a")]) == [relay.channel]
    await layer.group_send(messages.match_group("a"), snapshot("a", 9))
    await layer.group_send(messages.delayed_group("a"), {**snapshot("a", 3), "delayed": True})
    count = {"type": messages.SPECTATORS, "match_id": "a", "frame": b"S"}
    await layer.group_send(messages.match_group("a"), count)
    await layer.group_send(messages.delayed_group("a"), {**count, "delayed": True})
    assert await player.wait(2) == [("snapshot", 9), ("spectators", b"S")]
    assert await spectator.wait(2) == [("snapshot", 3), ("spectators", b"S")]
    assert (relay.watching("a"), relay.watching("a", delayed=True)) == (1, 1)
    await relay.detach("a", spectator, delayed=True)
    assert messages.delayed_group("a") not in layer.groups
    assert messages.match_group("a") in layer.groups


def test_live_and_delayed_snapshots_do_not_supersede_each_other() -> None:
    live = {**snapshot("a", 9), "keyframe": None}
    delayed = {**snapshot("a", 3), "keyframe": None, "delayed": True}
    later = {**snapshot("a", 4), "keyframe": None, "delayed": True}
    assert newest_snapshots_only([delayed, live, later]) == [live, later]


async def test_the_last_member_leaving_unsubscribes_the_match() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    first, second = Member(), Member()
    await relay.attach("a", first)
    await relay.attach("a", second)
    await relay.detach("a", first)
    assert relay.watching("a") == 1
    assert messages.match_group("a") in layer.groups
    await relay.detach("a", second)
    assert relay.watching("a") == 0
    assert messages.match_group("a") not in layer.groups


async def test_a_failing_member_does_not_stop_the_others() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    broken, healthy = Member(), Member()
    broken.on_snapshot = lambda message: 1 / 0  # type: ignore[method-assign]
    await relay.attach("a", broken)
    await relay.attach("a", healthy)
    for tick in (1, 2):
        await layer.group_send(messages.match_group("a"), snapshot("a", tick))
    assert await healthy.wait(2) == [("snapshot", 1), ("snapshot", 2)]


@pytest.mark.redis
async def test_pubsub_layer_one_publish_reaches_every_local_member(
    redis_url: str, redis_prefix: str
) -> None:
    hosts = [{"address": redis_url}]
    web = RedisPubSubChannelLayer(hosts=hosts, prefix=f"{redis_prefix}:layer:")
    engine = RedisPubSubChannelLayer(hosts=hosts, prefix=f"{redis_prefix}:layer:")
    relay = MatchRelay(web)
    members = [Member() for _ in range(8)]
    for member in members:
        await relay.attach("m", member)
    await engine.group_send(messages.match_group("m"), snapshot("m", 3))
    for member in members:
        assert await member.wait(1) == [("snapshot", 3)]
    await web.flush()
    await engine.flush()


def test_only_the_newest_snapshot_of_each_match_survives_a_batch() -> None:
    result = {"type": messages.RESULT, "match_id": "a", "frame": b"R"}
    plain = [{**snapshot("a", tick), "keyframe": None} for tick in (1, 2, 3)]
    batch = [plain[0], snapshot("b", 1), plain[1], result, plain[2]]
    kept = newest_snapshots_only(batch)
    assert [(m["type"], m["match_id"], m.get("tick")) for m in kept] == [
        (messages.SNAPSHOT, "b", 1),
        (messages.RESULT, "a", None),
        (messages.SNAPSHOT, "a", 3),
    ]


def test_superseded_snapshots_with_a_keyframe_stay() -> None:
    with_keyframe = snapshot("a", 1)
    later = {**snapshot("a", 2), "keyframe": None}
    assert newest_snapshots_only([with_keyframe, later]) == [with_keyframe, later]


async def test_a_backlog_is_delivered_as_the_newest_snapshots() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    member = Member()
    await relay.attach("a", member)
    for tick in range(1, 6):  # queued before the relay gets to run (send does not yield)
        await layer.send(relay.channel, {**snapshot("a", tick), "keyframe": None})
    assert await member.wait(1) == [("snapshot", 5)]
    assert relay.superseded == 4


async def test_players_of_a_batch_are_served_before_its_spectators() -> None:
    relay = MatchRelay(get_channel_layer())
    log: list[Any] = []
    crowd = [Member(spectating=True, log=log) for _ in range(3)]
    ada, bo = Member(log=log), Member(log=log)
    for member in crowd:
        await relay.attach("watched", member)
    await relay.attach("watched", ada)
    await relay.attach("other", bo)
    relay.deliver_batch([snapshot("watched", 5), snapshot("other", 5)])
    order = [member for member, _ in log]
    assert set(order[:2]) == {ada, bo}, "both matches' players before the watched match's crowd"
    assert set(order[2:]) == set(crowd) and len(order) == 5


async def test_messages_of_an_older_lease_epoch_are_dropped_after_a_move() -> None:
    relay = MatchRelay(get_channel_layer())
    member = Member()
    await relay.attach("m", member)
    moved = {"type": messages.MOVED, "match_id": "m", "engine": "engine-b", "epoch": 20}
    relay.deliver_batch(
        [
            {**snapshot("m", 5), "epoch": 10},
            moved,
            {**snapshot("m", 3), "epoch": 20},
            {**snapshot("m", 6), "epoch": 10},  # the old owner woke up: not heard
            {"type": messages.CLOSED, "match_id": "m", "code": 1001, "reason": "", "epoch": 10},
            {**snapshot("m", 4), "epoch": 20},
        ]
    )
    assert member.got == [("snapshot", 5), ("moved", "engine-b"), ("snapshot", 3), ("snapshot", 4)]
    assert relay.fenced == 2
    await relay.detach("m", member)


async def test_no_epoch_is_kept_of_a_match_nobody_here_watches() -> None:
    """A match without a local member leaves no lease epoch behind in the relay."""
    # a hosting process hands its relay every message of its matches, watched here or not
    # (their players may sit on another web process): an epoch kept for each stayed for good
    relay = MatchRelay(get_channel_layer())
    closed = {"type": messages.CLOSED, "code": 4000, "reason": "match over", "epoch": 4}
    for index in range(3):
        match_id = f"elsewhere-{index}"
        relay.deliver_batch(
            [{**snapshot(match_id, 1), "epoch": 4}, {**closed, "match_id": match_id}]
        )
    assert relay._epochs == {}
    member = Member()
    await relay.attach("m", member)
    relay.deliver_batch([{**snapshot("m", 5), "epoch": 4}])
    await relay.detach("m", member)
    relay.deliver_batch([{**closed, "match_id": "m"}])  # after its last member left
    assert relay._epochs == {}
    assert member.got == [("snapshot", 5)]


class LocalWorker:
    """The process's own engine worker, as the relay asks it: which matches it runs."""

    def __init__(self, *match_ids: str) -> None:
        self.running = set(match_ids)

    def hosts(self, match_id: str) -> bool:
        return match_id in self.running


async def until_true(condition: Any) -> None:
    async with asyncio.timeout(3):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_match_of_the_local_worker_comes_from_it_and_not_through_the_layer() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    relay.local = LocalWorker("local")
    member, remote_member = Member(), Member()
    await relay.attach("local", member)
    await relay.attach("remote", remote_member)
    assert messages.match_group("local") not in layer.groups, "its messages come from the worker"
    assert messages.match_group("remote") in layer.groups
    relay.deliver_local([(messages.match_group("local"), snapshot("local", 7))])
    await layer.group_send(messages.match_group("remote"), snapshot("remote", 3))
    assert await member.wait(1) == [("snapshot", 7)]
    assert await remote_member.wait(1) == [("snapshot", 3)]


async def test_a_match_the_local_worker_lets_go_is_watched_through_the_layer_again() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    worker = LocalWorker("a")
    relay.local = worker
    member = Member()
    await relay.attach("a", member)
    worker.running.discard("a")  # taken over by a worker of another process
    relay.released("a")
    await until_true(lambda: messages.match_group("a") in layer.groups)
    await layer.group_send(messages.match_group("a"), snapshot("a", 9))
    assert await member.wait(2) == [("released", None), ("snapshot", 9)]


async def test_a_match_the_local_worker_adopts_stops_coming_through_the_layer() -> None:
    layer = get_channel_layer()
    relay = MatchRelay(layer)
    worker = LocalWorker()
    relay.local = worker
    member = Member()
    await relay.attach("a", member)
    assert messages.match_group("a") in layer.groups
    worker.running.add("a")  # adopted here: its MOVED comes from the local worker
    moved = {"type": messages.MOVED, "match_id": "a", "engine": "here", "epoch": 2}
    relay.deliver_local([(messages.match_group("a"), moved)])
    await until_true(lambda: messages.match_group("a") not in layer.groups)
    assert await member.wait(1) == [("moved", "here")]


async def test_a_released_match_s_members_of_both_groups_are_told() -> None:
    relay = MatchRelay(get_channel_layer())
    live, delayed, other = Member(), Member(spectating=True), Member()
    await relay.attach("a", live)
    await relay.attach("a", delayed, delayed=True)
    await relay.attach("b", other)
    relay.released("a")
    assert (live.got, delayed.got, other.got) == ([("released", None)], [("released", None)], [])
