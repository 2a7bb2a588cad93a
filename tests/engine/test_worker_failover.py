"""Engine workers taking matches over from each other: leases, checkpoints, fencing, handover.

Two workers of one process share a channel layer and shared memory leases with a short TTL;
the tests drive them tick by tick and heartbeat by heartbeat (``keep_matches``). The takeover
tests run for every registered game, its players played by the game's own bots.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgpack
import pytest
from channels.layers import InMemoryChannelLayer

from engine import messages
from engine.bots import Bot, BotView
from engine.game import SEAT_FIELDS, Game
from engine.leases import MemoryMatchLeases
from engine.match import Match
from engine.protocol import unpack
from engine.registry import MemoryEngineRegistry
from engine.wirestate import apply_frame
from engine.worker import EngineWorker
from tests.helpers import GAME_NAMES, duel_mode, game_with

pytestmark = pytest.mark.timeout(10)

TTL = 0.3
GAMES = {name: game_with(name, countdown=0.0, time_limit=30.0) for name in GAME_NAMES}
GRACE = 2.0
SERVER_MS = 1_750_000_000_000  # the wall clock snapshots carry, fixed so that bytes compare
INPUT_SECONDS = 0.5  # a player changes its INPUT this often (the game's bot decides)
PLAYED, LOST, RESUMED = 1.5, 0.5, 2.0  # seconds: before the checkpoint, after it, after takeover


class Stack:
    """Two workers, their layer and leases, and a socket-like channel per player."""

    def __init__(self, shared: bool = True) -> None:
        self.layer = InMemoryChannelLayer()
        self.leases = MemoryMatchLeases(ttl=TTL, shared=shared)
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
        if self.leases.shared:
            worker.leases_fresh_until = worker.clock() + worker.lease_validity
        await self.registry.announce(name, worker.channel, 0)
        self.workers.append(worker)
        return worker

    async def create(
        self, worker: EngineWorker, game: str = GAME_NAMES[0], match_id: str = "m"
    ) -> None:
        mode = duel_mode(GAMES[game])
        create = {"type": messages.CREATE, "match_id": match_id, "game": game, "mode": mode.name}
        await worker.handle({**create, "max_players": 2, "seed": 7})

    async def join(
        self, worker: EngineWorker, key: str, channel: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        """A player's seat: its channel and the JOINED reply."""
        channel = channel or await self.layer.new_channel()
        join = {"type": messages.JOIN, "match_id": "m", "name": key, "player_key": key}
        await worker.handle({**join, "reply_to": channel})
        reply = await self.layer.receive(channel)
        assert reply["type"] == messages.JOINED, reply
        return channel, reply

    async def group_messages(self, worker: EngineWorker) -> list[dict[str, Any]]:
        """What the worker has published since the last call."""
        return taken(worker)


class BotPlayer:
    """A seated player as its client sees the match: the game's bot, deciding from the state a
    stream of snapshot messages rebuilds, and the INPUTs it sends."""

    def __init__(self, game: Game, joined: dict[str, Any], seed: int) -> None:
        self.view = BotView.from_welcome(unpack(joined["welcome"])[1])
        self.bot: Bot = game.make_bot(random.Random(seed))
        self.player_id = joined["player_id"]
        self.tick_rate = game.tick_rate
        self.seq = 0

    def follow(self, published: list[dict[str, Any]]) -> None:
        """Apply what a worker published, as the player's socket would get it."""
        for message in published:
            if message["type"] != messages.SNAPSHOT:
                continue
            state = self.view.state
            if message["delta"] is not None and state is not None:
                assert state.tick == message["base_tick"]
                frame = message["delta"]
            else:
                frame = message["keyframe"]
            self.view.state = apply_frame(self.view.schema, state, unpack(frame))

    def inputs(self, tick: int) -> list[list[Any]]:
        """The INPUTs entry of its next one, if its bot has one at ``tick``."""
        values = self.bot.decide(self.view, tick / self.tick_rate)
        if values is None:
            return []
        self.seq += 1
        return [["m", self.player_id, self.seq, *values]]


def input_period(game: Game) -> int:
    return max(1, round(INPUT_SECONDS * game.tick_rate))


