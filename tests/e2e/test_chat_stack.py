"""Chat across two real web processes on one Redis: rooms, history, match and spectator
channels, mutes and bans given by an operator's process, and announcements."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
import redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from engine.protocol import CloseCode, MessageType
from loadtest.stack import ROOT, Stack, base_env, guest_cookie, http_json
from tests.helpers import client_frame_of as next_of

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]


class Chat:
    """The stack: one engine worker, two web processes; and its environment."""

    def __init__(self, stack: Stack, web_a: str, web_b: str) -> None:
        self.stack, self.web_a, self.web_b = stack, web_a, web_b

    def manage(self, *args: str) -> str:
        """Run a management command as an operator would, beside the web processes."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.stack.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def sanction(self, chat_id: int, kind: str, hours: int, reason: str) -> None:
        """Mute or ban a player from an operator's process (the admin does the same)."""
        self.manage(
            "shell",
            "-c",
            "import datetime; from django.utils import timezone;"
            "from lobby.chat.models import ChatSanction;"
            f"ChatSanction.objects.create(player_id={chat_id}, kind={kind!r}, reason={reason!r},"
            f" until=timezone.now() + datetime.timedelta(hours={hours}))",
        )


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Chat]:
    """The stack, shared by this module's tests (each uses players of its own)."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    prefix = f"arenatest-{uuid.uuid4().hex[:10]}"
    tmp: Path = tmp_path_factory.mktemp("chat")
    stack = Stack(base_env(tmp, redis_url, prefix), tmp)
    try:
        web_a, web_b = stack.start_all(["engine"], ["web-a", "web-b"])
        yield Chat(stack, web_a, web_b)
    finally:
        stack.stop()
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def ws(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


async def send(socket: ClientConnection, *frame: Any) -> None:
    await socket.send(msgpack.packb(list(frame)))


async def closed_with(socket: ClientConnection) -> int | None:
    """The close code, once the server closes the socket (within 5 s)."""
    async with asyncio.timeout(5):
        try:
            while True:
                await socket.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None


class Guest:
    """A guest's cookie, lobby socket and chat id."""

    def __init__(self, cookie: str, lobby: ClientConnection, chat_id: int) -> None:
        self.cookie, self.lobby, self.chat_id = cookie, lobby, chat_id


async def guest(base: str, name: str, room: str | None = "shooter") -> Guest:
    """A guest in the lobby of ``base`` (in ``room``'s chat, its history read)."""
    cookie = guest_cookie(base)
    socket = await connect(
        ws(base, f"/ws/lobby/?name={name}"), additional_headers={"Cookie": cookie}, open_timeout=5
    )
    welcome = await next_of(socket, MessageType.LOBBY_WELCOME)
    if room is not None:
        await send(socket, MessageType.CHAT_ROOM, room)
        await next_of(socket, MessageType.CHAT_HISTORY, lambda f: f[1] == "lobby")
    return Guest(cookie, socket, welcome[1]["player_id"])


def text_is(text: str) -> Any:
    return lambda frame: frame[1]["text"] == text


async def test_the_lobby_room_spans_web_processes_and_keeps_its_history(chat: Chat) -> None:
    ada, bo = await guest(chat.web_a, "Ada"), await guest(chat.web_b, "Bo")
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "hello from a")
    await send(bo.lobby, MessageType.CHAT_SEND, "lobby", "hello from b")
    for socket in (ada.lobby, bo.lobby):  # (in either order: sent on two processes at once)
        heard = [(await next_of(socket, MessageType.CHAT_MESSAGE))[1] for _ in range(2)]
        senders = {m["text"]: m["from"] for m in heard}
        assert senders == {"hello from a": ada.chat_id, "hello from b": bo.chat_id}
    cy = await guest(chat.web_b, "Cy", room=None)
    await send(cy.lobby, MessageType.CHAT_ROOM, "shooter")
    history = await next_of(cy.lobby, MessageType.CHAT_HISTORY, lambda f: f[1] == "lobby")
    assert sorted(m["text"] for m in history[2][-2:]) == ["hello from a", "hello from b"]
    for player in (ada, bo, cy):
        await player.lobby.close()


