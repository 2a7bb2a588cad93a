"""The production shape for real: uvicorn and runengine processes on one Redis, real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from engine.protocol import Button, CloseCode, MessageType
from tests.e2e.stack import Stack, base_env, http_json, ticket_url
from tests.helpers import decode, player_entry

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]


def ws_url(base: str, match: dict[str, Any], name: str) -> str:
    return ticket_url(base, match, name)


def create(base: str, body: dict[str, Any]) -> dict[str, Any]:
    status, match = http_json("POST", f"{base}/api/matches/", body)
    assert status == 201, match
    return match


@contextlib.asynccontextmanager
async def player(url: str, **kwargs: Any) -> AsyncIterator[ClientConnection]:
    async with connect(url, compression=None, open_timeout=5, **kwargs) as socket:
        yield socket


async def next_of(socket: ClientConnection, kind: MessageType, where: Any = None) -> list[Any]:
    """The next frame of one kind (and matching ``where``), within 5 s."""
    async with asyncio.timeout(5):
        while True:
            frame = decode(await socket.recv())
            if frame[0] == kind and (where is None or where(frame)):
                return frame


@contextlib.asynccontextmanager
async def draining(socket: ClientConnection) -> AsyncIterator[None]:
    """Keep reading a socket in the background, as a real client would."""

    async def drain() -> None:
        with contextlib.suppress(ConnectionClosed):
            async for _ in socket:
                pass

    task = asyncio.create_task(drain())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def input_frame(seq: int, buttons: int) -> bytes:
    return msgpack.packb([MessageType.INPUT, seq, buttons, 0])


@pytest.fixture(params=["pubsub", "core"])
def stack(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str, redis_prefix: str
) -> Iterator[tuple[Stack, str]]:
    """One engine worker and one web process on real Redis, for each channel layer backend."""
    env = base_env(tmp_path, redis_url, redis_prefix, ARENA_CHANNEL_LAYER=request.param)
    stack = Stack(env, tmp_path)
    try:
        stack.migrate()
        stack.start_engine("engine-a")
        base = stack.start_web("web-a")
        stack.wait_for_engines(base, 1)
        yield stack, base
    finally:
        stack.stop()


async def test_snapshots_arrive_at_the_tick_rate_and_inputs_move_the_player(
    stack: tuple[Stack, str],
) -> None:
    _, base = stack
    match = create(base, {"mode": "duel"})
    async with player(ws_url(base, match, "Ada")) as ada, player(ws_url(base, match, "Bo")) as bo:
        welcome = decode(await ada.recv())
        assert welcome[0] == MessageType.WELCOME
        me = welcome[1]["player_id"]
        async with draining(bo):
            ticks: list[int] = []
            started = time.monotonic()
            while time.monotonic() - started < 2.0:
                frame = decode(await ada.recv())
                if frame[0] == MessageType.SNAPSHOT:
                    ticks.append(frame[1])
            rate = len(ticks) / 2.0
            assert 17 <= rate <= 23, f"{rate} snapshots/s at a 20 Hz tick rate"
            assert ticks == sorted(ticks) and ticks[-1] - ticks[0] <= len(ticks) + 2

            start = player_entry(await next_of(ada, MessageType.SNAPSHOT), me)
            await ada.send(input_frame(1, Button.DOWN))
            await next_of(
                ada, MessageType.SNAPSHOT, where=lambda s: player_entry(s, me)[2] > start[2] + 100
            )


async def test_a_quiet_player_stays_connected_past_six_seconds(stack: tuple[Stack, str]) -> None:
    """Nothing reaches the engine's inbox for 7 s; redis-py's 5 s socket timeout must not bite."""
    stack_, base = stack
    match = create(base, {})
    async with player(ws_url(base, match, "Quiet")) as quiet:
        me = (await next_of(quiet, MessageType.WELCOME))[1]["player_id"]
        started = time.monotonic()
        while time.monotonic() - started < 7.0:
            await next_of(quiet, MessageType.SNAPSHOT)
        start = player_entry(await next_of(quiet, MessageType.SNAPSHOT), me)
        await quiet.send(input_frame(1, Button.RIGHT))
        await next_of(
            quiet, MessageType.SNAPSHOT, where=lambda s: player_entry(s, me)[1] > start[1] + 100
        )
    assert "TimeoutError" not in stack_.dump()


async def test_stopping_the_engine_closes_its_sockets_as_going_away(
    stack: tuple[Stack, str],
) -> None:
    stack_, base = stack
    match = create(base, {})
    async with player(ws_url(base, match, "Ada")) as ada:
        await next_of(ada, MessageType.WELCOME)
        engine = next(p for name, p in stack_.processes if name == "engine-a")
        engine.terminate()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ada.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.GOING_AWAY


async def test_cross_site_browser_sockets_are_refused(stack: tuple[Stack, str]) -> None:
    _, base = stack
    match = create(base, {})
    with pytest.raises(InvalidStatus) as refused:
        async with player(ws_url(base, match, "Eve"), origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    async with player(ws_url(base, match, "Ada"), origin="http://127.0.0.1"):
        pass


async def test_two_web_processes_and_two_engines_share_one_redis(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    stack = Stack(base_env(tmp_path, redis_url, redis_prefix), tmp_path)
    try:
        stack.migrate()
        stack.start_engine("engine-a")
        stack.start_engine("engine-b")
        web_a = stack.start_web("web-a")
        web_b = stack.start_web("web-b")
        stack.wait_for_engines(web_a, 2)
        matches = [create(web_a, {"mode": "duel"}), create(web_b, {"mode": "duel"})]

        def balanced() -> bool:  # heartbeats report each worker's own count once it has the match
            engines = http_json("GET", f"{web_b}/healthz")[1]["engines"]
            return {e["id"]: e["matches"] for e in engines} == {"engine-a": 1, "engine-b": 1}

        stack.wait_until(balanced, "one match on each engine (least-loaded placement)", 5)

        match = matches[0]
        async with (
            player(ws_url(web_a, match, "Ada")) as ada,
            player(ws_url(web_b, match, "Bo")) as bo,
        ):
            ada_id = (await next_of(ada, MessageType.WELCOME))[1]["player_id"]
            bo_id = (await next_of(bo, MessageType.WELCOME))[1]["player_id"]
            async with draining(bo):
                both = await next_of(ada, MessageType.SNAPSHOT, where=lambda s: len(s[4]) == 2)
                assert {p[0] for p in both[4]} == {ada_id, bo_id}
            start = player_entry(await next_of(bo, MessageType.SNAPSHOT), bo_id)
            async with draining(ada):
                await bo.send(input_frame(1, Button.LEFT))
                await next_of(
                    bo,
                    MessageType.SNAPSHOT,
                    where=lambda s: player_entry(s, bo_id)[1] < start[1] - 100,
                )
    finally:
        stack.stop()