async def play(
    workers: list[EngineWorker], players: list[BotPlayer], ticks: int, heartbeat: bool = False
) -> list[list[dict[str, Any]]]:
    """``ticks`` ticks of each of ``workers`` in lockstep (the same match, the same INPUTs: the
    players' bots decide every input period from the last worker's stream), a heartbeat after
    each tick if asked; what each worker published meanwhile."""
    match = workers[0].matches["m"].match
    period = input_period(match.game)
    published: list[list[dict[str, Any]]] = [[] for _ in workers]
    for _ in range(ticks):
        if match.tick % period == 0:
            entries = [entry for player in players for entry in player.inputs(match.tick + 1)]
            for worker in workers:
                await worker.handle({"type": messages.INPUTS, "inputs": entries})
        for index, worker in enumerate(workers):
            await worker.tick()
            if heartbeat:
                await worker.keep_matches()
            now = taken(worker)
            published[index] += now
        for player in players:
            player.follow(now)  # the last worker's: what the players' sockets get
    return published


def taken(worker: EngineWorker) -> list[dict[str, Any]]:
    """What the worker has published since the last call (its publisher does not run)."""
    found: list[dict[str, Any]] = []
    outbox = worker.publisher._outbox
    while not outbox.empty():
        found.extend(message for _, message in outbox.get_nowait())
    return found


def match_of(worker: EngineWorker, match_id: str = "m") -> Match:
    return worker.matches[match_id].match


