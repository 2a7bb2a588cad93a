"""Engine workers taking matches over from each other: leases, checkpoints, fencing, handover.

Two workers of one process share a channel layer and shared memory leases with a short TTL;
the tests drive them tick by tick and heartbeat by heartbeat (``keep_matches``).
"""

from __future__ import annotations

import asyncio
from dataclasses import fields
from typing import Any

import msgpack
import pytest
from channels.layers import InMemoryChannelLayer

from engine import messages
from engine.game import SEAT_FIELDS
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.games.shooter.simulation import Ship
from engine.leases import MemoryMatchLeases
from engine.match import Match
from engine.registry import MemoryEngineRegistry
from engine.worker import EngineWorker

pytestmark = pytest.mark.timeout(10)

TTL = 0.3
RULES = Rules(tick_rate=20, countdown=0.0, time_limit=30.0)
GAMES = {"shooter": ShooterGame(RULES)}
GRACE = 2.0


class Stack:
    """Two workers, their layer and leases, and a socket-like channel per player."""

    def __init__(self) -> None:
        self.layer = InMemoryChannelLayer()
        self.leases = MemoryMatchLeases(ttl=TTL, shared=True)
        self.registry = MemoryEngineRegistry()
        self.workers: list[EngineWorker] = []

    async def worker(self, name: str, **options: Any) -> EngineWorker:
        worker = EngineWorker(
            self.layer,
            self.registry,
            GAMES,
            worker_id=name,
            leases=self.leases,
            reconnect_grace=GRACE,
            **options,
        )
        worker.channel = await self.layer.new_channel("arena.engine.")
        worker.leases_fresh_until = worker.clock() + worker.lease_validity
        await self.registry.announce(name, worker.channel, 0)
        self.workers.append(worker)
        return worker

    async def create(self, worker: EngineWorker, match_id: str = "m") -> None:
        create = {"type": messages.CREATE, "match_id": match_id, "game": "shooter", "mode": "ffa"}
        await worker.handle({**create, "max_players": 4, "seed": 7})

    async def join(self, worker: EngineWorker, key: str, channel: str | None = None) -> str:
        channel = channel or await self.layer.new_channel()
        join = {"type": messages.JOIN, "match_id": "m", "name": key, "player_key": key}
        await worker.handle({**join, "reply_to": channel})
        reply = await self.layer.receive(channel)
        assert reply["type"] == messages.JOINED, reply
        return channel

    async def group_messages(self, worker: EngineWorker) -> list[dict[str, Any]]:
        """What the worker has published since the last call (runs its publisher once)."""
        taken: list[dict[str, Any]] = []
        outbox = worker.publisher._outbox
        while not outbox.empty():
            taken.extend(message for _, message in outbox.get_nowait())
        return taken


async def expire() -> None:
    await asyncio.sleep(TTL + 0.1)


async def play(worker: EngineWorker, ticks: int) -> None:
    match = worker.matches["m"].match
    for _ in range(ticks):
        for player_id, seat in list(match.seats.items()):
            match.apply_input(player_id, seat.last_seq + 1, (1 | 16, 500))  # up, firing
        await worker.tick()


