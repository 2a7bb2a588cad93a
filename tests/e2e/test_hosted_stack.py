"""The hosted shape for real: two uvicorn processes on one Redis, each running an engine worker
that hosts its matches beside their players' sockets (ARENA_ENGINE=hosted)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from websockets.asyncio.client import ClientConnection, connect

from engine.games.shooter.wire import Button
from engine.protocol import MessageType
from loadtest.stack import Stack, base_env, guest_cookie, http_json
from tests.helpers import client_frame as next_frame
from tests.helpers import client_frame_of as next_of
from tests.helpers import player_entry, reading_in_background

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]

TAKEOVER_LIMIT = 15.0  # seconds: the lease lapses (3 s), a worker adopts, the record moves


@pytest.fixture
def hosted(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[tuple[Stack, dict]]:
    """Two hosted web processes; their base URLs by name."""
    stack = Stack(base_env(tmp_path, redis_url, redis_prefix), tmp_path)
    try:
        stack.migrate()
        bases = {name: stack.start_web(name, hosted=True) for name in ("web-a", "web-b")}
        stack.wait_for_engines(bases["web-a"], 2)
        yield stack, bases
    finally:
        stack.stop()


def ticket(base: str, match_id: str, name: str, cookie: str) -> dict[str, Any]:
    status, body = http_json(
        "POST", f"{base}/api/matches/{match_id}/tickets/", {"name": name}, cookie
    )
    assert status == 201, body
    return body


def host_of(ws_url: str, bases: dict[str, str]) -> str:
    """The name of the web process a ``ws_url`` points at."""
    address = ws_url.removeprefix("ws://").split("/", 1)[0]
    return next(name for name, base in bases.items() if base.endswith(address))


@contextlib.asynccontextmanager
async def socket_at(url: str) -> AsyncIterator[ClientConnection]:
    async with connect(url, compression=None, open_timeout=5) as socket:
        yield socket


async def moves_down(socket: ClientConnection, me: int, seq: int) -> None:
    """Send DOWN and wait until the player's ship has gone 100 units down."""
    start = player_entry(await next_of(socket, MessageType.SNAPSHOT), me)
    assert start is not None
    await socket.send(msgpack.packb([MessageType.INPUT, seq, Button.DOWN, 0]))
    await next_of(
        socket, MessageType.SNAPSHOT, where=lambda s: player_entry(s, me)[2] > start[2] + 100
    )


async def test_players_reach_the_hosting_process_and_other_processes_still_serve_the_match(
    hosted: tuple[Stack, dict[str, str]],
) -> None:
    _, bases = hosted
    status, match = http_json("POST", f"{bases['web-a']}/api/matches/", {"mode": "duel"})
    assert status == 201, match
    assert match["ws_url"] is not None and match["ws_url"].endswith(match["ws_path"])
    home = host_of(match["ws_url"], bases)
    away = next(name for name in bases if name != home)
    ada_ticket = ticket(bases[away], match["id"], "Ada", guest_cookie(bases[away]))
    assert ada_ticket["ws_url"] == match["ws_url"], "whichever process is asked"
    bo_ticket = ticket(bases[away], match["id"], "Bo", guest_cookie(bases[away]))
    ada_url = f"{ada_ticket['ws_url']}?ticket={ada_ticket['ticket']}"
    # a socket that lands on the other process (an old client, a proxy that ignores routes)
    away_ws = bases[away].replace("http://", "ws://")
    bo_url = f"{away_ws}{bo_ticket['ws_path']}?ticket={bo_ticket['ticket']}"
    async with socket_at(ada_url) as ada, socket_at(bo_url) as bo:
        ada_me = (await next_of(ada, MessageType.WELCOME))[1]["player_id"]
        bo_me = (await next_of(bo, MessageType.WELCOME))[1]["player_id"]
        async with reading_in_background(lambda: next_frame(bo)):
            await moves_down(ada, ada_me, 1)  # input and snapshots inside the hosting process
        async with reading_in_background(lambda: next_frame(ada)):
            await moves_down(bo, bo_me, 1)  # both through Redis
            async with socket_at(f"{away_ws}/ws/spectate/{match['id']}/") as watcher:
                assert (await next_of(watcher, MessageType.SPECTATING))[1]["spectators"] == 1
                keyframe = await next_of(watcher, MessageType.SNAPSHOT)
                assert {entry[0] for entry in keyframe[5]} == {ada_me, bo_me}


async def test_a_killed_hosting_process_s_match_moves_and_its_players_follow_the_ticket(
    hosted: tuple[Stack, dict[str, str]],
) -> None:
    stack, bases = hosted
    status, match = http_json("POST", f"{bases['web-a']}/api/matches/", {"mode": "duel"})
    assert status == 201, match
    home = host_of(match["ws_url"], bases)
    away = next(name for name in bases if name != home)
    cookies = {name: guest_cookie(bases[away]) for name in ("Ada", "Bo")}
    tickets = {name: ticket(bases[away], match["id"], name, cookies[name]) for name in cookies}
    urls = {name: f"{t['ws_url']}?ticket={t['ticket']}" for name, t in tickets.items()}
    async with socket_at(urls["Ada"]) as ada, socket_at(urls["Bo"]) as bo:
        me = (await next_of(ada, MessageType.WELCOME))[1]["player_id"]
        async with reading_in_background(lambda: next_frame(bo)):
            for _ in range(30):  # 1.5 s of play: a checkpoint of the running match
                await next_of(ada, MessageType.SNAPSHOT)
            before = (await next_of(ada, MessageType.SNAPSHOT))[1]
        stack.send_signal(home, signal.SIGKILL)

    def moved() -> bool:
        return (
            host_of(ticket(bases[away], match["id"], "Ada", cookies["Ada"])["ws_url"], bases)
            == away
        )

    await asyncio.to_thread(stack.wait_until, moved, "the match to move", TAKEOVER_LIMIT)
    again = ticket(bases[away], match["id"], "Ada", cookies["Ada"])
    async with socket_at(f"{again['ws_url']}?ticket={again['ticket']}") as ada:
        welcome = (await next_of(ada, MessageType.WELCOME))[1]
        assert welcome["player_id"] == me, "the same seat, kept through the grace period"
        keyframe = await next_of(ada, MessageType.SNAPSHOT)
        assert keyframe[1] >= before - 20, "resumed from a checkpoint of the running match"
        await moves_down(ada, me, 100)