def stream(published: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The snapshots and results a worker published, without its lease epoch."""
    kinds = (messages.SNAPSHOT, messages.RESULT)
    return [
        {k: v for k, v in message.items() if k != "epoch"}
        for message in published
        if message["type"] in kinds
    ]


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_crashed_workers_match_resumes_from_its_checkpoint_byte_for_byte(
    game_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker a dies without a word (as with kill -9) after its last checkpoint; b takes the
    match over, its players' sockets claim their seats again, and from then on b publishes
    exactly what a worker that never stopped publishes, byte for byte, for the same INPUTs
    (``reference``: the same match, never interrupted; it sends a KEYFRAME at the takeover tick,
    as it does for a socket that asks for one)."""
    monkeypatch.setattr("engine.worker.worker.now_ms", lambda: SERVER_MS)
    game = GAMES[game_name]
    period = input_period(game)
    stack = Stack()
    a, b = await stack.worker("a"), await stack.worker("b")
    alone = Stack(shared=False)
    reference = await alone.worker("reference")
    await stack.create(a, game_name)
    await alone.create(reference, game_name)
    channels, players = [], []
    for seed, key in enumerate(("ada", "bob")):
        channel, _ = await stack.join(a, key)
        _, joined = await alone.join(reference, key)
        channels.append(channel)
        players.append(BotPlayer(game, joined, seed))

    # a and the reference alike, a heartbeat (lease, checkpoint) after every tick
    await play([a, reference], players, round(PLAYED * game.tick_rate / period) * period, True)
    at_checkpoint = match_of(a).export_state()
    checkpoint_tick = match_of(a).tick
    assert match_of(a).result is None, "the match runs"
    assert at_checkpoint == match_of(reference).export_state()
    await play([a], players, round(LOST * game.tick_rate))  # lost: a stops without a word
    epoch_a = a.matches["m"].epoch
    await asyncio.sleep(TTL + 0.1)  # its lease expires
    await b.keep_matches()
    live = b.matches["m"]
    assert live.epoch > epoch_a
    assert live.match.tick == checkpoint_tick
    assert all(s.away for s in live.match.seats.values()), "every seat waits for its socket"
    moved = {"type": messages.MOVED, "match_id": "m", "engine": b.channel, "epoch": live.epoch}
    assert taken(b) == [moved]

    # the sockets claim their seats again: the same players, the checkpoint's last INPUT
    last_seq = SEAT_FIELDS.index("last_seq")
    acked = {row[0]: row[last_seq] for row in at_checkpoint["seats"]}
    for player, channel, key in zip(players, channels, ("ada", "bob"), strict=True):
        _, joined = await stack.join(b, key, channel)
        seat = live.match.seats[player.player_id]
        assert joined["player_id"] == seat.id and (seat.name, seat.away) == (key, False)
        assert unpack(joined["welcome"])[1]["ack"] == seat.last_seq == acked[seat.id]
    assert live.match.export_state()["rng"] == at_checkpoint["rng"]

    # from the takeover on: b and the uninterrupted reference, the same INPUTs, the same bytes
    reference.matches["m"].encoder.force_keyframe()
    resumed, uninterrupted = (
        stream(published)
        for published in await play([b, reference], players, round(RESUMED * game.tick_rate), True)
    )
    assert resumed[0]["tick"] == checkpoint_tick + 1 and resumed[0]["delta"] is None
    assert any(m.get("delta") for m in resumed), "DELTAs follow the KEYFRAME"
    assert resumed == uninterrupted
    sent = {seat.id: seat.last_seq for seat in live.match.seats.values()}
    assert any(sent[i] > acked[i] for i in sent), "INPUTs were applied after the takeover"


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_paused_worker_that_lost_its_match_never_publishes_for_it_again(
    game_name: str,
) -> None:
    stack = Stack()
    a, b = await stack.worker("a"), await stack.worker("b")
    await stack.create(a, game_name)
    _, joined = await stack.join(a, "ada")
    ada = BotPlayer(GAMES[game_name], joined, 1)
    await play([a], [ada], 5)
    await a.keep_matches()
    await stack.group_messages(a)
    await asyncio.sleep(TTL + 0.1)  # a is paused: no heartbeat
    await b.keep_matches()
    assert "m" in b.matches
    woke = await play([a], [ada], 3)  # a wakes up and ticks before its heartbeat runs
    assert woke == [[]], "its leases may be gone: it does not publish"
    assert a.fenced_ticks == 3
    await a.keep_matches()  # the renewal tells it the match is b's now
    assert "m" not in a.matches and a.matches_lost == 1
    await a.tick()
    assert await stack.group_messages(a) == []
    assert await stack.leases.save("a", {"m": b"stale"}) == 0


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_stopping_worker_hands_its_matches_over_and_its_sockets_stay_open(
    game_name: str,
) -> None:
    stack = Stack()
    a, b = await stack.worker("a"), await stack.worker("b")
    await stack.create(a, game_name)
    _, joined = await stack.join(a, "ada")
    await play([a], [BotPlayer(GAMES[game_name], joined, 1)], 12)
    state = match_of(a).export_state()
    await stack.group_messages(a)
    await a.stop()
    sent = await stack.group_messages(a)
    assert not [m for m in sent if m["type"] == messages.CLOSED], "no socket is closed"
    adopt = await stack.layer.receive(b.channel)  # type: ignore[arg-type]
    assert adopt == {"type": messages.ADOPT, "match_ids": ["m"]}
    await b.handle(adopt)
    adopted = match_of(b).export_state()
    assert adopted["tick"] == state["tick"] == 12, "checkpointed on the way out: nothing lost"
    assert adopted["rng"] == state["rng"]
    assert all(seat.away for seat in match_of(b).seats.values()), "until its socket is back"
    assert [w.worker_id for w in await stack.registry.live_workers()] == ["b"], "a withdrew"


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_worker_alone_closes_its_matches_when_it_stops(game_name: str) -> None:
    layer = InMemoryChannelLayer()
    worker = EngineWorker(layer, MemoryEngineRegistry(), GAMES, worker_id="solo")
    worker.channel = await layer.new_channel("arena.engine.")
    mode = duel_mode(GAMES[game_name]).name
    create = {"type": messages.CREATE, "match_id": "m", "game": game_name, "mode": mode}
    await worker.handle({**create, "max_players": 2, "seed": 1})
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


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_delayed_spectators_of_a_match_taken_over_are_not_shown_the_live_state(
    game_name: str,
) -> None:
    stack = Stack()
    a = await stack.worker("a", spectator_delay=1.0)
    b = await stack.worker("b", spectator_delay=1.0)
    await stack.create(a, game_name)
    _, joined = await stack.join(a, "ada")
    await play([a], [BotPlayer(GAMES[game_name], joined, 1)], 40)
    await a.keep_matches()
    await asyncio.sleep(TTL + 0.1)
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
    await asyncio.sleep(TTL + 0.1)
    await b.keep_matches()
    assert "m" not in b.matches, "nothing left to adopt"
    assert await stack.leases.orphans(10) == []