def player_fields(state: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """A checkpoint state's players by id, field by field: its seat's and its ship's."""
    ship_names = [f.name for f in fields(Ship)]
    ships = {row[0]: dict(zip(ship_names, row, strict=True)) for row in state["sim"]["ships"]}
    return {
        row[0]: {**ships[row[0]], **dict(zip(SEAT_FIELDS, row, strict=True))}
        for row in state["seats"]
    }


def match_of(worker: EngineWorker, match_id: str = "m") -> Match:
    return worker.matches[match_id].match


async def test_a_crashed_workers_match_is_adopted_from_its_checkpoint() -> None:
    stack = Stack()
    a, b = await stack.worker("a"), await stack.worker("b")
    await stack.create(a)
    first = await stack.join(a, "ada")
    await stack.join(a, "bob")
    await play(a, 30)
    match_of(a).sim.ships[0].score = 3  # as if ada had scored: the score must survive
    match_of(a).sim.ships[1].deaths = 3
    await a.keep_matches()  # renew + checkpoint at tick 30
    at_checkpoint = player_fields(match_of(a).export_state())
    checkpoint_tick = match_of(a).tick
    await play(a, 10)  # lost with the crash: a stops here without a word
    epoch_a = a.matches["m"].epoch
    await expire()
    await b.keep_matches()
    live = b.matches["m"]
    assert live.epoch > epoch_a
    assert live.match.tick == checkpoint_tick
    assert all(s.away for s in live.match.seats.values()), "every seat waits for its socket"
    told = await stack.group_messages(b)
    moved = {"type": messages.MOVED, "match_id": "m", "engine": b.channel, "epoch": live.epoch}
    assert told == [moved]
    # ada's socket claims its seat again at b: same player, same score, same input sequence
    await stack.join(b, "ada", first)
    ada = live.match.seats[0]
    assert (ada.name, ada.away) == ("ada", False)
    assert (live.match.sim.ships[0].score, ada.last_seq) == (3, at_checkpoint[0]["last_seq"])
    assert at_checkpoint[0]["score"] == 3 and at_checkpoint[1]["deaths"] == 3
    assert live.match.sim.ships[1].deaths == 3
    assert live.match.seats[1].away, "bob has not come back yet"
    await b.tick()
    snapshots = [m for m in await stack.group_messages(b) if m["type"] == messages.SNAPSHOT]
    assert len(snapshots) == 1
    assert snapshots[0]["epoch"] == live.epoch and snapshots[0]["keyframe"] is not None
    assert snapshots[0]["tick"] == checkpoint_tick + 1


async def test_a_paused_worker_that_lost_its_match_never_publishes_for_it_again() -> None:
    stack = Stack()
    a, b = await stack.worker("a"), await stack.worker("b")
    await stack.create(a)
    await stack.join(a, "ada")
    await play(a, 5)
    await a.keep_matches()
    await stack.group_messages(a)
    await expire()  # a is paused: no heartbeat
    await b.keep_matches()
    assert "m" in b.matches
    await play(a, 3)  # a wakes up and ticks before its heartbeat runs
    assert await stack.group_messages(a) == [], "its leases may be gone: it does not publish"
    assert a.fenced_ticks == 3
    await a.keep_matches()  # the renewal tells it the match is b's now
    assert "m" not in a.matches and a.matches_lost == 1
    await a.tick()
    assert await stack.group_messages(a) == []
    assert await stack.leases.save("a", {"m": b"stale"}) == 0


async def test_a_stopping_worker_hands_its_matches_over_and_its_sockets_stay_open() -> None:
    stack = Stack()
    a, b = await stack.worker("a"), await stack.worker("b")
    await stack.create(a)
    await stack.join(a, "ada")
    await play(a, 12)
    tick = match_of(a).tick
    await stack.group_messages(a)
    await a.stop()
    sent = await stack.group_messages(a)
    assert not [m for m in sent if m["type"] == messages.CLOSED], "no socket is closed"
    adopt = await stack.layer.receive(b.channel)  # type: ignore[arg-type]
    assert adopt == {"type": messages.ADOPT, "match_ids": ["m"]}
    await b.handle(adopt)
    assert match_of(b).tick == tick, "checkpointed on the way out: nothing lost"
    assert [w.worker_id for w in await stack.registry.live_workers()] == ["b"], "a withdrew"


async def test_a_worker_alone_closes_its_matches_when_it_stops() -> None:
    layer = InMemoryChannelLayer()
    worker = EngineWorker(layer, MemoryEngineRegistry(), GAMES, worker_id="solo")
    worker.channel = await layer.new_channel("arena.engine.")
    create = {"type": messages.CREATE, "match_id": "m", "game": "shooter", "mode": "ffa"}
    await worker.handle({**create, "max_players": 4, "seed": 1})
    published: list[dict[str, Any]] = []
    original = layer.group_send

    async def record(group: str, message: dict[str, Any]) -> None:
        published.append(message)
        await original(group, message)

    layer.group_send = record  # type: ignore[method-assign]
    await worker.stop()
    assert [m["type"] for m in published] == [messages.RESULT, messages.CLOSED]
    result = msgpack.unpackb(published[0]["frame"], raw=False)[1]
    assert result["reason"] == "interrupted", "nobody waits for a match no worker will run"


async def test_delayed_spectators_of_a_match_taken_over_are_not_shown_the_live_state() -> None:
    stack = Stack()
    a = await stack.worker("a", spectator_delay=1.0)
    b = await stack.worker("b", spectator_delay=1.0)
    await stack.create(a)
    await stack.join(a, "ada")
    await play(a, 40)
    await a.keep_matches()
    await expire()
    await b.keep_matches()
    told = await stack.group_messages(b)
    assert [(m["type"], m.get("delayed", False)) for m in told] == [
        (messages.MOVED, False),
        (messages.MOVED, True),
    ]
    spectator = await stack.layer.new_channel()
    await b.handle({"type": messages.WATCH, "match_id": "m", "reply_to": spectator})
    watching = await stack.layer.receive(spectator)
    assert watching["type"] == messages.WATCHING and watching["delayed"] is True
    assert watching["snapshot"] is None, "the delayed stream starts over: no live KEYFRAME"


async def test_a_match_created_while_a_renewal_is_out_is_kept() -> None:
    stack = Stack()
    a = await stack.worker("a")
    renewing, go_on = asyncio.Event(), asyncio.Event()
    renew = stack.leases.renew

    async def slow_renew(worker_id: str, channel: str, match_ids: list[str]) -> dict[str, int]:
        owned = await renew(worker_id, channel, match_ids)
        renewing.set()
        await go_on.wait()
        return owned

    stack.leases.renew = slow_renew  # type: ignore[method-assign]
    heartbeat = asyncio.create_task(a.keep_matches())
    await renewing.wait()
    await stack.create(a)  # arrives while the renewal (without it) is out
    go_on.set()
    await heartbeat
    assert "m" in a.matches and a.matches_lost == 0


async def test_a_finished_match_is_forgotten_and_never_claimed_again() -> None:
    stack = Stack()
    a, b = await stack.worker("a"), await stack.worker("b")
    await stack.create(a)
    await stack.join(a, "ada")
    live = a.matches["m"]
    live.match._end("abandoned")
    while "m" in a.matches:
        await a.tick()
    await a.keep_matches()
    await expire()
    await b.keep_matches()
    assert "m" not in b.matches, "nothing left to adopt"
    assert await stack.leases.orphans(10) == []
