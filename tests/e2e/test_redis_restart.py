"""A Redis restart (without its data) under a running match: everything reconnects by itself.

The engine keeps its matches in memory and claims their leases again; web processes read their
channels again and rejoin their match groups; the player's socket stays open and snapshots
flow again within seconds. What Redis alone held (the lobby's queue) is gone.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from engine.protocol import MessageType
from engine.wirestate import is_snapshot
from loadtest.stack import Stack, base_env, free_port, http_json, ticket_url
from tests.helpers import decode

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(90)]

RECOVERY_LIMIT = 6.0  # seconds from Redis answering again to the next snapshot


class PrivateRedis:
    """A redis-server of the test's own, without persistence, that can be restarted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            ).stdout.strip()
            != b"PONG"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(params=["pubsub", "core"])
def stack(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Stack, str, PrivateRedis]]:
    redis = PrivateRedis()
    redis.start()
    env = base_env(tmp_path, redis.url, "restart", ARENA_CHANNEL_LAYER=request.param)
    stack = Stack(env, tmp_path)
    try:
        [base] = stack.start_all(["engine-a"], ["web-a"])
        yield stack, base, redis
    finally:
        stack.stop()
        redis.stop()


async def test_a_match_plays_on_after_redis_restarts(
    stack: tuple[Stack, str, PrivateRedis],
) -> None:
    stack_, base, redis = stack
    status, match = http_json("POST", f"{base}/api/matches/", {"mode": "ffa"})
    assert status == 201
    async with connect(ticket_url(base, match, "Ada"), compression=None) as socket:
        assert decode(await socket.recv())[0] == MessageType.WELCOME
        arrivals: list[float] = []

        async def read() -> None:
            while True:
                if is_snapshot(decode(await socket.recv())):
                    arrivals.append(time.monotonic())

        reader = asyncio.create_task(read())
        try:
            await asyncio.sleep(1.0)
            assert arrivals, "snapshots flow"
            await asyncio.to_thread(redis.stop)
            await asyncio.sleep(2.0)
            await asyncio.to_thread(redis.start)
            back_at = time.monotonic()
            async with asyncio.timeout(RECOVERY_LIMIT):
                while not arrivals or arrivals[-1] < back_at:
                    await asyncio.sleep(0.05)
            recovered = [t for t in arrivals if t >= back_at]
            await asyncio.sleep(1.0)
            assert len([t for t in arrivals if t >= recovered[0]]) >= 15, "at the tick rate again"
        finally:
            reader.cancel()
        assert socket.close_code is None, "the player's socket stayed open"
    logs = "".join((stack_.logs / f"{name}.log").read_text() for name, _ in stack_.processes)
    assert "works again" in logs
    errors = [
        line
        for line in logs.splitlines()
        if " ERROR " in line
        and any(f" {package}." in line for package in ("engine", "game", "lobby"))
    ]
    # about nine loops that each log one line per outage (a second outage seen as Redis comes
    # back, half-ready, may add one)
    assert len(errors) <= 10, "one line per outage and loop, not one per failure:\n" + "\n".join(
        errors
    )