async def test_a_mute_and_a_ban_reach_every_web_process_at_once(chat: Chat) -> None:
    ada_a = await guest(chat.web_a, "Ada")
    bo = await guest(chat.web_b, "Bo")
    ada_b = await connect(
        ws(chat.web_b, "/ws/lobby/?name=Ada"), additional_headers={"Cookie": ada_a.cookie}
    )  # the same player's second tab, on the other process
    await next_of(ada_b, MessageType.LOBBY_WELCOME)
    await asyncio.to_thread(chat.sanction, ada_a.chat_id, "mute", 1, "spam")
    for socket in (ada_a.lobby, ada_b):
        status = await next_of(socket, MessageType.CHAT_STATUS)
        assert status[1]["muted"] and status[1]["reason"] == "spam"
    await send(ada_b, MessageType.CHAT_SEND, "lobby", "still here")  # ada_b is in no room
    await send(ada_a.lobby, MessageType.CHAT_SEND, "lobby", "still here")
    error = await next_of(ada_a.lobby, MessageType.CHAT_ERROR)
    assert error[1] == 4, "muted"

    await asyncio.to_thread(chat.sanction, ada_a.chat_id, "ban", 24, "cheating")
    assert await closed_with(ada_a.lobby) == CloseCode.BANNED
    assert await closed_with(ada_b) == CloseCode.BANNED
    again = await connect(
        ws(chat.web_b, "/ws/lobby/?name=Ada"), additional_headers={"Cookie": ada_a.cookie}
    )
    assert await closed_with(again) == CloseCode.BANNED
    status, match = http_json("POST", f"{chat.web_a}/api/matches/", {"mode": "duel"})
    assert status == 201
    status, seat = http_json(
        "POST", f"{chat.web_a}/api/matches/{match['id']}/tickets/", {"name": "Ada"}, ada_a.cookie
    )
    assert status == 201, seat
    refused = await connect(ws(chat.web_b, seat["ws_path"] + "?ticket=" + seat["ticket"]))
    assert await closed_with(refused) == CloseCode.BANNED
    await send(bo.lobby, MessageType.CHAT_SEND, "lobby", "where did Ada go?")
    await next_of(bo.lobby, MessageType.CHAT_MESSAGE, text_is("where did Ada go?"))
    await bo.lobby.close()


async def test_match_channels_and_spectators_across_processes_and_announcements(
    chat: Chat,
) -> None:
    ada, bo, cy = (
        await guest(chat.web_a, "Ada"),
        await guest(chat.web_b, "Bo"),
        await guest(chat.web_b, "Cy"),
    )
    status, match = http_json(
        "POST", f"{chat.web_a}/api/matches/", {"game": "football", "mode": "1v1"}
    )
    assert status == 201

    async def seat(base: str, player: Guest, name: str) -> ClientConnection:
        status, body = http_json(
            "POST", f"{base}/api/matches/{match['id']}/tickets/", {"name": name}, player.cookie
        )
        assert status == 201, body
        socket = await connect(ws(base, body["ws_path"] + "?ticket=" + body["ticket"]))
        await next_of(socket, MessageType.CHAT_HISTORY, lambda f: f[1] == "all")
        return socket

    ada_match = await seat(chat.web_a, ada, "Ada")
    bo_match = await seat(chat.web_b, bo, "Bo")
    watcher = await connect(
        ws(chat.web_a, f"/ws/spectate/{match['id']}/"), additional_headers={"Cookie": cy.cookie}
    )
    await next_of(watcher, MessageType.CHAT_HISTORY, lambda f: f[1] == "spectators")

    await send(bo_match, MessageType.CHAT_SEND, "team", "my plan")
    await send(bo_match, MessageType.CHAT_SEND, "all", "good game")
    await send(watcher, MessageType.CHAT_SEND, "spectators", "Bo is open on the right")
    got = await next_of(ada_match, MessageType.CHAT_MESSAGE)
    assert (got[1]["text"], got[1]["channel"]) == ("good game", "all"), "not Bo's team message"
    said = await next_of(watcher, MessageType.CHAT_MESSAGE)
    assert (said[1]["text"], said[1]["name"]) == ("Bo is open on the right", "Cy")

    output = await asyncio.to_thread(chat.manage, "announce", "Maintenance at 18:00 UTC")
    assert "announced" in output
    for socket in (ada.lobby, bo.lobby, ada_match, bo_match, watcher):
        frame = await next_of(socket, MessageType.ANNOUNCEMENT)
        assert frame[1]["text"] == "Maintenance at 18:00 UTC"
    # the spectators' message went to nobody else: the announcement came after it to both
    await asyncio.to_thread(chat.manage, "announce", "Football cup!", "--game", "football")
    for socket in (ada_match, bo_match, watcher):
        frame = await next_of(socket, MessageType.ANNOUNCEMENT)
        assert frame[1] == {**frame[1], "text": "Football cup!", "game": "football"}
    for socket in (ada.lobby, bo.lobby, cy.lobby, ada_match, bo_match, watcher):
        await socket.close()
