"""Engine failover for real: two runengine processes and a web process on one Redis.

An engine killed with SIGKILL, paused with SIGSTOP or stopped with SIGTERM loses its matches to
the other engine, which resumes them from their last checkpoint; players keep their sockets,
their ships and their scores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
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
from engine.games.shooter.wire import Button
from engine.protocol import CloseCode, MessageType, Phase
from engine.wirestate import is_snapshot
from loadtest.stack import Stack, base_env, http_json, ticket_url
from lobby.layers import BoundedPubSubChannelLayer
from tests.helpers import ChainFollower, decode, reading_in_background

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(90)]

TAKEOVER_LIMIT = 8.0  # seconds: lease expiry (3 s) + a heartbeat (1 s), with room to spare


class Player:
    """One player's socket: follows the snapshot chain and starts over on every WELCOME."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.chain = ChainFollower()
        self.welcomes: list[dict[str, Any]] = []
        self.seq = 0

    async def frame(self) -> list[Any]:
        frame = decode(await self.socket.recv())
        if frame[0] == MessageType.WELCOME:
            self.welcomes.append(frame[1])
            self.chain = ChainFollower()  # the match starts over from a KEYFRAME
        self.chain.feed(frame)
        return frame

    async def next_of(self, kind: MessageType, timeout: float = 5.0) -> list[Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.frame()
                if frame[0] == kind or (kind == MessageType.SNAPSHOT and is_snapshot(frame)):
                    return frame

    async def send_input(self, buttons: int) -> int:
        self.seq += 1
        await self.socket.send(msgpack.packb([MessageType.INPUT, self.seq, buttons, 0]))
        return self.seq

    def own_entry(self) -> list[Any]:
        assert self.chain.state is not None and self.chain.schema is not None
        ships = self.chain.state.rows(self.chain.schema, "players")
        return ships[self.welcomes[-1]["player_id"]]


@contextlib.asynccontextmanager
async def playing(url: str) -> AsyncIterator[Player]:
    async with connect(url, compression=None, open_timeout=5) as socket:
        player = Player(socket)
        await player.next_of(MessageType.WELCOME)
        yield player


def reading(player: Player) -> contextlib.AbstractAsyncContextManager[None]:
    """Keep reading a player's socket in the background, as a real client would."""
    return reading_in_background(player.frame)


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[tuple[Stack, str]]:
    """Two engine workers and one web process; matches last 8 s of play."""
    env = base_env(
        tmp_path,
        redis_url,
        redis_prefix,
        ARENA_SHOOTER_TIME_LIMIT="8",
        ARENA_SHOOTER_COUNTDOWN="0.5",
    )
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


def new_duel(base: str) -> tuple[dict[str, Any], str, str]:
    status, match = http_json("POST", f"{base}/api/matches/", {"mode": "duel"})
    assert status == 201, match
    return match, ticket_url(base, match, "Ada"), ticket_url(base, match, "Bo")


async def test_a_killed_engines_match_resumes_on_the_other_and_ends_with_its_players(
    stack: tuple[Stack, str], redis_url: str, redis_prefix: str
) -> None:
    stack_, base = stack
    match, ada_url, bo_url = new_duel(base)
    async with playing(ada_url) as ada, playing(bo_url) as bo, reading(bo):
        owner, epoch = owner_of(redis_url, redis_prefix, match["id"])
        me = ada.welcomes[0]["player_id"]
        for _ in range(30):  # 1.5 s of play: at least one checkpoint with these inputs
            await ada.send_input(Button.RIGHT)
            await ada.next_of(MessageType.SNAPSHOT)
        acked_before = ada.own_entry()[5]
        assert acked_before > 0
        os.kill(stack_.pid(owner), signal.SIGKILL)
        killed_at = time.monotonic()
        welcome = (await ada.next_of(MessageType.WELCOME, timeout=TAKEOVER_LIMIT))[1]
        took = time.monotonic() - killed_at
        assert took < TAKEOVER_LIMIT
        assert welcome["player_id"] == me, "the same ship"
        assert 0 < welcome["ack"] <= acked_before, "inputs resume after the checkpoint's"
        new_owner, new_epoch = owner_of(redis_url, redis_prefix, match["id"])
        assert new_owner != owner and new_epoch > epoch
        # the match goes on from a KEYFRAME, and new inputs are applied once, in order
        first = await ada.next_of(MessageType.SNAPSHOT)
        assert first[0] == MessageType.SNAPSHOT, "a KEYFRAME first"
        seq = await ada.send_input(Button.DOWN)
        async with asyncio.timeout(5):
            while ada.own_entry()[5] != seq:
                await ada.next_of(MessageType.SNAPSHOT)
        result = (await ada.next_of(MessageType.RESULT, timeout=20))[1]
        assert sorted(row[1] for row in result["standings"]) == ["Ada", "Bo"]
        assert len(bo.welcomes) == 2, "the other player was moved as well"
    status, stored = http_json("GET", f"{base}/api/matches/{match['id']}/")
    assert status == 200 and stored["status"] == "over", stored


async def test_a_paused_engine_that_lost_its_match_is_never_heard_again(
    stack: tuple[Stack, str], redis_url: str, redis_prefix: str
) -> None:
    stack_, base = stack
    match, ada_url, _ = new_duel(base)
    observer = BoundedPubSubChannelLayer(hosts=[redis_url], prefix=f"{redis_prefix}:layer:")
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


async def test_a_stopping_engine_hands_its_match_over_without_losing_a_tick(
    stack: tuple[Stack, str], redis_url: str, redis_prefix: str
) -> None:
    stack_, base = stack
    match, ada_url, _ = new_duel(base)
    async with playing(ada_url) as ada:
        owner, _ = owner_of(redis_url, redis_prefix, match["id"])
        await ada.next_of(MessageType.SNAPSHOT)
        os.kill(stack_.pid(owner), signal.SIGTERM)
        stopped_at = time.monotonic()
        last_tick = ada.chain.state.tick if ada.chain.state else 0
        welcome = await ada.next_of(MessageType.WELCOME, timeout=TAKEOVER_LIMIT)
        assert time.monotonic() - stopped_at < 2.0, "handed over, not left to expire"
        keyframe = await ada.next_of(MessageType.SNAPSHOT)
        assert keyframe[0] == MessageType.SNAPSHOT
        assert keyframe[1] >= last_tick, "checkpointed on the way out: no tick lost"
        assert welcome[1]["player_id"] == ada.welcomes[0]["player_id"]


async def test_a_restarting_web_process_sends_its_players_to_another_with_their_ships(
    stack: tuple[Stack, str],
) -> None:
    stack_, base = stack
    other = await asyncio.to_thread(stack_.start_web, "web-b")
    match, ada_url, _ = new_duel(base)
    async with playing(ada_url) as ada:
        me = ada.welcomes[0]["player_id"]
        for _ in range(5):
            seq = await ada.send_input(Button.LEFT)
            await ada.next_of(MessageType.SNAPSHOT)
        async with asyncio.timeout(5):
            while ada.own_entry()[5] != seq:
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
        assert welcome["player_id"] == me, "the same ship"
        assert welcome["ack"] == seq, "its inputs go on from the last one applied"
        back.seq = seq
        await back.next_of(MessageType.SNAPSHOT)
