"""Matchmaking across real web processes sharing one Redis."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from engine.protocol import MessageType
from game.wsprotocol import SHUTDOWN_REASON
from loadtest.stack import Stack, base_env, guest_cookie
from tests.helpers import decode

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[tuple[Stack, str, str]]:
    """One engine worker and two web processes on one Redis."""
    stack = Stack(base_env(tmp_path, redis_url, redis_prefix), tmp_path)
    try:
        web_a, web_b = stack.start_all(["engine"], ["web-a", "web-b"])
        yield stack, web_a, web_b
    finally:
        stack.stop()


def lobby_url(base: str, name: str) -> str:
    return base.replace("http://", "ws://") + f"/ws/lobby/?name={name}"


async def open_lobby(base: str, name: str, cookie: str) -> ClientConnection:
    socket = await connect(
        lobby_url(base, name), additional_headers={"Cookie": cookie}, open_timeout=5
    )
    welcome = decode(await socket.recv())
    assert welcome[0] == MessageType.LOBBY_WELCOME
    return socket


async def next_of(socket: ClientConnection, kind: MessageType, timeout: float = 10) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            frame = decode(await socket.recv())
            if frame[0] == kind:
                return frame[1]


async def send(socket: ClientConnection, *frame: Any) -> None:
    await socket.send(msgpack.packb(list(frame)))


async def test_players_queued_on_different_web_processes_play_one_match(
    stack: tuple[Stack, str, str],
) -> None:
    _, web_a, web_b = stack
    ada = await open_lobby(web_a, "Ada", guest_cookie(web_a))
    bo = await open_lobby(web_b, "Bo", guest_cookie(web_b))
    for socket in (ada, bo):
        await send(socket, MessageType.QUEUE, "shooter", "duel")
    checks = [await next_of(s, MessageType.READY_CHECK) for s in (ada, bo)]
    assert checks[0]["pending_id"] == checks[1]["pending_id"]
    for socket in (ada, bo):
        await send(socket, MessageType.READY_ANSWER, checks[0]["pending_id"], True)
    found = [await next_of(s, MessageType.MATCH_FOUND) for s in (ada, bo)]
    assert found[0]["match_id"] == found[1]["match_id"]

    urls = [
        base.replace("http://", "ws://") + f["ws_path"] + "?ticket=" + f["ticket"]
        for base, f in ((web_a, found[0]), (web_b, found[1]))
    ]
    async with connect(urls[0]) as ada_match, connect(urls[1]) as bo_match:
        ids = {(await next_of(m, MessageType.WELCOME))["player_id"] for m in (ada_match, bo_match)}
        assert len(ids) == 2
        async with asyncio.timeout(5):
            while True:
                frame = decode(await ada_match.recv())
                if frame[0] == MessageType.SNAPSHOT and {p[0] for p in frame[5]} == ids:
                    break
    for socket in (ada, bo):
        await socket.close()


async def test_a_web_restart_loses_no_queue_entry(stack: tuple[Stack, str, str]) -> None:
    stack_, web_a, web_b = stack
    cookie = guest_cookie(web_a)
    ada = await open_lobby(web_a, "Ada", cookie)
    await send(ada, MessageType.QUEUE, "shooter", "ffa")
    queued_at = time.monotonic()
    first = await next_of(ada, MessageType.QUEUE_STATUS)
    assert first["position"] == 1

    web_a_process = next(p for name, p in stack_.processes if name == "web-a")
    web_a_process.send_signal(signal.SIGTERM)
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ada.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    assert closed.value.rcvd.reason == SHUTDOWN_REASON, "the close carries a text for people"

    back = await open_lobby(web_b, "Ada", cookie)  # the client reconnects elsewhere
    status = await next_of(back, MessageType.QUEUE_STATUS)
    assert status["mode"] == "ffa" and status["position"] == 1
    assert status["elapsed_ms"] >= (time.monotonic() - queued_at) * 1000 - 500, "same place"
    await back.close()


async def test_the_matchmaker_lease_moves_when_its_holder_dies(
    stack: tuple[Stack, str, str],
) -> None:
    stack_, web_a, web_b = stack
    stack_.wait_until(lambda: "took the matchmaker lease" in stack_.dump(), "a lease holder")
    logs = {name: (stack_.logs / f"{name}.log").read_text() for name in ("web-a", "web-b")}
    holder = next(name for name, text in logs.items() if "took the matchmaker lease" in text)
    survivor_name, survivor = ("web-b", web_b) if holder == "web-a" else ("web-a", web_a)
    assert "took the matchmaker lease" not in logs[survivor_name], "one holder at a time"
    next(p for name, p in stack_.processes if name == holder).send_signal(signal.SIGKILL)
    stack_.processes = [(n, p) for n, p in stack_.processes if n != holder]

    ada = await open_lobby(survivor, "Ada", guest_cookie(survivor))
    bo = await open_lobby(survivor, "Bo", guest_cookie(survivor))
    for socket in (ada, bo):
        await send(socket, MessageType.QUEUE, "shooter", "duel")
    checks = [await next_of(s, MessageType.READY_CHECK) for s in (ada, bo)]
    assert checks[0]["pending_id"] == checks[1]["pending_id"]
    assert "took the matchmaker lease" in (stack_.logs / f"{survivor_name}.log").read_text()
    for socket in (ada, bo):
        await socket.close()


async def test_a_party_across_web_processes_chats_and_queues_as_one(
    stack: tuple[Stack, str, str],
) -> None:
    _, web_a, web_b = stack
    ada = await open_lobby(web_a, "Ada", guest_cookie(web_a))
    bo = await open_lobby(web_b, "Bo", guest_cookie(web_b))
    await send(ada, MessageType.PARTY_CREATE, "football", "2v2")
    party_id = (await next_of(ada, MessageType.PARTY_STATE))["party_id"]
    await send(bo, MessageType.PARTY_JOIN, party_id)
    for socket in (ada, bo):
        state = await next_of(socket, MessageType.PARTY_STATE)
        while state["members"] != ["Ada", "Bo"]:
            state = await next_of(socket, MessageType.PARTY_STATE)
    await send(bo, MessageType.CHAT_SEND, "party", "on my way")
    heard = await next_of(ada, MessageType.CHAT_MESSAGE)
    assert (heard["channel"], heard["text"]) == ("party", "on my way")

    await send(ada, MessageType.QUEUE, "football", "2v2")
    await next_of(bo, MessageType.QUEUE_STATUS)  # Bo searches: his leader queued him
    await send(bo, MessageType.CANCEL)
    for socket in (ada, bo):
        assert (await next_of(socket, MessageType.QUEUE_LEFT))["reason"] == "cancelled"

    others = [
        await open_lobby(base, name, guest_cookie(base))
        for base, name in ((web_a, "Cy"), (web_b, "Dee"))
    ]
    await send(ada, MessageType.QUEUE, "football", "2v2")
    for socket in others:
        await send(socket, MessageType.QUEUE, "football", "2v2")
    checks = [await next_of(s, MessageType.READY_CHECK) for s in (ada, bo, *others)]
    assert len({check["pending_id"] for check in checks}) == 1
    assert sorted(name for name, _ in checks[0]["players"]) == ["Ada", "Bo", "Cy", "Dee"]
    for socket in (ada, bo, *others):
        await socket.close()
