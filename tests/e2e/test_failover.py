"""Engine failover for real: two runengine processes and a web process on one Redis.

An engine killed with SIGKILL, paused with SIGSTOP or stopped with SIGTERM loses its matches to
the other engine, which resumes them from their last checkpoint; players keep their sockets,
their seats and their scores. The takeover, handover and reconnection tests run for every
registered game, played by the game's own bot (docs/games.md: failover is the runtime's).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
import redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from engine import messages
from engine.bots import Bot, BotView, RandomBot
from engine.protocol import CloseCode, MessageType, Phase
from engine.wirestate import is_snapshot
from game.config import layer_prefix
from loadtest.games import game, option_env, seating_mode
from loadtest.stack import Stack, base_env, http_json, ticket_url
from lobby.layers import BoundedPubSubChannelLayer
from tests.helpers import GAME_NAMES, ChainFollower, decode, reading_in_background

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(90)]

TAKEOVER_LIMIT = 8.0  # seconds: lease expiry (3 s) + a heartbeat (1 s), with room to spare
# short matches of every game: 6 s of play, or turns of 1 s where the game has turns
SHORT_MATCHES = {"countdown": 0.5, "time_limit": 6.0, "turn_time": 1.0}
RESULT_TIMEOUT = 30.0  # seconds: a game that ends itself (turns) may take a while
PLAYED = 1.5  # seconds of ticks a player plays before the fault: a checkpoint holds its INPUTs


class Player:
    """One player's socket: follows the snapshot chain and starts over on every WELCOME; its
    INPUTs come from its game's bot (``Game.make_bot``) or, with ``random_inputs``, from the
    default bot (random values within the game's InputSchema, whatever the state)."""

    def __init__(self, socket: ClientConnection, random_inputs: bool = False) -> None:
        self.socket = socket
        self.chain = ChainFollower()
        self.welcomes: list[dict[str, Any]] = []
        self.seq = 0
        self.random_inputs = random_inputs
        self.rng = random.Random(7)
        self.bot: Bot | None = None
        self.view: BotView | None = None

    async def frame(self) -> list[Any]:
        frame = decode(await self.socket.recv())
        if frame[0] == MessageType.WELCOME:
            body = frame[1]
            self.welcomes.append(body)
            self.chain = ChainFollower()  # the match starts over from a KEYFRAME
            self.view = BotView.from_welcome(body)
            if self.bot is None:
                definition = game(body["game"])
                self.bot = (
                    RandomBot(definition.inputs, self.rng)
                    if self.random_inputs
                    else definition.make_bot(self.rng)
                )
        self.chain.feed(frame)
        return frame

    async def next_of(self, kind: MessageType, timeout: float = 5.0) -> list[Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.frame()
                if frame[0] == kind or (kind == MessageType.SNAPSHOT and is_snapshot(frame)):
                    return frame

    async def play(self) -> int | None:
        """Send the bot's INPUT for the state the socket holds; its seq (None: none sent)."""
        assert self.bot is not None and self.view is not None
        self.view.state = self.chain.state
        values = self.bot.decide(self.view, time.monotonic())
        if values is None:
            return None
        self.seq += 1
        await self.socket.send(msgpack.packb([MessageType.INPUT, self.seq, *values]))
        return self.seq

    @property
    def tick(self) -> int:
        """The tick of the state the socket holds (0 before the first snapshot)."""
        return self.chain.state.tick if self.chain.state is not None else 0

    @property
    def tick_rate(self) -> int:
        return int(self.welcomes[-1]["tick_rate"])

    def ack(self) -> int | None:
        """The last of its INPUTs applied, as its avatar's ``ack`` shows it; None when the game's
        state shows no ack (its INPUTs' sequence cannot be followed from a client)."""
        assert self.view is not None
        self.view.state = self.chain.state
        self.view.player_id = self.welcomes[-1]["player_id"]
        return self.view.own_ack()

    async def play_for(self, seconds: float) -> None:
        """Play (an INPUT per snapshot) until ``seconds`` of ticks have passed since its first
        INPUT was sent."""
        first_tick: int | None = None
        while first_tick is None or self.tick < first_tick + seconds * self.tick_rate:
            await self.next_of(MessageType.SNAPSHOT)
            if await self.play() is not None and first_tick is None:
                first_tick = self.tick


@contextlib.asynccontextmanager
async def playing(url: str, random_inputs: bool = False) -> AsyncIterator[Player]:
    async with connect(url, compression=None, open_timeout=5) as socket:
        player = Player(socket, random_inputs)
        await player.next_of(MessageType.WELCOME)
        yield player


def reading(player: Player) -> contextlib.AbstractAsyncContextManager[None]:
    """Keep reading a player's socket in the background, as a real client would."""
    return reading_in_background(player.frame)


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[tuple[Stack, str]]:
    """Two engine workers and one web process; every game's matches are short."""
    env = base_env(tmp_path, redis_url, redis_prefix, **option_env(SHORT_MATCHES))
    stack = Stack(env, tmp_path)
    try:
        [base] = stack.start_all(["engine-a", "engine-b"], ["web-a"])
        yield stack, base
    finally:
        for name, process in stack.processes:
            if process.poll() is None and name.startswith("engine"):
                os.kill(process.pid, signal.SIGCONT)
        stack.stop()


def owner_of(redis_url: str, prefix: str, match_id: str) -> tuple[str, int]:
    """The worker that owns a match and its epoch, as the lease says."""
    client = redis.Redis.from_url(redis_url)
    try:
        entry = client.hget(f"{prefix}:match-owners", match_id)
    finally:
        client.close()
    assert entry is not None, "the match has a lease"
    worker, _, epoch = entry.decode().split(" ")
    return worker, int(epoch)


def new_duel(base: str, game_name: str) -> tuple[dict[str, Any], str, str]:
    """A new match of the game's two-player mode, and a ticket for each of its players."""
    mode = seating_mode(game(game_name), 2).name
    body = {"game": game_name, "mode": mode, "max_players": 2}
    status, match = http_json("POST", f"{base}/api/matches/", body)
    assert status == 201, match
    return match, ticket_url(base, match, "Ada"), ticket_url(base, match, "Bo")


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_killed_engines_match_resumes_on_the_other_and_ends_with_its_players(
    stack: tuple[Stack, str], redis_url: str, redis_prefix: str, game_name: str
) -> None:
    stack_, base = stack
    match, ada_url, bo_url = new_duel(base, game_name)
    async with playing(ada_url) as ada, playing(bo_url) as bo, reading(bo):
        owner, epoch = owner_of(redis_url, redis_prefix, match["id"])
        me = ada.welcomes[0]["player_id"]
        await ada.play_for(PLAYED)  # at least one checkpoint (every second) with her INPUTs
        acked_before = ada.ack()
        assert acked_before is None or acked_before > 0
        stack_.send_signal(owner, signal.SIGKILL)
        killed_at = time.monotonic()
        welcome = (await ada.next_of(MessageType.WELCOME, timeout=TAKEOVER_LIMIT))[1]
        took = time.monotonic() - killed_at
        assert took < TAKEOVER_LIMIT
        assert welcome["player_id"] == me, "the same seat"
        last_known = ada.seq if acked_before is None else acked_before
        assert 0 < welcome["ack"] <= last_known, "inputs resume after the checkpoint's"
        new_owner, new_epoch = owner_of(redis_url, redis_prefix, match["id"])
        assert new_owner != owner and new_epoch > epoch
        # the match goes on from a KEYFRAME, and new inputs are applied once, in order
        first = await ada.next_of(MessageType.SNAPSHOT)
        assert first[0] == MessageType.SNAPSHOT, "a KEYFRAME first"
        if ada.ack() is not None:
            seq = None
            async with asyncio.timeout(5):
                while seq is None:
                    seq = await ada.play()
                    await ada.next_of(MessageType.SNAPSHOT)
                while ada.ack() != seq:
                    await ada.next_of(MessageType.SNAPSHOT)
        async with asyncio.timeout(RESULT_TIMEOUT):  # she plays on until the match ends
            while (frame := await ada.frame())[0] != MessageType.RESULT:
                if is_snapshot(frame):
                    await ada.play()
        result = frame[1]
        assert sorted(row[1] for row in result["standings"]) == ["Ada", "Bo"]
        assert len(bo.welcomes) == 2, "the other player was moved as well"

    def stored() -> bool:  # the engine stores the result while its RESULT goes out
        status, record = http_json("GET", f"{base}/api/matches/{match['id']}/")
        assert status == 200, record
        return record["status"] == "over"

    await asyncio.to_thread(stack_.wait_until, stored, "the result to be stored", 5)


async def test_a_paused_engine_that_lost_its_match_is_never_heard_again(
    stack: tuple[Stack, str], redis_url: str, redis_prefix: str
) -> None:
    stack_, base = stack
    match, ada_url, _ = new_duel(base, "shooter")
    observer = BoundedPubSubChannelLayer(
        hosts=[redis_url], prefix=layer_prefix(redis_prefix, redis_url)
    )
    listener = await observer.new_channel()
    await observer.group_add(messages.match_group(match["id"]), listener)
    try:
        async with playing(ada_url) as ada:
            owner, epoch = owner_of(redis_url, redis_prefix, match["id"])
            await ada.next_of(MessageType.SNAPSHOT)
            os.kill(stack_.pid(owner), signal.SIGSTOP)
            await ada.next_of(MessageType.WELCOME, timeout=TAKEOVER_LIMIT)
            _, new_epoch = owner_of(redis_url, redis_prefix, match["id"])
            os.kill(stack_.pid(owner), signal.SIGCONT)
            heard: list[int] = []
            async with asyncio.timeout(10), reading(ada):
                started = time.monotonic()
                while time.monotonic() - started < 3.0:
                    message = await observer.receive(listener)
                    heard.append(message.get("epoch", 0))
            await asyncio.to_thread(
                stack_.wait_until,
                lambda: "taken over by another" in (stack_.logs / f"{owner}.log").read_text(),
                "the paused engine to learn it lost the match",
                10,
            )
            # the old owner's messages from before the pause may still wait in the queue
            assert new_epoch in heard
            after_takeover = heard[heard.index(new_epoch) :]
            late = [e for e in after_takeover if e != new_epoch]
            assert not late, f"epochs other than {new_epoch} were published: {late}"
            assert epoch < new_epoch
            frame = await ada.next_of(MessageType.SNAPSHOT)
            assert frame[3 if frame[0] == MessageType.SNAPSHOT else 4] != Phase.ENDED
    finally:
        await observer.flush()


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_stopping_engine_hands_its_match_over_without_losing_a_tick(
    stack: tuple[Stack, str], redis_url: str, redis_prefix: str, game_name: str
) -> None:
    stack_, base = stack
    match, ada_url, _ = new_duel(base, game_name)
    async with playing(ada_url) as ada:
        owner, _ = owner_of(redis_url, redis_prefix, match["id"])
        await ada.next_of(MessageType.SNAPSHOT)
        os.kill(stack_.pid(owner), signal.SIGTERM)
        stopped_at = time.monotonic()
        last_tick = ada.tick
        welcome = await ada.next_of(MessageType.WELCOME, timeout=TAKEOVER_LIMIT)
        assert time.monotonic() - stopped_at < 2.0, "handed over, not left to expire"
        keyframe = await ada.next_of(MessageType.SNAPSHOT)
        assert keyframe[0] == MessageType.SNAPSHOT
        assert keyframe[1] >= last_tick, "checkpointed on the way out: no tick lost"
        assert welcome[1]["player_id"] == ada.welcomes[0]["player_id"]


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_restarting_web_process_sends_its_players_to_another_within_the_grace(
    stack: tuple[Stack, str], game_name: str
) -> None:
    stack_, base = stack
    other = await asyncio.to_thread(stack_.start_web, "web-b")
    match, ada_url, _ = new_duel(base, game_name)
    async with playing(ada_url, random_inputs=True) as ada:
        me = ada.welcomes[0]["player_id"]
        await ada.next_of(MessageType.SNAPSHOT)
        for _ in range(5):
            seq = await ada.play()
        assert seq is not None
        sent_at = ada.tick
        async with asyncio.timeout(5):
            if ada.ack() is not None:
                while ada.ack() != seq:
                    await ada.next_of(MessageType.SNAPSHOT)
            else:  # nothing shows it: half a second of ticks is plenty for it to arrive
                while ada.tick < sent_at + ada.tick_rate / 2:
                    await ada.next_of(MessageType.SNAPSHOT)
        os.kill(stack_.pid("web-a"), signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ada.frame()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == CloseCode.SERVICE_RESTART
    # the client reconnects at once, to the other web process, with the same ticket
    async with playing(
        ada_url.replace(base.removeprefix("http://"), other.removeprefix("http://"))
    ) as back:
        welcome = back.welcomes[0]
        assert welcome["player_id"] == me, "the same seat"
        assert welcome["ack"] == seq, "its inputs go on from the last one applied"
        back.seq = seq
        await back.next_of(MessageType.SNAPSHOT)
